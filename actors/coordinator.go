package actors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Drawer runs the draw: it returns the documents of the winning bets by
// agency. *Store is a Drawer.
type Drawer interface {
	Draw(ctx context.Context) (map[int][]string, error)
}

// CoordinatorConfig configures a Coordinator.
type CoordinatorConfig struct {
	Agencies int    // N; agencies are 1..N
	Drawer   Drawer // required
	// Finished lists the agencies already done at the start, as the
	// store recovered them (Store.Recovered): they count as reported, and
	// if they are all N, Run starts the draw at once.
	Finished []int
	// OnDraw, if set, is called once from Run right after a successful draw,
	// before any query is answered, with how long the draw took. It must
	// not modify winners.
	OnDraw func(winners map[int][]string, took time.Duration)
}

// Coordinator is the actor that runs the draw once all N agencies have
// reported done, and tells each agency its own winners, never before the
// draw. With N = 0 there is no lottery: every agency is unknown and the
// draw never runs.
type Coordinator struct {
	cfg      CoordinatorConfig
	reportc  chan reportReq
	winnersc chan winnersReq
	done     chan struct{}
	failed   error // why the draw failed; written by Run before done closes

	// Owned by Run.
	reported []bool // at index agency-1
	count    int    // distinct agencies reported
	parked   []winnersReq
	winners  map[int][]string // the draw, once run
}

type reportReq struct {
	agency   int
	reported func(finished int) // may be nil
	reply    chan error
}

type winnersReq struct {
	agency int
	gone   <-chan struct{} // the caller's ctx.Done()
	reply  chan winnersRep
}

type winnersRep struct {
	docs []string
	err  error
}

type drawResult struct {
	winners map[int][]string
	took    time.Duration
	err     error
}

// NewCoordinator returns a Coordinator; call Run to serve requests.
func NewCoordinator(cfg CoordinatorConfig) *Coordinator {
	return &Coordinator{
		cfg:      cfg,
		reportc:  make(chan reportReq),
		winnersc: make(chan winnersReq),
		done:     make(chan struct{}),
		reported: make([]bool, max(cfg.Agencies, 0)),
	}
}

// Run serves the coordinator's requests until ctx ends. When the last of the
// N agencies reports done, or at once if the config's Finished names them
// all, Run calls the Drawer once, in a goroutine of its own, with ctx. If
// the draw fails, Run answers the waiting queries with the error and returns
// it. When ctx ends, Run answers waiting queries with ErrStopped, waits for
// a draw in progress (the Drawer must honour ctx) and returns nil. Run
// returns an error at once if Finished names an agency outside 1..N. Call
// Run once.
func (c *Coordinator) Run(ctx context.Context) error {
	defer close(c.done)
	// results is nil until the draw starts, and once it ends.
	results, err := c.resume(ctx)
	if err != nil {
		return err
	}
	for {
		select {
		case req := <-c.reportc:
			last, err := c.report(req.agency)
			if err == nil && req.reported != nil {
				req.reported(c.count) // before the draw can start
			}
			req.reply <- err
			if last {
				results = c.startDraw(ctx)
			}
		case req := <-c.winnersc:
			c.query(req)
		case res := <-results:
			results = nil
			if err := c.drawn(ctx, res); err != nil {
				return err
			}
		case <-ctx.Done():
			c.release(winnersRep{err: ErrStopped})
			if results != nil {
				<-results
			}
			return nil
		}
	}
}

// resume records the agencies finished at the start, and starts the draw
// if they are all N.
func (c *Coordinator) resume(ctx context.Context) (chan drawResult, error) {
	for _, a := range c.cfg.Finished {
		if !c.known(a) {
			return nil, fmt.Errorf("finished at start: %w", unknownAgency(a))
		}
	}
	for _, a := range c.cfg.Finished {
		if last, _ := c.report(a); last {
			return c.startDraw(ctx), nil
		}
	}
	return nil, nil
}

// report records agency as done and tells whether it was the last one.
func (c *Coordinator) report(agency int) (last bool, err error) {
	if !c.known(agency) {
		return false, unknownAgency(agency)
	}
	if c.reported[agency-1] {
		return false, nil
	}
	c.reported[agency-1] = true
	c.count++
	return c.count == c.cfg.Agencies, nil
}

// startDraw calls the Drawer in a goroutine that delivers the result on the
// returned channel, buffered so the goroutine never blocks.
func (c *Coordinator) startDraw(ctx context.Context) chan drawResult {
	results := make(chan drawResult, 1)
	go func() {
		began := time.Now()
		w, err := c.cfg.Drawer.Draw(ctx)
		results <- drawResult{w, time.Since(began), err}
	}()
	return results
}

// drawn answers the parked queries with the draw's result. It returns the
// error of a failed draw, unless ctx ended (the draw was cut short by the
// shutdown), when it answers ErrStopped and returns nil.
func (c *Coordinator) drawn(ctx context.Context, res drawResult) error {
	if res.err != nil {
		if ctx.Err() != nil {
			c.release(winnersRep{err: ErrStopped})
			return nil
		}
		c.failed = fmt.Errorf("draw: %w", res.err)
		c.release(winnersRep{err: c.failed})
		return c.failed
	}
	c.winners = res.winners
	if c.winners == nil {
		c.winners = map[int][]string{}
	}
	if c.cfg.OnDraw != nil {
		c.cfg.OnDraw(c.winners, res.took)
	}
	for _, req := range c.parked {
		req.reply <- c.answer(req.agency)
	}
	c.parked = nil
	return nil
}

// release answers every parked query with rep.
func (c *Coordinator) release(rep winnersRep) {
	for _, req := range c.parked {
		req.reply <- rep
	}
	c.parked = nil
}

// Done records that agency has reported done. Reporting again is a no-op.
// If reported is not nil, Run calls it once the agency is recorded, with
// how many distinct agencies have reported, this one included, before it
// answers Done and before the draw can start: what reported logs comes
// before anything OnDraw logs, in the order of the count. It must return
// quickly and must not call the Coordinator.
func (c *Coordinator) Done(ctx context.Context, agency int, reported func(finished int)) error {
	req := reportReq{agency, reported, make(chan error, 1)}
	err, rerr := call(ctx, c.reportc, req, req.reply, c.done)
	if rerr != nil {
		return rerr
	}
	return err
}

// Winners returns the documents of agency's winning bets, in the order they
// were stored, as a new slice, empty but not nil if there are none. It waits
// until the draw has run, however long that takes, so bound it with ctx. If
// the draw failed it returns that error, also once Run has returned.
func (c *Coordinator) Winners(ctx context.Context, agency int) ([]string, error) {
	req := winnersReq{agency, ctx.Done(), make(chan winnersRep, 1)}
	rep, err := call(ctx, c.winnersc, req, req.reply, c.done)
	if errors.Is(err, ErrStopped) && c.failed != nil {
		return nil, c.failed // safe: written before done was closed
	}
	if err != nil {
		return nil, err
	}
	return rep.docs, rep.err
}

// query answers req at once if it can, or parks it until the draw. Parked
// queries whose caller has gone are dropped first, so retrying callers do
// not pile up.
func (c *Coordinator) query(req winnersReq) {
	switch {
	case !c.known(req.agency):
		req.reply <- winnersRep{err: unknownAgency(req.agency)}
	case c.winners != nil:
		req.reply <- c.answer(req.agency)
	default:
		c.parked = slices.DeleteFunc(c.parked, gone)
		c.parked = append(c.parked, req)
	}
}

func gone(req winnersReq) bool {
	select {
	case <-req.gone:
		return true
	default:
		return false
	}
}

func (c *Coordinator) answer(agency int) winnersRep {
	docs := c.winners[agency]
	return winnersRep{docs: append(make([]string, 0, len(docs)), docs...)}
}

func (c *Coordinator) known(agency int) bool { return agency >= 1 && agency <= c.cfg.Agencies }
