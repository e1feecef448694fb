package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/betlogtest"
	"github.com/tp0/loteria/actors/csvfile"
	"github.com/tp0/loteria/domain"
)

func TestStoreAppendStoresBetsExactly(t *testing.T) {
	s, path, stop := runStore(t, 3)
	in := []domain.Bet{
		{Agency: 99, FirstName: "Ana, María", LastName: `O"Brien "Jr"`, Document: "0012345", Birthdate: "1990-01-31", Number: 0},
		{Agency: 2, FirstName: "Zoë 😀", LastName: "Núñez;\t|", Document: "1", Birthdate: "2000-02-29", Number: 7574},
		{Agency: 2, FirstName: " leading", LastName: "trailing ", Document: "9999999999", Birthdate: "1900-12-01", Number: 9999},
	}
	res := mustAppendRes(t, mustSession(t, s, 2), 0, in)
	if res.Stored != 3 || res.New != 3 || res.Digest != digestOf(in...) {
		t.Fatalf("Append = %+v, want 3 stored, 3 new, digest %v", res, digestOf(in...))
	}
	mustStop(t, stop)

	want := bets(in...)
	for i := range want {
		want[i].Agency = 2 // the store's agency, not the bet's
	}
	if got := mustReadBets(t, path); !reflect.DeepEqual(got, want) {
		t.Errorf("bets file holds\n%+v\nwant\n%+v", got, want)
	}
	if got, want := mustReadFile(t, path), betsFile(t, want...); got != want {
		t.Errorf("bets file =\n%s\nwant, with each row's digest\n%s", got, want)
	}
}

func TestStoreAppendIsIdempotent(t *testing.T) {
	s, path, stop := runStore(t, 2)
	a1 := mustSession(t, s, 1)
	if got := mustAppend(t, a1, 0, batch(0, 5)); got != 5 {
		t.Fatalf("first batch: Append = %d, want 5", got)
	}
	if got := mustAppendRes(t, a1, 0, batch(0, 5)); got.Stored != 5 || got.New != 0 || got.Digest != digestOf(batch(0, 5)...) {
		t.Fatalf("resent batch: Append = %+v, want 5 stored, none new, the digest of the 5", got)
	}
	if got := mustAppendRes(t, a1, 3, batch(3, 5)); got.Stored != 8 || got.New != 3 || got.Digest != digestOf(batch(0, 8)...) {
		t.Fatalf("overlapping batch: Append = %+v, want 8 stored, 3 new, the digest of the 8", got)
	}
	if got := mustAppend(t, a1, 8, nil); got != 8 {
		t.Fatalf("empty batch: Append = %d, want 8", got)
	}
	mustStop(t, stop)

	if got, want := docsOf(mustReadBets(t, path), 1), positions(0, 8); !reflect.DeepEqual(got, want) {
		t.Errorf("agency 1 documents = %v, want %v", got, want)
	}
}

func TestStoreAppendErrors(t *testing.T) {
	ctx := testCtx(t)
	t.Run("ErrGap", func(t *testing.T) {
		s, _, _ := runStore(t, 2)
		a1 := mustSession(t, s, 1)
		mustAppend(t, a1, 0, batch(0, 2))
		for _, first := range []uint64{3, 10} {
			if _, err := a1.Append(ctx, first, batch(int(first), 1)); !errors.Is(err, domain.ErrGap) {
				t.Errorf("Append at %d with 2 stored: err = %v, want ErrGap", first, err)
			}
			if _, err := a1.Append(ctx, first, nil); !errors.Is(err, domain.ErrGap) {
				t.Errorf("empty Append at %d with 2 stored: err = %v, want ErrGap", first, err)
			}
		}
		mustHaveStored(t, s, 1, 2, false)
	})
	t.Run("ErrUnknownAgency", func(t *testing.T) {
		s, _, _ := runStore(t, 2)
		for _, agency := range []int{-1, 0, 3} {
			if ss, err := s.Open(ctx, agency, actors.Claim{}); !errors.Is(err, domain.ErrUnknownAgency) {
				t.Errorf("Open(%d) = %v, %v; want ErrUnknownAgency", agency, ss, err)
			}
			if _, _, err := s.Stored(ctx, agency); !errors.Is(err, domain.ErrUnknownAgency) {
				t.Errorf("Stored(%d): err = %v, want ErrUnknownAgency", agency, err)
			}
		}
	})
	t.Run("ErrFinished", func(t *testing.T) {
		s, _, _ := runStore(t, 2)
		a1 := mustSession(t, s, 1)
		mustAppend(t, a1, 0, batch(0, 2))
		mustFinish(t, a1, batch(0, 2))
		if _, err := a1.Append(ctx, 2, batch(2, 1)); !errors.Is(err, domain.ErrFinished) {
			t.Errorf("new bets after Finish: err = %v, want ErrFinished", err)
		}
		if _, err := a1.Append(ctx, 1, batch(1, 2)); !errors.Is(err, domain.ErrFinished) {
			t.Errorf("overlapping batch after Finish: err = %v, want ErrFinished", err)
		}
		if got := mustAppend(t, a1, 0, batch(0, 2)); got != 2 {
			t.Errorf("resend after Finish: Append = %d, want 2", got)
		}
		if got := mustAppend(t, mustSession(t, s, 2), 0, batch(0, 1)); got != 1 {
			t.Errorf("another agency after Finish: Append = %d, want 1", got)
		}
		mustHaveStored(t, s, 1, 2, true)
	})
	t.Run("ErrSealed", func(t *testing.T) {
		s, _, _ := runStore(t, 2)
		a1, a2 := mustSession(t, s, 1), mustSession(t, s, 2)
		mustAppend(t, a1, 0, batch(0, 2))
		mustDraw(t, s)
		for ss, first := range map[*actors.Session]uint64{a1: 2, a2: 0} {
			if _, err := ss.Append(ctx, first, batch(int(first), 1)); !errors.Is(err, domain.ErrSealed) {
				t.Errorf("new bets for agency %d after Draw: err = %v, want ErrSealed", ss.Agency(), err)
			}
		}
		if got := mustAppend(t, a1, 0, batch(0, 2)); got != 2 {
			t.Errorf("resend after Draw: Append = %d, want 2", got)
		}
	})
}

func TestStoreFinish(t *testing.T) {
	ctx := testCtx(t)
	s, _, _ := runStore(t, 2)
	a1 := mustSession(t, s, 1)
	mustAppend(t, a1, 0, batch(0, 3))
	d := digestOf(batch(0, 3)...)

	t.Run("ErrIncomplete", func(t *testing.T) {
		for _, total := range []uint64{2, 4} {
			err := a1.Finish(ctx, total, d)
			if !errors.Is(err, domain.ErrIncomplete) {
				t.Fatalf("Finish(%d) with 3 stored: err = %v, want ErrIncomplete", total, err)
			}
			if want := "stored 3, reported " + strconv.FormatUint(total, 10); !strings.Contains(err.Error(), want) {
				t.Errorf("Finish(%d): err = %q, want it to say %q", total, err, want)
			}
		}
		mustHaveStored(t, s, 1, 3, false)
	})
	t.Run("right total", func(t *testing.T) {
		mustFinish(t, a1, batch(0, 3))
		mustFinish(t, a1, batch(0, 3)) // again: fine
		mustHaveStored(t, s, 1, 3, true)
	})
	t.Run("no bets", func(t *testing.T) {
		mustFinish(t, mustSession(t, s, 2), nil)
		mustHaveStored(t, s, 2, 0, true)
	})
}

func TestStoreDraw(t *testing.T) {
	s, _, _ := runStore(t, 3)
	win := domain.WinningNumber
	a1 := mustSession(t, s, 1)
	mustAppend(t, a1, 0, []domain.Bet{bet("11", win), bet("12", 1), bet("13", win)})
	mustAppend(t, mustSession(t, s, 3), 0, []domain.Bet{bet("31", win)})
	mustAppend(t, mustSession(t, s, 2), 0, []domain.Bet{bet("21", win-1)})
	mustAppend(t, a1, 3, []domain.Bet{bet("0014", win)})

	want := map[int][]string{1: {"11", "13", "0014"}, 3: {"31"}}
	got := mustDraw(t, s)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Draw = %v, want %v", got, want)
	}
	got[1][0] = "changed by the caller"
	got[2] = []string{"added by the caller"}
	if again := mustDraw(t, s); !reflect.DeepEqual(again, want) {
		t.Errorf("second Draw = %v, want %v", again, want)
	}
}

func TestStoreRecoversCountsOnReopen(t *testing.T) {
	s, path, stop := runStore(t, 2)
	mustAppend(t, mustSession(t, s, 1), 0, batch(0, 4))
	mustAppend(t, mustSession(t, s, 2), 0, batch(0, 1))
	mustStop(t, stop)

	s = mustOpen(t, path, 2)
	start(t, s)
	mustHaveStored(t, s, 1, 4, false)
	mustHaveStored(t, s, 2, 1, false)
	a1 := mustSession(t, s, 1)
	if a1.Held().Stored != 4 || a1.Held().Digest != digestOf(batch(0, 4)...) || a1.Held().Finished {
		t.Errorf("session after reopen: stored %d, digest %v, finished %t; want 4, %v, false", a1.Held().Stored, a1.Held().Digest, a1.Held().Finished, digestOf(batch(0, 4)...))
	}
	if got := mustAppend(t, a1, 2, batch(2, 3)); got != 5 {
		t.Errorf("overlapping batch after reopen: Append = %d, want 5", got)
	}
	if got, want := docsOf(mustReadBets(t, path), 1), positions(0, 5); !reflect.DeepEqual(got, want) {
		t.Errorf("agency 1 documents = %v, want %v", got, want)
	}
}

func TestStoreCutsTornRowOnOpen(t *testing.T) {
	for name, torn := range map[string]string{
		"partial field":    "1,Ana,Gó",
		"open quote":       `2,"Ana, Ma`,
		"whole row but LF": "1,Ana,Lorca,123,1990-01-01,7574,0badf00d",
		"long garbage":     strings.Repeat("x", 200<<10),
	} {
		t.Run(name, func(t *testing.T) {
			path := newStorePath(t, 2)
			valid := betsFile(t, bet("0", 1), bet("1", 2))
			mustWriteFile(t, path, valid+torn)

			s := mustOpen(t, path, 2)
			if rec := s.Recovered(); !slices.Equal(rec.Repairs, []string{fmt.Sprintf("cut a torn final line of %d bytes off the bets file", len(torn))}) || rec.Bets() != 2 {
				t.Errorf("Recovered = %+v, want %d torn bytes and 2 bets", rec, len(torn))
			}
			start(t, s)
			mustHaveStored(t, s, 1, 2, false)
			mustHaveStored(t, s, 2, 0, false)
			if got := mustReadFile(t, path); got != valid {
				t.Fatalf("bets file after open = %q, want %q", got, valid)
			}
			a1 := mustSession(t, s, 1)
			if want := digestOf(bet("0", 1), bet("1", 2)); a1.Held().Stored != 2 || a1.Held().Digest != want {
				t.Errorf("session after the cut: stored %d, digest %v; want 2, %v", a1.Held().Stored, a1.Held().Digest, want)
			}
			mustAppend(t, a1, 2, batch(2, 1))
			if got, want := docsOf(mustReadBets(t, path), 1), positions(0, 3); !reflect.DeepEqual(got, want) {
				t.Errorf("documents after appending = %v, want %v", got, want)
			}
		})
	}
	t.Run("only row", func(t *testing.T) {
		path := newStorePath(t, 2)
		mustWriteFile(t, path, "1,Ana")
		s := mustOpen(t, path, 2)
		start(t, s)
		mustHaveStored(t, s, 1, 0, false)
		if got := mustReadFile(t, path); got != "" {
			t.Errorf("bets file after open = %q, want it empty", got)
		}
	})
}

func TestOpenStoreErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		content  string
		agencies int
		want     error
		says     string
	}{
		{"ErrBadRow", betsFile(t, bet("1", 1)) + "1,not,a,bet\n" + betsFile(t, bet("2", 2)), 2, domain.ErrBadRow, "line 2"},
		{"unknown agency", betsFile(t, bet("1", 1)) + betsFile(t, withAgency(3, bet("2", 2))...), 2, domain.ErrCorrupt, "line 2: agency 3"},
		{"unknown agency, no agencies", betsFile(t, bet("1", 1)), 0, domain.ErrCorrupt, "line 1: agency 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			mustWriteLottery(t, path, testDate, tc.agencies)
			mustWriteFile(t, path, tc.content)
			s, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: tc.agencies})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("OpenStore = %v, %v; want error %v saying %q", s, err, tc.want, tc.says)
			}
			if got := mustReadFile(t, path); got != tc.content {
				t.Errorf("OpenStore changed the bets file to %q", got)
			}
		})
	}
	t.Run("negative agencies", func(t *testing.T) {
		if _, err := actors.OpenStore(actors.StoreConfig{Path: filepath.Join(dir, "none"), Agencies: -1}); err == nil {
			t.Error("OpenStore with -1 agencies: err = nil")
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if _, err := actors.OpenStore(actors.StoreConfig{Path: filepath.Join(dir, "no", "bets.csv"), Agencies: 1}); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenStore in a missing directory: err = %v, want ErrNotExist", err)
		}
	})
}

// TestStoreNoAgencies: a server without a lottery (0 agencies) still opens
// its store, which holds nothing and knows no agency.
func TestStoreNoAgencies(t *testing.T) {
	s, path, stop := runStore(t, 0)
	ctx := testCtx(t)
	if _, err := s.Open(ctx, 1, actors.Claim{}); !errors.Is(err, domain.ErrUnknownAgency) {
		t.Errorf("Open(1): err = %v, want ErrUnknownAgency", err)
	}
	if _, _, err := s.Stored(ctx, 1); !errors.Is(err, domain.ErrUnknownAgency) {
		t.Errorf("Stored(1): err = %v, want ErrUnknownAgency", err)
	}
	mustStop(t, stop)
	if got := mustReadFile(t, path); got != "" {
		t.Errorf("bets file = %q, want it empty", got)
	}
}

func TestStoreStopped(t *testing.T) {
	t.Run("after Run returns", func(t *testing.T) {
		s, _, stop := runStore(t, 2)
		a1 := mustSession(t, s, 1)
		mustStop(t, stop)
		ctx := testCtx(t)
		if _, err := s.Open(ctx, 2, actors.Claim{}); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Open: err = %v, want ErrStopped", err)
		}
		if _, err := a1.Append(ctx, 0, batch(0, 1)); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Append: err = %v, want ErrStopped", err)
		}
		if _, _, err := s.Stored(ctx, 1); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Stored: err = %v, want ErrStopped", err)
		}
		if err := a1.Finish(ctx, 0, 0); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Finish: err = %v, want ErrStopped", err)
		}
		if _, err := s.Draw(ctx); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Draw: err = %v, want ErrStopped", err)
		}
	})
	t.Run("before Run starts", func(t *testing.T) {
		s := mustOpen(t, filepath.Join(t.TempDir(), "bets.csv"), 2)
		a2 := mustSessionBeforeRun(t, s, 2)
		ctx, cancel := context.WithTimeout(testCtx(t), 20*time.Millisecond)
		defer cancel()
		if _, _, err := s.Stored(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stored before Run: err = %v, want DeadlineExceeded", err)
		}
		if _, err := s.Open(ctx, 1, actors.Claim{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Open before Run: err = %v, want DeadlineExceeded", err)
		}
		if _, err := a2.Append(ctx, 0, batch(0, 1)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Append before Run: err = %v, want DeadlineExceeded", err)
		}
		replies := make(chan error, 1)
		go func() {
			_, _, err := s.Stored(testCtx(t), 1)
			replies <- err
		}()
		start(t, s)
		if err := mustRecv(t, replies); err != nil {
			t.Errorf("Stored waiting for Run: err = %v", err)
		}
	})
	t.Run("queued append", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bets.csv")
		s := mustOpen(t, path, 2)
		wait, err := mustSessionBeforeRun(t, s, 1).Enqueue(testCtx(t), 0, batch(0, 3), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop := start(t, s)
		mustStop(t, stop)
		res, err := wait.Wait(testCtx(t))
		n := res.Stored
		var want uint64 // stopped before the append: nothing stored
		if err == nil {
			want = 3
		} else if !errors.Is(err, actors.ErrStopped) {
			t.Fatalf("queued Append = %d, %v; want 3, nil or ErrStopped", n, err)
		}
		if got := uint64(len(mustReadBets(t, path))); got != want || n != want {
			t.Errorf("queued Append = %d, %v with %d bets in the file; want %d", n, err, got, want)
		}
	})
}

// TestStoreStopsOnWriteFailure: a store whose log fails an append stops,
// answering the append with the log's error and every call after with
// ErrStopped; opened again, it holds none of the failed append's bets.
func TestStoreStopsOnWriteFailure(t *testing.T) {
	m := betlogtest.NewMemory()
	s := mustNewStore(t, m, 2)
	m.Fail(os.ErrClosed)
	stop := start(t, s)
	ctx := testCtx(t)
	if n, err := mustSession(t, s, 1).Append(ctx, 0, batch(0, 2)); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Append on a failing log = %+v, %v; want ErrClosed", n, err)
	}
	if err := stop(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Run = %v, want ErrClosed", err)
	}
	if _, _, err := s.Stored(ctx, 1); !errors.Is(err, actors.ErrStopped) {
		t.Errorf("Stored after the failure: err = %v, want ErrStopped", err)
	}
	if got := mustNewStore(t, m, 2).Recovered().Stored; !reflect.DeepEqual(got, []uint64{0, 0}) {
		t.Errorf("reopened after the failure: stored %v, want none", got)
	}
}

// mustNewStore returns a store of agencies on the log m holds, for
// today's lottery, closed with the test if it never runs.
func mustNewStore(tb testing.TB, m *betlogtest.Memory, agencies int) *actors.Store {
	tb.Helper()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	log, err := m.Open(domain.Lottery{ID: 1, Date: today, Agencies: agencies})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := actors.NewStore(log, actors.StoreConfig{Agencies: agencies})
	if err != nil {
		log.Close()
		tb.Fatal(err)
	}
	return s
}

func TestStoreGroupCommit(t *testing.T) {
	const agencies, rounds, size = 4, 25, 5
	path := filepath.Join(t.TempDir(), "bets.csv")
	s := mustOpen(t, path, agencies)
	ctx := testCtx(t)
	sessions := make([]*actors.Session, agencies+1)
	for a := 1; a <= agencies; a++ {
		sessions[a] = mustSessionBeforeRun(t, s, a)
	}
	var waits []*actors.AppendFuture
	for r := range rounds { // queued before Run starts: one group
		for a := 1; a <= agencies; a++ {
			wait, err := sessions[a].Enqueue(ctx, uint64(r*size), batch(r*size, size), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, wait)
		}
	}
	stop := start(t, s)
	for i, wait := range waits {
		res, err := wait.Wait(ctx)
		stored := (i/agencies + 1) * size
		if want := (actors.Appended{Stored: uint64(stored), Digest: digestOf(batch(0, stored)...), New: size}); res != want || err != nil {
			t.Fatalf("append %d = %+v, %v; want %+v, nil", i, res, err, want)
		}
	}
	mustStop(t, stop)

	if got := s.Syncs(); got != 1 {
		t.Errorf("%d queued appends took %d fsyncs, want 1", len(waits), got)
	}
	all := mustReadBets(t, path)
	for a := 1; a <= agencies; a++ {
		if got, want := docsOf(all, a), positions(0, rounds*size); !reflect.DeepEqual(got, want) {
			t.Errorf("agency %d documents = %v, want %v", a, got, want)
		}
	}
}

func TestStoreConcurrentAppends(t *testing.T) {
	const agencies, batches, size = 8, 50, 3 // about 100 fsyncs: well within the wait on a loaded disk
	s, path, stop := runStore(t, agencies)
	ctx := testCtx(t)
	errc := make(chan error, agencies)
	for a := 1; a <= agencies; a++ {
		ss := mustSession(t, s, a)
		go func() { errc <- appendAll(ctx, ss, batches, size) }()
	}
	for range agencies {
		if err := mustRecv(t, errc); err != nil {
			t.Fatal(err)
		}
	}
	mustStop(t, stop)

	all := mustReadBets(t, path)
	if len(all) != agencies*batches*size {
		t.Errorf("bets file holds %d bets, want %d", len(all), agencies*batches*size)
	}
	for a := 1; a <= agencies; a++ {
		if got, want := docsOf(all, a), positions(0, batches*size); !reflect.DeepEqual(got, want) {
			t.Errorf("agency %d documents out of order or duplicated", a)
		}
	}
	t.Logf("%d appends (half of them resent), %d fsyncs", 2*agencies*batches, s.Syncs())
}

// appendAll appends the session's batches in order, each one twice, as a
// client resending after a lost reply would.
func appendAll(ctx context.Context, ss *actors.Session, batches, size int) error {
	for i := range batches {
		first := i * size
		for range 2 {
			n, err := ss.Append(ctx, uint64(first), batch(first, size))
			if err != nil {
				return err
			}
			if n.Stored != uint64(first+size) {
				return fmt.Errorf("agency %d: wrong count %d", ss.Agency(), n.Stored)
			}
		}
	}
	return nil
}

// testDate is the lottery date of the stores the tests make by hand.
const testDate = "2024-06-01"

// runStore opens a store on a new bets file and runs it until the test ends.
func runStore(tb testing.TB, agencies int) (s *actors.Store, path string, stop func() error) {
	tb.Helper()
	path = filepath.Join(tb.TempDir(), "bets.csv")
	s = mustOpen(tb, path, agencies)
	return s, path, start(tb, s)
}

func mustOpen(tb testing.TB, path string, agencies int) *actors.Store {
	tb.Helper()
	return mustOpenConfig(tb, actors.StoreConfig{Path: path, Agencies: agencies})
}

func mustOpenConfig(tb testing.TB, cfg actors.StoreConfig) *actors.Store {
	tb.Helper()
	s, err := actors.OpenStore(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// mustCloseStore runs s and stops it at once: a store opened only to look.
func mustCloseStore(tb testing.TB, s *actors.Store) {
	tb.Helper()
	mustStop(tb, start(tb, s))
}

func mustStop(tb testing.TB, stop func() error) {
	tb.Helper()
	if err := stop(); err != nil {
		tb.Fatalf("Run = %v", err)
	}
}

// mustSession opens a session for agency on the running store s.
func mustSession(tb testing.TB, s *actors.Store, agency int) *actors.Session {
	tb.Helper()
	ss, err := s.Open(testCtx(tb), agency, actors.Claim{})
	if err != nil {
		tb.Fatalf("Open(%d): %v", agency, err)
	}
	return ss
}

// mustSessionBeforeRun opens a session for agency on s before its Run
// starts, so that the test can queue appends for Run to find.
func mustSessionBeforeRun(tb testing.TB, s *actors.Store, agency int) *actors.Session {
	tb.Helper()
	ss, err := s.OpenBeforeRun(agency)
	if err != nil {
		tb.Fatalf("Open(%d) before Run: %v", agency, err)
	}
	return ss
}

// mustAppend appends through ss and returns the agency's bets stored.
func mustAppend(tb testing.TB, ss *actors.Session, first uint64, bets []domain.Bet) uint64 {
	tb.Helper()
	return mustAppendRes(tb, ss, first, bets).Stored
}

func mustAppendRes(tb testing.TB, ss *actors.Session, first uint64, bets []domain.Bet) actors.Appended {
	tb.Helper()
	res, err := ss.Append(testCtx(tb), first, bets)
	if err != nil {
		tb.Fatalf("agency %d: Append(%d, %d bets): %v", ss.Agency(), first, len(bets), err)
	}
	return res
}

// mustFinish finishes ss's agency with all its bets, which are bets.
func mustFinish(tb testing.TB, ss *actors.Session, bets []domain.Bet) {
	tb.Helper()
	if err := ss.Finish(testCtx(tb), uint64(len(bets)), digestOf(bets...)); err != nil {
		tb.Fatalf("agency %d: Finish(%d): %v", ss.Agency(), len(bets), err)
	}
}

func mustDraw(tb testing.TB, s *actors.Store) map[int][]string {
	tb.Helper()
	w, err := s.Draw(testCtx(tb))
	if err != nil {
		tb.Fatalf("Draw: %v", err)
	}
	return w
}

func mustHaveStored(tb testing.TB, s *actors.Store, agency int, stored uint64, finished bool) {
	tb.Helper()
	n, fin, err := s.Stored(testCtx(tb), agency)
	if err != nil || n != stored || fin != finished {
		tb.Fatalf("Stored(%d) = %d, %t, %v; want %d, %t, nil", agency, n, fin, err, stored, finished)
	}
}

// bet returns a valid bet of agency 1 with the given document and number.
func bet(doc string, number int) domain.Bet {
	return domain.Bet{Agency: 1, FirstName: "Santiago Lionel", LastName: "Lorca", Document: doc, Birthdate: "1999-03-17", Number: number}
}

// withAgency returns bs with their agency set to agency.
func withAgency(agency int, bs ...domain.Bet) []domain.Bet {
	bs = bets(bs...)
	for i := range bs {
		bs[i].Agency = agency
	}
	return bs
}

// bets copies bs.
func bets(bs ...domain.Bet) []domain.Bet { return append([]domain.Bet(nil), bs...) }

// batch returns n bets at positions from, from+1, …, each with its position
// as document.
func batch(from, n int) []domain.Bet {
	var bs []domain.Bet
	for _, doc := range positions(from, n) {
		bs = append(bs, bet(doc, 1))
	}
	return bs
}

func positions(from, n int) []string {
	var docs []string
	for i := from; i < from+n; i++ {
		docs = append(docs, strconv.Itoa(i))
	}
	return docs
}

// docsOf returns the documents of agency's bets, in order.
func docsOf(bs []domain.Bet, agency int) []string {
	var docs []string
	for _, b := range bs {
		if b.Agency == agency {
			docs = append(docs, b.Document)
		}
	}
	return docs
}

// betsOf returns agency's bets, in order.
func betsOf(bs []domain.Bet, agency int) []domain.Bet {
	var mine []domain.Bet
	for _, b := range bs {
		if b.Agency == agency {
			mine = append(mine, b)
		}
	}
	return mine
}

// digestOf returns the stream digest of bs, in order.
func digestOf(bs ...domain.Bet) domain.Digest {
	var h domain.Digester
	return h.Add(0, bs...)
}

// betsFile returns bs as rows of a bets file, each with its agency's
// stream digest up to it, as the store writes them.
func betsFile(tb testing.TB, bs ...domain.Bet) string {
	tb.Helper()
	var (
		buf     bytes.Buffer
		h       domain.Digester
		digests = map[int]domain.Digest{}
	)
	w := domain.NewBetsWriter(&buf, 0)
	for _, b := range bs {
		digests[b.Agency] = h.Add(digests[b.Agency], b)
		if err := w.Write(domain.Row{Bet: b, Digest: digests[b.Agency]}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// doneLine returns the done file's line for agency finished with bs.
func doneLine(agency int, bs ...domain.Bet) string {
	return fmt.Sprintf("%d,%d,%v\n", agency, len(bs), digestOf(bs...))
}

// newStorePath returns the path of a bets file in a new directory, beside
// the lottery file of a lottery of testDate for agencies: a store to
// write by hand.
func newStorePath(tb testing.TB, agencies int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "bets.csv")
	mustWriteLottery(tb, path, testDate, agencies)
	return path
}

// mustWriteLottery writes the lottery file of the store at path.
func mustWriteLottery(tb testing.TB, path, date string, agencies int) {
	tb.Helper()
	mustWriteFile(tb, csvfile.LotteryPath(path), fmt.Sprintf("00000000c0ffee00,%s,%d\n", date, agencies))
}

func mustReadBets(tb testing.TB, path string) []domain.Bet {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var bs []domain.Bet
	if err := domain.ReadBets(f, func(b domain.Bet) error {
		bs = append(bs, b)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return bs
}

func mustReadFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func mustWriteFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
