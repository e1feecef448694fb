package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// Where the fake server can fail: the n-th message of a type.
func helloAt(n int) at { return at{wire.TypeHello, n} }
func batchAt(n int) at { return at{wire.TypeBatch, n} }
func doneAt(n int) at  { return at{wire.TypeDone, n} }
func queryAt(n int) at { return at{wire.TypeWinnersQuery, n} }

// errFrame is an Error frame with code c.
func errFrame(c wire.Code) wire.Error { return wire.Error{Code: c, Reason: c.String()} }

// retryLines checks that every connect line of out in progress is a
// well-formed retry line and returns how many there are.
func retryLines(t *testing.T, out string) int {
	t.Helper()
	n := 0
	for _, l := range lines(out, "connect") {
		if !strings.HasPrefix(l, "action: connect | result: in_progress") {
			continue
		}
		n++
		if !strings.HasPrefix(l, "action: connect | result: in_progress | attempt: ") ||
			!strings.Contains(l, " | retry_in: ") || !strings.Contains(l, " | error: ") {
			t.Errorf("retry line %q, want attempt, retry_in and error", l)
		}
	}
	return n
}

// TestRunLost: wherever a session is lost (dropped, timed out, or ended by
// an Error the server may get over), the agency reconnects, resumes where
// the welcome says, and the server holds every bet exactly once, at its
// position. Only a batch whose ack was lost and that the welcome does not
// count yet is sent twice. So with the default window (the whole stream in
// flight) and with a window of 1 (stop-and-wait).
func TestRunLost(t *testing.T) {
	shutdown := errFrame(wire.CodeShuttingDown)
	tests := []lostCase{
		{"HelloDropped", false, map[at]fault{helloAt(1): {}}, 0, 1},
		{"HelloBusy", false, map[at]fault{helloAt(1): {send: errFrame(wire.CodeBusy)}, helloAt(2): {send: shutdown}}, 0, 1},
		{"HelloTimeout", false, map[at]fault{helloAt(1): {hang: true}}, 0, 1},
		{"BatchDropped", false, map[at]fault{batchAt(3): {}}, 0, 1},
		{"AckLost", false, map[at]fault{batchAt(3): {keep: true}}, 0, 1},
		{"AckLostStale", false, map[at]fault{batchAt(3): {keep: true, stale: true}}, 7, 1},
		{"AckTimeout", false, map[at]fault{batchAt(3): {keep: true, hang: true}}, 0, 1},
		{"BatchShuttingDown", false, map[at]fault{batchAt(3): {send: shutdown}}, 0, 1},
		{"BatchInternal", false, map[at]fault{batchAt(3): {send: errFrame(wire.CodeInternal)}}, 0, 1},
		{"DoneDropped", false, map[at]fault{doneAt(1): {}}, 0, 2},
		{"DoneAckLost", false, map[at]fault{doneAt(1): {keep: true}}, 0, 1},
		{"DoneTimedOut", false, map[at]fault{doneAt(1): {send: errFrame(wire.CodeTimeout)}}, 0, 2},
		{"ParkedDropped", false, map[at]fault{queryAt(1): {}}, 0, 1},
		{"ParkedShuttingDown", false, map[at]fault{queryAt(1): {send: shutdown}}, 0, 1},
		{"SingleDropped", true, map[at]fault{batchAt(1): {}}, 0, 1},
		{"SingleAckLost", true, map[at]fault{batchAt(1): {keep: true}}, 0, 1},
		{"SingleAckLostStale", true, map[at]fault{batchAt(1): {keep: true, stale: true}}, 1, 1},
		{"Several", false, map[at]fault{
			helloAt(1): {},
			batchAt(2): {keep: true},
			batchAt(4): {},
			batchAt(5): {keep: true, stale: true},
			batchAt(7): {keep: true, hang: true},
			doneAt(1):  {},
			queryAt(1): {send: shutdown},
		}, 7, 2},
	}
	for _, tt := range tests {
		for _, window := range []int{defaultBatchWindow, 1} {
			t.Run(fmt.Sprintf("%s/W%d", tt.name, window), func(t *testing.T) {
				testRunLost(t, tt, window)
			})
		}
	}
}

// lostCase is a case of TestRunLost.
type lostCase struct {
	name   string
	single bool // a single bet before the file's
	faults map[at]fault
	dups   int // bets the server must receive again
	dones  int // done messages the server must receive
}

func testRunLost(t *testing.T, tt lostCase, window int) {
	bets := makeBets(60, "Ana")
	want := bets
	env := []string{"CLI_BATCH_MAXAMOUNT=7", "CLI_TIMEOUT=1s", fmt.Sprintf("CLI_BATCH_WINDOW=%d", window)}
	if tt.single {
		env = append(env, betVars...)
		want = append([]domain.Bet{{FirstName: "Santiago Lionel", LastName: "Lorca",
			Document: "30904465", Birthdate: "1999-03-17", Number: 7574}}, bets...)
	}
	s := &fakeServer{faults: tt.faults, winners: []string{"30000001", "30000007", "30000042"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), env...))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	rows, dups := s.held()
	if !slices.Equal(rows, want) {
		t.Errorf("server holds %d bets, want the %d of the agency once each, in order; first differing: %s",
			len(rows), len(want), firstDiff(rows, want))
	}
	if dups != tt.dups {
		t.Errorf("server received %d bets again, want %d", dups, tt.dups)
	}
	total := uint64(len(want))
	if got := s.doneTotals(); len(got) != tt.dones || slices.ContainsFunc(got, func(n uint64) bool { return n != total }) {
		t.Errorf("done totals %v, want %d of %d", got, tt.dones, total)
	}
	if n := retryLines(t, out); n != len(tt.faults) {
		t.Errorf("%d retry lines, want one per fault, %d\noutput:\n%s", n, len(tt.faults), out)
	}
	wantLine(t, out, "done", fmt.Sprintf("action: done | result: success | total: %d", total))
	wantLine(t, out, "consulta_ganadores", "action: consulta_ganadores | result: success | cant_ganadores: 3")
	wantLine(t, out, "shutdown", "action: shutdown | result: success")
}

// TestRunServerGone: a server that goes away for good mid-stream is
// retried until retry.deadline has passed since the last ack, then the
// run ends with one connect fail line.
func TestRunServerGone(t *testing.T) {
	bets := makeBets(60, "Ana")
	s := &fakeServer{faults: map[at]fault{batchAt(3): {kill: true}}}
	start := time.Now()
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets),
		"CLI_BATCH_MAXAMOUNT=7", "CLI_RETRY_DEADLINE=500ms"))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	if rows, _ := s.held(); !slices.Equal(rows, bets[:14]) {
		t.Errorf("server holds %d bets, want the first 14", len(rows))
	}
	if n := retryLines(t, out); n < 2 {
		t.Errorf("%d retry lines, want several\noutput:\n%s", n, out)
	}
	var fails []string
	for _, l := range lines(out, "connect") {
		if strings.HasPrefix(l, "action: connect | result: fail") {
			fails = append(fails, l)
		}
	}
	if len(fails) != 1 || !strings.HasPrefix(fails[0], "action: connect | result: fail | error: no progress within 500ms: ") {
		t.Fatalf("connect fail lines %q, want one, giving up after 500ms\noutput:\n%s", fails, out)
	}
	if last := lines(out, "connect"); last[len(last)-1] != fails[0] {
		t.Errorf("connect lines %q, want the fail line last", last)
	}
	if ex := lines(out, "shutdown"); len(ex) != 1 || !strings.HasPrefix(ex[0], "action: shutdown | result: fail") {
		t.Errorf("shutdown lines %q, want one fail", ex)
	}
	if elapsed < 500*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("gave up after %v, want just after 500ms", elapsed)
	}
}

// TestRunNoDraw: winners.timeout bounds the whole wait for the draw, across
// reconnections, and running out of it is not retried.
func TestRunNoDraw(t *testing.T) {
	s := &fakeServer{park: true, faults: map[at]fault{queryAt(1): {}}}
	start := time.Now()
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana")),
		"CLI_WINNERS_TIMEOUT=1s"))
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	if d := time.Since(start); d < time.Second || d > 4*time.Second {
		t.Errorf("gave up after %v, want just after 1s", d)
	}
	ls := lines(out, "consulta_ganadores")
	if len(ls) != 1 || !strings.HasPrefix(ls[0], "action: consulta_ganadores | result: fail | error: no draw within 1s: ") {
		t.Errorf("consulta_ganadores lines %q, want one fail", ls)
	}
	if n := s.count(wire.TypeWinnersQuery); n != 2 {
		t.Errorf("%d winners queries, want 2 (one dropped, one timed out)", n)
	}
	if n := retryLines(t, out); n != 1 {
		t.Errorf("%d retry lines, want 1 (the drop)", n)
	}
}

// TestRunSecret: the secret goes in every hello and never to the output.
func TestRunSecret(t *testing.T) {
	const secret = "s3cr3t-Ωmega-7f2a"
	data := writeBets(t, makeBets(10, "Ana"))
	noSecret := func(t *testing.T, out string) {
		t.Helper()
		if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%q", secret)) {
			t.Errorf("output shows the secret:\n%s", out)
		}
	}
	t.Run("Sent", func(t *testing.T) {
		s := &fakeServer{faults: map[at]fault{batchAt(1): {}}}
		out, err := runAgency(t, nil, testEnv(s.start(t), data, "CLI_SECRET="+secret))
		if err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out)
		}
		if got := s.hellos(); !slices.Equal(got, []string{secret, secret}) {
			t.Errorf("hellos carried %q, want the secret in both", got)
		}
		if c := lines(out, "config"); len(c) != 1 || !strings.HasSuffix(c[0], " | auth: true") {
			t.Errorf("config lines %q, want auth: true", c)
		}
		noSecret(t, out)
	})
	t.Run("None", func(t *testing.T) {
		s := &fakeServer{}
		out, err := runAgency(t, nil, testEnv(s.start(t), data))
		if err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out)
		}
		if got := s.hellos(); !slices.Equal(got, []string{""}) {
			t.Errorf("hellos carried %q, want no secret", got)
		}
		if c := lines(out, "config"); len(c) != 1 || !strings.HasSuffix(c[0], " | auth: false") {
			t.Errorf("config lines %q, want auth: false", c)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		s := &fakeServer{faults: map[at]fault{helloAt(1): {send: wire.Error{Code: wire.CodeUnauthorized, Reason: "bad secret"}}}}
		out, _ := runAgency(t, nil, testEnv(s.start(t), data, "CLI_SECRET="+secret))
		noSecret(t, out)
	})
	t.Run("ServerDown", func(t *testing.T) {
		out, _ := runAgency(t, nil, testEnv(closedAddr(t), data, "CLI_SECRET="+secret, "CLI_RETRY_DEADLINE=200ms"))
		noSecret(t, out)
	})
	t.Run("ConfigError", func(t *testing.T) {
		out, _ := runAgency(t, nil, testEnv(closedAddr(t), data, "CLI_SECRET="+secret, "CLI_TIMEOUT=0s"))
		noSecret(t, out)
	})
	t.Run("Ping", func(t *testing.T) {
		s := &fakeServer{}
		out, _ := runAgency(t, []string{"ping"}, testEnv(s.start(t), data, "CLI_SECRET="+secret))
		noSecret(t, out)
	})
}

// TestRunSignalBackoff: a SIGTERM while the agency waits to reconnect stops
// it at once, cleanly.
func TestRunSignalBackoff(t *testing.T) {
	defer func(lo, hi time.Duration) { backoffMin, backoffMax = lo, hi }(backoffMin, backoffMax)
	backoffMin, backoffMax = time.Minute, time.Minute
	env := testEnv(closedAddr(t), writeBets(t, makeBets(3, "Ana")), "CLI_RETRY_DEADLINE=1h")
	signalWhen(t, env, stoppedBySignal, func(out *syncBuffer) bool {
		return out.waitFor("action: connect | result: in_progress", 5*time.Second)
	})
}

// stoppedBySignal is the last line of an agency that a signal stopped.
const stoppedBySignal = "action: shutdown | result: success | reason: signal"

// signalWhen runs the agency with env, sends the process SIGTERM once ready
// reports true (it waits at most a few seconds), and checks that the agency
// then stops within 2 s, its shutdown line want. It returns the output.
func signalWhen(t *testing.T, env []string, want string, ready func(*syncBuffer) bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out syncBuffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, nil, env, &out) }()
	if !ready(&out) {
		cancel()
		<-errc
		t.Fatalf("not ready for the signal within 5s\noutput:\n%s", out.String())
	}
	start := time.Now()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	if err := <-errc; err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopped %v after the signal", d)
	}
	wantLine(t, out.String(), "shutdown", want)
	return out.String()
}

func TestRetryable(t *testing.T) {
	op := func(err error) error { return &net.OpError{Op: "read", Net: "tcp", Err: err} }
	retry := map[string]error{
		"refused":     fmt.Errorf("dial x: %w", op(syscall.ECONNREFUSED)),
		"reset":       fmt.Errorf("send: read: %w", op(syscall.ECONNRESET)),
		"timeout":     fmt.Errorf("send: read: %w", op(os.ErrDeadlineExceeded)),
		"eof":         fmt.Errorf("hello: read: %w", io.EOF),
		"cut":         fmt.Errorf("winners: read: %w", io.ErrUnexpectedEOF),
		"busy":        errFrame(wire.CodeBusy),
		"stopping":    fmt.Errorf("done: %w", errFrame(wire.CodeShuttingDown)),
		"idle":        errFrame(wire.CodeTimeout),
		"internal":    errFrame(wire.CodeInternal),
		"dns failure": fmt.Errorf("dial x: %w", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host"}}),
	}
	final := map[string]error{
		"unauthorized": errFrame(wire.CodeUnauthorized),
		"unknown":      errFrame(wire.CodeUnknownAgency),
		"version":      errFrame(wire.CodeUnsupportedVersion),
		"malformed":    errFrame(wire.CodeMalformed),
		"unexpected":   errFrame(wire.CodeUnexpected),
		"reject":       fmt.Errorf("send: %w", wire.Reject{Code: wire.CodeOutOfOrder}),
		"wrong reply":  fmt.Errorf("hello: %w", client.ErrUnexpected),
		"bad frame":    fmt.Errorf("read: %w", wire.ErrFrameTooLarge),
		"file":         &fs.PathError{Op: "read", Path: filepath.Join("x", "y"), Err: syscall.EIO},
		"cancelled":    context.Canceled,
	}
	for name, err := range retry {
		if !retryable(err) {
			t.Errorf("%s (%v): not retryable, want retryable", name, err)
		}
	}
	for name, err := range final {
		if retryable(err) {
			t.Errorf("%s (%v): retryable, want final", name, err)
		}
	}
}

// TestRunFenced: a server that closes the agency's connection because
// another process took the agency over (Error fenced), at any stage, stops
// it with one clear connect fail line: it does not connect again, which
// would take the agency back.
func TestRunFenced(t *testing.T) {
	fenced := wire.Error{Code: wire.CodeFenced, Reason: "a newer connection of agency 1 took over"}
	for name, stage := range map[string]at{"Hello": helloAt(1), "Batch": batchAt(3), "Done": doneAt(1), "Parked": queryAt(1)} {
		t.Run(name, func(t *testing.T) {
			s := &fakeServer{faults: map[at]fault{stage: {send: fenced}}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(60, "Ana")), "CLI_BATCH_MAXAMOUNT=7"))
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			var fails []string
			for l := range strings.Lines(out) {
				if strings.Contains(l, " | result: fail") {
					fails = append(fails, l[strings.Index(l, "action: "):])
				}
			}
			want := "action: connect | result: fail | code: fenced | error: another process took over agency 1, so this one stops without retrying: "
			if len(fails) != 2 || !strings.HasPrefix(fails[0], want) || !strings.Contains(fails[0], fenced.Reason) ||
				!strings.HasPrefix(fails[1], "action: shutdown | result: fail | error: ") {
				t.Errorf("fail lines %q, want one starting %q with the server's reason, then the shutdown line\noutput:\n%s", fails, want, out)
			}
			if n := s.connections(); n != 1 {
				t.Errorf("%d connections, want 1: a fenced agency does not connect again", n)
			}
			if n := retryLines(t, out); n != 0 {
				t.Errorf("%d retry lines, want none", n)
			}
		})
	}
}

// TestRunWelcomedThenFailing: a server that welcomes the agency and then
// fails every batch (closing the connection, or with an Error the agency
// may retry) is no progress: the agency gives up once retry.deadline has
// passed, as with a server that is down. (Before, each welcome reset the
// deadline, and the agency retried forever.)
func TestRunWelcomedThenFailing(t *testing.T) {
	for name, f := range map[string]fault{"Dropped": {}, "Internal": {send: errFrame(wire.CodeInternal)}} {
		t.Run(name, func(t *testing.T) {
			s := &fakeServer{always: &f}
			start := time.Now()
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(20, "Ana")), "CLI_RETRY_DEADLINE=500ms"))
			elapsed := time.Since(start)
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			var fails []string
			for _, l := range lines(out, "connect") {
				if strings.HasPrefix(l, "action: connect | result: fail") {
					fails = append(fails, l)
				}
			}
			if len(fails) != 1 || !strings.HasPrefix(fails[0], "action: connect | result: fail | error: no progress within 500ms: ") {
				t.Errorf("connect fail lines %q, want one, giving up after 500ms\noutput:\n%s", fails, out)
			}
			if n := s.count(wire.TypeHello); n < 2 {
				t.Errorf("%d hellos, want several (each welcomed)", n)
			}
			if elapsed < 500*time.Millisecond || elapsed > 3*time.Second {
				t.Errorf("gave up after %v, want just after 500ms", elapsed)
			}
		})
	}
}
