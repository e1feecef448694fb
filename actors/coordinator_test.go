package actors_test

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

func TestCoordinatorAnswersEachAgencyAtTheDraw(t *testing.T) {
	d := newFakeDrawer(map[int][]string{1: {"11", "12"}, 2: {"21"}, 4: {"41"}}, nil)
	c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 3, Drawer: d})
	answers := make([]<-chan winnersAnswer, 4)
	for a := 1; a <= 3; a++ {
		answers[a] = askWinners(testCtx(t), c, a)
	}

	mustDone(t, c, 1)
	mustDone(t, c, 1) // again: still one agency
	mustDone(t, c, 2)
	mustBeParked(t, c, 3)
	mustDone(t, c, 3)

	for a, want := range map[int][]string{1: {"11", "12"}, 2: {"21"}, 3: {}} {
		got := mustRecv(t, answers[a])
		if got.err != nil || got.docs == nil || !reflect.DeepEqual(got.docs, want) {
			t.Errorf("parked Winners(%d) = %#v, %v; want %#v, nil", a, got.docs, got.err, want)
		}
		if docs := mustWinners(t, c, a); !reflect.DeepEqual(docs, want) {
			t.Errorf("Winners(%d) after the draw = %#v, want %#v", a, docs, want)
		}
	}
	if n := d.calls(); n != 1 {
		t.Errorf("Draw called %d times, want 1", n)
	}
}

func TestCoordinatorWinnersAreCopies(t *testing.T) {
	d := newFakeDrawer(map[int][]string{1: {"11"}}, nil)
	c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 1, Drawer: d})
	mustDone(t, c, 1)
	mustWinners(t, c, 1)[0] = "changed by the caller"
	if got := mustWinners(t, c, 1); !reflect.DeepEqual(got, []string{"11"}) {
		t.Errorf("Winners(1) = %v, want [11]", got)
	}
}

func TestCoordinatorDrawsOnce(t *testing.T) {
	const agencies, callers = 3, 16
	d := newFakeDrawer(nil, nil)
	var draws []map[int][]string
	c, stop := runCoordinator(t, actors.CoordinatorConfig{
		Agencies: agencies,
		Drawer:   d,
		OnDraw:   func(w map[int][]string, _ time.Duration) { draws = append(draws, w) },
	})
	ctx := testCtx(t)
	errc := make(chan error, callers)
	for i := range callers {
		go func() {
			for a := 1; a <= agencies; a++ {
				if err := c.Done(ctx, (i+a)%agencies+1, nil); err != nil {
					errc <- err
					return
				}
			}
			_, err := c.Winners(ctx, i%agencies+1)
			errc <- err
		}()
	}
	for range callers {
		if err := mustRecv(t, errc); err != nil {
			t.Fatal(err)
		}
	}
	mustStop(t, stop)
	if n := d.calls(); n != 1 {
		t.Errorf("Draw called %d times, want 1", n)
	}
	if len(draws) != 1 {
		t.Errorf("OnDraw called %d times, want 1", len(draws))
	}
}

func TestCoordinatorCallsOnDrawBeforeAnswering(t *testing.T) {
	want := map[int][]string{2: {"21"}}
	ondraw := make(chan map[int][]string, 2)
	c, _ := runCoordinator(t, actors.CoordinatorConfig{
		Agencies: 2,
		Drawer:   newFakeDrawer(want, nil),
		OnDraw:   func(w map[int][]string, _ time.Duration) { ondraw <- w },
	})
	answer := askWinners(testCtx(t), c, 1)
	mustDone(t, c, 1)
	mustDone(t, c, 2)
	mustRecv(t, answer)
	if len(ondraw) != 1 {
		t.Fatalf("OnDraw called %d times by the first answer, want 1", len(ondraw))
	}
	if got := <-ondraw; !reflect.DeepEqual(got, want) {
		t.Errorf("OnDraw got %v, want %v", got, want)
	}
}

// TestCoordinatorDoneCounts: Done tells reported how many distinct
// agencies have reported, counting the ones finished at the start, for the
// server's done line; not for an unknown agency.
func TestCoordinatorDoneCounts(t *testing.T) {
	c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 4, Drawer: newFakeDrawer(nil, nil), Finished: []int{3}})
	for _, step := range []struct{ agency, want int }{{1, 2}, {1, 2}, {3, 2}, {4, 3}, {2, 4}, {2, 4}} {
		if got := mustDone(t, c, step.agency); got != step.want {
			t.Errorf("Done(%d) = %d agencies done, want %d", step.agency, got, step.want)
		}
	}
	called := false
	if err := c.Done(testCtx(t), 5, func(int) { called = true }); !errors.Is(err, domain.ErrUnknownAgency) || called {
		t.Errorf("Done(5) of 4: err = %v, reported called %v; want ErrUnknownAgency, not called", err, called)
	}
}

// TestCoordinatorReportedBeforeDraw: reported runs before Done returns
// and, for the last agency, before the draw starts, so the server's done
// lines come in the order of their count and before the sorteo line.
func TestCoordinatorReportedBeforeDraw(t *testing.T) {
	var reported atomic.Int32
	drawnAfter := make(chan int32, 1)
	c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 2, Drawer: drawerFunc(func() {
		drawnAfter <- reported.Load()
	})})
	for a := 1; a <= 2; a++ {
		if err := c.Done(testCtx(t), a, func(n int) { reported.Store(int32(n)) }); err != nil {
			t.Fatal(err)
		}
		if got := reported.Load(); got != int32(a) {
			t.Fatalf("after Done(%d) returned, reported was told %d, want %d", a, got, a)
		}
	}
	if got := mustRecv(t, drawnAfter); got != 2 {
		t.Errorf("the draw started when reported had been told %d, want 2", got)
	}
}

// drawerFunc is a Drawer that calls f and draws no winners.
type drawerFunc func()

func (f drawerFunc) Draw(context.Context) (map[int][]string, error) { f(); return nil, nil }

// TestCoordinatorNoAgencies: with 0 agencies there is no lottery. Nothing
// can report done, no query is answered with winners, and the draw never
// runs, at the start or later.
func TestCoordinatorNoAgencies(t *testing.T) {
	d := newFakeDrawer(nil, nil)
	c, stop := runCoordinator(t, actors.CoordinatorConfig{Agencies: 0, Drawer: d})
	ctx := testCtx(t)
	for _, a := range []int{0, 1} {
		if err := c.Done(ctx, a, nil); !errors.Is(err, domain.ErrUnknownAgency) {
			t.Errorf("Done(%d) = %v; want ErrUnknownAgency", a, err)
		}
		if docs, err := c.Winners(ctx, a); !errors.Is(err, domain.ErrUnknownAgency) {
			t.Errorf("Winners(%d) = %v, %v; want ErrUnknownAgency", a, docs, err)
		}
	}
	mustStop(t, stop) // waits for a draw in progress, had one started
	if n := d.calls(); n != 0 {
		t.Errorf("Draw called %d times with 0 agencies, want never", n)
	}
}

func TestCoordinatorErrors(t *testing.T) {
	t.Run("ErrUnknownAgency", func(t *testing.T) {
		c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 2, Drawer: newFakeDrawer(nil, nil)})
		ctx := testCtx(t)
		for _, a := range []int{-1, 0, 3} {
			if err := c.Done(ctx, a, nil); !errors.Is(err, domain.ErrUnknownAgency) {
				t.Errorf("Done(%d): err = %v, want ErrUnknownAgency", a, err)
			}
			if _, err := c.Winners(ctx, a); !errors.Is(err, domain.ErrUnknownAgency) {
				t.Errorf("Winners(%d): err = %v, want ErrUnknownAgency", a, err)
			}
		}
		mustDone(t, c, 1)
		mustBeParked(t, c, 1) // the unknown agencies did not count
	})
	t.Run("draw fails", func(t *testing.T) {
		errDraw := errors.New("disk on fire")
		c, stop := runCoordinator(t, actors.CoordinatorConfig{Agencies: 1, Drawer: newFakeDrawer(nil, errDraw)})
		answer := askWinners(testCtx(t), c, 1)
		mustDone(t, c, 1)
		if got := mustRecv(t, answer); !errors.Is(got.err, errDraw) {
			t.Errorf("parked Winners = %v, %v; want the draw's error", got.docs, got.err)
		}
		if err := stop(); !errors.Is(err, errDraw) {
			t.Errorf("Run = %v, want the draw's error", err)
		}
		if _, err := c.Winners(testCtx(t), 1); !errors.Is(err, errDraw) {
			t.Errorf("Winners after the failed draw: err = %v, want the draw's error", err)
		}
	})
	t.Run("ErrStopped", func(t *testing.T) {
		d := newFakeDrawer(nil, nil)
		d.block = make(chan struct{}) // never released: the draw ends with Run
		c, stop := runCoordinator(t, actors.CoordinatorConfig{Agencies: 2, Drawer: d})
		parked := askWinners(testCtx(t), c, 1)
		mustDone(t, c, 1)
		mustDone(t, c, 2)
		mustRecv(t, d.called)
		drawing := askWinners(testCtx(t), c, 2)
		mustStop(t, stop)
		for name, answer := range map[string]<-chan winnersAnswer{"before the draw": parked, "during the draw": drawing} {
			if got := mustRecv(t, answer); !errors.Is(got.err, actors.ErrStopped) {
				t.Errorf("Winners parked %s = %v, %v; want ErrStopped", name, got.docs, got.err)
			}
		}
		if err := c.Done(testCtx(t), 1, nil); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Done after Run returned: err = %v, want ErrStopped", err)
		}
		if _, err := c.Winners(testCtx(t), 1); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Winners after Run returned: err = %v, want ErrStopped", err)
		}
	})
}

// TestCoordinatorStartsWithFinished gives the coordinator the agencies
// already done at its start, as after a restart.
func TestCoordinatorStartsWithFinished(t *testing.T) {
	t.Run("all N", func(t *testing.T) {
		d := newFakeDrawer(map[int][]string{2: {"21"}}, nil)
		c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 2, Drawer: d, Finished: []int{2, 1, 2}})
		mustRecv(t, d.called) // at once: no Done, no query
		if got := mustWinners(t, c, 2); !reflect.DeepEqual(got, []string{"21"}) {
			t.Errorf("Winners(2) = %v, want [21]", got)
		}
		mustDone(t, c, 1) // again: no second draw
		if got := mustWinners(t, c, 1); len(got) != 0 {
			t.Errorf("Winners(1) = %v, want none", got)
		}
		if n := d.calls(); n != 0 {
			t.Errorf("Draw called %d more times, want once in all", n)
		}
	})
	t.Run("some", func(t *testing.T) {
		d := newFakeDrawer(map[int][]string{1: {"11"}}, nil)
		c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 2, Drawer: d, Finished: []int{1}})
		answer := askWinners(testCtx(t), c, 1)
		mustDone(t, c, 1) // already counted
		mustBeParked(t, c, 2)
		mustDone(t, c, 2)
		if got := mustRecv(t, answer); got.err != nil || !reflect.DeepEqual(got.docs, []string{"11"}) {
			t.Errorf("parked Winners(1) = %v, %v; want [11], nil", got.docs, got.err)
		}
		if n := d.calls(); n != 1 {
			t.Errorf("Draw called %d times, want 1", n)
		}
	})
	t.Run("ErrUnknownAgency", func(t *testing.T) {
		d := newFakeDrawer(nil, nil)
		c := actors.NewCoordinator(actors.CoordinatorConfig{Agencies: 2, Drawer: d, Finished: []int{1, 2, 3}})
		if err := c.Run(testCtx(t)); !errors.Is(err, domain.ErrUnknownAgency) {
			t.Fatalf("Run with agency 3 of 2 finished = %v, want ErrUnknownAgency", err)
		}
		if _, err := c.Winners(testCtx(t), 1); !errors.Is(err, actors.ErrStopped) {
			t.Errorf("Winners after Run refused to start: err = %v, want ErrStopped", err)
		}
		if n := d.calls(); n != 0 {
			t.Errorf("Draw called %d times, want 0", n)
		}
	})
}

func TestCoordinatorCallerGivesUp(t *testing.T) {
	c, _ := runCoordinator(t, actors.CoordinatorConfig{Agencies: 1, Drawer: newFakeDrawer(map[int][]string{1: {"11"}}, nil)})
	ctx, cancel := context.WithCancel(testCtx(t))
	answer := askWinners(ctx, c, 1)
	mustBeParked(t, c, 1)
	cancel()
	if got := mustRecv(t, answer); !errors.Is(got.err, context.Canceled) {
		t.Errorf("Winners cancelled while parked = %v, %v; want context.Canceled", got.docs, got.err)
	}
	mustDone(t, c, 1)
	if got := mustWinners(t, c, 1); !reflect.DeepEqual(got, []string{"11"}) {
		t.Errorf("Winners(1) = %v, want [11]", got)
	}
}

// fakeDrawer is a Drawer that returns a fixed result and counts its calls.
type fakeDrawer struct {
	winners map[int][]string
	err     error
	called  chan struct{} // a value per call
	block   chan struct{} // if not nil, Draw waits for it to close or ctx
}

func newFakeDrawer(winners map[int][]string, err error) *fakeDrawer {
	return &fakeDrawer{winners: winners, err: err, called: make(chan struct{}, 100)}
}

func (d *fakeDrawer) Draw(ctx context.Context) (map[int][]string, error) {
	d.called <- struct{}{}
	if d.block != nil {
		select {
		case <-d.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return d.winners, d.err
}

func (d *fakeDrawer) calls() int { return len(d.called) }

type winnersAnswer struct {
	docs []string
	err  error
}

// askWinners calls Winners in a goroutine and delivers its answer.
func askWinners(ctx context.Context, c *actors.Coordinator, agency int) <-chan winnersAnswer {
	answer := make(chan winnersAnswer, 1)
	go func() {
		docs, err := c.Winners(ctx, agency)
		answer <- winnersAnswer{docs, err}
	}()
	return answer
}

// mustBeParked fails unless Winners(agency) is still waiting for the draw
// after a short while.
func mustBeParked(tb testing.TB, c *actors.Coordinator, agency int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(testCtx(tb), 20*time.Millisecond)
	defer cancel()
	if docs, err := c.Winners(ctx, agency); !errors.Is(err, context.DeadlineExceeded) {
		tb.Fatalf("Winners(%d) before the draw = %v, %v; want it to wait", agency, docs, err)
	}
}

func runCoordinator(tb testing.TB, cfg actors.CoordinatorConfig) (*actors.Coordinator, func() error) {
	tb.Helper()
	c := actors.NewCoordinator(cfg)
	return c, start(tb, c)
}

func mustDone(tb testing.TB, c *actors.Coordinator, agency int) int {
	tb.Helper()
	n := -1
	if err := c.Done(testCtx(tb), agency, func(finished int) { n = finished }); err != nil {
		tb.Fatalf("Done(%d): %v", agency, err)
	}
	if n < 0 {
		tb.Fatalf("Done(%d) did not call reported", agency)
	}
	return n
}

func mustWinners(tb testing.TB, c *actors.Coordinator, agency int) []string {
	tb.Helper()
	docs, err := c.Winners(testCtx(tb), agency)
	if err != nil {
		tb.Fatalf("Winners(%d): %v", agency, err)
	}
	return docs
}
