package actors_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// TestStoreRefusesResendOfOtherBets: a batch whose positions are partly or
// wholly held must hold the very bets stored there — same content, same
// order — or it is refused with ErrConflict and nothing of it is stored
// (an agency restarted on another or an edited file must not mix two
// files into one stream). The same batch resent exactly is still
// acknowledged, wherever its positions are: in memory, far back in the
// file, in a file recovered on reopen, or accepted earlier in the same
// group commit.
func TestStoreRefusesResendOfOtherBets(t *testing.T) {
	t.Run("exact resend", func(t *testing.T) {
		s, path, _ := runStore(t, 2)
		a1 := mustSession(t, s, 1)
		mustAppend(t, a1, 0, batch(0, 5))
		mustConflict(t, a1, 0, changed(batch(0, 5), 2))
		mustConflict(t, a1, 0, swapped(batch(0, 5), 1, 2))
		mustConflict(t, a1, 2, changed(batch(2, 3), 2)) // the last bet held
		mustConflict(t, a1, 0, changed(batch(0, 1), 0)) // the first
		mustResend(t, a1, 0, batch(0, 5), batch(0, 5))
		mustResend(t, a1, 0, withAgency(2, batch(0, 5)...), batch(0, 5)) // the agency is the session's
		mustResend(t, a1, 1, batch(1, 3), batch(0, 5))
		mustHold(t, s, path, 1, batch(0, 5))
	})
	t.Run("overlap with a new suffix", func(t *testing.T) {
		s, path, _ := runStore(t, 2)
		a1 := mustSession(t, s, 1)
		mustAppend(t, a1, 0, batch(0, 5))
		mustConflict(t, a1, 3, changed(batch(3, 5), 1)) // bet 4 differs, 5..7 new
		mustConflict(t, a1, 0, changed(batch(0, 8), 0))
		mustConflict(t, a1, 4, swapped(batch(4, 3), 0, 1)) // bet 5 where 4 is
		mustHold(t, s, path, 1, batch(0, 5))
		if got := mustAppendRes(t, a1, 3, batch(3, 5)); got != (actors.Appended{Stored: 8, Digest: digestOf(batch(0, 8)...), New: 3}) {
			t.Errorf("the same overlap, exact: Append = %+v, want 8 stored, 3 new", got)
		}
		mustHold(t, s, path, 1, batch(0, 8))
	})
	t.Run("resend older than the index stride", func(t *testing.T) {
		const n = 3000 // rows of agency 1 and agency 2, interleaved
		s, path, _ := runStore(t, 2)
		a1, a2 := mustSession(t, s, 1), mustSession(t, s, 2)
		mustAppendInterleaved(t, a1, a2, n)
		for _, r := range []struct{ first, n int }{
			{0, 10}, {1, 1}, {1000, 10}, {1020, 10}, {1023, 1}, {1024, 1}, {1023, 2},
			{1025, 5}, {2047, 3}, {2048, 3}, {2990, 10}, {100, 2000}, {0, n},
		} {
			mustResend(t, a1, uint64(r.first), batch(r.first, r.n), batch(0, n))
			mustConflict(t, a1, uint64(r.first), changed(batch(r.first, r.n), r.n-1))
			mustConflict(t, a1, uint64(r.first), changed(batch(r.first, r.n), r.n/2))
			// From there to the end, the first changed, and 2 new bets.
			mustConflict(t, a1, uint64(r.first), append(changed(batch(r.first, n-r.first), 0), batch(n, 2)...))
		}
		mustHold(t, s, path, 1, batch(0, n))
		mustHold(t, s, path, 2, agency2Batch(0, n))
	})
	t.Run("resend across a reopen", func(t *testing.T) {
		const n = 2100
		s, path, stop := runStore(t, 2)
		mustAppendInterleaved(t, mustSession(t, s, 1), mustSession(t, s, 2), n)
		mustStop(t, stop)

		s = mustOpen(t, path, 2) // the digests are read back from the file
		start(t, s)
		a1 := mustSession(t, s, 1)
		for _, r := range []struct{ first, n int }{{0, 5}, {1023, 2}, {1024, 10}, {1500, 100}, {2090, 10}, {5, 2000}} {
			mustResend(t, a1, uint64(r.first), batch(r.first, r.n), batch(0, n))
			mustConflict(t, a1, uint64(r.first), changed(batch(r.first, r.n), r.n-1))
			mustConflict(t, a1, uint64(r.first), changed(batch(r.first, r.n), 0))
		}
		mustConflict(t, a1, 2095, changed(batch(2095, 10), 4)) // bet 2099, 2100.. new
		mustHold(t, s, path, 1, batch(0, n))
		if got := mustAppendRes(t, a1, 2095, batch(2095, 10)); got != (actors.Appended{Stored: n + 5, Digest: digestOf(batch(0, n+5)...), New: 5}) {
			t.Errorf("the same overlap, exact: Append = %+v, want %d stored, 5 new", got, n+5)
		}
		mustHold(t, s, path, 1, batch(0, n+5))
		mustHold(t, s, path, 2, agency2Batch(0, n))
	})
	t.Run("overlap with bets accepted earlier in the same group", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bets.csv")
		s := mustOpen(t, path, 2)
		stop := start(t, s)
		mustAppend(t, mustSession(t, s, 1), 0, batch(0, 5))
		mustStop(t, stop)

		s = mustOpen(t, path, 2)
		a1 := mustSessionBeforeRun(t, s, 1)
		ctx := testCtx(t)
		type queued struct {
			first   uint64
			bets    []domain.Bet
			want    actors.Appended // if not a conflict
			refused bool
		}
		var waits []*actors.AppendFuture
		qs := []queued{
			{first: 5, bets: batch(5, 5), want: appended(10, 5)},
			{first: 7, bets: batch(7, 2), want: appended(10, 0)},     // held in this group, the same
			{first: 3, bets: batch(3, 4), want: appended(10, 0)},     // held in the file and this group
			{first: 3, bets: changed(batch(3, 4), 1), refused: true}, // bet 4, in the file, differs
			{first: 3, bets: changed(batch(3, 4), 2), refused: true}, // bet 5, in this group, differs
			{first: 8, bets: changed(batch(8, 4), 0), refused: true}, // bet 8, in this group, differs; 10, 11 new
			{first: 6, bets: batch(6, 6), want: appended(12, 2)},
			{first: 10, bets: batch(10, 1), want: appended(12, 0)},     // added by two appends of this group
			{first: 11, bets: changed(batch(11, 1), 0), refused: true}, // bet 11, added just before
			{first: 9, bets: swapped(batch(9, 3), 0, 2), refused: true},
			{first: 0, bets: batch(0, 12), want: appended(12, 0)},
		}
		for _, q := range qs { // queued before Run starts: one group
			w, err := a1.Enqueue(ctx, q.first, q.bets, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, w)
		}
		stop = start(t, s)
		for i, w := range waits {
			res, err := w.Wait(ctx)
			switch q := qs[i]; {
			case q.refused && !errors.Is(err, domain.ErrConflict):
				t.Errorf("append %d (at %d, %d bets) = %+v, %v; want ErrConflict", i, q.first, len(q.bets), res, err)
			case !q.refused && (err != nil || res != q.want):
				t.Errorf("append %d (at %d, %d bets) = %+v, %v; want %+v", i, q.first, len(q.bets), res, err, q.want)
			}
		}
		mustHold(t, s, path, 1, batch(0, 12))
		mustStop(t, stop)
		if got := s.Syncs(); got != 1 {
			t.Errorf("%d queued appends took %d fsyncs, want 1 (one group)", len(waits), got)
		}
	})
}

// appended is what an append leaves when agency 1 holds batch(0, stored).
func appended(stored, fresh int) actors.Appended {
	return actors.Appended{Stored: uint64(stored), Digest: digestOf(batch(0, stored)...), New: fresh}
}

// mustAppendInterleaved appends n bets through each of a1 (batch) and a2
// (agency2Batch), 100 at a time in turn, so that their rows interleave in
// the file.
func mustAppendInterleaved(tb testing.TB, a1, a2 *actors.Session, n int) {
	tb.Helper()
	for first := 0; first < n; first += 100 {
		k := min(100, n-first)
		mustAppend(tb, a1, uint64(first), batch(first, k))
		mustAppend(tb, a2, uint64(first), agency2Batch(first, k))
	}
}

// agency2Batch is batch with other numbers: bets of another stream.
func agency2Batch(from, n int) []domain.Bet {
	bs := withAgency(2, batch(from, n)...)
	for i := range bs {
		bs[i].Number = 2
	}
	return bs
}

// changed returns bs with the bet at i playing another number.
func changed(bs []domain.Bet, i int) []domain.Bet {
	bs = bets(bs...)
	if bs[i].Number == domain.WinningNumber {
		bs[i].Number = 1
	} else {
		bs[i].Number = domain.WinningNumber // a winner planted
	}
	return bs
}

// swapped returns bs with the bets at i and j swapped.
func swapped(bs []domain.Bet, i, j int) []domain.Bet {
	bs = bets(bs...)
	bs[i], bs[j] = bs[j], bs[i]
	return bs
}

// mustConflict checks that appending bets at first through ss is refused
// with ErrConflict.
func mustConflict(tb testing.TB, ss *actors.Session, first uint64, bets []domain.Bet) {
	tb.Helper()
	if res, err := ss.Append(testCtx(tb), first, bets); !errors.Is(err, domain.ErrConflict) {
		tb.Errorf("agency %d: Append(%d, %d bets, one changed) = %+v, %v; want ErrConflict", ss.Agency(), first, len(bets), res, err)
	}
}

// mustResend checks that appending bets at first, all held, through ss is
// acknowledged with nothing new, when the agency holds all.
func mustResend(tb testing.TB, ss *actors.Session, first uint64, bets, all []domain.Bet) {
	tb.Helper()
	want := actors.Appended{Stored: uint64(len(all)), Digest: digestOf(all...)}
	if res, err := ss.Append(testCtx(tb), first, bets); err != nil || res != want {
		tb.Errorf("agency %d: resend Append(%d, %d bets) = %+v, %v; want %+v", ss.Agency(), first, len(bets), res, err, want)
	}
}

// mustHold checks that the running store s, of the bets file at path,
// holds exactly bets for agency: as counted, and in the file.
func mustHold(tb testing.TB, s *actors.Store, path string, agency int, bets []domain.Bet) {
	tb.Helper()
	mustHaveStored(tb, s, agency, uint64(len(bets)), false)
	if got, want := betsOf(mustReadBets(tb, path), agency), withAgency(agency, bets...); !reflect.DeepEqual(got, want) {
		tb.Errorf("agency %d: the bets file holds %d bets, not the %d sent (first difference at %d)", agency, len(got), len(want), firstDifference(got, want))
	}
}

func firstDifference(a, b []domain.Bet) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
