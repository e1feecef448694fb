package domain_test

import (
	"bytes"
	"encoding/csv"
	"errors"
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
	w := domain.NewBetsWriter(&buf)
	for _, b := range in {
		if err := w.Write(b); err != nil {
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
		"too few fields":  "1,Ana,Pérez,123,1990-01-01\n",
		"bad agency":      "x,Ana,Pérez,123,1990-01-01,5\n",
		"bad number":      "1,Ana,Pérez,123,1990-01-01,12345\n",
		"unclosed quote":  "1,\"Ana,Pérez,123,1990-01-01,5\n",
		"second row torn": "1,Ana,Pérez,123,1990-01-01,5\n1,Ana,Pé",
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
	err := domain.ReadBets(strings.NewReader("1,A,B,1,1990-01-01,1\n1,A,B,1,1990-01-01,2\n"), func(domain.Bet) error {
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
		var got, want bytes.Buffer
		bw := domain.NewBetsWriter(&got)
		if err := bw.Write(b); err != nil {
			t.Skip(err)
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		cw := csv.NewWriter(&want)
		cw.Write([]string{strconv.Itoa(agency), first, last, doc, birth, strconv.Itoa(number)})
		cw.Flush()
		if got.String() != want.String() {
			t.Fatalf("BetsWriter wrote %q, encoding/csv %q", got.String(), want.String())
		}
	})
}
