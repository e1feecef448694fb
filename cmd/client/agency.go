package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// agency is one run of the agency: its bets, sent over as many sessions
// (connections) as it takes.
type agency struct {
	cfg   Config
	log   *slog.Logger
	retry *retry
	conn  *client.Conn // the session's connection

	// The servers, from cfg.ServerAddress, and the one the next
	// connection dials: the first, then after each lost session the
	// next one, round the list (see retry).
	servers []string
	server  int

	// Every hello says when this process started and the how-manieth
	// connection it is: the server refuses an older hello than the
	// agency's live session (one of ours it processed late, or one of a
	// killed predecessor) instead of letting it fence the live one.
	started  time.Time
	attempts uint32

	batch wire.Batch // the batch being filled; Bets is reused
	size  int        // sum of wire.BetSize over batch.Bets

	done   bool          // the server holds the agency's done; logged
	drawBy time.Time     // when to stop waiting for the draw; zero until the first winners query
	waited time.Duration // parked for the draw so far, in steps of waitingEvery

	lottery *lottery  // the lottery of the run's first welcome; nil before it
	file    *dataFile // the session's data file, if any
	sent    int       // bets sent and acked in this run
	start   time.Time
	logged  time.Time // when the last progress line was logged

	// The session's stream (see stream.go).
	welcome wire.Welcome    // what the server held at hello
	pos     uint64          // the position of the next valid bet
	digest  domain.Digest   // the digest of the bets skipped or posted so far
	checked bool            // the bets before welcome.Stored match the server's
	dg      domain.Digester // reused
	expect  []expected      // what the acks of the batches in flight must say, oldest first
}

// lottery is the lottery the agency's bets belong to: the one of the run's
// first welcome. Its date decides which rows are valid (and so how they
// are numbered) in every session, whatever the clock says.
type lottery struct {
	id   uint64
	date string    // YYYY-MM-DD, as the server sent it
	day  time.Time // date, parsed
}

func newAgency(cfg Config, log *slog.Logger) *agency {
	return &agency{cfg: cfg, log: log, started: time.Now(), servers: cfg.servers()}
}

// addr is the address of the server the next connection dials.
func (a *agency) addr() string { return a.servers[a.server] }

// where returns the log attributes naming that server when there are
// several; with one, the config line names it already.
func (a *agency) where() []any {
	if len(a.servers) < 2 {
		return nil
	}
	return []any{"server_address", a.addr()}
}

// run runs the echo phase (see echoLoop), then sessions until the agency
// has its winners. A session lost to an error that retryable accepts is
// followed by another, on the next server and after a backoff once every
// server has been tried (see retry), which resumes where that server's
// welcome says; run gives up once cfg.RetryDeadline has passed since the
// last progress. Any other error ends the run at once, and so does ctx.
func (a *agency) run(ctx context.Context) error {
	a.retry = newRetry(a.cfg.RetryDeadline, len(a.servers))
	if err := a.echoLoop(ctx); err != nil {
		return err
	}
	a.start, a.logged = time.Now(), time.Now()
	return a.retrying(ctx, a.session)
}

// retrying calls try until it succeeds, going on with the next server
// after each try lost to an error that retryable accepts (see backoff). It
// returns any other error, the failure that ends the run once the retry
// deadline has passed, or ctx's.
func (a *agency) retrying(ctx context.Context, try func(context.Context) error) error {
	for {
		err := try(ctx)
		var f *failure
		if err == nil || ctx.Err() != nil || !errors.As(err, &f) || !f.lost {
			return err
		}
		if err := a.backoff(ctx, f.err); err != nil {
			return err
		}
	}
}

// echoLoop is the echo phase: cfg.LoopAmount exchanges of an echo message
// with the server, each on a connection of its own, each followed by a
// wait of cfg.LoopPeriod. Each reply is logged; a lost exchange is tried
// again after a backoff, as a session is.
func (a *agency) echoLoop(ctx context.Context) error {
	if a.cfg.LoopAmount == 0 {
		return nil
	}
	for k := 1; k <= a.cfg.LoopAmount; k++ {
		text := fmt.Sprintf("[CLIENT %d] Message N°%d", a.cfg.ID, k)
		if err := a.retrying(ctx, func(ctx context.Context) error { return a.echo(ctx, text) }); err != nil {
			return err
		}
		logline.Success(a.log, "receive_message", "client_id", a.cfg.ID, "msg", text)
		if err := sleep(ctx, a.cfg.LoopPeriod); err != nil {
			return err
		}
		// The period is the agency's own wait, not the server's silence:
		// the retry deadline counts from its end.
		a.retry.progress()
	}
	logline.Success(a.log, "loop_finished", "client_id", a.cfg.ID)
	return nil
}

// echo sends text in an echo on a connection of its own; the server's
// reply must be the same text.
func (a *agency) echo(ctx context.Context, text string) error {
	conn, err := client.Dial(ctx, a.addr(), a.cfg.Timeout)
	if err != nil {
		return a.failReply("connect", err)
	}
	defer conn.Close()
	if err := conn.Echo(ctx, text); err != nil {
		return a.failReply("receive_message", err)
	}
	return nil
}

// backoff turns to the next server, logs the lost session's error and
// waits before the next session (see retry.next), or returns the failure
// that ends the run once the retry deadline has passed.
func (a *agency) backoff(ctx context.Context, err error) error {
	attempt, wait, ok := a.retry.next()
	if !ok {
		if n := len(a.servers); n > 1 {
			return fail("connect", fmt.Errorf("no progress within %v from any of the %d servers: %w", a.cfg.RetryDeadline, n, err), a.where()...)
		}
		return fail("connect", fmt.Errorf("no progress within %v: %w", a.cfg.RetryDeadline, err))
	}
	a.server = (a.server + 1) % len(a.servers)
	attrs := append([]any{"attempt", attempt}, a.where()...)
	logline.InProgress(a.log, "connect", append(attrs,
		"retry_in", wait.Round(time.Millisecond), "error", err)...)
	return sleep(ctx, wait)
}

// session is one connection: hello, then the check that the bets the
// server holds are the agency's first ones, then whatever the server still
// lacks (the bets from Welcome.Stored on and the done, unless
// Welcome.Finished), then the winners query, whose documents are logged
// at DEBUG, one line each. The file and the connection
// are closed when it returns, on a signal too.
func (a *agency) session(ctx context.Context) error {
	f, err := a.open()
	if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
		// A signal ends a read in progress too: the file may never end
		// a line (CLI_DATA_PATH=/dev/zero), and the reader skips such a
		// line without end.
		defer context.AfterFunc(ctx, func() { f.Close() })()
	}
	w, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer a.conn.Close()
	if err := a.finish(ctx, f, w); err != nil {
		return err
	}
	docs, err := a.winners(ctx)
	if err != nil {
		return err
	}
	for _, d := range docs {
		logline.Debug(a.log, "ganador", "dni", d)
	}
	logline.Success(a.log, "consulta_ganadores", "cant_ganadores", len(docs))
	return nil
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
	a.file = &dataFile{File: f}
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			f.Close()
			return nil, fail("leer_apuesta", fmt.Errorf("%s: %w", a.cfg.DataPath, errDataDir))
		}
		a.file.size = fi.Size()
	}
	return a.file, nil
}

// errDataDir is the error for a data path that is a directory: what Docker
// makes when compose bind-mounts a host file that does not exist.
var errDataDir = errors.New("is a directory, not a bets file (a bind mount of a missing host file makes one: create the file, e.g. with make data, then recreate the container)")

// dataFile is the data file, counting what has been read of it for the
// progress line.
type dataFile struct {
	*os.File
	size, read int64
}

func (f *dataFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.read += int64(n)
	return n, err
}

// percent is how much of the file has been read, 0 to 100 (read ahead of
// the rows sent by at most a buffer).
func (f *dataFile) percent() int {
	if f == nil || f.size == 0 {
		return 100
	}
	return int(100 * f.read / f.size)
}

// connect dials the server and says hello: one attempt. The welcome must
// name the run's lottery (see sameLottery). With several servers, its
// lines name the one dialled.
func (a *agency) connect(ctx context.Context) (wire.Welcome, error) {
	conn, err := client.Dial(ctx, a.addr(), a.cfg.Timeout)
	if err != nil {
		return wire.Welcome{}, a.naming(a.failReply("connect", err))
	}
	a.attempts++
	w, err := conn.HelloAs(ctx, wire.Hello{Agency: uint32(a.cfg.ID), Secret: a.cfg.Secret,
		Started: uint64(a.started.UnixNano()), Attempt: a.attempts})
	if err != nil {
		conn.Close()
		return wire.Welcome{}, a.naming(a.failReply("connect", err))
	}
	if err := a.sameLottery(w); err != nil {
		conn.Close()
		return wire.Welcome{}, a.naming(err)
	}
	a.conn = conn
	logline.Success(a.log, "connect", append([]any{"lottery", fmt.Sprintf("%016x", w.Lottery), "date", w.Date,
		"stored", w.Stored, "finished", w.Finished}, a.where()...)...)
	return w, nil
}

// naming puts the server's address (where) first in the attributes of
// err, a failure to connect to it.
func (a *agency) naming(err error) error {
	var f *failure
	if errors.As(err, &f) {
		f.attrs = append(a.where(), f.attrs...)
	}
	return err
}

// sameLottery notes the lottery of the run's first welcome and checks that
// w, a later one, names the same: a server restarted on a fresh store (or
// another server) mid-run would otherwise get the agency's bets as a
// second lottery, numbered against another date. A failed hello or a
// malformed date ends the run too.
func (a *agency) sameLottery(w wire.Welcome) error {
	day, err := domain.ParseDate(w.Date)
	if err != nil {
		return fail("connect", fmt.Errorf("the server sent no valid lottery date: %w", err))
	}
	if a.lottery == nil {
		a.lottery = &lottery{id: w.Lottery, date: w.Date, day: day}
		return nil
	}
	if l := a.lottery; w.Lottery != l.id || w.Date != l.date {
		return fail("connect", fmt.Errorf("the server's lottery changed: lottery %016x of %s at the run's first connection, now %016x of %s (a server started on another store?); stopping rather than sending agency %d's bets to another lottery",
			l.id, l.date, w.Lottery, w.Date, a.cfg.ID))
	}
	return nil
}

// finish checks the bets the server holds against the agency's, streams
// those it lacks and reports done, unless the welcome says the agency is
// done already.
func (a *agency) finish(ctx context.Context, f io.Reader, w wire.Welcome) error {
	total, digest, err := a.stream(ctx, a.singleBet(), f, w)
	if err != nil {
		return err
	}
	if !w.Finished {
		if err := a.conn.Done(ctx, total, digest); err != nil {
			return a.failReply("done", err)
		}
		a.retry.progress()
	}
	a.finished(total)
	return nil
}

// finished logs, once a run, that the server holds the agency's done and
// its total bets.
func (a *agency) finished(total uint64) {
	if !a.done {
		a.done = true
		logline.Success(a.log, "done", "total", total)
	}
}

// winners asks for the agency's winners and waits for the draw. The wait
// is bounded by cfg.WinnersTimeout from the run's first query, across
// sessions; running out of it ends the run.
func (a *agency) winners(ctx context.Context) ([]string, error) {
	if a.drawBy.IsZero() {
		a.drawBy = time.Now().Add(a.cfg.WinnersTimeout)
	}
	noDraw := func(err error) error {
		return fail("consulta_ganadores", fmt.Errorf("no draw within %v: %w", a.cfg.WinnersTimeout, err))
	}
	wait := time.Until(a.drawBy)
	if wait <= 0 {
		return nil, noDraw(os.ErrDeadlineExceeded)
	}
	waited := a.waited
	stop := a.sayWaiting()
	docs, err := a.conn.Winners(ctx, wait)
	stop()
	switch {
	case err == nil:
		return docs, nil
	case !time.Now().Before(a.drawBy):
		return nil, noDraw(err)
	}
	if a.waited > waited {
		a.retry.alive() // the query was parked until now: waiting is no failure
	}
	return nil, a.failReply("consulta_ganadores", err)
}

// waitingEvery is how often an agency parked for the draw logs that it
// still waits (a variable for the tests).
var waitingEvery = 5 * time.Second

// sayWaiting logs, every waitingEvery until stop is called, how long the
// agency has been parked for the draw, counted across sessions:
// consulta_ganadores in_progress with waited 5s, 10s, …
func (a *agency) sayWaiting() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(waitingEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				a.waited += waitingEvery
				logline.InProgress(a.log, "consulta_ganadores", "waited", a.waited)
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
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
