// Package gen writes deterministic synthetic agency files in the course's
// format (first_name,last_name,document,birthdate,number) for the make
// targets, tests and benchmarks. Row i of a Spec is a pure function of the
// Spec and i, so tests can know any row without reading a file.
package gen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tp0/loteria/domain"
)

// OddEvery is the spacing of the rows with an odd but valid name: rows whose
// index is a multiple of it take their names from a fixed list of names with
// commas, quotes, symbols, emoji, CJK or spaces at the ends.
const OddEvery = 97

// Spec describes one synthetic agency file.
type Spec struct {
	Agency  int   // the agency the bets belong to, at least 1
	Rows    int   // how many bets
	Winners []int // 0-based indexes of the rows that play domain.WinningNumber
	Seed    int64 // with Agency, picks the file's contents
}

var (
	firstDay = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	days     = int(time.Date(2004, 12, 31, 0, 0, 0, 0, time.UTC).Sub(firstDay).Hours()/24) + 1
)

// Write streams the rows of s to w as CSV, LF line ends, in constant memory.
// It fails, writing nothing, if s has no agency, a negative row count, or a
// winner index outside the rows.
func Write(w io.Writer, s Spec) error {
	if err := s.check(); err != nil {
		return err
	}
	win := make(map[int]bool, len(s.Winners))
	for _, i := range s.Winners {
		win[i] = true
	}
	cw := csv.NewWriter(bufio.NewWriterSize(w, 64<<10))
	var rng rowRand
	var rec [5]string
	for i := range s.Rows {
		b := row(rng.at(s, i), s, i, win[i])
		rec[0], rec[1], rec[2], rec[3] = b.FirstName, b.LastName, b.Document, b.Birthdate
		rec[4] = strconv.Itoa(b.Number)
		if err := cw.Write(rec[:]); err != nil {
			return fmt.Errorf("write row %d: %w", i, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

// Bet returns row i of s, exactly as Write writes it.
func Bet(s Spec, i int) domain.Bet {
	var rng rowRand
	win := false
	for _, w := range s.Winners {
		win = win || w == i
	}
	return row(rng.at(s, i), s, i, win)
}

// Spread returns min(winners, rows) distinct row indexes spread evenly over
// rows, in increasing order: the middles of equal slices of the file.
func Spread(rows, winners int) []int {
	winners = min(winners, rows)
	if winners <= 0 {
		return nil
	}
	idx := make([]int, winners)
	for k := range idx {
		idx[k] = int((2*int64(k) + 1) * int64(rows) / (2 * int64(winners)))
	}
	return idx
}

func (s Spec) check() error {
	if s.Agency < 1 {
		return fmt.Errorf("agency must be at least 1, got %d", s.Agency)
	}
	if s.Rows < 0 {
		return fmt.Errorf("rows must not be negative, got %d", s.Rows)
	}
	for _, i := range s.Winners {
		if i < 0 || i >= s.Rows {
			return fmt.Errorf("winner row %d is outside rows 0..%d", i, s.Rows-1)
		}
	}
	return nil
}

// rowRand is a generator reseeded for each row, so that row i depends only
// on the spec and i.
type rowRand struct {
	pcg rand.PCG
	r   *rand.Rand
}

func (g *rowRand) at(s Spec, i int) *rand.Rand {
	if g.r == nil {
		g.r = rand.New(&g.pcg)
	}
	g.pcg.Seed(mix(uint64(s.Seed)), mix(uint64(s.Agency)<<32^uint64(i)))
	return g.r
}

// mix is SplitMix64's finalizer: it spreads nearby seeds far apart.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func row(r *rand.Rand, s Spec, i int, win bool) domain.Bet {
	b := domain.Bet{
		Agency:    s.Agency,
		FirstName: firstNames[r.IntN(len(firstNames))],
		LastName:  lastNames[r.IntN(len(lastNames))],
		Document:  strconv.Itoa(10_000_000 + r.IntN(90_000_000)),
		Birthdate: firstDay.AddDate(0, 0, r.IntN(days)).Format(domain.DateLayout),
		Number:    domain.WinningNumber,
	}
	if !win {
		b.Number = r.IntN(domain.MaxNumber) // 0..MaxNumber-1, then skip the winner
		if b.Number >= domain.WinningNumber {
			b.Number++
		}
	}
	if i%OddEvery == 0 {
		k := i / OddEvery
		b.FirstName = oddNames[k%len(oddNames)]
		b.LastName = oddNames[(k+len(oddNames)/2)%len(oddNames)]
	}
	return b
}
