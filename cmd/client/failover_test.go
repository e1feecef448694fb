package main

import (
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// slowBackoff makes every backoff a minute until the test ends: under a
// retry.deadline at least as long (noDeadline), a run that finishes within
// runAgency's bound of 10s never waited one.
func slowBackoff(t *testing.T) {
	t.Helper()
	lo, hi := backoffMin, backoffMax
	backoffMin, backoffMax = time.Minute, time.Minute
	t.Cleanup(func() { backoffMin, backoffMax = lo, hi })
}

// noDeadline is a retry.deadline that caps no backoff of slowBackoff.
const noDeadline = "CLI_RETRY_DEADLINE=1h"

// failLines returns the lines of out with result fail, from "action:" on.
func failLines(out string) []string {
	var ls []string
	for l := range strings.Lines(out) {
		if i := strings.Index(l, "action: "); i >= 0 && strings.Contains(l, " | result: fail") {
			ls = append(ls, strings.TrimRight(l[i:], "\n"))
		}
	}
	return ls
}

// failoverLine is the start of the connect line that says the agency goes
// on with the server at addr at once, without a backoff.
func failoverLine(attempt int, addr string) string {
	return fmt.Sprintf("action: connect | result: in_progress | attempt: %d | server_address: %s | retry_in: 0s | error: ", attempt, addr)
}

// TestRunFailoverFirstDead: an agency whose first server is dead — nothing
// listens, it never answers, or it refuses with an error another server
// may not have — goes on with the second at once, without a backoff (a
// dead server costs one dial or one timeout), and finishes there: every
// bet stored once, its winners logged, and no fail line. The lines say
// which server the agency turned to and which one welcomed it.
func TestRunFailoverFirstDead(t *testing.T) {
	slowBackoff(t)
	silent := func(t *testing.T) string { return rawServer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) }) }
	refusing := func(c wire.Code) func(t *testing.T) string {
		return func(t *testing.T) string {
			return (&fakeServer{faults: map[at]fault{helloAt(1): {send: errFrame(c)}}}).start(t)
		}
	}
	for _, tt := range []struct {
		name string
		dead func(t *testing.T) string
		echo bool // an echo phase first
	}{
		{"Refused", closedAddr, false},
		{"Silent", silent, false},
		{"ShuttingDown", refusing(wire.CodeShuttingDown), false},
		{"Busy", refusing(wire.CodeBusy), false},
		{"EchoPhase", closedAddr, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bets := makeBets(30, "Ana")
			live := &fakeServer{winners: []string{"30000001", "30000007"}}
			dead, addr := tt.dead(t), live.start(t)
			env := []string{"CLI_BATCH_MAXAMOUNT=7", "CLI_TIMEOUT=1s", noDeadline}
			if tt.echo {
				env = append(env, "CLI_LOOP_AMOUNT=2", "CLI_LOOP_PERIOD=0s")
			}
			start := time.Now()
			out, err := runAgency(t, nil, testEnv(dead+","+addr, writeBets(t, bets), env...))
			if err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("finished after %v: the agency waited a backoff before the second server", d)
			}
			if rows, dups := live.held(); !slices.Equal(rows, bets) || dups != 0 {
				t.Errorf("the live server holds %d bets (%d again), want the agency's %d once each", len(rows), dups, len(bets))
			}
			connects := lines(out, "connect")
			want := []string{failoverLine(1, addr),
				"action: connect | result: success | lottery: 0123456789abcdef | date: 2026-12-01 | stored: 0 | finished: false | server_address: " + addr}
			if len(connects) != 2 || !strings.HasPrefix(connects[0], want[0]) || connects[1] != want[1] {
				t.Errorf("connect lines %q, want one starting %q, then %q", connects, want[0], want[1])
			}
			if tt.echo {
				if got, _ := live.echoTexts(); len(got) != 2 {
					t.Errorf("the live server got echoes %q, want the 2 of the echo phase", got)
				}
			}
			if fails := failLines(out); len(fails) != 0 {
				t.Errorf("fail lines %q, want none in a failover that succeeds", fails)
			}
			wantLine(t, out, "consulta_ganadores", "action: consulta_ganadores | result: success | cant_ganadores: 2")
			wantLine(t, out, "shutdown", "action: shutdown | result: success")
		})
	}
}

// TestRunFailoverMidStream: a server that dies mid-stream (its listener and
// connections closed after 2 batches of 7) is not waited for: the agency
// goes on with the second server at once, resumes where that server's
// welcome says (it holds what the first one did, as a standby on the same
// store would) after checking the digest, and the second server stores
// exactly the rest and the done. So with the whole stream in flight and
// with stop-and-wait.
func TestRunFailoverMidStream(t *testing.T) {
	slowBackoff(t)
	for _, window := range []int{defaultBatchWindow, 1} {
		t.Run(fmt.Sprintf("W%d", window), func(t *testing.T) {
			bets := makeBets(60, "Ana")
			first := &fakeServer{faults: map[at]fault{batchAt(3): {kill: true}}}
			second := &fakeServer{welcome: wire.Welcome{Stored: 14, Digest: digestOf(bets[:14]...)}, winners: []string{"30000042"}}
			a1, a2 := first.start(t), second.start(t)
			out, err := runAgency(t, nil, testEnv(a1+","+a2, writeBets(t, bets),
				"CLI_BATCH_MAXAMOUNT=7", fmt.Sprintf("CLI_BATCH_WINDOW=%d", window), noDeadline))
			if err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out)
			}
			if rows, _ := first.held(); !slices.Equal(rows, bets[:14]) {
				t.Fatalf("the first server holds %d bets, want the first 14 (the test's premise)", len(rows))
			}
			if rows, dups := second.held(); !slices.Equal(rows, bets[14:]) || dups != 0 {
				t.Errorf("the second server stored %d bets (%d again), want exactly the %d from 14 on; first differing: %s",
					len(rows), dups, len(bets)-14, firstDiff(rows, bets[14:]))
			}
			checkSent(t, second.received(), bets[14:], 14, 7)
			if got := second.doneTotals(); !slices.Equal(got, []uint64{60}) {
				t.Errorf("the second server got dones %v, want one of 60", got)
			}
			if got := first.doneTotals(); len(got) != 0 {
				t.Errorf("the first server got dones %v, want none", got)
			}
			connects := lines(out, "connect")
			want := []string{
				"action: connect | result: success | lottery: 0123456789abcdef | date: 2026-12-01 | stored: 0 | finished: false | server_address: " + a1,
				failoverLine(1, a2),
				"action: connect | result: success | lottery: 0123456789abcdef | date: 2026-12-01 | stored: 14 | finished: false | server_address: " + a2,
			}
			if len(connects) != 3 || connects[0] != want[0] || !strings.HasPrefix(connects[1], want[1]) || connects[2] != want[2] {
				t.Errorf("connect lines %q, want %q (the second a prefix)", connects, want)
			}
			if fails := failLines(out); len(fails) != 0 {
				t.Errorf("fail lines %q, want none in a failover that succeeds", fails)
			}
			wantLine(t, out, "done", "action: done | result: success | total: 60")
			wantLine(t, out, "consulta_ganadores", "action: consulta_ganadores | result: success | cant_ganadores: 1")
		})
	}
}

// TestRunFailoverRounds: with every server down the agency goes round the
// list, first to last and over again, trying each one in turn at once and
// waiting a backoff only after a whole round; retry.deadline is the budget
// of the whole list: it gives up once that long has passed without
// progress, with one connect fail line naming the last server tried.
func TestRunFailoverRounds(t *testing.T) {
	defer func(lo, hi time.Duration) { backoffMin, backoffMax = lo, hi }(backoffMin, backoffMax)
	backoffMin, backoffMax = 100*time.Millisecond, 100*time.Millisecond
	addrs := []string{closedAddr(t), closedAddr(t), closedAddr(t)}
	start := time.Now()
	out, err := runAgency(t, nil, testEnv(strings.Join(addrs, ","), writeBets(t, makeBets(3, "Ana")), "CLI_RETRY_DEADLINE=1s"))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	connects := lines(out, "connect")
	if len(connects) < 7 {
		t.Fatalf("connect lines %q, want at least two rounds of retries, then the fail line", connects)
	}
	retries, last := connects[:len(connects)-1], connects[len(connects)-1]
	for i, l := range retries {
		attempt, to := i+1, addrs[(i+1)%len(addrs)]
		head := fmt.Sprintf("action: connect | result: in_progress | attempt: %d | server_address: %s | retry_in: ", attempt, to)
		if !strings.HasPrefix(l, head) {
			t.Errorf("retry line %q, want it to start %q", l, head)
			continue
		}
		waits := !strings.HasPrefix(l, head+"0s | ")
		if end := attempt%len(addrs) == 0; waits != end {
			t.Errorf("retry line %q: waits %v, want a wait at the end of each round only", l, waits)
		}
	}
	tried := addrs[len(retries)%len(addrs)]
	want := "action: connect | result: fail | server_address: " + tried + " | error: no progress within 1s from any of the 3 servers: dial " + tried + ": "
	if !strings.HasPrefix(last, want) {
		t.Errorf("last connect line %q, want it to start %q", last, want)
	}
	if fails := failLines(out); len(fails) != 2 {
		t.Errorf("fail lines %q, want the connect one and the shutdown one", fails)
	}
	if elapsed < time.Second || elapsed > 4*time.Second {
		t.Errorf("gave up after %v, want just after 1s", elapsed)
	}
}

// TestRunFailoverStops: a refusal that means this agency must stop —
// another process took it over, a bad secret, an agency the server does
// not know, bets that conflict with those held or differ from the
// agency's file, a server of another lottery — stops it on the server that
// said so: no other server in the list is dialled, and no retry line
// pretends it goes on.
func TestRunFailoverStops(t *testing.T) {
	slowBackoff(t)
	bets := makeBets(60, "Ana")
	refuse := func(c wire.Code, where at) *fakeServer {
		return &fakeServer{faults: map[at]fault{where: {send: wire.Error{Code: c, Reason: c.String()}}}}
	}
	for _, tt := range []struct {
		name    string
		servers []*fakeServer // the agency's list, in order
		used    int           // the servers dialled: the first used ones
		retries int           // failovers before the stop
		want    string        // the start of the first fail line; %s is the server that refused
	}{
		{"Fenced", []*fakeServer{refuse(wire.CodeFenced, batchAt(3)), {}}, 1, 0,
			"action: connect | result: fail | code: fenced | error: another process took over agency 1"},
		{"Unauthorized", []*fakeServer{refuse(wire.CodeUnauthorized, helloAt(1)), {}}, 1, 0,
			"action: connect | result: fail | server_address: %s | code: unauthorized | error: unauthorized"},
		{"UnknownAgency", []*fakeServer{refuse(wire.CodeUnknownAgency, helloAt(1)), {}}, 1, 0,
			"action: connect | result: fail | server_address: %s | code: unknown_agency | error: unknown_agency"},
		{"Conflict", []*fakeServer{{reject: &wire.Reject{Code: wire.CodeConflict, Reason: "other bets held there"}}, {}}, 1, 0,
			"action: apuesta_enviada | result: fail | code: conflict | first: 0 | error: other bets held there"},
		{"Differs", []*fakeServer{{welcome: wire.Welcome{Stored: 7, Digest: digestOf(bets[1:8]...)}}, {}}, 1, 0,
			"action: connect | result: fail | error: the agency file differs from the bets the server holds for agency 1: their first 7 bets do not match"},
		{"LotteryChanged", []*fakeServer{{faults: map[at]fault{batchAt(3): {}}}, {welcome: wire.Welcome{Lottery: 0xabc, Date: testDate}}, {}}, 2, 1,
			"action: connect | result: fail | server_address: %s | error: the server's lottery changed: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addrs := make([]string, len(tt.servers))
			for i, s := range tt.servers {
				addrs[i] = s.start(t)
			}
			out, err := runAgency(t, nil, testEnv(strings.Join(addrs, ","), writeBets(t, bets), "CLI_BATCH_MAXAMOUNT=7", noDeadline))
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			want := tt.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, addrs[tt.used-1])
			}
			fails := failLines(out)
			if len(fails) != 2 || !strings.HasPrefix(fails[0], want) || !strings.HasPrefix(fails[1], "action: shutdown | result: fail | error: ") {
				t.Errorf("fail lines %q, want one starting %q, then the shutdown line\noutput:\n%s", fails, want, out)
			}
			for i, s := range tt.servers {
				n, wantN := s.connections(), 0
				if i < tt.used {
					wantN = 1
				}
				if n != wantN {
					t.Errorf("server %d of the list got %d connections, want %d", i+1, n, wantN)
				}
			}
			if n := retryLines(t, out); n != tt.retries {
				t.Errorf("%d retry lines, want %d\noutput:\n%s", n, tt.retries, out)
			}
		})
	}
}

// TestRunCheckFailover: "client ping" and "client echo" with several
// servers pass at the first one that answers, and name it; they fail only
// when none does, with each server's error, in order.
func TestRunCheckFailover(t *testing.T) {
	live := (&fakeServer{}).start(t)
	for _, sub := range []string{"ping", "echo"} {
		t.Run(sub, func(t *testing.T) {
			c1, c2 := closedAddr(t), closedAddr(t)
			out, err := runAgency(t, []string{sub}, []string{"CLI_SERVER_ADDRESS=" + c1 + "," + live + "," + c2, "CLI_TIMEOUT=1s"})
			if err != nil {
				t.Fatalf("%s: %v\noutput:\n%s", sub, err, out)
			}
			wantLine(t, out, sub, "action: "+sub+" | result: success | server_address: "+live)

			out, err = runAgency(t, []string{sub}, []string{"CLI_SERVER_ADDRESS=" + c1 + "," + c2, "CLI_TIMEOUT=1s"})
			if err == nil {
				t.Fatalf("%s with every server down: no error\noutput:\n%s", sub, out)
			}
			ls := lines(out, sub)
			head := "action: " + sub + " | result: fail | error: "
			if len(ls) != 1 || !strings.HasPrefix(ls[0], head+c1+": ") || !strings.Contains(ls[0], "; "+c2+": ") {
				t.Errorf("%s lines %q, want one fail line with the error of %s, then of %s", sub, ls, c1, c2)
			}
		})
	}
}

// TestRetryRounds: over n servers, the backoff is waited once every n lost
// sessions, and progress starts a new round; with one server, after each
// lost session, as always.
func TestRetryRounds(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("Servers%d", n), func(t *testing.T) {
			r := newRetry(time.Hour, n)
			waits := func(k int) []bool {
				var got []bool
				for range k {
					_, wait, ok := r.next()
					if !ok {
						t.Fatal("next gave up within the deadline")
					}
					got = append(got, wait > 0)
				}
				return got
			}
			var want []bool
			for i := range 2 * n {
				want = append(want, (i+1)%n == 0)
			}
			if got := waits(2 * n); !slices.Equal(got, want) {
				t.Errorf("waits over two rounds %v, want %v", got, want)
			}
			r.next() // a session of a new round lost, then progress
			r.progress()
			if got := waits(n); !slices.Equal(got, want[:n]) {
				t.Errorf("waits after progress %v, want a whole round again, %v", got, want[:n])
			}
		})
	}
}
