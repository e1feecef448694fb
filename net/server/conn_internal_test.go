package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// TestConnBuffersHoldOneFrame: an idle connection holds one read buffer of
// a frame; whatever the peer then sends, the payload buffer stays at one
// frame and, once grown, is reused. (The framer's tests check its write
// buffer likewise.)
func TestConnBuffersHoldOneFrame(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	s := New(Config{IdleTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	cn := newConn(s, a, nil)
	if cn.br.Size() != wire.MaxFrameSize || cn.payload != nil {
		t.Fatalf("an idle connection holds buffers of %d and %d bytes, want one of a frame",
			cn.br.Size(), cap(cn.payload))
	}
	sizes := []int{10, wire.MaxPayload, 100, wire.MaxPayload, wire.MaxPayload}
	peer := make(chan error, 1)
	go func() { peer <- echoPings(b, sizes) }()
	ctx := context.Background()
	q := make(chan queued) // pings queue nothing but a barrier: release it
	defer close(q)
	go func() {
		for p := range q {
			release(p)
		}
	}()
	var rbuf *byte
	for i := range sizes {
		m, err := cn.read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := cn.handle(ctx, m, q); err != nil {
			t.Fatal(err)
		}
		if cap(cn.payload) > wire.MaxPayload {
			t.Fatalf("a payload buffer of %d bytes, want at most a frame's", cap(cn.payload))
		}
		if i == 1 {
			rbuf = &cn.payload[:1][0]
		}
		if i > 1 && &cn.payload[:1][0] != rbuf {
			t.Fatalf("frame %d: a full-size buffer was made again", i)
		}
	}
	if err := <-peer; err != nil {
		t.Fatal(err)
	}
}

// echoPings sends a ping of each size on c and reads its pong, then closes c.
func echoPings(c net.Conn, sizes []int) error {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	for _, n := range sizes {
		if err := wire.WriteMessage(c, wire.Ping{Payload: bytes.Repeat([]byte("x"), n)}); err != nil {
			return err
		}
		if _, err := wire.ReadMessage(c, nil); err != nil {
			return err
		}
	}
	return nil
}
