package actors_test

import (
	"errors"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// TestStoreOpenRefusesAStaleClaim: a hello processed after a newer one of
// the same agency — left in the backlog by a connection its process gave
// up on, or by a process since killed — must not fence the live session:
// Open refuses a claim older than the live session's, while the live one
// goes on writing. Once the live session closes, any claim may open.
func TestStoreOpenRefusesAStaleClaim(t *testing.T) {
	s, _, _ := runStore(t, 1)
	ctx := testCtx(t)
	live, err := s.Open(ctx, 1, actors.Claim{Started: 200, Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, stale := range []actors.Claim{{Started: 100, Attempt: 9}, {Started: 200, Attempt: 0}} {
		if _, err := s.Open(ctx, 1, stale); !errors.Is(err, actors.ErrStale) {
			t.Fatalf("Open with the older claim %+v = %v, want ErrStale", stale, err)
		}
	}
	select {
	case <-live.Fenced():
		t.Fatal("a stale claim fenced the live session")
	default:
	}
	if _, err := live.Append(ctx, 0, batch(0, 3)); err != nil {
		t.Fatalf("the live session after stale claims: %v", err)
	}

	// A newer attempt of the same process, or a later process, fences.
	next, err := s.Open(ctx, 1, actors.Claim{Started: 200, Attempt: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Append(ctx, 3, batch(3, 1)); !errors.Is(err, actors.ErrFenced) {
		t.Fatalf("the fenced session's append = %v, want ErrFenced", err)
	}
	// Closed, the agency has no live session: an older claim opens (a
	// process whose clock is behind its dead predecessor's is not locked out).
	next.Close()
	after, err := s.Open(ctx, 1, actors.Claim{Started: 50, Attempt: 1})
	if err != nil {
		t.Fatalf("Open after the live session closed = %v", err)
	}
	if h := after.Held(); h.Stored != 3 {
		t.Errorf("the next session holds %d bets, want 3", h.Stored)
	}
	// A fenced session closing does not end the live one.
	live.Close()
	if _, err := s.Open(ctx, 1, actors.Claim{Started: 10}); !errors.Is(err, actors.ErrStale) {
		t.Errorf("Open with an older claim after a fenced session closed = %v, want ErrStale", err)
	}
}

// TestStoreChecksTheCallersDigests: digests worked out by the caller are
// used only when they start from the digest the store holds at the batch's
// first position; from any other, the store works them out itself, so the
// stored digests are the stream's either way.
func TestStoreChecksTheCallersDigests(t *testing.T) {
	s, _, _ := runStore(t, 1)
	ctx := testCtx(t)
	ss, err := s.Open(ctx, 1, actors.Claim{})
	if err != nil {
		t.Fatal(err)
	}
	var h domain.Digester
	first := batch(0, 3)
	after := make([]domain.Digest, len(first))
	var d domain.Digest
	for i, b := range first {
		d = h.Add(d, b)
		after[i] = d
	}
	for _, tc := range []struct {
		name  string
		first uint64
		bets  []domain.Bet
		from  domain.Digest
		after []domain.Digest
	}{
		{"the caller's, from the right digest", 0, first, 0, after},
		{"from another digest: worked out again", 3, batch(3, 2), 0xdead, []domain.Digest{1, 2}},
	} {
		wait, err := ss.Enqueue(ctx, tc.first, tc.bets, tc.from, tc.after)
		if err != nil {
			t.Fatal(err)
		}
		got, err := wait.Wait(ctx)
		if want := h.Add(0, batch(0, int(tc.first)+len(tc.bets))...); err != nil || got.Digest != want {
			t.Errorf("%s: %+v, %v; want digest %v", tc.name, got, err, want)
		}
	}
}
