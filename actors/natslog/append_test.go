package natslog_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/actors/natslog/natstest"
	"github.com/tp0/loteria/domain"
)

// rowsOf makes the rows of an append: for each agency in turn, per of its
// next bets, until agency 1 has n more; next holds each agency's stream
// so far.
func rowsOf(next map[int][]domain.Row, n int, per map[int]int) []domain.Row {
	var rows []domain.Row
	var dg domain.Digester
	for added := 0; added < n; {
		for _, a := range slices.Sorted(maps.Keys(per)) {
			for range per[a] {
				held := next[a]
				var d domain.Digest
				if len(held) > 0 {
					d = held[len(held)-1].Digest
				}
				b := bets(a, len(held), 1, 0)[0]
				r := domain.Row{Bet: b, Digest: dg.Add(d, b)}
				next[a] = append(held, r)
				rows = append(rows, r)
				if a == 1 {
					added++
				}
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
	big := rowsOf(want, 30_000, map[int]int{1: 175, 2: 40}) // about 1.6 MB of agency 1's: 4 messages
	l := mustOpenLog(t, cfg, lot)
	if err := l.Append(big); err != nil {
		t.Fatalf("Append of %d rows: %v", len(big), err)
	}
	if err := l.Append(rowsOf(want, 10, map[int]int{1: 10})); err != nil {
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

	if err := ahead.Append(rowsOf(want, 5, map[int]int{1: 5})); err != nil {
		t.Fatalf("Append by the other writer: %v", err)
	}
	seen := len(want[1]) - 5 // what the writer behind has seen of agency 1
	lost := map[int][]domain.Row{1: slices.Clone(want[1][:seen]), 2: want[2]}
	err = behind.Append(rowsOf(lost, 30_000, map[int]int{1: 175, 2: 40}))
	var b *actors.BehindError
	if !errors.As(err, &b) || !maps.Equal(b.Held, map[int]uint64{1: uint64(seen)}) {
		t.Fatalf("Append behind the other writer = %v, want a BehindError for agency 1 from %d", err, seen)
	}
	want[2] = lost[2] // agency 2's rows are appended
	check(replayed(t, mustOpenLog(t, cfg, lot)))
}
