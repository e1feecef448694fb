package domain_test

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
)

type row struct {
	bet  domain.Bet
	line int
	err  error
}

func readAll(tb testing.TB, r io.Reader, agency int) []row {
	tb.Helper()
	ar := domain.NewAgencyReader(r, agency)
	var out []row
	for {
		b, line, err := ar.Next()
		if err == io.EOF {
			return out
		}
		var re *domain.RowError
		if err != nil && !errors.As(err, &re) {
			tb.Fatalf("Next: %v", err)
		}
		out = append(out, row{b, line, err})
	}
}

func TestAgencyReaderCRLFAndBOM(t *testing.T) {
	file := "\uFEFFNicolás,Sánchez,30904465,1999-03-17,7574\r\n\"Ana, \"\"la\"\" 😀\",Saldaña,0012,1980-01-01,0\r\n"
	rows := readAll(t, strings.NewReader(file), 3)
	want := []domain.Bet{
		{Agency: 3, FirstName: "Nicolás", LastName: "Sánchez", Document: "30904465", Birthdate: "1999-03-17", Number: 7574},
		{Agency: 3, FirstName: `Ana, "la" 😀`, LastName: "Saldaña", Document: "0012", Birthdate: "1980-01-01", Number: 0},
	}
	if len(rows) != len(want) {
		t.Fatalf("read %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, r := range rows {
		if r.err != nil || r.bet != want[i] || r.line != i+1 {
			t.Errorf("row %d = %+v (line %d, %v), want %+v on line %d", i, r.bet, r.line, r.err, want[i], i+1)
		}
	}
}

func TestAgencyReaderReportsBadRowsAndGoesOn(t *testing.T) {
	file := strings.Join([]string{
		"Ana,Pérez,1,1990-01-01,1",     // 1 ok
		"Ana,Pérez,1,1990-01-01",       // 2 missing field
		"Ana,,1,1990-01-01,1",          // 3 empty last name
		"Ana,Pérez,x1,1990-01-01,1",    // 4 bad document
		"Ana,Pérez,1,1990-02-30,1",     // 5 bad date
		"Ana,Pérez,1,1990-01-01,10000", // 6 bad number
		`Ana,O"Brien,1,1990-01-01,1`,   // 7 bare quote
		"Ana,Pérez,2,1990-01-01,2",     // 8 ok
	}, "\n") + "\n"
	rows := readAll(t, strings.NewReader(file), 1)
	var okLines, badLines []int
	for _, r := range rows {
		if r.err != nil {
			badLines = append(badLines, r.line)
		} else {
			okLines = append(okLines, r.line)
		}
	}
	if got, want := badLines, []int{2, 3, 4, 5, 6, 7}; !equalInts(got, want) {
		t.Errorf("bad rows on lines %v, want %v", got, want)
	}
	if got, want := okLines, []int{1, 8}; !equalInts(got, want) {
		t.Errorf("good rows on lines %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// courseDataset opens the course's dataset, kept outside the project in
// ../shared, or skips the test when it is absent.
func courseDataset(tb testing.TB) *zip.ReadCloser {
	tb.Helper()
	path := filepath.Join("..", "..", "shared", "datasets", "dataset.zip")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("course dataset not found at %s (it lives outside the project): %v", path, err)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatalf("open dataset: %v", err)
	}
	tb.Cleanup(func() { z.Close() })
	return z
}

func TestCourseDatasetIsAllValidWithKnownWinners(t *testing.T) {
	z := courseDataset(t)
	wantRows := []int{26936, 25518, 16014, 9238, 991}
	wantWinners := []int{2, 3, 3, 2, 0}
	for i := range wantRows {
		agency := i + 1
		f, err := z.Open("agency-" + string(rune('0'+agency)) + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, winners := 0, 0
		for _, r := range readAll(t, f, agency) {
			if r.err != nil {
				t.Errorf("agency %d: %v", agency, r.err)
				continue
			}
			rows++
			if r.bet.Wins() {
				winners++
			}
		}
		f.Close()
		if rows != wantRows[i] || winners != wantWinners[i] {
			t.Errorf("agency %d: %d rows, %d winners; want %d, %d", agency, rows, winners, wantRows[i], wantWinners[i])
		}
	}
}

func TestAgencyReaderLineEdges(t *testing.T) {
	long := strings.Repeat("x", 100<<10)   // longer than the reader's buffer
	file := "Ana,Pérez,1,1990-01-01,1\n" + // 1
		"\n" + // 2 empty: skipped
		long + ",B,2,1990-01-01,2\n" + // 3 too long a name
		"\"Ana,Pérez,3,1990-01-01,3\n" + // 4 a quote never closed
		"Eva,Ruiz,4,1990-01-01,4" // 5 no line end
	rows := readAll(t, strings.NewReader(file), 1)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d:%v", r.line, r.err == nil))
	}
	if want := "1:true 3:false 4:false 5:true"; strings.Join(got, " ") != want {
		t.Fatalf("rows %q, want %q", strings.Join(got, " "), want)
	}
}

// TestAgencyReaderOnAFixedDate: the same file read against the same date
// gives the same rows, whatever the clock says meanwhile.
func TestAgencyReaderOnAFixedDate(t *testing.T) {
	day := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	file := "Ana,Pérez,1,2030-05-01,1\nEva,Ruiz,2,2030-05-02,2\n" // today; tomorrow
	for _, tc := range []struct {
		on   time.Time
		want string
	}{{day, "1:true 2:false"}, {day.AddDate(0, 0, 1), "1:true 2:true"}} {
		var got []string
		ar := domain.NewAgencyReaderOn(strings.NewReader(file), 1, tc.on)
		for {
			_, line, err := ar.Next()
			if err == io.EOF {
				break
			}
			got = append(got, fmt.Sprintf("%d:%v", line, err == nil))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("on %s: rows %v, want %s", tc.on.Format(domain.DateLayout), got, tc.want)
		}
	}
}

// longRow returns a row of n bytes, its line end not counted: a first name
// of x's padded to length, which parses but is too long a name.
func longRow(n int) string {
	const rest = ",B,2,1990-01-01,2"
	return strings.Repeat("x", n-len(rest)) + rest
}

// TestAgencyReaderMaxLineLen: a line of MaxLineLen bytes is read whole (and
// judged as a row: too long a name); one byte more is reported as too long,
// with its number, and skipped, and the next line is read normally, with
// its own number.
func TestAgencyReaderMaxLineLen(t *testing.T) {
	next := "Eva,Ruiz,4,1990-01-01,4"
	wantNext := domain.Bet{Agency: 1, FirstName: "Eva", LastName: "Ruiz", Document: "4", Birthdate: "1990-01-01", Number: 4}
	for _, tt := range []struct {
		name    string
		line    string
		tooLong bool
	}{
		{"AtTheLimit", longRow(domain.MaxLineLen) + "\n", false},
		{"AtTheLimitCRLF", longRow(domain.MaxLineLen) + "\r\n", false},
		{"OneOver", longRow(domain.MaxLineLen+1) + "\n", true},
		{"OneOverCRLF", longRow(domain.MaxLineLen+1) + "\r\n", true},
		{"TwoOver", longRow(domain.MaxLineLen+2) + "\n", true},
		{"ThreeOver", longRow(domain.MaxLineLen+3) + "\n", true},
		{"AMebibyte", longRow(1<<20) + "\n", true},
		{"OverWithCRInside", longRow(domain.MaxLineLen) + "\r" + "x\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := "Ana,Pérez,1,1990-01-01,1\n" + tt.line + next + "\n"
			rows := readAll(t, strings.NewReader(file), 1)
			if len(rows) != 3 {
				t.Fatalf("read %d rows, want 3: %v", len(rows), rows)
			}
			var re *domain.RowError
			if !errors.As(rows[1].err, &re) || re.Line != 2 || rows[1].line != 2 {
				t.Fatalf("row 2 = line %d, %v; want a RowError on line 2", rows[1].line, rows[1].err)
			}
			if got := errors.Is(re, domain.ErrLineTooLong); got != tt.tooLong {
				t.Errorf("line 2: %v; too long %v, want %v", re, got, tt.tooLong)
			}
			if tt.tooLong && re.Error() != "line 2: the line is longer than 64 KiB" {
				t.Errorf("error %q, want it to say the line is longer than 64 KiB", re)
			}
			if rows[2].err != nil || rows[2].line != 3 || rows[2].bet != wantNext {
				t.Errorf("row after = %+v on line %d (%v), want %+v on line 3", rows[2].bet, rows[2].line, rows[2].err, wantNext)
			}
		})
	}
	t.Run("LastLineWithoutEnd", func(t *testing.T) {
		rows := readAll(t, strings.NewReader(next+"\n"+longRow(domain.MaxLineLen+1)), 1)
		if len(rows) != 2 || rows[0].err != nil || !errors.Is(rows[1].err, domain.ErrLineTooLong) || rows[1].line != 2 {
			t.Errorf("rows %v, want a bet then line 2 too long, then the end", rows)
		}
	})
}

// zeros is a line without end: zero bytes, never a line break, as many as
// limit (so that a test of a reader that keeps them all ends), counted.
type zeros struct{ n, limit int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n >= z.limit {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.limit-z.n)]
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// TestAgencyReaderEndlessLine: a line without end (a file of zeros, like
// /dev/zero) is reported as soon as it passes the limit, and skipping the
// rest of it allocates nothing, however many bytes it has.
func TestAgencyReaderEndlessLine(t *testing.T) {
	z := &zeros{limit: 256 << 20}
	ar := domain.NewAgencyReader(z, 1)
	if _, line, err := ar.Next(); !errors.Is(err, domain.ErrLineTooLong) || line != 1 {
		t.Fatalf("Next = line %d, %v; want line 1 too long", line, err)
	}
	if z.n > 2*domain.MaxLineLen {
		t.Errorf("read %d bytes before reporting the line, want at most about MaxLineLen (%d)", z.n, domain.MaxLineLen)
	}

	// allocated returns the bytes allocated to read a line of n zeros and
	// then the next line.
	allocated := func(n int64) uint64 {
		r := io.MultiReader(&zeros{limit: n}, strings.NewReader("\nEva,Ruiz,4,1990-01-01,4\n"))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ar := domain.NewAgencyReader(r, 1)
		_, _, err1 := ar.Next()
		b, line, err2 := ar.Next()
		_, _, err3 := ar.Next()
		runtime.ReadMemStats(&after)
		if !errors.Is(err1, domain.ErrLineTooLong) || err2 != nil || line != 2 || b.FirstName != "Eva" || err3 != io.EOF {
			t.Fatalf("%d zeros: %v; then %+v on line %d, %v; then %v; want too long, the bet on line 2, the end", n, err1, b, line, err2, err3)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := allocated(1<<20), allocated(256<<20)
	t.Logf("allocated %d bytes for a line of 1 MiB, %d for 256 MiB", small, large)
	if limit := uint64(4 * domain.MaxLineLen); large > limit || large > small+domain.MaxLineLen {
		t.Errorf("allocated %d bytes for a line of 256 MiB (%d for 1 MiB), want at most %d and no more than for 1 MiB", large, small, limit)
	}
}
