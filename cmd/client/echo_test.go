package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/net/wire"
)

func echoAt(n int) at { return at{wire.TypeEcho, n} }

// messages returns the texts the echo phase sends for agency id.
func messages(id, n int) []string {
	var out []string
	for k := 1; k <= n; k++ {
		out = append(out, fmt.Sprintf("[CLIENT %d] Message N°%d", id, k))
	}
	return out
}

// actions returns the action of each log line of out, in order.
func actions(out string) []string {
	var as []string
	for l := range strings.Lines(out) {
		if _, rest, ok := strings.Cut(l, "action: "); ok {
			a, _, _ := strings.Cut(strings.TrimSpace(rest), " |")
			as = append(as, a)
		}
	}
	return as
}

// TestRunEchoPhase: before its lottery session the agency exchanges
// loop.amount echo messages, each on a connection of its own, loop.period
// apart, logs each reply and then loop_finished; the session follows as
// without an echo phase.
func TestRunEchoPhase(t *testing.T) {
	const period = 50 * time.Millisecond
	s := &fakeServer{winners: []string{"30000001"}}
	bets := makeBets(5, "Ana")
	began := time.Now()
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), "CLI_ID=4", "CLI_LOOP_AMOUNT=3", "CLI_LOOP_PERIOD=50ms"))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	if took := time.Since(began); took < 3*period {
		t.Errorf("the echo phase took %v, want at least 3 periods of %v", took, period)
	}
	texts, conns := s.echoTexts()
	if want := messages(4, 3); !slices.Equal(texts, want) {
		t.Errorf("server got echoes %q, want %q", texts, want)
	}
	if conns != 4 {
		t.Errorf("%d connections, want 4: one per echo message, then the session", conns)
	}
	var want []string
	for _, m := range messages(4, 3) {
		want = append(want, "action: receive_message | result: success | client_id: 4 | msg: "+m)
	}
	if got := lines(out, "receive_message"); !slices.Equal(got, want) {
		t.Errorf("receive_message lines %q, want %q", got, want)
	}
	wantLine(t, out, "loop_finished", "action: loop_finished | result: success | client_id: 4")
	got := slices.Compact(actions(out))
	if i := slices.Index(got, "loop_finished"); i < 2 || got[i-1] != "receive_message" || got[i+1] != "connect" {
		t.Errorf("actions %q, want receive_message lines, loop_finished, then the session", got)
	}
	checkSent(t, s.received(), bets, 0, defaultBatchMaxAmount)
	wantLine(t, out, "consulta_ganadores", "action: consulta_ganadores | result: success | cant_ganadores: 1")
}

// TestRunNoEchoPhase: loop.amount 0, the default, sends no echo at all.
func TestRunNoEchoPhase(t *testing.T) {
	s := &fakeServer{}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(2, "Ana"))))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	if texts, _ := s.echoTexts(); len(texts) != 0 || len(lines(out, "loop_finished")) != 0 {
		t.Errorf("echoes %q and loop_finished %q with loop.amount 0", texts, lines(out, "loop_finished"))
	}
}

// TestRunEchoPhaseLost: an exchange lost with its connection is tried
// again, after a backoff logged as a connect retry, and no message is
// skipped or logged twice.
func TestRunEchoPhaseLost(t *testing.T) {
	s := &fakeServer{faults: map[at]fault{echoAt(2): {}, echoAt(3): {send: errFrame(wire.CodeBusy)}}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(2, "Ana")), "CLI_LOOP_AMOUNT=3", "CLI_LOOP_PERIOD=0s"))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	if n := retryLines(t, out); n != 2 {
		t.Errorf("%d connect retry lines, want 2\noutput:\n%s", n, out)
	}
	m := messages(1, 3)
	if texts, _ := s.echoTexts(); !slices.Equal(texts, []string{m[0], m[1], m[1], m[1], m[2]}) {
		t.Errorf("server got echoes %q, want the second one three times (dropped, busy, answered)", texts)
	}
	if got := lines(out, "receive_message"); len(got) != 3 || !strings.HasSuffix(got[1], "msg: "+m[1]) || !strings.HasSuffix(got[2], "msg: "+m[2]) {
		t.Errorf("receive_message lines %q, want one per message", got)
	}
}

// TestRunEchoPhaseUnreachable: a server that never answers is retried like
// a session, until retry.deadline, and then the run fails.
func TestRunEchoPhaseUnreachable(t *testing.T) {
	out, err := runAgency(t, nil, testEnv(closedAddr(t), writeBets(t, makeBets(2, "Ana")),
		"CLI_LOOP_AMOUNT=2", "CLI_RETRY_DEADLINE=300ms"))
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	if n := retryLines(t, out); n < 2 {
		t.Errorf("%d connect retry lines, want at least 2\noutput:\n%s", n, out)
	}
	if ls := lines(out, "connect"); !strings.HasPrefix(ls[len(ls)-1], "action: connect | result: fail | error: no progress within 300ms: ") {
		t.Errorf("last connect line %q, want the retry deadline's fail", ls[len(ls)-1])
	}
	if n := len(lines(out, "receive_message")); n != 0 {
		t.Errorf("%d receive_message lines with no server", n)
	}
}

// TestRunEchoPhaseFatal: a reply that is an error the agency cannot cure,
// or another text, ends the run: no hello is sent.
func TestRunEchoPhaseFatal(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reply wire.Message
		want  string
	}{
		{"Malformed", errFrame(wire.CodeMalformed), "action: receive_message | result: fail | code: malformed | error: malformed"},
		{"OtherText", wire.Echo{Text: "[CLIENT 2] Message N°1"},
			`action: receive_message | result: fail | error: echo: unexpected reply: echo of "[CLIENT 2] Message N°1" for "[CLIENT 1] Message N°1"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{faults: map[at]fault{echoAt(1): {send: tt.reply}}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(2, "Ana")), "CLI_LOOP_AMOUNT=3"))
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			wantLine(t, out, "receive_message", tt.want)
			if n := s.count(wire.TypeHello); n != 0 {
				t.Errorf("%d hellos after a failed echo phase", n)
			}
			if ls := lines(out, "shutdown"); len(ls) != 1 || !strings.HasPrefix(ls[0], "action: shutdown | result: fail | error: ") {
				t.Errorf("shutdown lines %q, want one fail", ls)
			}
		})
	}
}

// TestRunEchoPhaseSignal: a SIGTERM during the echo phase, while it waits
// between messages or while an exchange is in flight, stops the agency at
// once with a clean exit.
func TestRunEchoPhaseSignal(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults map[at]fault
		wait   func(s *fakeServer, out *syncBuffer) bool
	}{
		{"Waiting", nil, func(_ *fakeServer, out *syncBuffer) bool {
			return out.waitFor("action: receive_message | result: success", 5*time.Second)
		}},
		{"Exchanging", map[at]fault{echoAt(1): {hang: true}}, func(s *fakeServer, _ *syncBuffer) bool {
			select {
			case <-s.echoed:
				return true
			case <-time.After(5 * time.Second):
				return false
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{faults: tt.faults}
			env := testEnv(s.start(t), writeBets(t, makeBets(2, "Ana")), "CLI_LOOP_AMOUNT=100", "CLI_LOOP_PERIOD=1h", "CLI_TIMEOUT=1h")
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var out syncBuffer
			errc := make(chan error, 1)
			go func() { errc <- run(ctx, nil, env, &out) }()
			if !tt.wait(s, &out) {
				cancel()
				<-errc
				t.Fatalf("the echo phase did not start within 5s\noutput:\n%s", out.String())
			}
			start := time.Now()
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			if err := <-errc; err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out.String())
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("stopped %v after the signal", d)
			}
			wantLine(t, out.String(), "shutdown", "action: shutdown | result: success | reason: signal")
			if n := len(lines(out.String(), "loop_finished")) + s.count(wire.TypeHello); n != 0 {
				t.Errorf("went on after the signal\noutput:\n%s", out.String())
			}
		})
	}
}

// TestRunWaitingLines: an agency parked for the draw says so every
// waitingEvery, with the time waited.
func TestRunWaitingLines(t *testing.T) {
	defer func(d time.Duration) { waitingEvery = d }(waitingEvery)
	waitingEvery = 20 * time.Millisecond
	s := &fakeServer{park: true}
	env := testEnv(s.start(t), writeBets(t, makeBets(2, "Ana")))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out syncBuffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, nil, env, &out) }()
	seen := out.waitFor("waited: 60ms", 5*time.Second)
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	if !seen {
		t.Fatalf("no third waiting line within 5s\noutput:\n%s", out.String())
	}
	got := lines(out.String(), "consulta_ganadores")
	for i, w := range []string{"20ms", "40ms", "60ms"} {
		if want := "action: consulta_ganadores | result: in_progress | waited: " + w; i >= len(got) || got[i] != want {
			t.Fatalf("consulta_ganadores lines %q, want %q first", got, want)
		}
	}
}

// TestWaitingEvery pins the interval the README documents.
func TestWaitingEvery(t *testing.T) {
	if waitingEvery != 5*time.Second {
		t.Errorf("waitingEvery = %v, want 5s", waitingEvery)
	}
}

// TestRunEchoCommand: "client echo" passes against any server that sends
// back what it gets, ours included, and fails against one that does not,
// logging one line either way, with no CLI_ID.
func TestRunEchoCommand(t *testing.T) {
	plain := rawServer(t, func(nc net.Conn) { io.Copy(nc, nc) })
	unhealthy := rawServer(t, func(nc net.Conn) {
		b := make([]byte, 1024)
		for {
			n, err := nc.Read(b)
			if err != nil {
				return
			}
			nc.Write(append([]byte("error reading data: "), b[:n]...))
		}
	})
	silent := rawServer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) })
	closed := closedAddr(t)
	for _, tt := range []struct {
		name, addr string
		want       string // the line, or its start for a fail
	}{
		{"OurProtocol", (&fakeServer{}).start(t), "action: echo | result: success"},
		{"PlainEcho", plain, "action: echo | result: success"},
		{"Unhealthy", unhealthy, `action: echo | result: fail | error: the reply differs: got "error reading data: `},
		{"Silent", silent, "action: echo | result: fail | error: no reply within 300ms"},
		{"NoServer", closed, "action: echo | result: fail | error: no server at " + closed + ": dial tcp "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runAgency(t, []string{"echo"}, []string{"CLI_SERVER_ADDRESS=" + tt.addr, "CLI_TIMEOUT=300ms"})
			if ok := strings.HasSuffix(tt.want, "success"); ok != (err == nil) {
				t.Errorf("run = %v, want success %v", err, ok)
			}
			if ls := lines(out, "echo"); len(ls) != 1 || !strings.HasPrefix(ls[0], tt.want) {
				t.Errorf("echo lines %q, want one starting %q", ls, tt.want)
			}
			if n := strings.Count(out, "\n"); n != 1 {
				t.Errorf("%d lines, want only the echo line:\n%s", n, out)
			}
		})
	}
}

// rawServer runs fn on every connection to a listener on 127.0.0.1:0 until
// the test ends, and returns its address.
func rawServer(t *testing.T, fn func(nc net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	conns := make(chan net.Conn, 16)
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- nc
			go func() { defer nc.Close(); fn(nc) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(conns)
		for nc := range conns {
			nc.Close()
		}
	})
	return ln.Addr().String()
}
