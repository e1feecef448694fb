package client_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// peer is the server's end of one test connection.
type peer struct {
	t   testing.TB
	nc  net.Conn
	buf []byte
}

// read reads one message; false means the connection ended.
func (p *peer) read() (wire.Message, bool) {
	m, err := wire.ReadMessage(p.nc, p.buf)
	if err != nil {
		return nil, false
	}
	return m, true
}

// expect reads one message and fails the test unless it has type want.
func (p *peer) expect(want wire.Type) (wire.Message, bool) {
	m, ok := p.read()
	if ok && m.Type() != want {
		p.t.Errorf("server got %s, want %s", m.Type(), want)
		return nil, false
	}
	return m, ok
}

func (p *peer) write(m wire.Message) {
	if err := wire.WriteMessage(p.nc, m); err != nil {
		p.t.Errorf("server write %s: %v", m.Type(), err)
	}
}

// serve starts a fake server on 127.0.0.1:0 that runs fn on each accepted
// connection and returns its address. Cleanup closes the listener and the
// connections and waits, bounded, for every fn to return.
func serve(t *testing.T, fn func(p *peer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				nc.Close()
				return
			}
			conns = append(conns, nc)
			mu.Unlock()
			wg.Go(func() {
				defer nc.Close()
				fn(&peer{t: t, nc: nc, buf: make([]byte, wire.MaxPayload)})
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		waitBounded(t, wg.Wait)
	})
	return ln.Addr().String()
}

// waitBounded runs wait and fails the test if it takes more than 5s.
func waitBounded(t testing.TB, wait func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("fake server did not stop within 5s")
	}
}
