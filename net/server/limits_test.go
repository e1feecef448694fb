package server_test

import (
	"bufio"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// TestConnectionLimit: with every slot taken, each further connection is
// told busy and closed, the ones served carry on, and a slot freed by a
// peer that leaves is served again.
func TestConnectionLimit(t *testing.T) {
	l := mustStart(t, options{agencies: 3, maxConns: 3})
	ctx := testCtx(t)
	held := []*client.Conn{mustHello(t, l, 1), mustHello(t, l, 2), mustHello(t, l, 3)}
	for range 3 {
		c := rawConn(t, l)
		br := bufio.NewReader(c)
		m, err := wire.ReadMessage(br, nil)
		if e, ok := m.(wire.Error); err != nil || !ok || e.Code != wire.CodeBusy {
			t.Fatalf("connection over the limit got %+v, %v; want a %s error", m, err, wire.CodeBusy)
		}
		mustBeClosed(t, br)
	}
	for i, c := range held {
		if err := sendAll(ctx, c, bets(i+1, 5), 5); err != nil {
			t.Fatalf("agency %d, served, after the refusals: %v", i+1, err)
		}
	}
	held[0].Close()
	// The slot is free once the server has seen the close: until then a
	// new connection may still be refused. Each try is bounded, and so is
	// the whole loop, by ctx.
	for served := false; !served; {
		if ctx.Err() != nil {
			t.Fatal("no connection served after a slot was freed")
		}
		served = pingOnce(t, l)
	}
	l.stop()
	if n := strings.Count(l.logs.String(), "msg=conexion result=fail"); n < 3 {
		t.Errorf("%d conexion fail lines, want one per refused connection:\n%s", n, l.logs)
	}
}

// pingOnce reports whether a new connection is served (true) or refused
// as busy (false).
func pingOnce(t *testing.T, l *lottery) bool {
	t.Helper()
	c := rawConn(t, l)
	defer c.Close()
	if _, err := c.Write(frame(t, wire.Ping{Payload: []byte("x")})); err != nil {
		return false // refused and closed under us
	}
	m, err := wire.ReadMessage(c, nil)
	switch m := m.(type) {
	case wire.Pong:
		return true
	case wire.Error:
		if m.Code == wire.CodeBusy {
			return false
		}
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return false // refused before the ping was read
	}
	t.Fatalf("ping = %+v, %v; want a pong or a busy error", m, err)
	return false
}

// TestOpenServerTakesAnySecret: without secrets the server welcomes any
// agency whatever its secret, so a bare native run works.
func TestOpenServerTakesAnySecret(t *testing.T) {
	l := mustStart(t, options{agencies: 2})
	ctx := testCtx(t)
	for agency, secret := range map[uint32]string{1: "", 2: "anything"} {
		if _, err := mustDial(t, l).Hello(ctx, agency, secret); err != nil {
			t.Fatalf("hello %d with secret %q: %v", agency, secret, err)
		}
	}
	l.stop()
	if strings.Contains(l.logs.String(), "result=fail") {
		t.Errorf("a fail line in a normal run:\n%s", l.logs)
	}
}
