package domain_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/tp0/loteria/domain"
)

// ledgerBets returns n valid bets of positions first…, their documents
// "d<position>", every third one a winner.
func ledgerBets(first, n int) []domain.Bet {
	bets := make([]domain.Bet, n)
	for i := range bets {
		pos := first + i
		num := 1
		if pos%3 == 0 {
			num = domain.WinningNumber
		}
		bets[i] = domain.Bet{FirstName: "Ana", LastName: "Pérez, \"la\" | 1", Document: fmt.Sprint(1000 + pos), Birthdate: "1990-01-01", Number: num}
	}
	return bets
}

func changed(bets []domain.Bet, i int) []domain.Bet {
	c := append([]domain.Bet(nil), bets...)
	c[i].Number++
	return c
}

// TestLedgerAdd: each step is applied to one ledger of 2 agencies, in
// order; each says what Add returns and what the agency then holds.
func TestLedgerAdd(t *testing.T) {
	var h domain.Digester
	digest := func(n int) domain.Digest { return h.Add(0, ledgerBets(0, n)...) }
	l := domain.NewLedger(2)
	for _, step := range []struct {
		name        string
		agency      int
		first       int
		bets        []domain.Bet
		finish      bool // Finish with the stream as held, before the Add
		seal        bool // Seal, before the Add
		err         error
		fresh, held int
	}{
		{name: "first batch", agency: 1, first: 0, bets: ledgerBets(0, 4), fresh: 4, held: 4},
		{name: "the next", agency: 1, first: 4, bets: ledgerBets(4, 2), fresh: 2, held: 6},
		{name: "resent whole", agency: 1, first: 0, bets: ledgerBets(0, 6), fresh: 0, held: 6},
		{name: "resent in part, the rest new", agency: 1, first: 5, bets: ledgerBets(5, 3), fresh: 2, held: 8},
		{name: "a gap", agency: 1, first: 9, bets: ledgerBets(9, 1), err: domain.ErrGap, held: 8},
		{name: "held part differs", agency: 1, first: 6, bets: changed(ledgerBets(6, 3), 0), err: domain.ErrConflict, held: 8},
		{name: "held part differs at its end", agency: 1, first: 6, bets: changed(ledgerBets(6, 3), 1), err: domain.ErrConflict, held: 8},
		{name: "unknown agency", agency: 3, first: 0, bets: ledgerBets(0, 1), err: domain.ErrUnknownAgency},
		{name: "agency 0", agency: 0, first: 0, bets: ledgerBets(0, 1), err: domain.ErrUnknownAgency},
		{name: "another agency's stream is its own", agency: 2, first: 0, bets: ledgerBets(0, 1), fresh: 1, held: 1},
		{name: "new bets after done", agency: 1, finish: true, first: 8, bets: ledgerBets(8, 1), err: domain.ErrFinished, held: 8},
		{name: "a resend after done", agency: 1, first: 2, bets: ledgerBets(2, 6), fresh: 0, held: 8},
		{name: "new bets after the draw", agency: 2, seal: true, first: 1, bets: ledgerBets(1, 1), err: domain.ErrSealed, held: 1},
		{name: "a resend after the draw", agency: 2, first: 0, bets: ledgerBets(0, 1), fresh: 0, held: 1},
	} {
		if step.finish {
			hd, _ := l.Held(step.agency)
			if _, err := l.Finish(domain.Done{Agency: step.agency, Total: hd.Stored, Digest: hd.Digest}); err != nil {
				t.Fatalf("%s: Finish: %v", step.name, err)
			}
		}
		if step.seal {
			l.Seal()
		}
		added, err := l.Add(step.agency, uint64(step.first), step.bets, 0, nil)
		if !errors.Is(err, step.err) || (err == nil) != (step.err == nil) {
			t.Fatalf("%s: Add = %+v, %v; want %v", step.name, added, err, step.err)
		}
		if err != nil {
			if !reflect.DeepEqual(added, domain.Added{}) {
				t.Errorf("%s: a refused Add returned %+v", step.name, added)
			}
		} else if len(added.Fresh) != step.fresh || added.Held.Stored != uint64(step.held) || added.Held.Digest != digest(step.held) {
			t.Errorf("%s: Add = %d fresh, %+v; want %d fresh, %d held of digest %v", step.name, len(added.Fresh), added.Held, step.fresh, step.held, digest(step.held))
		} else {
			for i := range added.Fresh {
				if want := digest(step.held - step.fresh + i + 1); added.Digests[i] != want {
					t.Errorf("%s: digest after fresh bet %d = %v, want %v", step.name, i, added.Digests[i], want)
				}
			}
		}
		if hd, err := l.Held(step.agency); err == nil && (hd.Stored != uint64(step.held) || hd.Digest != digest(step.held)) {
			t.Errorf("%s: then held %+v, want %d of digest %v", step.name, hd, step.held, digest(step.held))
		}
	}
	if got, want := l.Seal(), map[int][]string{1: {"1000", "1003", "1006"}, 2: {"1000"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("winners = %v, want %v", got, want)
	}
}

// TestLedgerAddUsesTheCallersDigests only where they extend the stream
// from its end, and works them out itself otherwise.
func TestLedgerAddUsesTheCallersDigests(t *testing.T) {
	var h domain.Digester
	l := domain.NewLedger(1)
	mine := []domain.Digest{7, 8, 9} // not the real ones: shows which were used
	added, err := l.Add(1, 0, ledgerBets(0, 3), 0, mine)
	if err != nil || !reflect.DeepEqual(added.Digests, mine) || added.Held.Digest != 9 {
		t.Fatalf("Add from the stream's end = %+v, %v; want the caller's digests", added, err)
	}
	l = domain.NewLedger(1)
	added, err = l.Add(1, 0, ledgerBets(0, 3), 0xbad, mine)
	if want := h.Add(0, ledgerBets(0, 3)...); err != nil || added.Held.Digest != want {
		t.Fatalf("Add from another digest = %+v, %v; want the digest worked out, %v", added, err, want)
	}
	mine[0] = 1 // the ledger copied them
	if hd, _ := l.Held(1); hd.Digest != h.Add(0, ledgerBets(0, 3)...) {
		t.Errorf("held %+v after the caller changed its slice", hd)
	}
}

func TestLedgerFinish(t *testing.T) {
	var h domain.Digester
	l := domain.NewLedger(2)
	if _, err := l.Add(1, 0, ledgerBets(0, 3), 0, nil); err != nil {
		t.Fatal(err)
	}
	d := h.Add(0, ledgerBets(0, 3)...)
	for _, tc := range []struct {
		name     string
		done     domain.Done
		recorded bool
		err      error
	}{
		{"fewer than held", domain.Done{Agency: 1, Total: 2, Digest: h.Add(0, ledgerBets(0, 2)...)}, false, domain.ErrIncomplete},
		{"more than held", domain.Done{Agency: 1, Total: 4, Digest: d}, false, domain.ErrIncomplete},
		{"another digest", domain.Done{Agency: 1, Total: 3, Digest: d + 1}, false, domain.ErrConflict},
		{"unknown agency", domain.Done{Agency: 3}, false, domain.ErrUnknownAgency},
		{"as held", domain.Done{Agency: 1, Total: 3, Digest: d}, true, nil},
		{"again", domain.Done{Agency: 1, Total: 3, Digest: d}, false, nil},
		{"again, wrong", domain.Done{Agency: 1, Total: 3, Digest: d + 1}, false, domain.ErrConflict},
		{"with no bets", domain.Done{Agency: 2}, true, nil},
	} {
		recorded, err := l.Finish(tc.done)
		if recorded != tc.recorded || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%s: Finish(%+v) = %v, %v; want %v, %v", tc.name, tc.done, recorded, err, tc.recorded, tc.err)
		}
	}
	if got := l.Finished(); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("Finished = %v, want [1 2]", got)
	}
}

// TestLedgerRestore: a store's rows are taken back only as the ledger
// would have made them.
func TestLedgerRestore(t *testing.T) {
	var h domain.Digester
	bets := ledgerBets(0, 3)
	l := domain.NewLedger(1)
	d := domain.Digest(0)
	for i, b := range bets {
		d = h.Add(d, b)
		if err := l.Restore(1, b, d); err != nil {
			t.Fatalf("Restore of bet %d: %v", i, err)
		}
	}
	if err := l.Restore(1, ledgerBets(3, 1)[0], d); err == nil {
		t.Error("Restore with a digest that does not extend the stream: no error")
	}
	if err := l.Restore(2, bets[0], h.Add(0, bets[0])); !errors.Is(err, domain.ErrUnknownAgency) {
		t.Errorf("Restore for agency 2 of 1: %v, want ErrUnknownAgency", err)
	}
	if _, err := l.Finish(domain.Done{Agency: 1, Total: 3, Digest: d}); err != nil {
		t.Fatal(err)
	}
	next := ledgerBets(3, 1)[0]
	if err := l.Restore(1, next, h.Add(d, next)); err == nil {
		t.Error("Restore of a bet after the agency's done: no error")
	}
	// What was restored is held, and a resend of it is checked against it.
	if _, err := l.Add(1, 1, changed(bets[1:], 1), 0, nil); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("a changed resend of restored bets: %v, want ErrConflict", err)
	}
	if got := l.Seal(); !reflect.DeepEqual(got, map[int][]string{1: {"1000"}}) {
		t.Errorf("winners = %v, want agency 1's 1000", got)
	}
}

// TestLedgerSealGivesACopy: the winners map is the caller's.
func TestLedgerSealGivesACopy(t *testing.T) {
	l := domain.NewLedger(1)
	if _, err := l.Add(1, 0, ledgerBets(0, 1), 0, nil); err != nil {
		t.Fatal(err)
	}
	w := l.Seal()
	w[1][0] = "changed"
	delete(w, 1)
	if got := l.Seal(); !reflect.DeepEqual(got, map[int][]string{1: {"1000"}}) {
		t.Errorf("after the caller changed its map, winners = %v", got)
	}
}

// TestLedgerAcrossBlocks: a stream longer than a block of digests is
// checked at any position, across the blocks' edges.
func TestLedgerAcrossBlocks(t *testing.T) {
	const n, size = 40_000, 999 // 16,384 digests to a block
	var h domain.Digester
	bets := ledgerBets(0, n)
	l := domain.NewLedger(1)
	for first := 0; first < n; first += size {
		if _, err := l.Add(1, uint64(first), bets[first:min(first+size, n)], 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, first := range []int{0, 16_383, 16_384, 16_385, 32_760, 39_999} {
		end := min(first+20, n)
		added, err := l.Add(1, uint64(first), bets[first:end], 0, nil)
		if err != nil || len(added.Fresh) != 0 || added.Held.Digest != h.Add(0, bets...) {
			t.Errorf("resend at %d: %+v, %v; want held whole", first, added.Held, err)
		}
		if _, err := l.Add(1, uint64(first), changed(bets[first:end], end-first-1), 0, nil); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("changed resend at %d: %v, want ErrConflict", first, err)
		}
	}
}

// TestLedgerTruncate: a truncated stream is the stream it was at that
// length — its digest, its winners, no done — across a block boundary
// too, and takes the same or other bets from there.
func TestLedgerTruncate(t *testing.T) {
	const n = 16384 + 10 // past the first digest block
	var h domain.Digester
	for _, at := range []int{0, 5, 16384, 16384 + 3, n} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			l := domain.NewLedger(2)
			bets := ledgerBets(0, n)
			if _, err := l.Add(1, 0, bets, 0, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Add(2, 0, ledgerBets(0, 7), 0, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Finish(domain.Done{Agency: 1, Total: n, Digest: h.Add(0, bets...)}); err != nil {
				t.Fatal(err)
			}
			if err := l.Truncate(1, uint64(at)); err != nil {
				t.Fatalf("Truncate: %v", err)
			}
			want := domain.Held{Stored: uint64(at), Digest: h.Add(0, bets[:at]...)}
			if got, _ := l.Held(1); got != want {
				t.Fatalf("held after Truncate(%d): %+v, want %+v", at, got, want)
			}
			if got, _ := l.Held(2); got.Stored != 7 {
				t.Errorf("agency 2 holds %d after agency 1's truncate, want 7", got.Stored)
			}
			// Another bet where the old one was, then the rest as before.
			other := append([]domain.Bet(nil), bets[at:]...)
			if len(other) > 0 {
				other = changed(other, 0)
			}
			added, err := l.Add(1, uint64(at), other, 0, nil)
			if err != nil || len(added.Fresh) != n-at {
				t.Fatalf("Add after Truncate: %d fresh, %v; want %d", len(added.Fresh), err, n-at)
			}
			if _, err := l.Add(1, 0, bets[:at], 0, nil); err != nil {
				t.Errorf("resend of the kept prefix: %v", err)
			}
			var wantDocs []string
			for _, b := range append(bets[:at:at], other...) {
				if b.Wins() {
					wantDocs = append(wantDocs, b.Document)
				}
			}
			if got := l.Seal()[1]; !reflect.DeepEqual(got, wantDocs) {
				t.Errorf("winners after Truncate and Add: %d, want %d", len(got), len(wantDocs))
			}
		})
	}
	l := domain.NewLedger(1)
	l.Add(1, 0, ledgerBets(0, 3), 0, nil)
	if err := l.Truncate(1, 4); err == nil {
		t.Error("Truncate past the bets held succeeded")
	}
	if err := l.Truncate(2, 0); !errors.Is(err, domain.ErrUnknownAgency) {
		t.Errorf("Truncate of agency 2: %v, want ErrUnknownAgency", err)
	}
	l.Seal()
	if err := l.Truncate(1, 1); !errors.Is(err, domain.ErrSealed) {
		t.Errorf("Truncate after Seal: %v, want ErrSealed", err)
	}
}
