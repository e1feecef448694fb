package domain_test

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
