package natslog_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/actors/natslog/natstest"
	"github.com/tp0/loteria/domain"
)

// run is n bets in a row of one agency, as one batch brings them.
type run struct{ agency, n int }

// rowsOf makes the rows of an append: the runs, times times over, each
// of its agency's next bets; next holds each agency's stream so far. The
// bets are plain, as nearly all are: no field needs quoting.
func rowsOf(next map[int][]domain.Row, times int, runs ...run) []domain.Row {
	var rows []domain.Row
	var dg domain.Digester
	for range times {
		for _, r := range runs {
			for range r.n {
				held := next[r.agency]
				var d domain.Digest
				if len(held) > 0 {
					d = held[len(held)-1].Digest
				}
				p := len(held)
				b := domain.Bet{
					Agency: r.agency, FirstName: "Nombre", LastName: "Apellido", Document: fmt.Sprint(30_000_000 + r.agency*1_000_000 + p),
					Birthdate: "1990-05-17", Number: (p * 7919) % 10_000,
				}
				row := domain.Row{Bet: b, Digest: dg.Add(d, b)}
				next[r.agency] = append(held, row)
				rows = append(rows, row)
			}
		}
	}
	return rows
}

func mustOpenLog(t *testing.T, cfg natslog.Config, lot domain.Lottery) *natslog.Log {
	t.Helper()
	l, err := natslog.Open(context.Background(), cfg, lot)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// replayed returns each agency's rows as the stream holds them.
func replayed(t *testing.T, l *natslog.Log) map[int][]domain.Row {
	t.Helper()
	got := map[int][]domain.Row{}
	err := l.Replay(func(r domain.Row) error {
		got[r.Agency] = append(got[r.Agency], r)
		return nil
	}, func(domain.Done) error { return nil })
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return got
}

// TestAppendOverMaxChunk: an append whose rows of one agency, in many
// runs among another agency's, fill several messages publishes them in
// order, each after the last; the next append goes on after the last of
// them, and one that another writer got ahead of is refused for that
// agency alone, every message of it, as the log's first was.
func TestAppendOverMaxChunk(t *testing.T) {
	c := natstest.Start(t, 1)
	cfg := config(c, 1, "chunks")
	lot, err := actors.NewLottery(actors.StoreConfig{Agencies: 2, Date: "2026-12-02"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]domain.Row{}
	big := rowsOf(want, 172, run{1, 175}, run{2, 40}) // 30,100 of agency 1's, about 1.5 MiB: 3 messages
	l := mustOpenLog(t, cfg, lot)
	if err := l.Append(big); err != nil {
		t.Fatalf("Append of %d rows: %v", len(big), err)
	}
	if err := l.Append(rowsOf(want, 1, run{1, 10})); err != nil {
		t.Fatalf("Append after it: %v", err)
	}
	ahead, behind := mustOpenLog(t, cfg, lot), mustOpenLog(t, cfg, lot)
	check := func(got map[int][]domain.Row) {
		t.Helper()
		for _, a := range []int{1, 2} {
			if len(got[a]) != len(want[a]) || !slices.Equal(got[a], want[a]) {
				t.Fatalf("agency %d: the stream holds %d rows, want %d (or they differ)", a, len(got[a]), len(want[a]))
			}
		}
	}
	check(replayed(t, ahead))
	check(replayed(t, behind))

	if err := ahead.Append(rowsOf(want, 1, run{1, 5})); err != nil {
		t.Fatalf("Append by the other writer: %v", err)
	}
	seen := len(want[1]) - 5 // what the writer behind has seen of agency 1
	lost := map[int][]domain.Row{1: slices.Clone(want[1][:seen]), 2: want[2]}
	err = behind.Append(rowsOf(lost, 172, run{1, 175}, run{2, 40}))
	var b *actors.BehindError
	if !errors.As(err, &b) || !maps.Equal(b.Held, map[int]uint64{1: uint64(seen)}) {
		t.Fatalf("Append behind the other writer = %v, want a BehindError for agency 1 from %d", err, seen)
	}
	want[2] = lost[2] // agency 2's rows are appended
	check(replayed(t, mustOpenLog(t, cfg, lot)))
}

// BenchmarkAppend appends groups shaped as make bench's at ×10 makes
// them: 45 batches of 175 bets from five agencies, the small last agency
// in one, on JetStream syncing every write, one server (R1) or three
// (R3). Reported per group and per bet.
func BenchmarkAppend(b *testing.B) {
	lot, err := actors.NewLottery(actors.StoreConfig{Agencies: 5, Date: "2026-12-02"})
	if err != nil {
		b.Fatal(err)
	}
	next := map[int][]domain.Row{}
	rows := rowsOf(next, 11, run{1, 175}, run{2, 175}, run{3, 175}, run{4, 175})
	rows = append(rows, rowsOf(next, 1, run{5, 175})...)
	for _, replicas := range []int{1, 3} {
		b.Run(fmt.Sprintf("R%d", replicas), func(b *testing.B) {
			c := natstest.Start(b, replicas)
			l, err := natslog.Open(context.Background(), config(c, replicas, "bench"), lot)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			for b.Loop() {
				if err := l.Append(rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/bet")
		})
	}
}
