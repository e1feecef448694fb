package actors_test

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// FuzzStoreRecoversDigests: whatever valid bets agencies send — odd names
// with commas, quotes, emoji, resends, overlaps, batches past the index
// stride, newer sessions, finished agencies, restarts in between — a
// reopened store recovers exactly the counts and digests the running store
// reported: each agency's new Session has the Stored and Digest its last
// Append returned, which are the count and domain.Digester's digest of the
// bets sent; the bets file holds those bets, and resends are checked
// against them. The script drives the run byte by byte; the seeds run in
// plain go test.
func FuzzStoreRecoversDigests(f *testing.F) {
	for _, ops := range [][][]byte{
		{},
		{
			small(1, 5, 1, 0), small(2, 3, 2, 0), small(1, 4, 3, 2), session(1), restart,
			resend(1, 2, 3, 1), finish(2), small(2, 2, 4, 0), small(2, 0, 4, 1), restart,
		},
		// Past the index stride, resends far back, then from the file.
		{
			bulk(1, 255, 1, 0), bulk(2, 100, 2, 0), bulk(1, 50, 3, 5), resend(1, 10, 5, 2),
			resend(1, 1023, 3, 0), resend(1, 1100, 64, 10), restart, resend(1, 1, 64, 63),
			resend(1, 1500, 20, 7), resend(2, 599, 1, 0), session(2), finish(1), restart,
		},
		// Odd names from the script's own bytes, a winner among them.
		{
			fromScript(3, 2, 0,
				[]byte{0xe0, 7}, []byte("Zoë,\"q\""), []byte{0xa5, 5, 0, 1, 2, 9, 3, 7}, []byte{3, 0x1d, 0x96, 1, 2, 0, 0, 7},
				[]byte{0xf0, 3}, []byte(" \\.\""), []byte{0x10, 4, 0, 1, 2, 3, 1, 1, 0, 9}),
			restart, resend(3, 0, 2, 1), fromScript(3, 1, 1), restart,
		},
		// Pipelined appends, then resends of what they stored.
		{{8, 0, 1, 2, 1, 0, 5, 2, 3, 7, 3, 4}, {8, 0, 0, 7, 9, 5, 7, 10, 2}, resend(1, 3, 9, 4), restart, resend(1, 0, 20, 13)},
		// Sessions one after the other, empty appends.
		{small(1, 7, 9, 0), session(1), small(1, 7, 10, 3), session(1), session(1), small(1, 0, 0, 0), small(3, 0, 0, 0), restart, finish(3), restart},
	} {
		f.Add(slices.Concat(ops...))
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		newRecoveryRun(t).play(script)
	})
}

// The script's operations, as the seeds write them: an op, an agency
// (0-based) and the op's bytes.
var restart = []byte{6, 0}

func small(agency, n, seed, back byte) []byte { return []byte{0, agency - 1, n, seed, back} }
func bulk(agency, k, seed, back byte) []byte  { return []byte{3, agency - 1, k, seed, back} }
func session(agency byte) []byte              { return []byte{5, agency - 1} }
func finish(agency byte) []byte               { return []byte{7, agency - 1} }

func resend(agency byte, first uint16, n, changed byte) []byte {
	return []byte{4, agency - 1, byte(first >> 8), byte(first), n - 1, changed}
}

func fromScript(agency, n, back byte, bets ...[]byte) []byte {
	return slices.Concat(append([][]byte{{2, agency - 1, n, back}}, bets...)...)
}

const (
	fuzzAgencies = 3
	indexStride  = 1024 // the store's, for the log
)

// recoveryRun plays a script against a store and keeps what every agency
// has sent and been told, to check a reopened store against.
type recoveryRun struct {
	t        *testing.T
	path     string
	date     time.Time
	s        *actors.Store
	stop     func() error
	sessions map[int]*actors.Session
	sent     [fuzzAgencies + 1][]domain.Bet    // the bets stored, by agency
	last     [fuzzAgencies + 1]actors.Appended // what the last append returned
	finished [fuzzAgencies + 1]bool
	script   []byte
	did      map[string]int // operations done, for the log
}

func newRecoveryRun(t *testing.T) *recoveryRun {
	r := &recoveryRun{t: t, path: filepath.Join(t.TempDir(), "bets.csv"), did: map[string]int{}}
	r.date, _ = domain.ParseDate(testDate)
	r.open(testDate)
	return r
}

func (r *recoveryRun) play(script []byte) {
	r.script = script
	for ops := 0; len(r.script) > 0 && ops < 48; ops++ {
		op, a := r.next()%9, r.next()%fuzzAgencies+1
		switch op {
		case 0, 1: // a few random bets
			n := r.next() % 8
			r.append(a, n, randSource{rand.New(rand.NewPCG(uint64(r.next()), uint64(n)))})
		case 2: // a few bets made of the script's bytes
			r.append(a, r.next()%8, scriptSource{r})
		case 3: // a bulk batch of 200 to 1220 random bets: past the index stride
			n := 200 + 4*r.next()
			r.append(a, n, randSource{rand.New(rand.NewPCG(uint64(r.next()), uint64(n)))})
		case 4:
			r.resend(a)
		case 5:
			r.reopenSession(a)
		case 6:
			r.restart()
		case 7:
			r.finish(a)
		case 8:
			r.pipeline(a, 2+r.next()%4)
		}
	}
	r.restart()
	r.checkFile()
	mustStop(r.t, r.stop)
	r.t.Logf("did %v; stored %d, %d, %d", r.did, len(r.sent[1]), len(r.sent[2]), len(r.sent[3]))
}

// next returns the script's next byte, 0 once it is exhausted.
func (r *recoveryRun) next() int {
	if len(r.script) == 0 {
		return 0
	}
	c := r.script[0]
	r.script = r.script[1:]
	return int(c)
}

// open opens and runs the store; date is the configured lottery date.
func (r *recoveryRun) open(date string) {
	r.s = mustOpenConfig(r.t, actors.StoreConfig{Path: r.path, Agencies: fuzzAgencies, Date: date})
	r.stop = start(r.t, r.s)
	r.sessions = map[int]*actors.Session{}
}

func (r *recoveryRun) session(a int) *actors.Session {
	if r.sessions[a] == nil {
		r.sessions[a] = mustSession(r.t, r.s, a)
	}
	return r.sessions[a]
}

// append sends agency a's next n bets, with up to 5 bets already held
// before them (an overlap).
func (r *recoveryRun) append(a, n int, src source) {
	t := r.t
	held := len(r.sent[a])
	back := min(r.next()%6, held)
	fresh := make([]domain.Bet, n)
	for i := range fresh {
		fresh[i] = r.bet(src)
	}
	first := held - back
	res, err := r.session(a).Append(testCtx(t), uint64(first), append(bets(r.sent[a][first:]...), fresh...))
	if r.finished[a] && n > 0 {
		if !errors.Is(err, domain.ErrFinished) {
			t.Fatalf("agency %d, finished: Append(%d, %d held + %d new) = %+v, %v; want ErrFinished", a, first, back, n, res, err)
		}
		r.did["append after finish"]++
		return
	}
	all := append(bets(r.sent[a]...), fresh...)
	if want := (actors.Appended{Stored: uint64(len(all)), Digest: digestOf(all...), New: n}); err != nil || res != want {
		t.Fatalf("agency %d: Append(%d, %d held + %d new) = %+v, %v; want %+v", a, first, back, n, res, err, want)
	}
	r.sent[a], r.last[a] = all, res
	r.did["append"]++
	if back > 0 {
		r.did["overlap"]++
	}
}

// pipeline enqueues k appends of agency a's next bets, each overlapping
// the one before, without waiting: as a connection with a window of
// batches in flight, which the store may commit in one group.
func (r *recoveryRun) pipeline(a, k int) {
	t := r.t
	if r.finished[a] {
		return
	}
	ctx := testCtx(t)
	ss := r.session(a)
	type inflight struct {
		wait *actors.AppendFuture
		want actors.Appended
	}
	var sent []inflight
	for range k {
		n, seed := r.next()%8, r.next()
		src := randSource{rand.New(rand.NewPCG(uint64(seed), uint64(n)))}
		held := len(r.sent[a])
		first := held - min(r.next()%6, held)
		batch := bets(r.sent[a][first:]...)
		for range n {
			batch = append(batch, r.bet(src))
		}
		wait, err := ss.Enqueue(ctx, uint64(first), batch, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.sent[a] = append(r.sent[a], batch[held-first:]...)
		sent = append(sent, inflight{wait, actors.Appended{Stored: uint64(len(r.sent[a])), Digest: digestOf(r.sent[a]...), New: n}})
	}
	for i, p := range sent {
		if res, err := p.wait.Wait(ctx); err != nil || res != p.want {
			t.Fatalf("agency %d: pipelined append %d of %d = %+v, %v; want %+v", a, i, k, res, err, p.want)
		}
		r.last[a] = p.want
	}
	r.did["pipeline"]++
}

// resend sends again a range of agency a's bets held, as they are (which
// is acknowledged) and with one changed (which is refused).
func (r *recoveryRun) resend(a int) {
	t := r.t
	held := len(r.sent[a])
	if held == 0 {
		return
	}
	first := (r.next()<<8 | r.next()) % held
	n := 1 + r.next()%min(held-first, 64)
	ss := r.session(a)
	again := bets(r.sent[a][first : first+n]...)
	want := actors.Appended{Stored: uint64(held), Digest: digestOf(r.sent[a]...)}
	if res, err := ss.Append(testCtx(t), uint64(first), again); err != nil || res != want {
		t.Fatalf("agency %d: resend Append(%d, %d bets) = %+v, %v; want %+v", a, first, n, res, err, want)
	}
	i := r.next() % n
	again[i].Number = (again[i].Number + 1) % (domain.MaxNumber + 1)
	if res, err := ss.Append(testCtx(t), uint64(first), again); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("agency %d: resend Append(%d, %d bets) with bet %d changed = %+v, %v; want ErrConflict", a, first, n, first+i, res, err)
	}
	r.did["resend"]++
	if first+indexStride < held {
		r.did["resend past the stride"]++
	}
}

// reopenSession opens a newer session for agency a, as a reconnecting
// agency would, and checks what it reports.
func (r *recoveryRun) reopenSession(a int) {
	old := r.sessions[a]
	r.sessions[a] = nil
	r.checkSession(a)
	if old != nil {
		mustRecv(r.t, old.Fenced())
	}
	r.did["session"]++
}

func (r *recoveryRun) finish(a int) {
	if err := r.session(a).Finish(testCtx(r.t), uint64(len(r.sent[a])), digestOf(r.sent[a]...)); err != nil {
		r.t.Fatalf("agency %d: Finish(%d): %v", a, len(r.sent[a]), err)
	}
	r.finished[a] = true
	r.did["finish"]++
}

// restart stops the store and opens it again (without a date: the store
// keeps its lottery's), then checks every agency's recovered stream.
func (r *recoveryRun) restart() {
	t := r.t
	mustStop(t, r.stop)
	r.open("")
	r.did["restart"]++
	rec := r.s.Recovered()
	var stored []uint64
	var finished []int
	for a := 1; a <= fuzzAgencies; a++ {
		stored = append(stored, uint64(len(r.sent[a])))
		if r.finished[a] {
			finished = append(finished, a)
		}
	}
	if !reflect.DeepEqual(rec.Stored, stored) || !slices.Equal(rec.Finished, finished) || len(rec.Repairs) != 0 {
		t.Fatalf("Recovered = %+v, want stored %v, finished %v, nothing torn", rec, stored, finished)
	}
	for a := 1; a <= fuzzAgencies; a++ {
		r.checkSession(a)
	}
}

// checkSession opens agency a's session and checks it starts where the
// agency's last append left it.
func (r *recoveryRun) checkSession(a int) {
	ss := r.session(a)
	want := r.last[a]
	if len(r.sent[a]) == 0 {
		want = actors.Appended{}
	}
	if ss.Held().Stored != want.Stored || ss.Held().Digest != want.Digest || ss.Held().Digest != digestOf(r.sent[a]...) || ss.Held().Finished != r.finished[a] {
		r.t.Fatalf("agency %d: session at %d stored, digest %v, finished %t; the last append returned %d, %v, the bets sent make %d, %v, finished %t",
			a, ss.Held().Stored, ss.Held().Digest, ss.Held().Finished, want.Stored, want.Digest, len(r.sent[a]), digestOf(r.sent[a]...), r.finished[a])
	}
}

// checkFile checks that the bets file holds exactly the bets sent, and
// that the draw finds their winners.
func (r *recoveryRun) checkFile() {
	all := mustReadBets(r.t, r.path)
	winners := map[int][]string{}
	for a := 1; a <= fuzzAgencies; a++ {
		if got, want := betsOf(all, a), withAgency(a, r.sent[a]...); !reflect.DeepEqual(got, want) {
			r.t.Fatalf("agency %d: the bets file holds %d bets, not the %d sent (first difference at %d)", a, len(got), len(want), firstDifference(got, want))
		}
		for _, b := range r.sent[a] {
			if b.Wins() {
				winners[a] = append(winners[a], b.Document)
			}
		}
	}
	if got := mustDraw(r.t, r.s); !reflect.DeepEqual(got, winners) {
		r.t.Fatalf("Draw = %v, want %v", got, winners)
	}
}

// oddNames are names that need care in a CSV file or in UTF-8, and
// oddRunes what random names are made of.
var (
	oddNames = []string{
		"Ana", "Ana, María", `O"Brien "Jr"`, `"`, `""`, ",", ",,", `\.`, `\`, "Zoë 😀", "👨‍👩‍👧‍👦",
		" leading", "trailing ", "\u00a0nbsp", "\u2028", "日本語", "a\"b,c", "'", "#", ";|",
		strings.Repeat("ñ", domain.MaxNameLen), strings.Repeat("😀", domain.MaxNameLen),
	}
	oddRunes   = []rune{',', '"', '\\', '.', ' ', '\u00a0', 'a', 'Z', 'ñ', '😀', '日', '\u200d', '\'', ';'}
	birthdates = []string{"1900-01-01", "1999-03-17", "2000-02-29", "2024-05-31", testDate}
)

// source gives the bytes bets are made from: the script's, or random ones.
type source interface{ byte() int }

type scriptSource struct{ r *recoveryRun }

func (s scriptSource) byte() int { return s.r.next() }

type randSource struct{ *rand.Rand }

func (s randSource) byte() int { return int(s.Uint32() & 0xff) }

// bet returns a valid bet made from src.
func (r *recoveryRun) bet(src source) domain.Bet {
	b := domain.Bet{
		Agency:    1, // the store sets the session's
		FirstName: r.name(src),
		LastName:  r.name(src),
		Birthdate: birthdates[src.byte()%len(birthdates)],
		Number:    (src.byte()<<8 | src.byte()) % (domain.MaxNumber + 1),
	}
	if src.byte()%4 == 0 {
		b.Number = domain.WinningNumber
	}
	doc := make([]byte, 1+src.byte()%domain.MaxDocumentLen)
	for i := range doc {
		doc[i] = '0' + byte(src.byte()%10)
	}
	b.Document = string(doc)
	if err := b.ValidateOn(r.date); err != nil {
		r.t.Fatalf("the test made an invalid bet %+v: %v", b, err)
	}
	return b
}

// name returns a name from oddNames, made of oddRunes, or made of raw
// bytes if they make a valid name.
func (r *recoveryRun) name(src source) string {
	c := src.byte()
	switch {
	case c < 0xa0:
		return oddNames[c%len(oddNames)]
	case c < 0xe0:
		rs := make([]rune, 1+src.byte()%12)
		for i := range rs {
			rs[i] = oddRunes[src.byte()%len(oddRunes)]
		}
		return string(rs)
	}
	raw := make([]byte, 1+src.byte()%12)
	for i := range raw {
		raw[i] = byte(src.byte())
	}
	name := string(raw)
	if err := (domain.Bet{Agency: 1, FirstName: name, LastName: "x", Document: "1", Birthdate: testDate}).ValidateOn(r.date); err != nil {
		return oddNames[c%len(oddNames)]
	}
	return name
}
