package betlogtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
)

// The lotteries the suite opens logs for: lotteryA creates them, lotteryB
// is another lottery's configuration, which a log created for lotteryA
// must ignore. The IDs have their top bit set, so a format that keeps them
// as signed numbers shows it.
var (
	lotteryA = domain.Lottery{ID: 0xfedc_ba98_7654_3210, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Agencies: 5}
	lotteryB = domain.Lottery{ID: 0x8000_0000_0000_0001, Date: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), Agencies: 7}
)

// oddNames are valid names that a log format could mangle: separators,
// quotes, escapes, spaces never trimmed, non-ASCII that must not be
// normalised, Unicode line separators (not control characters), and the
// longest names valid (100 characters of 4 bytes each).
var oddNames = []string{
	"Ana, María",
	`O'Brien "Junior"`,
	"a|b||c|",
	"  spaced  ",
	` \ `,
	`back\slash \n \t \"`,
	"semi;colon=eq#hash%s%d{}",
	"<tag>&amp;</tag>",
	"Ñandú Pérez-Müller",
	"e\u0301 é", // decomposed and composed é: no normalisation
	"渡辺 さくら",
	"مرحبا بالعالم",
	"🎲🎰 Suerte",
	"\ufeffBOM",
	"line\u2028sep\u2029para",
	"\u00a0nbsp\u00a0",
	strings.Repeat("𝔸", domain.MaxNameLen),
	strings.Repeat("ñ", domain.MaxNameLen),
	strings.Repeat("x", domain.MaxNameLen),
	"0",
}

// oddDocuments are valid documents: leading zeros are kept.
var oddDocuments = []string{"0", "0000000000", "9999999999", "0012345", "1"}

// oddBirthdates are valid birthdates for lotteryA, its own date included.
var oddBirthdates = []string{"2000-02-29", "0001-01-01", "1900-02-28", "2026-12-02", "1999-12-31"}

// streams makes the rows of every agency's stream of bets: valid bets, and
// each row's digest the agency's stream's after it, as the store would
// append them.
type streams struct {
	t        *testing.T
	day      domain.Day
	digester domain.Digester
	held     map[int]domain.Done // each agency's bets so far, as its done would report them
	odd      bool                // make bets of odd content only
}

// newStreams returns streams that go on from rows, as replayed.
func newStreams(t *testing.T, rows []domain.Row) *streams {
	s := &streams{t: t, day: domain.DayOf(lotteryA.Date), held: make(map[int]domain.Done)}
	for _, r := range rows {
		h := s.held[r.Bet.Agency]
		s.held[r.Bet.Agency] = domain.Done{Agency: r.Bet.Agency, Total: h.Total + 1, Digest: r.Digest}
	}
	return s
}

// bet returns the n-th bet of agency's stream.
func (s *streams) bet(agency int, n uint64) domain.Bet {
	b := domain.Bet{
		Agency:    agency,
		FirstName: fmt.Sprintf("Nombre %d-%d", agency, n),
		LastName:  oddNames[n%uint64(len(oddNames))],
		Document:  fmt.Sprintf("%08d", uint64(agency)*1_000_000+n),
		Birthdate: oddBirthdates[n%uint64(len(oddBirthdates))],
		Number:    int(n*37) % (domain.MaxNumber + 1),
	}
	if s.odd {
		b.FirstName = oddNames[(n+7)%uint64(len(oddNames))]
		b.Document = oddDocuments[n%uint64(len(oddDocuments))]
		b.Number = [...]int{0, domain.MaxNumber, domain.WinningNumber}[n%3]
	}
	return b
}

// next returns the next row of agency's stream.
func (s *streams) next(agency int) domain.Row {
	s.t.Helper()
	h := s.held[agency]
	b := s.bet(agency, h.Total)
	if err := b.ValidateBy(s.day); err != nil {
		s.t.Fatalf("betlogtest made an invalid bet %+v: %v", b, err)
	}
	d := s.digester.Add(h.Digest, b)
	s.held[agency] = domain.Done{Agency: agency, Total: h.Total + 1, Digest: d}
	return domain.Row{Bet: b, Digest: d}
}

// group returns n rows, of the agencies given in turn.
func (s *streams) group(n int, agencies ...int) []domain.Row {
	s.t.Helper()
	rows := make([]domain.Row, n)
	for i := range rows {
		rows[i] = s.next(agencies[i%len(agencies)])
	}
	return rows
}

// done returns agency's done, reporting the bets made so far.
func (s *streams) done(agency int) domain.Done {
	d := s.held[agency]
	d.Agency = agency
	return d
}
