package actors_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

func TestStoreFinishIsDurable(t *testing.T) {
	s, path, _ := runStore(t, 2)
	done := actors.DonePath(path)
	mustAppend(t, s, 1, 0, batch(0, 3))

	mustFinish(t, s, 1, 3)
	mustHaveFile(t, done, "1,3\n")
	mustFinish(t, s, 1, 3) // again: writes nothing
	if err := s.Finish(testCtx(t), 1, 2); !errors.Is(err, actors.ErrIncomplete) {
		t.Fatalf("Finish(1, 2) with 3 stored: err = %v, want ErrIncomplete", err)
	}
	mustHaveFile(t, done, "1,3\n")
	mustFinish(t, s, 2, 0)
	mustHaveFile(t, done, "1,3\n2,0\n")
	if got := len(mustReadBets(t, path)); got != 3 {
		t.Errorf("bets file holds %d rows, want the 3 bets only", got)
	}
}

func TestStoreFinishedSurvivesReopen(t *testing.T) {
	s, path, stop := runStore(t, 3)
	mustAppend(t, s, 1, 0, batch(0, 3))
	mustAppend(t, s, 2, 0, batch(0, 1))
	mustFinish(t, s, 1, 3)
	mustFinish(t, s, 3, 0)
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
	if _, err := s.Append(testCtx(t), 1, 3, batch(3, 1)); !errors.Is(err, actors.ErrFinished) {
		t.Errorf("new bets for a finished agency after reopen: err = %v, want ErrFinished", err)
	}
	if got := mustAppend(t, s, 1, 0, batch(0, 3)); got != 3 {
		t.Errorf("resend after reopen: Append = %d, want 3", got)
	}
	mustFinish(t, s, 1, 3) // again after reopen: writes nothing
	mustHaveFile(t, actors.DonePath(path), "1,3\n3,0\n")
}

func TestStoreCutsTornDoneLineOnOpen(t *testing.T) {
	for name, torn := range map[string]string{
		"partial line":      "2,",
		"whole line but LF": "2,0",
		"long garbage":      strings.Repeat("x", 200<<10),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bets.csv")
			done := actors.DonePath(path)
			mustWriteFile(t, path, betsFile(t, bet("0", 1), bet("1", 2)))
			mustWriteFile(t, done, "1,2\n"+torn)

			s := mustOpen(t, path, 2)
			rec := s.Recovered()
			if rec.TornDone != int64(len(torn)) || rec.TornBets != 0 || !reflect.DeepEqual(rec.Finished, []int{1}) {
				t.Errorf("Recovered = %+v, want %d torn bytes in the done file, agency 1 finished", rec, len(torn))
			}
			mustHaveFile(t, done, "1,2\n")
			start(t, s)
			mustHaveStored(t, s, 1, 2, true)
			mustHaveStored(t, s, 2, 0, false)
			mustFinish(t, s, 2, 0)
			mustHaveFile(t, done, "1,2\n2,0\n")
		})
	}
}

func TestOpenStoreRefusesCorruptDoneFile(t *testing.T) {
	bets := betsFile(t, bet("0", 1), bet("1", 2)) // two bets of agency 1
	for _, tc := range []struct {
		name, done string
		want       error
		says       string
	}{
		{"more done than stored", "1,5\n", actors.ErrCorrupt, "agency 1 done with 5 bets, the bets file holds 2"},
		{"fewer done than stored", "1,1\n", actors.ErrCorrupt, "agency 1 done with 1 bets, the bets file holds 2"},
		{"no bets stored", "2,0\n2,3\n", actors.ErrCorrupt, "agency 2 done with 3 bets, the bets file holds 0"},
		{"garbage mid-file", "1,2\nnot a line\n2,0\n", actors.ErrCorrupt, "line 2"},
		{"empty line", "\n1,2\n", actors.ErrCorrupt, "line 1"},
		{"unknown agency", "3,0\n", actors.ErrUnknownAgency, "3 in the done file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bets.csv")
			mustWriteFile(t, path, bets)
			mustWriteFile(t, actors.DonePath(path), tc.done)
			s, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 2})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("OpenStore = %v, %v; want %v saying %q", s, err, tc.want, tc.says)
			}
			mustHaveFile(t, path, bets)
			mustHaveFile(t, actors.DonePath(path), tc.done)
		})
	}
}

func TestOpenStoreCreatesDoneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bets.csv")
	s := mustOpen(t, path, 1)
	mustHaveFile(t, actors.DonePath(path), "")
	if rec := s.Recovered(); rec.Bets() != 0 || len(rec.Finished) != 0 || rec.TornBets+rec.TornDone != 0 {
		t.Errorf("Recovered on new files = %+v, want nothing", rec)
	}
	start(t, s)
}

func TestStoreStopsOnDoneWriteFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bets.csv")
	s := mustOpen(t, path, 2)
	if err := s.CloseDoneFile(); err != nil {
		t.Fatal(err)
	}
	stop := start(t, s)
	if err := s.Finish(testCtx(t), 1, 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Finish on a failing done file: err = %v, want ErrClosed", err)
	}
	if err := stop(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Run = %v, want ErrClosed", err)
	}
	s = mustOpen(t, path, 2)
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
	mustAppend(t, s, 1, 0, []domain.Bet{bet("11", win), bet("12", 1)})
	mustAppend(t, s, 2, 0, []domain.Bet{bet("21", win), bet("22", win)})
	for a := 1; a <= 2; a++ {
		mustFinish(t, s, a, 2)
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
	if _, err := s.Append(testCtx(t), 1, 2, batch(2, 1)); !errors.Is(err, actors.ErrSealed) {
		t.Errorf("new bets after the restart's draw: err = %v, want ErrSealed", err)
	}
	if got := mustAppend(t, s, 2, 0, []domain.Bet{bet("21", win), bet("22", win)}); got != 2 {
		t.Errorf("resend after the restart: Append = %d, want 2", got)
	}
}

func mustHaveFile(tb testing.TB, path, want string) {
	tb.Helper()
	if got := mustReadFile(tb, path); got != want {
		tb.Fatalf("%s holds %q, want %q", filepath.Base(path), got, want)
	}
}
