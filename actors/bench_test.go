package actors_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// BenchmarkStoreGroupCommit appends groups of five 175-bet batches, one per
// agency, as five pipelining connections would: each group is one write
// and one fsync. Reported per bet.
func BenchmarkStoreGroupCommit(b *testing.B) {
	const agencies, size = 5, 175
	s := mustOpen(b, filepath.Join(b.TempDir(), "bets.csv"), agencies)
	stop := start(b, s)
	defer mustStop(b, stop)
	bets := batch(0, size)
	ctx := context.Background()
	sessions := make([]*actors.Session, agencies+1)
	for a := 1; a <= agencies; a++ {
		sessions[a] = mustSession(b, s, a)
	}
	first := 0
	b.ReportAllocs()
	for b.Loop() {
		var waits []*actors.AppendFuture
		for a := 1; a <= agencies; a++ {
			w, err := sessions[a].Enqueue(ctx, uint64(first), bets, 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			waits = append(waits, w)
		}
		for _, w := range waits {
			if _, err := w.Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
		first += size
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*agencies*size), "ns/bet")
}

// BenchmarkStoreRecover opens a bets file of a million rows: the scan a
// restarted server makes, and the only one (the draw reads no file).
func BenchmarkStoreRecover(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "bets.csv")
	s := mustOpen(b, path, 5)
	stop := start(b, s)
	bets := make([]domain.Bet, 0, 1000)
	for i := range 1000 {
		bets = append(bets, bet(positions(i, 1)[0], i%domain.MaxNumber))
	}
	sessions := make([]*actors.Session, 6)
	for a := 1; a <= 5; a++ {
		sessions[a] = mustSession(b, s, a)
	}
	for first := 0; first < rows/5; first += len(bets) {
		for a := 1; a <= 5; a++ {
			mustAppend(b, sessions[a], uint64(first), bets)
		}
	}
	mustStop(b, stop)
	b.ResetTimer()
	for b.Loop() {
		s := mustOpen(b, path, 5)
		if got := s.Recovered().Bets(); got != rows {
			b.Fatalf("recovered %d bets, want %d", got, rows)
		}
		start(b, s)() // close it
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
