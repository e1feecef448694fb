package server_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// TestSilentPeerClosedAtHelloTimeout: a peer that says nothing is closed
// with timeout once hello_timeout has passed, not after the longer idle
// timeout.
func TestSilentPeerClosedAtHelloTimeout(t *testing.T) {
	l := mustStart(t, options{agencies: 1, helloTimeout: 300 * time.Millisecond, idleTimeout: time.Minute})
	began := time.Now()
	c := rawConn(t, l)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	m, err := wire.ReadMessage(br, nil)
	mustTimeOut(t, m, err, "no hello within 300ms", time.Since(began), l.hello)
	mustBeClosed(t, br)
}

// TestPesteringPeerClosedAtHelloTimeout: pings are answered before a
// hello, but they buy no time: a peer that pings in a loop, or drips ping
// frames a byte at a time, is closed at hello_timeout all the same.
func TestPesteringPeerClosedAtHelloTimeout(t *testing.T) {
	for _, tt := range []struct {
		name  string
		chunk int // bytes per write
	}{
		{"ping loop", 1 << 20},
		{"ping dripped a byte at a time", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := mustStart(t, options{agencies: 1, helloTimeout: 400 * time.Millisecond, idleTimeout: time.Minute})
			began := time.Now()
			c := rawConn(t, l)
			pongs, m, err := pester(t, c, bufio.NewReader(c), tt.chunk, time.Now().Add(5*time.Second))
			mustTimeOut(t, m, err, "no hello within 400ms", time.Since(began), l.hello)
			if pongs == 0 {
				t.Errorf("no pong before the timeout: pings are answered before a hello")
			}
		})
	}
}

// TestPingOnlyAgencyClosedAtIdleTimeout: once admitted, only requests that
// do work keep a connection alive. Pings are answered but do not count:
// an agency that only pings is closed idle_timeout after its last batch.
func TestPingOnlyAgencyClosedAtIdleTimeout(t *testing.T) {
	l := mustStart(t, options{agencies: 1, idleTimeout: 600 * time.Millisecond})
	c := rawConn(t, l)
	br := bufio.NewReader(c)
	hello := time.Now()
	mustWelcome(t, c, br, frame(t, wire.Hello{Version: wire.Version, Agency: 1}))
	// Pings for half the idle timeout, then a batch: the clock starts again.
	if _, m, err := pester(t, c, br, 1<<20, hello.Add(l.idle/2)); m != nil || err != nil {
		t.Fatalf("closed before the idle timeout: %+v, %v", m, err)
	}
	sent := time.Now()
	if _, err := c.Write(frame(t, wire.Batch{First: 0, Bets: bets(1, 1)})); err != nil {
		t.Fatal(err)
	}
	if m, err := wire.ReadMessage(br, nil); err != nil || m.Type() != wire.TypeAck {
		t.Fatalf("batch = %+v, %v; want an ack", m, err)
	}
	pongs, m, err := pester(t, c, br, 1<<20, time.Now().Add(5*time.Second))
	mustTimeOut(t, m, err, "no request for 600ms", time.Since(sent), l.idle)
	if pongs == 0 {
		t.Errorf("no pong after the batch: pings are answered, they only do not count")
	}
	if since := time.Since(hello); since < l.idle/2+l.idle {
		t.Errorf("closed %s after the hello: the batch did not start the idle clock again", since)
	}
}

// mustTimeOut checks m is a timeout error with the given reason, which
// came at least after (the timeout) and well before 2 s more.
func mustTimeOut(tb testing.TB, m wire.Message, err error, reason string, took, after time.Duration) {
	tb.Helper()
	e, ok := m.(wire.Error)
	if err != nil || !ok || e.Code != wire.CodeTimeout || !strings.Contains(e.Reason, reason) {
		tb.Fatalf("after %s: %+v, %v; want a %s error %q", took.Round(time.Millisecond), m, err, wire.CodeTimeout, reason)
	}
	if took < after || took > after+2*time.Second {
		tb.Errorf("closed after %s, want %s", took.Round(time.Millisecond), after)
	}
}

// pester sends ping frames on c, chunk bytes per write, one write every
// few milliseconds, and reads the pongs, until the server sends anything
// else, which it returns, or until the deadline. At the deadline it reads
// the pongs still owed for the pings it finished writing, so that what the
// caller reads next is the answer to its own request; then m is nil.
func pester(tb testing.TB, c net.Conn, br *bufio.Reader, chunk int, until time.Time) (pongs int, m wire.Message, err error) {
	tb.Helper()
	defer c.SetReadDeadline(time.Now().Add(5 * time.Second))
	ping := frame(tb, wire.Ping{Payload: []byte("ping")})
	sent, closed := 0, false // whole pings written; a write failed
	for i := 0; time.Now().Before(until); {
		n := min(chunk, len(ping)-i)
		if _, err := c.Write(ping[i : i+n]); err != nil {
			closed = true // closed under us: the answer is waiting
			break
		}
		if i += n; i == len(ping) {
			i, sent = 0, sent+1
		}
		// The pace of the writes: wait for the server's word a moment.
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := br.Peek(1); errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if m, err = wire.ReadMessage(br, nil); err != nil || m.Type() != wire.TypePong {
			return pongs, m, err
		}
		pongs++
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for closed || pongs < sent { // the pongs still in flight, or the answer behind them
		if m, err = wire.ReadMessage(br, nil); err != nil || m.Type() != wire.TypePong {
			return pongs, m, err
		}
		pongs++
	}
	return pongs, nil, nil
}
