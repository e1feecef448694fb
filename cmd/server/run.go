package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/server"
)

// run is the whole server: it returns after a clean shutdown (SIGTERM or
// SIGINT, or ctx done) with nil, or with the error that stopped it, having
// logged it.
//
// With "ping" as the first argument it is instead the health check of a
// running server: it pings the configured port and says whether the
// server echoed. -h prints the usage.
//
// A server that cannot start says so in its last line, with a hint of
// what to do.
func run(ctx context.Context, args, environ []string, stdout io.Writer) error {
	log := slog.New(logline.New(stdout, slog.LevelInfo))
	ping := len(args) > 0 && args[0] == "ping"
	if ping {
		args = args[1:]
	}
	if spec.WantsHelp(args) {
		return usage(stdout)
	}
	cfg, err := loadConfig(args, environ)
	if err != nil {
		logline.Fail(log, "config", "error", err, "hint", "fix the setting the error names; server -h lists every setting, its variable and its default")
		return err
	}
	if ping {
		return healthCheck(ctx, cfg, log)
	}
	level, _ := logline.ParseLevel(cfg.LogLevel) // validated by loadConfig
	log = slog.New(logline.New(stdout, level))
	logline.Success(log, "config", cfg.logAttrs()...)
	if cfg.secrets() == nil && cfg.Agencies > 0 { // a warning, not a failure: a bare native run is open
		logline.Log(log, slog.LevelWarn, "auth", logline.ResultSuccess, "mode", "open",
			"warning", "no agency secrets (SERVER_SECRETS): any peer may speak for any agency")
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		attrs := []any{"error", err}
		var h *hinted
		if errors.As(err, &h) {
			attrs = append(attrs, "hint", h.hint)
		}
		logline.Fail(log, "shutdown", attrs...)
		return err
	}
	logline.Success(log, "shutdown")
	return nil
}

// serve runs the listener, the connections and the two actors until ctx is
// done or one of them fails, then stops them in order: the listener and the
// connections (in-flight requests finish, parked queries get an error), then
// the coordinator, then the store (flush, fsync, close).
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	// The store first: a second server on the same store says so, whatever
	// its port, and no connection waits in the backlog while the store
	// recovers (a hello its agency gave up on meanwhile is stale).
	st, shared, err := openStore(ctx, cfg, log)
	if err != nil {
		return &hinted{fmt.Errorf("open store: %w", err), storeHint(err, cfg)}
	}
	addr := net.JoinHostPort(cfg.IP, strconv.Itoa(cfg.Port))
	ln, err := server.Listen(addr, cfg.ListenBacklog)
	if err != nil {
		st.Close()
		return &hinted{err, listenHint(err, cfg)}
	}
	rec := st.Recovered()
	logline.Success(log, "recover", recoverAttrs(st.Lottery(), rec)...)
	if finishedBefore(st.Lottery(), rec, time.Now()) {
		logline.Log(log, slog.LevelWarn, "recover", logline.ResultSuccess, "lottery", st.Lottery().IDText(),
			"warning", fmt.Sprintf("resuming lottery %s of %s, finished already: its winners are told again; for a new lottery move %s and the files beside it away",
				st.Lottery().IDText(), st.Lottery().DateText(), cfg.StorePath))
	}
	logline.Success(log, "listen", "address", ln.Addr().String())
	coord := actors.NewCoordinator(actors.CoordinatorConfig{
		Agencies: cfg.Agencies,
		Drawer:   st,
		Finished: rec.Finished, // all N: the draw runs again at once
		OnDraw: func(w map[int][]string, took time.Duration) {
			announceDraw(st, w, took, log)
		},
	})
	srv := server.New(server.Config{
		Agencies:       cfg.Agencies,
		Secrets:        cfg.secrets(), // nil: open (run has warned)
		MaxConnections: cfg.MaxConnections,
		HelloTimeout:   cfg.HelloTimeout,
		IdleTimeout:    cfg.IdleTimeout,
		WriteTimeout:   cfg.WriteTimeout,
		Store:          server.StoreActor(st),
		Coordinator:    coord,
		Logger:         log,
	})

	// The actors outlive the connections that call them: one goroutine
	// stops everything in order once Serve has returned, whether for a
	// signal or because a part failed.
	coordCtx, stopCoord := context.WithCancel(context.WithoutCancel(ctx))
	storeCtx, stopStore := context.WithCancel(context.WithoutCancel(ctx))
	g, gctx := errgroup.WithContext(ctx)
	coordRun := start(g, "coordinator", coordCtx, coord.Run)
	storeRun := start(g, "store", storeCtx, st.Run)
	if shared != nil {
		// The agencies that finish on the other servers: the coordinator
		// counts each once, wherever it finished.
		start(g, "watch", coordCtx, func(ctx context.Context) error {
			err := shared.Watch(ctx, func(agency int) error {
				return coord.Done(ctx, agency, nil)
			})
			if ctx.Err() != nil {
				return nil
			}
			return err
		})
	}
	g.Go(func() error {
		err := srv.Serve(gctx, ln)
		stopCoord()
		if coordRun.wait() == nil {
			logline.Success(log, "coordinator_stop")
		}
		stopStore()
		if storeRun.wait() == nil {
			logline.Success(log, "store_close", storeAttrs(cfg, shared)...)
		}
		return err
	})
	return g.Wait()
}

// running is an actor's Run going on in an errgroup.
type running struct {
	done chan struct{}
	err  error // Run's result, written before done is closed
}

// start runs run(ctx) in g, naming the actor in its error.
func start(g *errgroup.Group, name string, ctx context.Context, run func(context.Context) error) *running {
	r := &running{done: make(chan struct{})}
	g.Go(func() error {
		defer close(r.done)
		if err := run(ctx); err != nil {
			r.err = fmt.Errorf("%s: %w", name, err)
		}
		return r.err
	})
	return r
}

// wait waits for Run to return and returns its error.
func (r *running) wait() error {
	<-r.done
	return r.err
}

// recoverAttrs describes what the store recovered at start: its lottery,
// bets, finished agencies and how many repairs of a crash its log made,
// with what they were when there were any.
func recoverAttrs(l domain.Lottery, r actors.Recovery) []any {
	args := []any{"lottery", l.IDText(), "date", l.DateText(), "bets", r.Bets(), "finished", len(r.Finished), "repairs", len(r.Repairs)}
	if len(r.Repairs) > 0 {
		args = append(args, "repaired", strings.Join(r.Repairs, "; "))
	}
	return args
}

// finishedBefore reports whether the store holds a lottery of an earlier
// day than now's in which every agency is done: most likely a store left
// from an old lottery rather than a server restarted mid-lottery.
func finishedBefore(l domain.Lottery, r actors.Recovery, now time.Time) bool {
	today := now.UTC().Truncate(24 * time.Hour) // midnight, as lottery dates are
	return l.Agencies > 0 && len(r.Finished) == l.Agencies && l.Date.Before(today)
}

// openStore opens the store on cfg's backend: the file at store.path, or
// the lottery's stream in JetStream, which it returns too.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*actors.Store, *natslog.Log, error) {
	sc := actors.StoreConfig{Path: cfg.StorePath, Agencies: cfg.Agencies, Date: cfg.LotteryDate}
	if cfg.StoreBackend != "jetstream" {
		st, err := actors.OpenStore(sc)
		return st, nil, err
	}
	urls, _ := parseNatsURLs(cfg.NatsURL) // validated by loadConfig
	host, _ := os.Hostname()
	name := net.JoinHostPort(host, strconv.Itoa(cfg.Port)) // in NATS's connection list and the draw's claim
	logline.Log(log, slog.LevelInfo, "store_connect", logline.ResultInProgress, "nats_url", strings.Join(urls, ","))
	st, shared, err := natslog.OpenStore(ctx, natslog.Config{URLs: urls, Replicas: cfg.StoreReplicas, Name: name}, sc)
	if err != nil {
		return nil, nil, err
	}
	logline.Success(log, "store_connect", "stream", shared.Stream(), "replicas", cfg.StoreReplicas)
	return st, shared, nil
}

// storeAttrs names the store: its path, or its stream.
func storeAttrs(cfg Config, shared *natslog.Log) []any {
	if shared != nil {
		return []any{"stream", shared.Stream()}
	}
	return []any{"path", cfg.StorePath}
}

// announceDraw logs the draw, with the bets it was drawn from, counted
// from the log: on one server only when several share the log.
func announceDraw(st *actors.Store, w map[int][]string, took time.Duration, log *slog.Logger) {
	t, err := st.Tally(context.Background())
	if err != nil { // the store stopped: it has said why
		logline.Log(log, slog.LevelDebug, "draw_followed", logline.ResultSuccess, "ganadores", countWinners(w), "tally", err)
		return
	}
	if !t.Announce {
		logline.Log(log, slog.LevelInfo, "draw_followed", logline.ResultSuccess, "ganadores", countWinners(w), "announced", "by another server")
		return
	}
	var total uint64
	per := make([]string, len(t.Stored))
	for i, n := range t.Stored {
		total += n
		per[i] = fmt.Sprintf("%d=%d", i+1, n)
	}
	logline.Success(log, "sorteo", "ganadores", countWinners(w), "bets", total, "per_agency", strings.Join(per, ","), "duration", took)
}

func countWinners(w map[int][]string) int {
	n := 0
	for _, docs := range w {
		n += len(docs)
	}
	return n
}

// healthCheck pings the server at its configured port, on loopback when it
// listens on every address, with a random payload it must echo.
func healthCheck(ctx context.Context, cfg Config, log *slog.Logger) error {
	host := cfg.IP
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	err := client.CheckEcho(ctx, net.JoinHostPort(host, strconv.Itoa(cfg.Port)), cfg.WriteTimeout)
	if err != nil {
		logline.Fail(log, "ping", "error", err)
		return err
	}
	logline.Success(log, "ping")
	return nil
}
