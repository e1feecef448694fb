package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

const timeout = 2 * time.Second

// mustDial dials addr and closes the Conn at cleanup.
func mustDial(tb testing.TB, addr string, timeout time.Duration) *client.Conn {
	tb.Helper()
	c, err := client.Dial(tb.Context(), addr, timeout)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// welcome answers the hello with w.
func welcome(p *peer, w wire.Welcome) bool {
	if _, ok := p.expect(wire.TypeHello); !ok {
		return false
	}
	p.write(w)
	return true
}

// park reads messages until the connection ends, signalling got on the first.
func park(got chan<- struct{}) func(p *peer) {
	return func(p *peer) {
		if _, ok := p.read(); ok {
			close(got)
		}
		for ok := true; ok; _, ok = p.read() {
		}
	}
}

func TestHello(t *testing.T) {
	got := make(chan wire.Hello, 1)
	addr := serve(t, func(p *peer) {
		if m, ok := p.expect(wire.TypeHello); ok {
			got <- m.(wire.Hello)
			p.write(wire.Welcome{Stored: 7, Finished: true, Digest: 0x1a2b3c4d, Lottery: 0x0123456789abcdef, Date: "2026-12-01"})
		}
	})
	c := mustDial(t, addr, timeout)
	w, err := c.Hello(t.Context(), 3, "s3cret")
	if err != nil {
		t.Fatalf("hello: %v", err)
	}
	if want := (wire.Welcome{Stored: 7, Finished: true, Digest: 0x1a2b3c4d, Lottery: 0x0123456789abcdef, Date: "2026-12-01"}); w != want {
		t.Errorf("welcome = %+v, want %+v", w, want)
	}
	if h, want := <-got, (wire.Hello{Version: wire.Version, Agency: 3, Secret: "s3cret"}); h != want {
		t.Errorf("server got %+v, want %+v", h, want)
	}
}

func TestSend(t *testing.T) {
	bets := []domain.Bet{
		{FirstName: "Ana", LastName: "Pérez", Document: "30111222", Birthdate: "1990-01-02", Number: 7574},
		{FirstName: "Luis", LastName: "Gómez", Document: "00123", Birthdate: "1980-12-31", Number: 1},
	}
	got := make(chan wire.Batch, 1)
	addr := serve(t, func(p *peer) {
		if m, ok := p.expect(wire.TypeBatch); ok {
			b := m.(wire.Batch)
			got <- b
			p.write(wire.Ack{First: b.First, Count: uint16(len(b.Bets)), Stored: b.First + uint64(len(b.Bets)), Digest: 0x5e6f7a8b})
		}
	})
	c := mustDial(t, addr, timeout)
	ack, err := c.Send(t.Context(), wire.Batch{First: 10, Bets: bets})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if want := (wire.Ack{First: 10, Count: 2, Stored: 12, Digest: 0x5e6f7a8b}); ack != want {
		t.Errorf("ack = %+v, want %+v", ack, want)
	}
	if b := <-got; b.First != 10 || !slices.Equal(b.Bets, bets) {
		t.Errorf("server got %+v, want first 10 and %+v", b, bets)
	}
}

func TestSendReject(t *testing.T) {
	want := wire.Reject{First: 4, Index: 1, Code: wire.CodeInvalidBet, Reason: "document: bad"}
	addr := serve(t, func(p *peer) {
		if _, ok := p.expect(wire.TypeBatch); ok {
			p.write(want)
		}
		if m, ok := p.expect(wire.TypePing); ok {
			p.write(wire.Pong{Payload: m.(wire.Ping).Payload})
		}
	})
	c := mustDial(t, addr, timeout)
	_, err := c.Send(t.Context(), wire.Batch{First: 4, Bets: make([]domain.Bet, 2)})
	var rej wire.Reject
	if !errors.As(err, &rej) || rej != want {
		t.Fatalf("send error = %v, want %v", err, want)
	}
	if _, err := c.Ping(t.Context(), []byte("still open")); err != nil {
		t.Errorf("ping after reject: %v", err)
	}
}

func TestDone(t *testing.T) {
	got := make(chan wire.Done, 1)
	addr := serve(t, func(p *peer) {
		if m, ok := p.expect(wire.TypeDone); ok {
			got <- m.(wire.Done)
			p.write(wire.DoneAck{})
		}
	})
	if err := mustDial(t, addr, timeout).Done(t.Context(), 5, 0x1a2b3c4d); err != nil {
		t.Errorf("done: %v", err)
	}
	if d, want := <-got, (wire.Done{Total: 5, Digest: 0x1a2b3c4d}); d != want {
		t.Errorf("server got %+v, want %+v", d, want)
	}
}

// TestDoneRefused: a done the server does not accept, for its count or its
// digest, comes back as the server's Reject, and the Conn stays usable.
func TestDoneRefused(t *testing.T) {
	for _, code := range []wire.Code{wire.CodeIncomplete, wire.CodeConflict} {
		t.Run(code.String(), func(t *testing.T) {
			addr := serve(t, func(p *peer) {
				if _, ok := p.expect(wire.TypeDone); ok {
					p.write(wire.Reject{First: 5, Code: code, Reason: "not those"})
				}
				if m, ok := p.expect(wire.TypePing); ok {
					p.write(wire.Pong{Payload: m.(wire.Ping).Payload})
				}
			})
			c := mustDial(t, addr, timeout)
			err := c.Done(t.Context(), 5, 0x1a2b3c4d)
			var rej wire.Reject
			if !errors.As(err, &rej) || rej.Code != code {
				t.Errorf("done error = %v, want a reject with code %s", err, code)
			}
			if _, err := c.Ping(t.Context(), []byte("still open")); err != nil {
				t.Errorf("ping after the reject: %v", err)
			}
		})
	}
}

func TestPing(t *testing.T) {
	addr := serve(t, func(p *peer) {
		if m, ok := p.expect(wire.TypePing); ok {
			p.write(wire.Pong{Payload: m.(wire.Ping).Payload})
		}
	})
	got, err := mustDial(t, addr, timeout).Ping(t.Context(), []byte("0123456789abcdef"))
	if err != nil || string(got) != "0123456789abcdef" {
		t.Errorf("ping = %q, %v; want the payload echoed", got, err)
	}
}

func TestWinners(t *testing.T) {
	var docs []string
	for i := range 2000 {
		docs = append(docs, fmt.Sprintf("%010d", i))
	}
	frames := wire.SplitWinners(docs)
	if len(frames) < 2 {
		t.Fatalf("test needs several frames, have %d", len(frames))
	}
	addr := serve(t, func(p *peer) {
		if _, ok := p.expect(wire.TypeWinnersQuery); ok {
			for _, f := range frames {
				p.write(f)
			}
		}
	})
	got, err := mustDial(t, addr, timeout).Winners(t.Context(), timeout)
	if err != nil {
		t.Fatalf("winners: %v", err)
	}
	if !slices.Equal(got, docs) {
		t.Errorf("winners: got %d documents, want the %d sent in %d frames", len(got), len(docs), len(frames))
	}
}

func TestWinnersNone(t *testing.T) {
	addr := serve(t, func(p *peer) {
		if _, ok := p.expect(wire.TypeWinnersQuery); ok {
			p.write(wire.Winners{Last: true})
		}
	})
	got, err := mustDial(t, addr, timeout).Winners(t.Context(), timeout)
	if err != nil || len(got) != 0 {
		t.Errorf("winners = %q, %v; want none", got, err)
	}
}

func TestErrorFrame(t *testing.T) {
	want := wire.Error{Code: wire.CodeUnauthorized, Reason: "bad secret"}
	addr := serve(t, func(p *peer) {
		if _, ok := p.expect(wire.TypeHello); ok {
			p.write(want)
		}
	})
	c := mustDial(t, addr, timeout)
	_, err := c.Hello(t.Context(), 1, "nope")
	var e wire.Error
	if !errors.As(err, &e) || e != want {
		t.Fatalf("hello error = %v, want %v", err, want)
	}
	if _, err := c.Ping(t.Context(), nil); !errors.Is(err, client.ErrBroken) {
		t.Errorf("ping after error frame = %v, want ErrBroken", err)
	}
}

func TestUnexpected(t *testing.T) {
	addr := serve(t, func(p *peer) {
		if _, ok := p.expect(wire.TypeHello); ok {
			p.write(wire.Pong{})
		}
	})
	_, err := mustDial(t, addr, timeout).Hello(t.Context(), 1, "")
	if !errors.Is(err, client.ErrUnexpected) || !strings.Contains(err.Error(), "got pong") {
		t.Errorf("hello error = %v, want ErrUnexpected naming pong", err)
	}
}

func TestAckMismatch(t *testing.T) {
	addr := serve(t, func(p *peer) {
		if _, ok := p.expect(wire.TypeBatch); ok {
			p.write(wire.Ack{First: 99, Count: 1, Stored: 100})
		}
	})
	_, err := mustDial(t, addr, timeout).Send(t.Context(), wire.Batch{First: 0, Bets: make([]domain.Bet, 1)})
	if !errors.Is(err, client.ErrUnexpected) {
		t.Errorf("send error = %v, want ErrUnexpected", err)
	}
}

func TestTimeout(t *testing.T) {
	const short = 100 * time.Millisecond
	calls := map[string]func(*client.Conn) error{
		"Hello": func(c *client.Conn) error { _, err := c.Hello(t.Context(), 1, ""); return err },
		"Send": func(c *client.Conn) error {
			_, err := c.Send(t.Context(), wire.Batch{Bets: make([]domain.Bet, 1)})
			return err
		},
		"Ack": func(c *client.Conn) error {
			if err := c.Post(t.Context(), wire.Batch{Bets: make([]domain.Bet, 1)}); err != nil {
				return err
			}
			_, err := c.Ack(t.Context())
			return err
		},
		"Done":    func(c *client.Conn) error { return c.Done(t.Context(), 1, 0) },
		"Winners": func(c *client.Conn) error { _, err := c.Winners(t.Context(), short); return err },
		"Ping":    func(c *client.Conn) error { _, err := c.Ping(t.Context(), nil); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			got := make(chan struct{})
			c := mustDial(t, serve(t, park(got)), short)
			start := time.Now()
			err := call(c)
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("error = %v, want a deadline error", err)
			}
			if d := time.Since(start); d > 10*short {
				t.Errorf("returned after %v, want about %v", d, short)
			}
			if _, err := c.Ping(t.Context(), nil); !errors.Is(err, client.ErrBroken) {
				t.Errorf("ping after timeout = %v, want ErrBroken", err)
			}
		})
	}
}

func TestCancelWinners(t *testing.T) {
	// The server's reading the query and the client's setting its read
	// deadline race: repeat so that a cancellation landing between the two
	// is likely to be tried.
	for range 30 {
		got := make(chan struct{})
		c := mustDial(t, serve(t, park(got)), timeout)
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			select {
			case <-got:
			case <-time.After(5 * time.Second):
			}
			cancel()
		}()
		start := time.Now()
		_, err := c.Winners(ctx, 3*time.Second)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("winners error = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("winners returned %v after the query", d)
		}
	}
}

func TestCancelled(t *testing.T) {
	got := make(chan struct{})
	c := mustDial(t, serve(t, park(got)), timeout)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Ping(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("ping with cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestDialRefused(t *testing.T) {
	addr := serve(t, func(*peer) {})
	_, err := client.Dial(t.Context(), addr, 0)
	if err == nil {
		t.Error("dial with zero timeout: no error")
	}
	ln := closedAddr(t)
	if _, err := client.Dial(t.Context(), ln, timeout); err == nil || !strings.Contains(err.Error(), ln) {
		t.Errorf("dial to a closed port = %v, want an error naming %s", err, ln)
	}
}

func TestSendFullFrame(t *testing.T) {
	bet := domain.Bet{FirstName: strings.Repeat("a", 100), LastName: "b", Document: "1", Birthdate: "2000-01-01"}
	var b wire.Batch
	size := 0
	for size+wire.BetSize(bet) <= wire.MaxBatchBytes {
		b.Bets = append(b.Bets, bet)
		size += wire.BetSize(bet)
	}
	b.Bets[0].LastName += strings.Repeat("c", wire.MaxBatchBytes-size)
	got := make(chan int, 1)
	addr := serve(t, func(p *peer) {
		f, err := wire.ReadFrame(p.nc, p.buf)
		if err != nil {
			t.Errorf("server read: %v", err)
			return
		}
		got <- wire.HeaderSize + len(f.Payload)
		p.write(wire.Ack{Count: uint16(len(b.Bets)), Stored: uint64(len(b.Bets))})
	})
	if _, err := mustDial(t, addr, timeout).Send(t.Context(), b); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n := <-got; n != wire.MaxFrameSize {
		t.Errorf("frame of %d bytes, want exactly %d", n, wire.MaxFrameSize)
	}
}

// closedAddr returns an address on which nothing listens.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestLost pins what a lost connection looks like to callers that decide
// whether to reconnect: a *net.OpError, io.EOF or io.ErrUnexpectedEOF.
func TestLost(t *testing.T) {
	const short = 100 * time.Millisecond
	var op *net.OpError
	t.Run("Refused", func(t *testing.T) {
		_, err := client.Dial(t.Context(), closedAddr(t), timeout)
		if !errors.As(err, &op) {
			t.Errorf("dial error = %v, want a *net.OpError", err)
		}
	})
	t.Run("ClosedBetweenFrames", func(t *testing.T) {
		addr := serve(t, func(p *peer) { p.read() })
		_, err := mustDial(t, addr, timeout).Hello(t.Context(), 1, "")
		if !errors.Is(err, io.EOF) && !errors.As(err, &op) {
			t.Errorf("hello error = %v, want io.EOF (or a reset)", err)
		}
	})
	t.Run("ClosedWithinFrame", func(t *testing.T) {
		addr := serve(t, func(p *peer) {
			if _, ok := p.read(); ok {
				p.nc.Write([]byte{byte(wire.TypeWelcome), 0, 0, 0, 9, 0})
			}
		})
		_, err := mustDial(t, addr, timeout).Hello(t.Context(), 1, "")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("hello error = %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("TimedOut", func(t *testing.T) {
		got := make(chan struct{})
		_, err := mustDial(t, serve(t, park(got)), short).Hello(t.Context(), 1, "")
		if !errors.As(err, &op) || !op.Timeout() {
			t.Errorf("hello error = %v, want a *net.OpError that timed out", err)
		}
	})
}
