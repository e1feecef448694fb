package actors_test

import (
	"errors"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// TestStoreOpenFencesOlderSession: an agency writes through one session
// at a time. A newer Open fences the older session: its Fenced channel is
// closed and everything it sends from then on — and what it had sent that
// the store had not applied yet — fails with ErrFenced, so two processes
// of one agency never interleave their streams and the newer one starts
// from exactly the bets its Open reported.
func TestStoreOpenFencesOlderSession(t *testing.T) {
	t.Run("appends queued before the newer Open", func(t *testing.T) {
		path := newStoreWith(t, 2, batch(0, 5))
		s := mustOpen(t, path, 2)
		ctx := testCtx(t)
		old := mustSessionBeforeRun(t, s, 1)
		var waits []*actors.AppendFuture
		for _, q := range []struct {
			first uint64
			bets  []domain.Bet
		}{{5, batch(5, 3)}, {0, batch(0, 5)}, {8, batch(8, 1)}} {
			w, err := old.Enqueue(ctx, q.first, q.bets, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, w)
		}
		neu := mustSessionBeforeRun(t, s, 1) // Run will find old's appends queued behind this Open
		mustBeFenced(t, old)
		mustNotBeFenced(t, neu)
		start(t, s)
		for i, w := range waits {
			if res, err := w.Wait(ctx); !errors.Is(err, actors.ErrFenced) {
				t.Errorf("append %d queued by the fenced session = %+v, %v; want ErrFenced", i, res, err)
			}
		}
		mustBeShut(t, old, 5, digestOf(batch(0, 5)...))
		mustSessionAt(t, neu, batch(0, 5))
		mustHaveStored(t, s, 1, 5, false)

		mine := changed(batch(5, 2), 0) // the newer process's own bets
		if got := mustAppendRes(t, neu, 5, mine); got.Stored != 7 || got.Digest != digestOf(append(batch(0, 5), mine...)...) {
			t.Errorf("newer session: Append = %+v, want 7 stored and their digest", got)
		}
		mustHold(t, s, path, 1, append(batch(0, 5), mine...))
		mustFinish(t, neu, append(batch(0, 5), mine...))
		mustHaveStored(t, s, 1, 7, true)
	})
	t.Run("Open twice while running", func(t *testing.T) {
		s, path, _ := runStore(t, 2)
		first := mustSession(t, s, 1)
		mustAppend(t, first, 0, batch(0, 3))
		other := mustSession(t, s, 2) // another agency's session fences nothing of agency 1
		mustNotBeFenced(t, first)
		second := mustSession(t, s, 1)
		mustRecv(t, first.Fenced())
		mustNotBeFenced(t, other)
		mustSessionAt(t, second, batch(0, 3))
		mustBeShut(t, first, 3, digestOf(batch(0, 3)...))

		mustAppend(t, second, 3, batch(3, 2))
		third := mustSession(t, s, 1)
		mustRecv(t, second.Fenced())
		mustSessionAt(t, third, batch(0, 5))
		mustBeShut(t, second, 5, digestOf(batch(0, 5)...))
		mustAppend(t, other, 0, agency2Batch(0, 1))
		mustHold(t, s, path, 1, batch(0, 5))
	})
	t.Run("Open while appends are in flight", func(t *testing.T) {
		// Whenever the newer Open lands among the older session's appends,
		// those before it are stored, all after it fail, and the newer
		// session reports exactly what was stored.
		const batches, size = 50, 4
		s, path, _ := runStore(t, 1)
		ctx := testCtx(t)
		old := mustSession(t, s, 1)
		var waits []*actors.AppendFuture
		for i := range batches {
			w, err := old.Enqueue(ctx, uint64(i*size), batch(i*size, size), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, w)
		}
		neu := mustSession(t, s, 1)
		stored := 0
		for i, w := range waits {
			res, err := w.Wait(ctx)
			switch {
			case err == nil && stored == i*size:
				stored += size
			case errors.Is(err, actors.ErrFenced):
			default:
				t.Fatalf("append %d = %+v, %v, after %d stored; want the appends before the newer Open stored, those after it ErrFenced", i, res, err, stored)
			}
		}
		t.Logf("the newer Open landed after %d of %d appends", stored/size, batches)
		mustSessionAt(t, neu, batch(0, stored))
		mustHold(t, s, path, 1, batch(0, stored))
	})
}

// newStoreWith returns the path of a new store of agencies that holds bets
// for agency 1, written by the store and closed.
func newStoreWith(tb testing.TB, agencies int, bets []domain.Bet) string {
	tb.Helper()
	s, path, stop := runStore(tb, agencies)
	mustAppend(tb, mustSession(tb, s, 1), 0, bets)
	mustStop(tb, stop)
	return path
}

// mustSessionAt checks that ss opened on exactly bets.
func mustSessionAt(tb testing.TB, ss *actors.Session, bets []domain.Bet) {
	tb.Helper()
	if want := digestOf(bets...); ss.Held().Stored != uint64(len(bets)) || ss.Held().Digest != want {
		tb.Errorf("agency %d: session opened with %d stored of digest %v, want %d of digest %v", ss.Agency(), ss.Held().Stored, ss.Held().Digest, len(bets), want)
	}
}

// mustBeShut checks that the fenced session ss can neither append (new
// bets, or a resend) nor finish, even with the right total and digest.
func mustBeShut(tb testing.TB, ss *actors.Session, stored uint64, digest domain.Digest) {
	tb.Helper()
	ctx := testCtx(tb)
	for _, first := range []uint64{stored, 0} {
		if res, err := ss.Append(ctx, first, batch(int(first), 1)); !errors.Is(err, actors.ErrFenced) {
			tb.Errorf("fenced session: Append(%d) = %+v, %v; want ErrFenced", first, res, err)
		}
	}
	if err := ss.Finish(ctx, stored, digest); !errors.Is(err, actors.ErrFenced) {
		tb.Errorf("fenced session: Finish(%d, %v) = %v, want ErrFenced", stored, digest, err)
	}
}

func mustBeFenced(tb testing.TB, ss *actors.Session) {
	tb.Helper()
	select {
	case <-ss.Fenced():
	default:
		tb.Errorf("agency %d: the older session is not fenced", ss.Agency())
	}
}

func mustNotBeFenced(tb testing.TB, ss *actors.Session) {
	tb.Helper()
	select {
	case <-ss.Fenced():
		tb.Errorf("agency %d: a session is fenced with no newer one of its agency", ss.Agency())
	default:
	}
}
