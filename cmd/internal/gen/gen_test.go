package gen_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tp0/loteria/cmd/internal/gen"
	"github.com/tp0/loteria/domain"
)

func mustWrite(tb testing.TB, s gen.Spec) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gen.Write(&buf, s); err != nil {
		tb.Fatalf("Write(%+v): %v", s, err)
	}
	return buf.Bytes()
}

// mustRead reads an agency file back, failing on any invalid row.
func mustRead(tb testing.TB, data []byte, agency int) []domain.Bet {
	tb.Helper()
	ar := domain.NewAgencyReader(bytes.NewReader(data), agency)
	var bets []domain.Bet
	for {
		b, _, err := ar.Next()
		if err == io.EOF {
			return bets
		}
		if err != nil {
			tb.Fatalf("row %d: %v", len(bets), err)
		}
		bets = append(bets, b)
	}
}

func TestDeterministic(t *testing.T) {
	s := gen.Spec{Agency: 3, Rows: 500, Winners: gen.Spread(500, 3), Seed: 42}
	a, b := mustWrite(t, s), mustWrite(t, s)
	if !bytes.Equal(a, b) {
		t.Fatal("same spec wrote different bytes")
	}
	for _, other := range []gen.Spec{
		{Agency: 4, Rows: 500, Winners: s.Winners, Seed: 42},
		{Agency: 3, Rows: 500, Winners: s.Winners, Seed: 43},
	} {
		if bytes.Equal(a, mustWrite(t, other)) {
			t.Errorf("spec %+v wrote the same bytes as %+v", other, s)
		}
	}
	t.Run("PrefixStable", func(t *testing.T) {
		short := s
		short.Rows, short.Winners = 100, []int{5}
		long := s
		long.Rows, long.Winners = 1000, []int{5}
		if !bytes.HasPrefix(mustWrite(t, long), mustWrite(t, short)) {
			t.Error("the first rows changed with the row count")
		}
	})
}

func TestWriteMatchesBet(t *testing.T) {
	tests := []gen.Spec{
		{Agency: 1, Rows: 0},
		{Agency: 1, Rows: 1, Winners: []int{0}},
		{Agency: 2, Rows: 100, Winners: gen.Spread(100, 2), Seed: 1},
		{Agency: 5, Rows: 2000, Winners: []int{0, 96, 97, 1999}, Seed: -7},
		{Agency: 1000, Rows: 300, Seed: 1 << 40},
	}
	for _, s := range tests {
		t.Run(fmt.Sprintf("agency%d/rows%d", s.Agency, s.Rows), func(t *testing.T) {
			data := mustWrite(t, s)
			if bytes.Contains(data, []byte("\r")) || (s.Rows > 0 && !bytes.HasSuffix(data, []byte("\n"))) {
				t.Error("want LF line ends")
			}
			bets := mustRead(t, data, s.Agency)
			if len(bets) != s.Rows {
				t.Fatalf("read %d rows, want %d", len(bets), s.Rows)
			}
			var winners []int
			for i, b := range bets {
				if want := gen.Bet(s, i); b != want {
					t.Fatalf("row %d = %+v, Bet says %+v", i, b, want)
				}
				if err := b.Validate(); err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				if len(b.Document) != 8 || b.Birthdate < "1950-01-01" || b.Birthdate > "2004-12-31" {
					t.Errorf("row %d out of the course's ranges: %+v", i, b)
				}
				if b.Wins() {
					winners = append(winners, i)
				}
			}
			if want := slices.Sorted(slices.Values(s.Winners)); !slices.Equal(winners, want) {
				t.Errorf("winning rows %v, want %v", winners, want)
			}
		})
	}
}

func TestOddNames(t *testing.T) {
	s := gen.Spec{Agency: 1, Rows: 40 * gen.OddEvery, Seed: 9}
	bets := mustRead(t, mustWrite(t, s), s.Agency)
	odd := make(map[string]bool)
	for i := 0; i < s.Rows; i += gen.OddEvery {
		if bets[i] != gen.Bet(s, i) {
			t.Errorf("row %d = %+v, want %+v", i, bets[i], gen.Bet(s, i))
		}
		odd[bets[i].FirstName] = true
		odd[bets[i].LastName] = true
	}
	for _, probe := range []string{",", `"`, "+", "*", ":", "|", ";", "😀", "李", "\u200d"} {
		if !anyContains(odd, probe) {
			t.Errorf("no odd name contains %q", probe)
		}
	}
	if !odd[" Espacio"] {
		t.Error("no odd name with a leading space")
	}
}

func anyContains(set map[string]bool, sub string) bool {
	for s := range set {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestSpread(t *testing.T) {
	tests := []struct {
		rows, winners int
		want          []int
	}{
		{100, 0, nil},
		{100, -1, nil},
		{0, 3, nil},
		{100, 1, []int{50}},
		{100, 2, []int{25, 75}},
		{100, 4, []int{12, 37, 62, 87}},
		{3, 5, []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d", tt.rows, tt.winners), func(t *testing.T) {
			if got := gen.Spread(tt.rows, tt.winners); !slices.Equal(got, tt.want) {
				t.Errorf("Spread(%d, %d) = %v, want %v", tt.rows, tt.winners, got, tt.want)
			}
		})
	}
	t.Run("Properties", func(t *testing.T) {
		for _, rows := range []int{1, 2, 7, 97, 100, 1000, 10_000_000} {
			for _, w := range []int{1, 2, 3, 5, 10, 99, 1000} {
				got := gen.Spread(rows, w)
				if len(got) != min(rows, w) {
					t.Fatalf("Spread(%d, %d) has %d indexes", rows, w, len(got))
				}
				for k, i := range got {
					if i < 0 || i >= rows || (k > 0 && i <= got[k-1]) {
						t.Fatalf("Spread(%d, %d) = %v: not increasing within rows", rows, w, got)
					}
				}
				if gap := rows / len(got); len(got) > 1 && got[1]-got[0] < gap {
					t.Errorf("Spread(%d, %d) gap %d, want at least %d", rows, w, got[1]-got[0], gap)
				}
			}
		}
	})
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		spec gen.Spec
	}{
		{"NoAgency", gen.Spec{Rows: 1}},
		{"NegativeRows", gen.Spec{Agency: 1, Rows: -1}},
		{"WinnerPastEnd", gen.Spec{Agency: 1, Rows: 10, Winners: []int{10}}},
		{"NegativeWinner", gen.Spec{Agency: 1, Rows: 10, Winners: []int{-1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := gen.Write(&buf, tt.spec); err == nil || buf.Len() > 0 {
				t.Errorf("Write(%+v) = %v after %d bytes, want an error and nothing written", tt.spec, err, buf.Len())
			}
		})
	}
	t.Run("Writer", func(t *testing.T) {
		errDisk := errors.New("disk full")
		err := gen.Write(failWriter{errDisk}, gen.Spec{Agency: 1, Rows: 10_000})
		if !errors.Is(err, errDisk) {
			t.Errorf("Write error = %v, want %v", err, errDisk)
		}
	})
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func BenchmarkWrite(b *testing.B) {
	s := gen.Spec{Agency: 1, Rows: 100_000, Winners: gen.Spread(100_000, 5)}
	var n countWriter
	for b.Loop() {
		if err := gen.Write(&n, s); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(n) / int64(b.N))
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func ExampleBet() {
	s := gen.Spec{Agency: 2, Rows: 100, Winners: gen.Spread(100, 2), Seed: 1}
	fmt.Println(s.Winners, gen.Bet(s, 25).Number, gen.Bet(s, 26).Wins())
	// Output: [25 75] 7574 false
}
