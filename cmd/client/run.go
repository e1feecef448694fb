package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tp0/loteria/cmd/internal/logline"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// Connection retries: capped exponential backoff with ±50% jitter.
const (
	backoffMin = 50 * time.Millisecond
	backoffMax = 2 * time.Second
)

// progressEvery is the least time between two progress lines (a variable
// for the tests).
var progressEvery = time.Second

// failure is an error that ends the run, with the log line reporting it.
type failure struct {
	action string
	attrs  []any // the line's attributes, the error's text included
	err    error
}

func (f *failure) Error() string { return f.action + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// fail returns a failure of action logged with attrs and the error.
func fail(action string, err error, attrs ...any) error {
	return &failure{action: action, attrs: append(attrs, "error", err), err: err}
}

// failReply is fail for the error of a request to the server: a
// wire.Reject is logged as its code and reason, and for an invalid bet its
// place (the batch's first position and the bet's index in the batch).
func failReply(action string, err error) error {
	var rej wire.Reject
	if !errors.As(err, &rej) {
		return fail(action, err)
	}
	attrs := []any{"code", rej.Code.String()}
	if rej.Code == wire.CodeInvalidBet {
		attrs = append(attrs, "first", rej.First, "index", rej.Index)
	}
	return &failure{action: action, attrs: append(attrs, "error", rej.Reason), err: err}
}

// run is the whole program: it loads the configuration from args and
// environ, logs to stdout, and returns nil on success or after SIGTERM or
// SIGINT, or the error it has already logged.
func run(ctx context.Context, args, environ []string, stdout io.Writer) error {
	ping := len(args) > 0 && args[0] == "ping"
	if ping {
		args = args[1:]
	}
	if ping {
		// A ping acts for no agency: the id defaults to 1, so that it
		// need not be set (a real CLI_ID, later in environ, still wins).
		environ = append([]string{"CLI_ID=1"}, environ...)
	}
	cfg, log, err := setup(args, environ, stdout)
	if err != nil {
		return err
	}
	sctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if ping {
		return runPing(sctx, log, cfg)
	}
	logline.Success(log, "config", cfg.logAttrs()...)
	err = newAgency(cfg, log).run(sctx)
	if err != nil && sctx.Err() != nil {
		reason := "signal"
		if ctx.Err() != nil {
			reason = "cancelled"
		}
		logline.Success(log, "exit", "reason", reason)
		return nil
	}
	if err != nil {
		var f *failure
		if errors.As(err, &f) {
			logline.Fail(log, f.action, f.attrs...)
		}
		logline.Fail(log, "exit", "error", err)
		return err
	}
	logline.Success(log, "exit")
	return nil
}

// setup loads the configuration and builds the logger, logging a failure
// of either at INFO level.
func setup(args, environ []string, stdout io.Writer) (Config, *slog.Logger, error) {
	cfg, err := loadConfig(args, environ)
	var level slog.Level
	if err == nil {
		level, err = logline.ParseLevel(cfg.LogLevel)
	}
	if err != nil {
		logline.Fail(slog.New(logline.New(stdout, slog.LevelInfo)), "config", "error", err)
		return Config{}, nil, err
	}
	return cfg, slog.New(logline.New(stdout, level)), nil
}

// runPing checks that the server echoes a random payload.
func runPing(ctx context.Context, log *slog.Logger, cfg Config) error {
	if err := client.CheckEcho(ctx, cfg.ServerAddress, cfg.Timeout); err != nil {
		logline.Fail(log, "ping", "error", err)
		return err
	}
	logline.Success(log, "ping")
	return nil
}

// agency is one run of the agency: its bets, sent over one connection.
type agency struct {
	cfg  Config
	log  *slog.Logger
	conn *client.Conn

	batch wire.Batch // the batch being filled; Bets is reused
	size  int        // sum of wire.BetSize over batch.Bets

	sent     int // bets sent and acked in this run
	start    time.Time
	progress time.Time // when the last progress line was logged
}

func newAgency(cfg Config, log *slog.Logger) *agency {
	return &agency{cfg: cfg, log: log}
}

// run sends the bets, reports done and waits for the winners. The file
// and the connection are closed when it returns, on a signal too.
func (a *agency) run(ctx context.Context) error {
	single := a.singleBet()
	f, err := a.open()
	if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
	}
	w, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer a.conn.Close()
	total := w.Stored
	if !w.Finished {
		if total, err = a.stream(ctx, single, f, w.Stored); err != nil {
			return err
		}
		if err := a.conn.Done(ctx, total); err != nil {
			return failReply("done", err)
		}
	}
	logline.Success(a.log, "done", "total", total)
	docs, err := a.conn.Winners(ctx, a.cfg.WinnersTimeout)
	if err != nil {
		return fail("consulta_ganadores", err)
	}
	logline.Success(a.log, "consulta_ganadores", "cant_ganadores", len(docs))
	return nil
}

// singleBet returns the configured single bet, or nil. loadConfig has
// validated it.
func (a *agency) singleBet() *domain.Bet {
	sb := a.cfg.Bet
	if sb == nil {
		return nil
	}
	return &domain.Bet{Agency: a.cfg.ID, FirstName: sb.FirstName, LastName: sb.LastName,
		Document: sb.Document, Birthdate: sb.Birthdate, Number: sb.Number}
}

// open opens the data file. A missing file is no error when a single bet
// is configured: the file is then skipped (nil).
func (a *agency) open() (io.ReadCloser, error) {
	f, err := os.Open(a.cfg.DataPath)
	if errors.Is(err, fs.ErrNotExist) && a.cfg.Bet != nil {
		return nil, nil
	}
	if err != nil {
		return nil, fail("leer_apuesta", err)
	}
	return f, nil
}

// connect dials and says hello, retrying with backoff until
// cfg.RetryDeadline has passed. The last try starts at the deadline.
func (a *agency) connect(ctx context.Context) (wire.Welcome, error) {
	deadline := time.Now().Add(a.cfg.RetryDeadline)
	delay := backoffMin
	for attempt := 1; ; attempt++ {
		w, err := a.hello(ctx)
		if err == nil {
			logline.Success(a.log, "connect", "stored", w.Stored, "finished", w.Finished)
			return w, nil
		}
		left := time.Until(deadline)
		if ctx.Err() != nil || !retryable(err) || left <= 0 {
			return wire.Welcome{}, fail("connect", err)
		}
		wait := min(delay/2+mrand.N(delay), left)
		logline.InProgress(a.log, "connect", "attempt", attempt,
			"retry_in", wait.Round(time.Millisecond), "error", err)
		if err := sleep(ctx, wait); err != nil {
			return wire.Welcome{}, err
		}
		delay = min(2*delay, backoffMax)
	}
}

// hello makes one connection attempt.
func (a *agency) hello(ctx context.Context) (wire.Welcome, error) {
	conn, err := client.Dial(ctx, a.cfg.ServerAddress, a.cfg.Timeout)
	if err != nil {
		return wire.Welcome{}, err
	}
	w, err := conn.Hello(ctx, uint32(a.cfg.ID), "")
	if err != nil {
		conn.Close()
		return wire.Welcome{}, err
	}
	a.conn = conn
	return w, nil
}

// retryable reports whether a failed connection attempt is worth
// repeating: network errors are; a server's refusal is not, unless it is
// busy or stopping.
func retryable(err error) bool {
	var e wire.Error
	if errors.As(err, &e) {
		return e.Code == wire.CodeBusy || e.Code == wire.CodeShuttingDown
	}
	return !errors.Is(err, client.ErrUnexpected)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// stream sends the single bet, if any, then the valid bets of f, if any,
// numbered from 0 in that order, skipping the positions below stored that
// the server already holds. It returns how many valid bets there are.
func (a *agency) stream(ctx context.Context, single *domain.Bet, f io.Reader, stored uint64) (uint64, error) {
	a.start, a.progress = time.Now(), time.Now()
	var pos uint64
	if single != nil {
		if stored == 0 {
			if err := a.sendSingle(ctx, *single); err != nil {
				return 0, err
			}
		}
		pos++
	}
	if f == nil {
		return pos, nil
	}
	r := domain.NewAgencyReader(f, a.cfg.ID)
	for {
		b, _, err := r.Next()
		if err == io.EOF {
			break
		}
		var rowErr *domain.RowError
		if errors.As(err, &rowErr) {
			logline.Fail(a.log, "leer_apuesta", "line", rowErr.Line, "error", rowErr.Err)
			continue
		}
		if err != nil {
			return 0, fail("leer_apuesta", err)
		}
		if pos >= stored {
			if err := a.add(ctx, pos, b); err != nil {
				return 0, err
			}
		}
		pos++
	}
	return pos, a.flush(ctx)
}

// sendSingle sends the single bet as its own batch, at position 0.
func (a *agency) sendSingle(ctx context.Context, b domain.Bet) error {
	a.batch = wire.Batch{First: 0, Bets: []domain.Bet{b}}
	if err := a.flush(ctx); err != nil {
		return err
	}
	logline.Success(a.log, "apuesta_enviada", "dni", b.Document, "numero", b.Number)
	return nil
}

// add puts the bet at pos in the batch, first sending the batch if the bet
// would take it past cfg.BatchMaxAmount bets or wire.MaxBatchBytes bytes.
func (a *agency) add(ctx context.Context, pos uint64, b domain.Bet) error {
	n := wire.BetSize(b)
	if k := len(a.batch.Bets); k > 0 && (k >= a.cfg.BatchMaxAmount || a.size+n > wire.MaxBatchBytes) {
		if err := a.flush(ctx); err != nil {
			return err
		}
	}
	if len(a.batch.Bets) == 0 {
		a.batch.First = pos
	}
	a.batch.Bets = append(a.batch.Bets, b)
	a.size += n
	return nil
}

// flush sends the batch, if not empty, and waits for its ack.
func (a *agency) flush(ctx context.Context) error {
	if len(a.batch.Bets) == 0 {
		return nil
	}
	if _, err := a.conn.Send(ctx, a.batch); err != nil {
		return failReply("apuesta_enviada", err)
	}
	logline.Debug(a.log, "batch_enviado", "first", a.batch.First, "cantidad", len(a.batch.Bets))
	a.sent += len(a.batch.Bets)
	a.batch.Bets, a.size = a.batch.Bets[:0], 0
	if now := time.Now(); now.Sub(a.progress) >= progressEvery {
		rate := float64(a.sent) / now.Sub(a.start).Seconds()
		logline.InProgress(a.log, "progreso", "enviadas", a.sent, "bets_per_s", int(rate))
		a.progress = now
	}
	return nil
}
