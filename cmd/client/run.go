package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// progressEvery is the least time between two progress lines (a variable
// for the tests).
var progressEvery = time.Second

// failure is an error that ends a session, with the log line reporting it
// if it ends the run too.
type failure struct {
	action string
	attrs  []any // the line's attributes, the error's text included
	err    error
	lost   bool // only the session is lost: connecting again may cure it
}

func (f *failure) Error() string { return f.action + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// fail returns a failure of action logged with attrs and the error.
func fail(action string, err error, attrs ...any) error {
	return &failure{action: action, attrs: append(attrs, "error", err), err: err}
}

// failReply is fail for the error of a request to the server, which
// retryable classifies. A wire.Reject or wire.Error is logged as its code
// and reason, and for an invalid bet or a conflict its place (the batch's
// first position and, for an invalid bet, the bet's index in the batch).
// An Error fenced, at any stage, is a connect failure that says another
// process took over the agency.
func (a *agency) failReply(action string, err error) error {
	f := &failure{action: action, err: err, lost: retryable(err)}
	var (
		rej wire.Reject
		e   wire.Error
	)
	switch {
	case errors.As(err, &rej):
		f.attrs = []any{"code", rej.Code.String()}
		switch rej.Code {
		case wire.CodeInvalidBet:
			f.attrs = append(f.attrs, "first", rej.First, "index", rej.Index)
		case wire.CodeConflict:
			f.attrs = append(f.attrs, "first", rej.First)
		}
		f.attrs = append(f.attrs, "error", rej.Reason)
	case errors.As(err, &e) && e.Code == wire.CodeFenced:
		f.action = "connect"
		f.err = fmt.Errorf("another process took over agency %d, so this one stops without retrying: %w", a.cfg.ID, err)
		f.attrs = []any{"code", e.Code.String(), "error", f.err}
	case errors.As(err, &e):
		f.attrs = []any{"code", e.Code.String(), "error", e.Reason}
	default:
		f.attrs = []any{"error", err}
	}
	return f
}

// run is the whole program: it loads the configuration from args and
// environ, logs to stdout, and returns nil on success or after SIGTERM or
// SIGINT, or the error it has already logged. A first argument "ping" or
// "echo" runs that check instead of the agency (see usage): a check cut
// short by a signal did not pass, so it fails. -h prints the usage.
func run(ctx context.Context, args, environ []string, stdout io.Writer) error {
	var sub string
	if len(args) > 0 && (args[0] == "ping" || args[0] == "echo") {
		sub, args = args[0], args[1:]
	}
	if spec.WantsHelp(args) {
		return usage(stdout)
	}
	if sub != "" {
		// A check acts for no agency: the id defaults to 1, so that it
		// need not be set (a real CLI_ID, later in environ, still wins).
		environ = append([]string{"CLI_ID=1"}, environ...)
	}
	cfg, log, err := setup(args, environ, stdout)
	if err != nil {
		return err
	}
	sctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	switch sub {
	case "ping":
		return runPing(sctx, log, cfg)
	case "echo":
		return runEcho(sctx, log, cfg)
	}
	logline.Success(log, "config", cfg.logAttrs()...)
	began := time.Now()
	err = newAgency(cfg, log).run(sctx)
	if sctx.Err() == nil {
		// Seen from outside, a process that ends sooner may not have
		// been seen at all (see exit.min_uptime); a signal still stops
		// it at once.
		sleep(sctx, time.Until(began.Add(cfg.MinUptime)))
	}
	if err != nil && sctx.Err() != nil {
		reason := "signal"
		if ctx.Err() != nil {
			reason = "cancelled"
		}
		logline.Success(log, "shutdown", "reason", reason)
		return nil
	}
	if err != nil {
		var f *failure
		if errors.As(err, &f) {
			logline.Fail(log, f.action, f.attrs...)
		}
		logline.Fail(log, "shutdown", "error", err)
		return err
	}
	logline.Success(log, "shutdown")
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

// runEcho checks that the server sends back one echo byte for byte, as
// validar-echo-server.sh asks: it passes against a plain TCP echo server
// too.
func runEcho(ctx context.Context, log *slog.Logger, cfg Config) error {
	return check(ctx, log, "echo", cfg, client.CheckRawEcho)
}

// runPing checks that the server echoes a random payload.
func runPing(ctx context.Context, log *slog.Logger, cfg Config) error {
	return check(ctx, log, "ping", cfg, client.CheckEcho)
}

// check runs chk against each of cfg's servers in turn, as an agency would
// fail over, and logs action's one line: success at the first server that
// passes, or fail once they all failed (or ctx is done). With several
// servers the line names the one that passed, or each one's error.
func check(ctx context.Context, log *slog.Logger, action string, cfg Config,
	chk func(context.Context, string, time.Duration) error) error {
	servers := cfg.servers()
	var err error
	for _, addr := range servers {
		e := chk(ctx, addr, cfg.Timeout)
		if e == nil {
			if len(servers) > 1 {
				logline.Success(log, action, "server_address", addr)
			} else {
				logline.Success(log, action)
			}
			return nil
		}
		if ctx.Err() != nil || len(servers) == 1 {
			err = e
			break
		}
		if err == nil {
			err = fmt.Errorf("%s: %w", addr, e)
		} else {
			err = fmt.Errorf("%w; %s: %w", err, addr, e)
		}
	}
	logline.Fail(log, action, "error", err)
	return err
}
