package server_test

import (
	"bufio"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tp0/loteria/net/wire"
)

// TestWrongSecretFloodDoesNotFloodTheLog: 1,000 hellos with a wrong secret
// are each refused, but their fail lines are rate-limited in all: about 10
// a second, each saying how many were suppressed before it, so that the
// lines and the suppressed counts add up to the 1,000. The failure of an
// agency whose hello was accepted is still logged, flood or not.
func TestWrongSecretFloodDoesNotFloodTheLog(t *testing.T) {
	const flood = 1000
	l := mustStart(t, options{agencies: 1, secrets: testSecrets})
	wrong := frame(t, wire.Hello{Version: wire.Version, Agency: 1, Secret: "wrong-secret-wrong-secret-wrong!"})
	began := time.Now()
	var g errgroup.Group
	g.SetLimit(8)
	for range flood {
		g.Go(func() error {
			c := rawConn(t, l)
			defer c.Close()
			br := bufio.NewReader(c)
			if _, err := c.Write(wrong); err != nil {
				return err
			}
			m, err := wire.ReadMessage(br, nil)
			if e, ok := m.(wire.Error); err != nil || !ok || e.Code != wire.CodeUnauthorized {
				t.Errorf("wrong secret = %+v, %v; want %s", m, err, wire.CodeUnauthorized)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	c := rawConn(t, l)
	br := bufio.NewReader(c)
	mustWelcome(t, c, br, frame(t, wire.Hello{Version: wire.Version, Agency: 1, Secret: testSecrets[1]}))
	if _, err := c.Write(frame(t, wire.Hello{Version: wire.Version, Agency: 1, Secret: testSecrets[1]})); err != nil {
		t.Fatal(err)
	}
	if m, err := wire.ReadMessage(br, nil); err != nil || m.Type() != wire.TypeError {
		t.Fatalf("second hello = %+v, %v; want an error", m, err)
	}
	took := time.Since(began)
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	logs := l.logs.String()
	if !strings.Contains(logs, `agency=1 code=unexpected error="second hello"`) {
		t.Errorf("the admitted agency's failure is not logged:\n%s", logs)
	}
	logged, suppressed := failLines(logs)
	if logged+suppressed != flood+1 {
		t.Errorf("%d fail lines and %d suppressed, want %d in all", logged, suppressed, flood+1)
	}
	if most := 10 + int(math.Ceil(10*took.Seconds())) + 1; logged > most {
		t.Errorf("%d fail lines in %s, want at most %d (10 a second)", logged, took.Round(time.Millisecond), most)
	}
	t.Logf("%d wrong secrets in %s: %d lines logged, %d suppressed", flood, took.Round(time.Millisecond), logged, suppressed)
}

// TestResetIsADisconnect: a peer that resets the connection while the
// server waits for its next request has left, as one that closes it has:
// a debug line, no fail line, before or after hello.
func TestResetIsADisconnect(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hello bool
	}{{"before hello", false}, {"after hello", true}} {
		t.Run(tt.name, func(t *testing.T) {
			l := mustStart(t, options{agencies: 1})
			c := rawConn(t, l)
			br := bufio.NewReader(c)
			if tt.hello {
				mustWelcome(t, c, br, frame(t, wire.Hello{Version: wire.Version, Agency: 1}))
			}
			mustPing(t, c, br) // the server now reads the next request
			peer := c.LocalAddr().String()
			c.(*net.TCPConn).SetLinger(0) // close with a reset
			c.Close()
			line := l.logs.mustWaitFor(t, "msg=conexion", "peer="+peer+" ")
			if !strings.Contains(line, "level=DEBUG msg=conexion result=success") {
				t.Errorf("a reset logged %s, want a debug success line", line)
			}
		})
	}
}
