package actors_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/betlogtest"
	"github.com/tp0/loteria/actors/csvfile"
	"github.com/tp0/loteria/domain"
)

func TestStoreFinishIsDurable(t *testing.T) {
	s, path, _ := runStore(t, 2)
	done := csvfile.DonePath(path)
	a1 := mustSession(t, s, 1)
	mustAppend(t, a1, 0, batch(0, 3))

	mustFinish(t, a1, batch(0, 3))
	mustHaveFile(t, done, doneLine(1, batch(0, 3)...))
	mustFinish(t, a1, batch(0, 3)) // again: writes nothing
	if err := a1.Finish(testCtx(t), 2, digestOf(batch(0, 2)...)); !errors.Is(err, domain.ErrIncomplete) {
		t.Fatalf("Finish(2) with 3 stored: err = %v, want ErrIncomplete", err)
	}
	mustHaveFile(t, done, doneLine(1, batch(0, 3)...))
	mustFinish(t, mustSession(t, s, 2), nil)
	mustHaveFile(t, done, doneLine(1, batch(0, 3)...)+doneLine(2))
	if got := len(mustReadBets(t, path)); got != 3 {
		t.Errorf("bets file holds %d rows, want the 3 bets only", got)
	}
}

// TestStoreFinishChecksDigest: done is accepted only for the bets stored —
// the right count is not enough, their digest must be the agency's — and
// it survives a reopen with that digest.
func TestStoreFinishChecksDigest(t *testing.T) {
	s, path, stop := runStore(t, 2)
	done := csvfile.DonePath(path)
	a1 := mustSession(t, s, 1)
	mustAppend(t, a1, 0, batch(0, 3))
	ctx := testCtx(t)
	for _, other := range [][]domain.Bet{batch(1, 3), changed(batch(0, 3), 2), swapped(batch(0, 3), 0, 1)} {
		if err := a1.Finish(ctx, 3, digestOf(other...)); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("Finish(3) with the digest of other bets: err = %v, want ErrConflict", err)
		}
	}
	mustHaveStored(t, s, 1, 3, false)
	mustHaveFile(t, done, "")
	mustFinish(t, a1, batch(0, 3))
	if err := a1.Finish(ctx, 3, digestOf(batch(1, 3)...)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Finish(3) again, with another digest: err = %v, want ErrConflict", err)
	}
	mustHaveFile(t, done, doneLine(1, batch(0, 3)...))
	mustStop(t, stop)

	s = mustOpen(t, path, 2)
	if got := s.Recovered().Finished; !reflect.DeepEqual(got, []int{1}) {
		t.Fatalf("Recovered().Finished = %v, want [1]", got)
	}
	start(t, s)
	a1 = mustSession(t, s, 1)
	if !a1.Held().Finished || a1.Held().Stored != 3 || a1.Held().Digest != digestOf(batch(0, 3)...) {
		t.Errorf("session after reopen: finished %t, stored %d, digest %v; want true, 3, %v", a1.Held().Finished, a1.Held().Stored, a1.Held().Digest, digestOf(batch(0, 3)...))
	}
	if err := a1.Finish(ctx, 3, digestOf(batch(1, 3)...)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Finish(3) after reopen, with another digest: err = %v, want ErrConflict", err)
	}
	mustFinish(t, a1, batch(0, 3))
	mustHaveFile(t, done, doneLine(1, batch(0, 3)...))
}

func TestStoreFinishedSurvivesReopen(t *testing.T) {
	s, path, stop := runStore(t, 3)
	a1 := mustSession(t, s, 1)
	mustAppend(t, a1, 0, batch(0, 3))
	mustAppend(t, mustSession(t, s, 2), 0, batch(0, 1))
	mustFinish(t, a1, batch(0, 3))
	mustFinish(t, mustSession(t, s, 3), nil)
	mustStop(t, stop)

	s = mustOpen(t, path, 3)
	want := actors.Recovery{Stored: []uint64{3, 1, 0}, Finished: []int{1, 3}}
	rec := s.Recovered()
	if !reflect.DeepEqual(rec, want) {
		t.Fatalf("Recovered = %+v, want %+v", rec, want)
	}
	rec.Finished[0] = 99 // the caller's copy
	if got := s.Recovered(); !reflect.DeepEqual(got, want) {
		t.Errorf("Recovered after the caller changed its copy = %+v, want %+v", got, want)
	}
	start(t, s)
	mustHaveStored(t, s, 1, 3, true)
	mustHaveStored(t, s, 2, 1, false)
	mustHaveStored(t, s, 3, 0, true)
	a1 = mustSession(t, s, 1)
	if !a1.Held().Finished || a1.Held().Stored != 3 || a1.Held().Digest != digestOf(batch(0, 3)...) {
		t.Errorf("session after reopen: finished %t, stored %d, digest %v; want true, 3, %v", a1.Held().Finished, a1.Held().Stored, a1.Held().Digest, digestOf(batch(0, 3)...))
	}
	if _, err := a1.Append(testCtx(t), 3, batch(3, 1)); !errors.Is(err, domain.ErrFinished) {
		t.Errorf("new bets for a finished agency after reopen: err = %v, want ErrFinished", err)
	}
	if got := mustAppend(t, a1, 0, batch(0, 3)); got != 3 {
		t.Errorf("resend after reopen: Append = %d, want 3", got)
	}
	mustFinish(t, a1, batch(0, 3)) // again after reopen: writes nothing
	mustHaveFile(t, csvfile.DonePath(path), doneLine(1, batch(0, 3)...)+doneLine(3))
}

func TestStoreCutsTornDoneLineOnOpen(t *testing.T) {
	two := []domain.Bet{bet("0", 1), bet("1", 2)}
	for name, torn := range map[string]string{
		"partial line":         "2,",
		"whole line but LF":    "2,0,00000000",
		"line but half digest": "2,0,0000",
		"long garbage":         strings.Repeat("x", 200<<10),
	} {
		t.Run(name, func(t *testing.T) {
			path := newStorePath(t, 2)
			done := csvfile.DonePath(path)
			mustWriteFile(t, path, betsFile(t, two...))
			mustWriteFile(t, done, doneLine(1, two...)+torn)

			s := mustOpen(t, path, 2)
			rec := s.Recovered()
			if !slices.Equal(rec.Repairs, []string{fmt.Sprintf("cut a torn final line of %d bytes off the done file", len(torn))}) || !reflect.DeepEqual(rec.Finished, []int{1}) {
				t.Errorf("Recovered = %+v, want %d torn bytes in the done file, agency 1 finished", rec, len(torn))
			}
			mustHaveFile(t, done, doneLine(1, two...))
			start(t, s)
			mustHaveStored(t, s, 1, 2, true)
			mustHaveStored(t, s, 2, 0, false)
			mustFinish(t, mustSession(t, s, 2), nil)
			mustHaveFile(t, done, doneLine(1, two...)+doneLine(2))
		})
	}
}

func TestOpenStoreRefusesCorruptDoneFile(t *testing.T) {
	two := []domain.Bet{bet("0", 1), bet("1", 2)}
	bets := betsFile(t, two...) // two bets of agency 1
	d2 := digestOf(two...)
	for _, tc := range []struct {
		name, done string
		says       string
	}{
		{"more done than stored", fmt.Sprintf("1,5,%v\n", d2), "line 1: agency 1 done with 5 bets of digest " + d2.String() + ", the store holds 2"},
		{"fewer done than stored", doneLine(1, two[0]), "line 1: agency 1 done with 1 bets"},
		{"no bets stored", doneLine(2) + doneLine(2, two...), "line 2: agency 2 done with 2 bets"},
		{"another digest", doneLine(1, two[1], two[0]), "line 1: agency 1 done with 2 bets of digest " + digestOf(two[1], two[0]).String() + ", the store holds 2 of digest " + d2.String()},
		{"no digest", "1,2\n", "line 1"},
		{"garbage mid-file", doneLine(1, two...) + "not a line\n" + doneLine(2), "line 2"},
		{"empty line", "\n" + doneLine(1, two...), "line 1"},
		{"long garbage mid-file", doneLine(1, two...) + strings.Repeat("x", 100<<10) + "\n" + doneLine(2), "line 2"},
		{"unknown agency", doneLine(3), "line 1: agency 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := newStorePath(t, 2)
			mustWriteFile(t, path, bets)
			mustWriteFile(t, csvfile.DonePath(path), tc.done)
			mustRefuse(t, actors.StoreConfig{Path: path, Agencies: 2}, domain.ErrCorrupt, tc.says)
			mustHaveFile(t, path, bets)
			mustHaveFile(t, csvfile.DonePath(path), tc.done)
		})
	}
}

func TestOpenStoreCreatesDoneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bets.csv")
	s := mustOpen(t, path, 1)
	mustHaveFile(t, csvfile.DonePath(path), "")
	if rec := s.Recovered(); rec.Bets() != 0 || len(rec.Finished) != 0 || len(rec.Repairs) != 0 {
		t.Errorf("Recovered on new files = %+v, want nothing", rec)
	}
	start(t, s)
}

func TestStoreStopsOnDoneWriteFailure(t *testing.T) {
	m := betlogtest.NewMemory()
	s := mustNewStore(t, m, 2)
	m.Fail(os.ErrClosed)
	stop := start(t, s)
	if err := mustSession(t, s, 1).Finish(testCtx(t), 0, 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Finish on a failing log: err = %v, want ErrClosed", err)
	}
	if err := stop(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Run = %v, want ErrClosed", err)
	}
	s = mustNewStore(t, m, 2)
	start(t, s)
	if got := s.Recovered().Finished; len(got) != 0 {
		t.Errorf("finished after a failed Finish and a reopen: %v, want none", got)
	}
}

// TestFinishedLotteryDrawsAgainOnRestart restarts a lottery whose agencies
// had all finished: the coordinator, started with the agencies the store
// recovered, draws at once, with the same winners, and answers every query
// without any agency reporting done again.
func TestFinishedLotteryDrawsAgainOnRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bets.csv")
	win := domain.WinningNumber
	s := mustOpen(t, path, 2)
	stopStore := start(t, s)
	c, stopCoord := runCoordinator(t, actors.CoordinatorConfig{Agencies: 2, Drawer: s, Finished: s.Recovered().Finished})
	sent := map[int][]domain.Bet{
		1: {bet("11", win), bet("12", 1)},
		2: {bet("21", win), bet("22", win)},
	}
	for a := 1; a <= 2; a++ {
		ss := mustSession(t, s, a)
		mustAppend(t, ss, 0, sent[a])
		mustFinish(t, ss, sent[a])
		mustDone(t, c, a)
	}
	want := map[int][]string{1: {"11"}, 2: {"21", "22"}}
	for a, docs := range want {
		if got := mustWinners(t, c, a); !reflect.DeepEqual(got, docs) {
			t.Fatalf("Winners(%d) before the restart = %v, want %v", a, got, docs)
		}
	}
	mustStop(t, stopCoord)
	mustStop(t, stopStore)

	s = mustOpen(t, path, 2)
	fin := s.Recovered().Finished
	if !reflect.DeepEqual(fin, []int{1, 2}) {
		t.Fatalf("Recovered().Finished = %v, want [1 2]", fin)
	}
	start(t, s)
	drawn := make(chan map[int][]string, 1)
	c, _ = runCoordinator(t, actors.CoordinatorConfig{
		Agencies: 2, Drawer: s, Finished: fin,
		OnDraw: func(w map[int][]string, _ time.Duration) { drawn <- w },
	})
	if got := mustRecv(t, drawn); !reflect.DeepEqual(got, want) {
		t.Errorf("draw after the restart = %v, want %v", got, want)
	}
	for a, docs := range want {
		if got := mustWinners(t, c, a); !reflect.DeepEqual(got, docs) {
			t.Errorf("Winners(%d) after the restart = %v, want %v", a, got, docs)
		}
		mustHaveStored(t, s, a, 2, true)
	}
	if _, err := mustSession(t, s, 1).Append(testCtx(t), 2, batch(2, 1)); !errors.Is(err, domain.ErrSealed) {
		t.Errorf("new bets after the restart's draw: err = %v, want ErrSealed", err)
	}
	if got := mustAppend(t, mustSession(t, s, 2), 0, sent[2]); got != 2 {
		t.Errorf("resend after the restart: Append = %d, want 2", got)
	}
}

func mustHaveFile(tb testing.TB, path, want string) {
	tb.Helper()
	if got := mustReadFile(tb, path); got != want {
		tb.Fatalf("%s holds %q, want %q", filepath.Base(path), got, want)
	}
}

// TestOpenStoreRefusesDamagedBetsFile: a bets file changed in the middle,
// by hand or by a disk, is refused with an error naming the first line
// that is wrong, and left as it is — never read as bets no agency sent
// (a number changed to the winning one would plant a winner).
func TestOpenStoreRefusesDamagedBetsFile(t *testing.T) {
	// Lines 1..5 are agency 1's bets 0..4, lines 6..10 agency 2's.
	stored := append(batch(0, 5), withAgency(2, batch(0, 5)...)...)
	valid := betsFile(t, stored...)
	damaged := func(i int, change func(*domain.Bet)) []domain.Bet {
		bs := bets(stored...)
		change(&bs[i])
		return bs
	}
	for _, tc := range []struct {
		name, file string
		says       []string
	}{
		// Edited in place: the row's digest is the one the store wrote for
		// the bet that was there.
		{"number changed to the winning one", editField(t, valid, 3, 5, "7574"), []string{"line 3", "digest"}},
		{"document abc", editField(t, valid, 3, 3, "abc"), []string{"line 3", "document"}},
		{"invalid UTF-8 in a name", editField(t, valid, 3, 1, "Santiago\xffLionel"), []string{"line 3", "UTF-8"}},
		{"birthdate after the lottery's date", editField(t, valid, 3, 4, "2024-06-02"), []string{"line 3", "birthdate", testDate}},
		{"row deleted in the middle", editLines(valid, func(l []string) []string { return append(l[:2:2], l[3:]...) }), []string{"line 3", "digest"}},
		{"two rows swapped", editLines(valid, func(l []string) []string { l[1], l[2] = l[2], l[1]; return l }), []string{"line 2", "digest"}},
		{"row repeated", editLines(valid, func(l []string) []string { return append(l[:3:3], l[2:]...) }), []string{"line 4", "digest"}},
		{"row moved to another agency", editField(t, valid, 8, 0, "1"), []string{"line 8", "agency 1"}},
		{"digest changed", editField(t, valid, 10, 6, "00000000"), []string{"line 10", "digest"}},
		// Written with consistent digests, as a careless tool might: the
		// rules of a valid bet on the lottery's date catch them.
		{"document abc, digests rechained", betsFile(t, damaged(2, func(b *domain.Bet) { b.Document = "abc" })...), []string{"line 3", "document"}},
		{"invalid UTF-8, digests rechained", betsFile(t, damaged(6, func(b *domain.Bet) { b.LastName = "Lor\xc3ca" })...), []string{"line 7", "UTF-8"}},
		{"birthdate after the lottery's date, digests rechained", betsFile(t, damaged(2, func(b *domain.Bet) { b.Birthdate = "2024-06-02" })...), []string{"line 3", "birthdate", testDate}},
		{"number out of range, digests rechained", betsFile(t, damaged(9, func(b *domain.Bet) { b.Number = domain.MaxNumber + 1 })...), []string{"line 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file == valid {
				t.Fatal("the damage changed nothing")
			}
			path := newStorePath(t, 2)
			mustWriteFile(t, path, tc.file)
			mustRefuse(t, actors.StoreConfig{Path: path, Agencies: 2}, domain.ErrCorrupt, tc.says...)
			mustHaveFile(t, path, tc.file)
		})
	}
	t.Run("undamaged", func(t *testing.T) {
		path := newStorePath(t, 2)
		mustWriteFile(t, path, valid)
		s := mustOpen(t, path, 2)
		if got := s.Recovered().Stored; !reflect.DeepEqual(got, []uint64{5, 5}) {
			t.Errorf("Recovered().Stored = %v, want [5 5]", got)
		}
		mustCloseStore(t, s)
	})
	t.Run("birthdate on the lottery's date", func(t *testing.T) {
		path := newStorePath(t, 2)
		mustWriteFile(t, path, betsFile(t, damaged(2, func(b *domain.Bet) { b.Birthdate = testDate })...))
		s := mustOpen(t, path, 2)
		if got := s.Recovered().Stored; !reflect.DeepEqual(got, []uint64{5, 5}) {
			t.Errorf("Recovered().Stored = %v, want [5 5]", got)
		}
		mustCloseStore(t, s)
	})
}

// TestOpenStoreRefusesMissingOrBadLotteryFile: bets without the lottery
// they belong to (a store of an older version, or one whose lottery file
// was lost) are refused, and no lottery is made up for them.
func TestOpenStoreRefusesMissingOrBadLotteryFile(t *testing.T) {
	for _, tc := range []struct {
		name, bets, done, lottery string
		says                      string
	}{
		{"bets without a lottery file", betsFile(t, batch(0, 2)...), "", "", "bets.csv.lottery"},
		{"done without a lottery file", "", doneLine(1), "", "bets.csv.lottery"},
		{"a version 1 store", "1,Ana,Lorca,123,1990-01-01,7574\n", "1,1\n", "", "bets.csv.lottery"},
		{"malformed lottery file", betsFile(t, batch(0, 2)...), "", "c0ffee," + testDate + ",2\n", "bets.csv.lottery"},
		{"lottery file without a newline", "", "", "00000000c0ffee00," + testDate + ",2", "bets.csv.lottery"},
		{"lottery of a bad date", "", "", "00000000c0ffee00,2024-02-30,2\n", "bets.csv.lottery"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bets.csv")
			mustWriteFile(t, path, tc.bets)
			mustWriteFile(t, csvfile.DonePath(path), tc.done)
			if tc.lottery != "" {
				mustWriteFile(t, csvfile.LotteryPath(path), tc.lottery)
			}
			mustRefuse(t, actors.StoreConfig{Path: path, Agencies: 2}, domain.ErrCorrupt, tc.says)
			mustHaveFile(t, path, tc.bets)
			mustHaveFile(t, csvfile.DonePath(path), tc.done)
			if tc.lottery == "" {
				if _, err := os.Stat(csvfile.LotteryPath(path)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("after the refusal, the lottery file: %v, want none", err)
				}
			} else {
				mustHaveFile(t, csvfile.LotteryPath(path), tc.lottery)
			}
		})
	}
}

// mustRefuse checks that OpenStore refuses cfg with an error wrapping want
// that says each of says; twice, so that a refusal that kept the store's
// lock (the second would be ErrInUse) fails too.
func mustRefuse(tb testing.TB, cfg actors.StoreConfig, want error, says ...string) {
	tb.Helper()
	for range 2 {
		s, err := actors.OpenStore(cfg)
		if !errors.Is(err, want) {
			tb.Fatalf("OpenStore = %v, %v; want %v", s, err, want)
		}
		for _, w := range says {
			if !strings.Contains(err.Error(), w) {
				tb.Errorf("OpenStore: %q, want it to say %q", err, w)
			}
		}
	}
}

// editField returns file, a bets file of unquoted rows, with field (0 for
// the agency … 6 for the digest) of line set to value.
func editField(tb testing.TB, file string, line, field int, value string) string {
	tb.Helper()
	return editLines(file, func(lines []string) []string {
		f := strings.Split(lines[line-1], ",")
		if len(f) != 7 {
			tb.Fatalf("line %d: %q is not a plain row", line, lines[line-1])
		}
		f[field] = value
		lines[line-1] = strings.Join(f, ",")
		return lines
	})
}

// editLines returns file with its lines (without their newlines) changed
// by edit.
func editLines(file string, edit func([]string) []string) string {
	lines := strings.Split(strings.TrimSuffix(file, "\n"), "\n")
	return strings.Join(edit(lines), "\n") + "\n"
}
