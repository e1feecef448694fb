package domain_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain"
)

func TestBetsFileRoundTripsOddNamesExactly(t *testing.T) {
	in := []domain.Bet{
		validBet(),
		{Agency: 2, FirstName: `Jean "Le Grand", +*:|;`, LastName: " 😀 山田 ", Document: "0012", Birthdate: "1980-01-01", Number: 0},
		{Agency: 3, FirstName: `"`, LastName: `\.`, Document: "1", Birthdate: "2004-08-23", Number: 9999},
	}
	var buf bytes.Buffer
	w := domain.NewBetsWriter(&buf, 0)
	for i, b := range in {
		if err := w.Write(domain.Row{Bet: b, Digest: domain.Digest(i * 0x01010101)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got := mustReadBets(t, &buf)
	if len(got) != len(in) {
		t.Fatalf("read %d bets, wrote %d", len(got), len(in))
	}
	for i := range in {
		if got[i] != in[i] {
			t.Errorf("row %d: read %+v, wrote %+v", i, got[i], in[i])
		}
	}
}

func TestReadBetsRefusesBadRows(t *testing.T) {
	for name, file := range map[string]string{
		"too few fields":          "1,Ana,Pérez,123,1990-01-01,5\n",
		"bad agency":              "x,Ana,Pérez,123,1990-01-01,5,00000000\n",
		"agency with a zero":      "01,Ana,Pérez,123,1990-01-01,5,00000000\n",
		"bad number":              "1,Ana,Pérez,123,1990-01-01,12345,00000000\n",
		"bad digest":              "1,Ana,Pérez,123,1990-01-01,5,0000000\n",
		"upper-case digest":       "1,Ana,Pérez,123,1990-01-01,5,0000000A\n",
		"unclosed quote":          "1,\"Ana,Pérez,123,1990-01-01,5,00000000\n",
		"second row torn":         "1,Ana,Pérez,123,1990-01-01,5,00000000\n1,Ana,Pé",
		"a version 1 (6 columns)": "1,Ana,Pérez,123,1990-01-01,5\n",
	} {
		t.Run(name, func(t *testing.T) {
			err := domain.ReadBets(strings.NewReader(file), func(domain.Bet) error { return nil })
			if !errors.Is(err, domain.ErrBadRow) {
				t.Fatalf("ReadBets() = %v, want ErrBadRow", err)
			}
		})
	}
}

func TestReadBetsStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := domain.ReadBets(strings.NewReader("1,A,B,1,1990-01-01,1,00000000\n1,A,B,1,1990-01-01,2,00000000\n"), func(domain.Bet) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("ReadBets() = %v after %d rows, want the callback's error after 1", err, n)
	}
}

func mustReadBets(tb testing.TB, r *bytes.Buffer) []domain.Bet {
	tb.Helper()
	var out []domain.Bet
	if err := domain.ReadBets(r, func(b domain.Bet) error { out = append(out, b); return nil }); err != nil {
		tb.Fatalf("ReadBets: %v", err)
	}
	return out
}

// FuzzBetsWriterMatchesEncodingCSV: whatever the fields, a bets file row is
// byte for byte what encoding/csv writes for it.
func FuzzBetsWriterMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{"Ana", "", " lead", `\.`, `O"Brien`, "a,b", "x\r\ny", "😀", "\u00a0nbsp", "\u2003em"} {
		f.Add(s, "Pérez", "0012", "1990-01-01", 1, 7574)
	}
	f.Fuzz(func(t *testing.T, first, last, doc, birth string, agency, number int) {
		b := domain.Bet{Agency: agency, FirstName: first, LastName: last, Document: doc, Birthdate: birth, Number: number}
		d := domain.Digest(uint32(number) * 2654435761)
		var got, want bytes.Buffer
		bw := domain.NewBetsWriter(&got, 0)
		if err := bw.Write(domain.Row{Bet: b, Digest: d}); err != nil {
			t.Skip(err)
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		cw := csv.NewWriter(&want)
		cw.Write([]string{strconv.Itoa(agency), first, last, doc, birth, strconv.Itoa(number), d.String()})
		cw.Flush()
		if got.String() != want.String() {
			t.Fatalf("BetsWriter wrote %q, encoding/csv %q", got.String(), want.String())
		}
		if bw.Offset() != int64(got.Len()) {
			t.Fatalf("Offset = %d after a row of %d bytes", bw.Offset(), got.Len())
		}
	})
}

// TestBetsReaderTellsWhereEachRowStarts: the offsets and lines a
// BetsReader reports let a row be read again from its start alone.
func TestBetsReaderTellsWhereEachRowStarts(t *testing.T) {
	rows := []domain.Row{
		{Bet: validBet(), Digest: 1},
		{Bet: domain.Bet{Agency: 2, FirstName: "a,\"b\"", LastName: "c", Document: "1", Birthdate: "2000-01-01", Number: 5}, Digest: 2},
		{Bet: validBet(), Digest: 0xffffffff},
	}
	var buf bytes.Buffer
	w := domain.NewBetsWriter(&buf, 0)
	var starts []int64
	for _, r := range rows {
		starts = append(starts, w.Offset())
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	br := domain.NewBetsReader(bytes.NewReader(file), 0)
	for i, want := range rows {
		got, err := br.Next()
		if err != nil || got != want || br.Offset() != starts[i] || br.Line() != i+1 {
			t.Fatalf("row %d: %+v, %v at %d line %d; want %+v at %d line %d", i, got, err, br.Offset(), br.Line(), want, starts[i], i+1)
		}
		again, err := domain.NewBetsReader(bytes.NewReader(file[starts[i]:]), starts[i]).Next()
		if err != nil || again != want {
			t.Errorf("row %d read from its offset: %+v, %v", i, again, err)
		}
	}
	if _, err := br.Next(); err != io.EOF {
		t.Errorf("after the last row: %v, want io.EOF", err)
	}
}
