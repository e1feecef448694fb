package server_test

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// TestFullLobbyEvictsTheOldest: max_connections bounds the connections
// that have not had a hello accepted (the lobby), not the agencies. With
// the lobby full of silent peers, a newcomer is served and the oldest peer
// is told busy and closed, so an honest agency runs a whole lottery; each
// further newcomer to a full lobby evicts the next oldest, in order, and
// leaves the rest.
// Admitted agencies, more of them than max_connections, are not counted.
func TestFullLobbyEvictsTheOldest(t *testing.T) {
	const k = 4
	l := mustStart(t, options{agencies: k + 1, secrets: secretsFor(k + 1), maxConns: k})
	ctx := testCtx(t)
	var admitted []*client.Conn
	for agency := 2; agency <= k+1; agency++ {
		admitted = append(admitted, mustHello(t, l, agency))
	}
	var silent []net.Conn
	var readers []*bufio.Reader
	for range k {
		c := rawConn(t, l)
		br := bufio.NewReader(c)
		mustPing(t, c, br) // accepted, and so in the lobby, in this order
		silent, readers = append(silent, c), append(readers, br)
	}

	honest := mustHello(t, l, 1)
	all := bets(1, 120, 3, 77)
	if err := sendAll(ctx, honest, all, 25); err != nil {
		t.Fatalf("honest agency, with the lobby full: %v", err)
	}
	for i, c := range admitted {
		if err := c.Done(ctx, 0, 0); err != nil {
			t.Fatalf("agency %d, admitted before the lobby filled: %v", i+2, err)
		}
	}
	if err := honest.Done(ctx, uint64(len(all)), digestOf(all)); err != nil {
		t.Fatal(err)
	}
	docs, err := honest.Winners(ctx, 10*time.Second)
	if want := []string{all[3].Document, all[77].Document}; err != nil || !slices.Equal(docs, want) {
		t.Fatalf("honest agency's winners %v, %v; want %v", docs, err, want)
	}
	mustBeBusy(t, readers[0])

	// The honest agency left the lobby: one newcomer fills it again, the
	// next evicts the oldest left.
	for range 2 {
		c := rawConn(t, l)
		br := bufio.NewReader(c)
		mustPing(t, c, br)
		silent, readers = append(silent, c), append(readers, br)
	}
	mustBeBusy(t, readers[1])
	for i := 2; i < len(silent); i++ {
		mustPing(t, silent[i], readers[i]) // still served
	}
	l.stop()
	if logged, _ := failLines(l.logs.String()); logged != 2 {
		t.Errorf("%d conexion fail lines, want one per peer evicted:\n%s", logged, l.logs)
	}
	if !strings.Contains(l.logs.String(), "code=busy error=\"at most 4 connections without a hello at once, and this was the oldest\"") {
		t.Errorf("no busy line saying why:\n%s", l.logs)
	}
}

// mustBeBusy checks the server closed the connection with a busy error.
func mustBeBusy(tb testing.TB, br *bufio.Reader) {
	tb.Helper()
	m, err := wire.ReadMessage(br, nil)
	if e, ok := m.(wire.Error); err != nil || !ok || e.Code != wire.CodeBusy {
		tb.Fatalf("the oldest in a full lobby got %+v, %v; want a %s error", m, err, wire.CodeBusy)
	}
	mustBeClosed(tb, br)
}

// secretsFor makes a secret for each of agencies 1..n.
func secretsFor(n int) map[int]string {
	m := map[int]string{}
	for agency := 1; agency <= n; agency++ {
		m[agency] = fmt.Sprintf("secret-of-agency-%d", agency)
	}
	return m
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
