// Package betlogtest is the contract every actors.BetLog must pass, in the
// spirit of testing/fstest's TestFS: an implementation's tests call Test
// with a Target, its way of opening one log. The package also holds
// Memory, a BetLog in memory that passes the contract, for tests of the
// store that need a backend they can make fail.
package betlogtest

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// Target is one log under test: the same log each time it is opened.
type Target struct {
	// Open opens the log, creating it for fresh if it holds nothing.
	Open func(fresh domain.Lottery) (actors.BetLog, error)
	// Tear, if not nil, leaves the closed log as a crash in the middle of
	// its last Append would: the last row half-written.
	Tear func() error
	// Break, if not nil, makes the open log's next Append and Finish fail,
	// as a full disk or a lost disk would.
	Break func(actors.BetLog) error
	// Shared says the log is an actors.SharedLog, which several servers
	// open at once: instead of InUse, Shared checks that two opens write
	// it together, each told when the other got ahead of it.
	Shared bool
}

// Test runs the contract against the logs newTarget makes: a new, empty
// log for each subtest. The subtests open the log only one at a time, but
// for InUse, and replay it once after each open, before any write, as the
// store does.
func Test(t *testing.T, newTarget func(t *testing.T) Target) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, Target)
	}{
		{"Fresh", testFresh},
		{"AppendReplay", testAppendReplay},
		{"AppendEmpty", testAppendEmpty},
		{"DoneDurable", testDoneDurable},
		{"ReplayIdempotent", testReplayIdempotent},
		{"ReplayStops", testReplayStops},
		{"LotteryKept", testLotteryKept},
		{"InUse", testInUse},
		{"Shared", testShared},
		{"AppendAfterReopen", testAppendAfterReopen},
		{"SliceReused", testSliceReused},
		{"OddContent", testOddContent},
		{"ManyGroups", testManyGroups},
		{"TornTail", testTornTail},
		{"FailedAppend", testFailedAppend},
		{"FailedFinish", testFailedFinish},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, newTarget(t)) })
	}
}

// testFresh: a new log belongs to the lottery it was opened for and
// replays nothing, then and after a reopen.
func testFresh(t *testing.T, tg Target) {
	for range 2 {
		h, got := mustReopen(t, tg, lotteryA)
		h.lottery(lotteryA)
		history{}.check(t, got)
		h.close()
	}
}

// testAppendReplay: groups of rows of several agencies, interleaved,
// replay after a reopen in the order appended, byte for byte.
func testAppendReplay(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	var want history
	for _, g := range [][]domain.Row{s.group(7, 1, 2, 3), s.group(1, 2), s.group(30, 3, 1), s.group(2, 5, 4)} {
		h.append(g)
		want.rows = append(want.rows, g...)
	}
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testAppendEmpty: appending no rows succeeds and adds nothing.
func testAppendEmpty(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	h.append(nil)
	want := history{rows: s.group(3, 1, 2)}
	h.append(want.rows)
	h.append([]domain.Row{})
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testDoneDurable: dones, recorded between appends, replay after every
// row, in the order recorded, an agency with no bets's too.
func testDoneDurable(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	var want history
	step := func(rows []domain.Row, dones ...domain.Done) {
		h.append(rows)
		want.rows = append(want.rows, rows...)
		for _, d := range dones {
			h.finish(d)
			want.dones = append(want.dones, d)
		}
	}
	step(s.group(6, 1, 2))
	step(s.group(3, 2), s.done(2))
	step(s.group(4, 1, 3), s.done(1), s.done(4))
	step(s.group(2, 3, 5), s.done(5), s.done(3))
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testReplayIdempotent: reopening replays the same each time, whether the
// log was replayed or only opened and closed (as the store does when the
// log belongs to another lottery).
func testReplayIdempotent(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	want := history{rows: s.group(9, 1, 2, 3)}
	h.append(want.rows)
	want.dones = []domain.Done{s.done(2)}
	h.finish(want.dones[0])
	h.close()
	for i := range 3 {
		h, got := mustReopen(t, tg, lotteryA)
		want.check(t, got)
		h.close()
		if i == 1 {
			h := mustOpen(t, tg, lotteryB)
			h.lottery(lotteryA)
			h.close()
		}
	}
}

// errStop is a replay callback's error.
var errStop = errors.New("betlogtest: callback stops the replay")

// testReplayStops: Replay stops at a callback's error, calling neither
// callback again, and returns an error that wraps it; the log is intact.
func testReplayStops(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	want := history{rows: s.group(10, 1, 2)}
	h.append(want.rows)
	want.dones = []domain.Done{s.done(1), s.done(2)}
	h.finish(want.dones[0])
	h.finish(want.dones[1])
	h.close()

	for _, c := range []struct {
		name               string
		stopRow, stopDone  int // the callback's call that fails, from 1; 0: none
		wantRows, wantDone int // calls
	}{
		{"row", 4, 0, 4, 0},
		{"done", 0, 1, len(want.rows), 1},
	} {
		h := mustOpen(t, tg, lotteryA)
		var rows, dones int
		err := h.log.Replay(func(domain.Row) error {
			if rows++; rows == c.stopRow {
				return errStop
			}
			return nil
		}, func(domain.Done) error {
			if dones++; dones == c.stopDone {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Errorf("Replay with a %s callback failing: got error %v, want one wrapping %v", c.name, err, errStop)
		}
		if rows != c.wantRows || dones != c.wantDone {
			t.Errorf("Replay with a %s callback failing: called row %d times and done %d times, want %d and %d",
				c.name, rows, dones, c.wantRows, c.wantDone)
		}
		h.close()
	}
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testLotteryKept: a log belongs to the lottery it was created for,
// whatever it is opened with since, with rows or without.
func testLotteryKept(t *testing.T, tg Target) {
	h, _ := mustReopen(t, tg, lotteryA)
	h.close()
	h, got := mustReopen(t, tg, lotteryB)
	h.lottery(lotteryA)
	history{}.check(t, got)
	s := newStreams(t, nil)
	want := history{rows: s.group(3, 1, 5)}
	h.append(want.rows)
	h.close()
	h, got = mustReopen(t, tg, lotteryB)
	h.lottery(lotteryA)
	want.check(t, got)
	h.close()
}

// testInUse: a second open of an open log fails with domain.ErrInUse and
// harms nothing; once the log is closed, it opens again.
func testInUse(t *testing.T, tg Target) {
	if tg.Shared {
		t.Skip("a shared log is open in several servers at once: see Shared")
	}
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	inUse := func(when string) {
		t.Helper()
		for _, fresh := range []domain.Lottery{lotteryA, lotteryB} {
			log, err := tg.Open(fresh)
			if !errors.Is(err, domain.ErrInUse) {
				t.Errorf("second Open %s: got error %v, want domain.ErrInUse", when, err)
			}
			if err == nil && log != nil {
				log.Close()
			}
		}
	}
	inUse("before writes")
	want := history{rows: s.group(4, 1, 2)}
	h.append(want.rows)
	inUse("after writes")
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	inUse("when open again")
	h.close()
}

// testAppendAfterReopen: a reopened log takes rows and dones after those
// it replayed.
func testAppendAfterReopen(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	held := history{rows: s.group(5, 1, 2)}
	h.append(held.rows)
	h.close()
	for range 2 {
		h, got := mustReopen(t, tg, lotteryA)
		held.check(t, got)
		held = appendsAfter(t, h, tg, got)
	}
}

// testSliceReused: the log keeps rows, not the caller's slice, which the
// caller reuses as soon as Append returns.
func testSliceReused(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	var want history
	buf := make([]domain.Row, 0, 8)
	for range 3 {
		buf = append(buf[:0], s.group(cap(buf), 1, 2, 3)...)
		h.append(buf)
		want.rows = append(want.rows, buf...)
	}
	copy(buf, s.group(len(buf), 4)) // never appended
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testOddContent: bets whose names hold separators, quotes, escapes,
// untrimmed spaces, non-ASCII of every width and the longest valid names,
// with extreme documents, birthdates and numbers, replay byte for byte,
// appended alone or in one group.
func testOddContent(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	s.odd = true
	h, _ := mustReopen(t, tg, lotteryA)
	var want history
	for range len(oddNames) {
		g := s.group(1, 5)
		h.append(g)
		want.rows = append(want.rows, g...)
	}
	g := s.group(3*len(oddNames), 1, 2, 3)
	h.append(g)
	want.rows = append(want.rows, g...)
	want.dones = []domain.Done{s.done(5), s.done(1)}
	h.finish(want.dones[0])
	h.finish(want.dones[1])
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testManyGroups: many groups of sizes 1 to 13, over several opens,
// replay whole.
func testManyGroups(t *testing.T, tg Target) {
	s := newStreams(t, nil)
	var want history
	for open := range 3 {
		h, got := mustReopen(t, tg, lotteryA)
		want.check(t, got)
		for i := range 40 {
			n := 1 + (open*40+i)%13
			agencies := []int{1 + i%5, 1 + (i+2)%5}[:1+i%2]
			g := s.group(n, agencies...)
			h.append(g)
			want.rows = append(want.rows, g...)
		}
		h.close()
	}
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	for a := 1; a <= lotteryA.Agencies; a++ {
		d := s.done(a)
		h.finish(d)
		want.dones = append(want.dones, d)
	}
	h.close()
	h, got = mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// testTornTail: after a crash in the middle of the last Append, the log
// replays every group before it and a prefix of the last, the same each
// time, and takes rows after them.
func testTornTail(t *testing.T, tg Target) {
	if tg.Tear == nil {
		t.Skip("the target cannot tear a log")
	}
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	var acked history
	acked.rows = s.group(6, 1, 2)
	h.append(acked.rows)
	acked.dones = []domain.Done{s.done(2)}
	h.finish(acked.dones[0])
	h.close()
	h, _ = mustReopen(t, tg, lotteryA)
	g := s.group(3, 3)
	h.append(g)
	acked.rows = append(acked.rows, g...)
	s.odd = true // long rows, so a torn one is likely cut mid-row
	torn := s.group(5, 1, 3, 4)
	h.append(torn)
	h.close()
	if err := tg.Tear(); err != nil {
		t.Fatalf("Tear: %v", err)
	}

	h, got := mustReopen(t, tg, lotteryA)
	if d := diffPrefix(got.rows, acked.rows, torn); d != "" {
		t.Fatalf("replayed after a torn append: %s", d)
	}
	if d := diffDones(got.dones, acked.dones); d != "" {
		t.Fatalf("replayed after a torn append: %s", d)
	}
	h.close()
	h, again := mustReopen(t, tg, lotteryA)
	got.check(t, again)
	appendsAfter(t, h, tg, got)
}

// appendsAfter checks that a log opened as h, which replayed held after a
// reopen, a crash or a failure, takes rows and a done that replay after
// held, and returns what the log then holds.
func appendsAfter(t *testing.T, h *handle, tg Target, held history) history {
	t.Helper()
	s := newStreams(t, held.rows)
	want := history{rows: slices.Clone(held.rows), dones: slices.Clone(held.dones)}
	g := s.group(4, 1, 3, 4)
	h.append(g)
	want.rows = append(want.rows, g...)
	d := s.done(4)
	h.finish(d)
	want.dones = append(want.dones, d)
	h.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
	return want
}

// testFailedAppend: after a failed Append, closing releases the log
// (Close may report the failure too), which replays every row and done
// acknowledged before and at most a prefix of the failed group, and takes
// rows after them.
func testFailedAppend(t *testing.T, tg Target) {
	if tg.Break == nil {
		t.Skip("the target cannot break a log")
	}
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	acked := history{rows: s.group(7, 1, 2, 3)}
	h.append(acked.rows)
	acked.dones = []domain.Done{s.done(3)}
	h.finish(acked.dones[0])
	if err := tg.Break(h.log); err != nil {
		t.Fatalf("Break: %v", err)
	}
	failed := s.group(5, 1, 2)
	if err := h.log.Append(failed); err == nil {
		t.Fatal("Append on a broken log succeeded, want an error")
	}
	closeBroken(t, h)

	h, got := mustReopen(t, tg, lotteryA)
	if d := diffPrefix(got.rows, acked.rows, failed); d != "" {
		t.Fatalf("replayed after a failed append: %s", d)
	}
	if d := diffDones(got.dones, acked.dones); d != "" {
		t.Fatalf("replayed after a failed append: %s", d)
	}
	appendsAfter(t, h, tg, got)
}

// testFailedFinish: after a failed Finish, closing releases the log, which
// replays every row and done acknowledged before, and the failed done or
// not, and takes rows after them.
func testFailedFinish(t *testing.T, tg Target) {
	if tg.Break == nil {
		t.Skip("the target cannot break a log")
	}
	s := newStreams(t, nil)
	h, _ := mustReopen(t, tg, lotteryA)
	acked := history{rows: s.group(6, 1, 2)}
	h.append(acked.rows)
	acked.dones = []domain.Done{s.done(1)}
	h.finish(acked.dones[0])
	if err := tg.Break(h.log); err != nil {
		t.Fatalf("Break: %v", err)
	}
	failed := s.done(2)
	if err := h.log.Finish(failed); err == nil {
		t.Fatal("Finish on a broken log succeeded, want an error")
	}
	closeBroken(t, h)

	h, got := mustReopen(t, tg, lotteryA)
	if d := diffRows(got.rows, acked.rows); d != "" {
		t.Fatalf("replayed after a failed finish: %s", d)
	}
	if d := diffDonePrefix(got.dones, acked.dones, []domain.Done{failed}); d != "" {
		t.Fatalf("replayed after a failed finish: %s", d)
	}
	appendsAfter(t, h, tg, got)
}

// closeBroken closes a log whose last write failed: Close may fail too,
// but must release the log.
func closeBroken(t *testing.T, h *handle) {
	t.Helper()
	h.closed = true
	if err := h.log.Close(); err != nil {
		t.Logf("Close after a failed write: %v (allowed)", err)
	}
}

// testShared: two opens of a shared log write it together. Each appends
// an agency's rows only where it last saw that agency's stream end: when
// the other got there first, it is told so with what it holds of the
// agency, appends nothing of it but the other agencies' rows, and catches
// up with exactly what the other appended, bets and done.
func testShared(t *testing.T, tg Target) {
	if !tg.Shared {
		t.Skip("the log is not shared")
	}
	s := newStreams(t, nil)
	h1, _ := mustReopen(t, tg, lotteryA)
	want := history{rows: s.group(6, 1, 2)}
	h1.append(want.rows)
	h2, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)

	twin := newStreams(t, want.rows) // the same streams, for h1 once h2 has gone on
	ahead := s.group(4, 1)
	h2.append(ahead)
	want.rows = append(want.rows, ahead...)

	late, other := twin.group(2, 1), s.group(2, 3)
	err := h1.log.Append(append(slices.Clone(late), other...))
	var behind *actors.BehindError
	if !errors.As(err, &behind) {
		t.Fatalf("Append of agency 1's rows the other log got ahead of: got %v, want an *actors.BehindError", err)
	}
	if want := map[int]uint64{1: 3}; !maps.Equal(behind.Held, want) {
		t.Fatalf("BehindError holds %v, want %v (agency 1's 3 bets that log had seen)", behind.Held, want)
	}
	want.rows = append(want.rows, other...)
	caught := catchUp(t, h1, []int{1})
	history{rows: ahead}.check(t, caught)
	history{}.check(t, catchUp(t, h1, nil))

	d := s.done(1)
	h1.finish(d)
	if err := h2.log.Finish(d); !errors.As(err, &behind) || behind.Held[1] != 7 {
		t.Fatalf("Finish of a done the other log recorded first: got %v, want an *actors.BehindError holding agency 1's 7 bets", err)
	}
	history{rows: other, dones: []domain.Done{d}}.check(t, catchUp(t, h2, nil))
	want.dones = []domain.Done{d}
	h1.close()
	h2.close()
	h, got := mustReopen(t, tg, lotteryA)
	want.check(t, got)
	h.close()
}

// catchUp catches h's shared log up with agencies.
func catchUp(t *testing.T, h *handle, agencies []int) history {
	t.Helper()
	var got history
	err := h.log.(actors.SharedLog).CatchUp(agencies, func(r domain.Row) error {
		got.rows = append(got.rows, r)
		return nil
	}, func(d domain.Done) error {
		got.dones = append(got.dones, d)
		return nil
	})
	if err != nil {
		t.Fatalf("CatchUp(%v): %v", agencies, err)
	}
	return got
}
