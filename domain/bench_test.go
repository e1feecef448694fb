package domain_test

import (
	"io"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain"
)

func BenchmarkValidate(b *testing.B) {
	bet := validBet()
	b.ReportAllocs()
	for b.Loop() {
		if err := bet.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAgencyReader parses and validates course-shaped rows.
func BenchmarkAgencyReader(b *testing.B) {
	const row = "Nicolás,Sánchez,30904465,1999-03-17,7574\r\n"
	file := strings.Repeat(row, 10_000)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		ar := domain.NewAgencyReader(strings.NewReader(file), 1)
		for {
			_, _, err := ar.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkBetsWriter(b *testing.B) {
	bet := validBet()
	w := domain.NewBetsWriter(io.Discard, 0)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(domain.Row{Bet: bet, Digest: 0xc0ffee}); err != nil {
			b.Fatal(err)
		}
	}
}
