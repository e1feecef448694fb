package client_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// bets returns n valid bets, their documents numbered from doc.
func bets(n, doc int) []domain.Bet {
	bs := make([]domain.Bet, n)
	for i := range bs {
		bs[i] = domain.Bet{FirstName: "Ana", LastName: "Pérez", Document: strconv.Itoa(doc + i),
			Birthdate: "1990-01-02", Number: i}
	}
	return bs
}

// fullBatch returns a batch at first whose frame is about 8 KiB.
func fullBatch(first uint64) wire.Batch {
	bet := domain.Bet{FirstName: strings.Repeat("a", 100), LastName: strings.Repeat("b", 100),
		Document: "1", Birthdate: "2000-01-01"}
	n := wire.MaxBatchBytes / wire.BetSize(bet)
	return wire.Batch{First: first, Bets: slices.Repeat([]domain.Bet{bet}, n)}
}

// ackOf is the ack the server sends for b.
func ackOf(b wire.Batch) wire.Ack {
	end := b.First + uint64(len(b.Bets))
	return wire.Ack{First: b.First, Count: uint16(len(b.Bets)), Stored: end}
}

// readBatches reads n batches; false if the connection ended first.
func readBatches(p *peer, n int) ([]wire.Batch, bool) {
	var bs []wire.Batch
	for range n {
		m, ok := p.expect(wire.TypeBatch)
		if !ok {
			return bs, false
		}
		bs = append(bs, m.(wire.Batch))
	}
	return bs, true
}

// mustPost posts b and fails the test on error.
func mustPost(tb testing.TB, c *client.Conn, b wire.Batch) {
	tb.Helper()
	if err := c.Post(tb.Context(), b); err != nil {
		tb.Fatalf("post at %d: %v", b.First, err)
	}
}

// TestPostAck: batches posted back to back all reach the server before it
// answers any, and the acks come back oldest first. The batch's slice is
// reused between posts, as the agency does.
func TestPostAck(t *testing.T) {
	const n = 5
	got := make(chan []wire.Batch, 1)
	addr := serve(t, func(p *peer) {
		bs, ok := readBatches(p, n) // before any ack: the window pipelines
		got <- bs
		for _, b := range bs {
			if ok {
				p.write(ackOf(b))
			}
		}
	})
	c := mustDial(t, addr, timeout)
	var b wire.Batch
	for i := range n {
		b.First, b.Bets = uint64(10*i), append(b.Bets[:0], bets(10, 100*i)...)
		mustPost(t, c, b)
		if c.InFlight() != i+1 {
			t.Errorf("in flight after %d posts = %d", i+1, c.InFlight())
		}
	}
	for i := range n {
		ack, err := c.Ack(t.Context())
		if want := ackOf(wire.Batch{First: uint64(10 * i), Bets: make([]domain.Bet, 10)}); err != nil || ack != want {
			t.Fatalf("ack %d = %+v, %v; want %+v", i, ack, err, want)
		}
		if c.InFlight() != n-i-1 {
			t.Errorf("in flight after %d acks = %d", i+1, c.InFlight())
		}
	}
	for i, b := range <-got {
		if b.First != uint64(10*i) || !slices.Equal(b.Bets, bets(10, 100*i)) {
			t.Errorf("server got batch %d at %d with %v, want the bets posted", i, b.First, b.Bets)
		}
	}
}

// TestPostWrites: Post keeps a small batch in its buffer, writes the buffer
// out once it holds about 64 KiB, and Ack writes out the rest.
func TestPostWrites(t *testing.T) {
	const full = 8 // full frames past 64 KiB with the small batch before them
	checked, early := make(chan bool, 1), make(chan struct{})
	addr := serve(t, func(p *peer) {
		// Nothing may arrive until the buffer is full. Waiting can only
		// miss a write, never invent one.
		p.nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := wire.ReadFrame(p.nc, p.buf)
		checked <- errors.Is(err, os.ErrDeadlineExceeded)
		p.nc.SetReadDeadline(time.Time{})
		bs, ok := readBatches(p, 1+full)
		if !ok {
			return
		}
		close(early) // all of them, with no Ack called
		last, ok := readBatches(p, 1)
		for _, b := range append(bs, last...) {
			if ok {
				p.write(ackOf(b))
			}
		}
	})
	c := mustDial(t, addr, timeout)
	small := wire.Batch{First: 0, Bets: bets(1, 0)}
	mustPost(t, c, small)
	if !<-checked {
		t.Fatal("a small batch was written by Post")
	}
	first := uint64(1)
	for range full {
		b := fullBatch(first)
		mustPost(t, c, b)
		first += uint64(len(b.Bets))
	}
	select {
	case <-early:
	case <-time.After(5 * time.Second):
		t.Fatal("64 KiB of posted batches did not reach the server without an ack")
	}
	mustPost(t, c, wire.Batch{First: first, Bets: bets(1, 0)})
	for i := range 2 + full {
		if _, err := c.Ack(t.Context()); err != nil {
			t.Fatalf("ack %d: %v", i, err)
		}
	}
}

// TestAckWrongBatch: an ack that does not answer the oldest batch in flight
// breaks the Conn.
func TestAckWrongBatch(t *testing.T) {
	tests := map[string]func(b []wire.Batch) wire.Message{
		"Newer":     func(b []wire.Batch) wire.Message { return ackOf(b[1]) },
		"Count":     func(b []wire.Batch) wire.Message { return wire.Ack{First: 0, Count: 9, Stored: 9} },
		"RejectNew": func(b []wire.Batch) wire.Message { return wire.Reject{First: 3, Code: wire.CodeInvalidBet} },
		"Pong":      func(b []wire.Batch) wire.Message { return wire.Pong{} },
	}
	for name, reply := range tests {
		t.Run(name, func(t *testing.T) {
			addr := serve(t, func(p *peer) {
				if bs, ok := readBatches(p, 2); ok {
					p.write(reply(bs))
				}
			})
			c := mustDial(t, addr, timeout)
			mustPost(t, c, wire.Batch{First: 0, Bets: bets(3, 0)})
			mustPost(t, c, wire.Batch{First: 3, Bets: bets(3, 3)})
			if _, err := c.Ack(t.Context()); !errors.Is(err, client.ErrUnexpected) {
				t.Fatalf("ack error = %v, want ErrUnexpected", err)
			}
			if _, err := c.Ack(t.Context()); !errors.Is(err, client.ErrBroken) {
				t.Errorf("ack after a wrong reply = %v, want ErrBroken", err)
			}
		})
	}
}

// TestAckRejectMidWindow: a reject answers its batch only; the batches
// after it are still answered in order and the Conn stays usable.
func TestAckRejectMidWindow(t *testing.T) {
	rej := wire.Reject{First: 2, Index: 1, Code: wire.CodeInvalidBet, Reason: "document: bad"}
	gap := wire.Reject{First: 4, Code: wire.CodeOutOfOrder, Reason: "gap"}
	addr := serve(t, func(p *peer) {
		bs, ok := readBatches(p, 3)
		if !ok {
			return
		}
		p.write(ackOf(bs[0]))
		p.write(rej)
		p.write(gap)
		if m, ok := p.expect(wire.TypePing); ok {
			p.write(wire.Pong{Payload: m.(wire.Ping).Payload})
		}
	})
	c := mustDial(t, addr, timeout)
	for _, first := range []uint64{0, 2, 4} {
		mustPost(t, c, wire.Batch{First: first, Bets: bets(2, int(first))})
	}
	if _, err := c.Ack(t.Context()); err != nil {
		t.Fatalf("ack 0: %v", err)
	}
	for _, want := range []wire.Reject{rej, gap} {
		var got wire.Reject
		if _, err := c.Ack(t.Context()); !errors.As(err, &got) || got != want {
			t.Fatalf("ack error = %v, want %v", err, want)
		}
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("in flight after every reply = %d", n)
	}
	if _, err := c.Ping(t.Context(), []byte("still open")); err != nil {
		t.Errorf("ping after rejects: %v", err)
	}
}

// TestInFlightRefused: every other request refuses to run while batches
// are in flight, at once and without writing anything or breaking the
// Conn.
func TestInFlightRefused(t *testing.T) {
	addr := serve(t, func(p *peer) {
		if m, ok := p.expect(wire.TypeBatch); ok {
			p.write(ackOf(m.(wire.Batch)))
		}
		if m, ok := p.expect(wire.TypePing); ok {
			p.write(wire.Pong{Payload: m.(wire.Ping).Payload})
		}
	})
	c := mustDial(t, addr, timeout)
	mustPost(t, c, wire.Batch{First: 0, Bets: bets(1, 0)})
	calls := map[string]func() error{
		"Hello":   func() error { _, err := c.Hello(t.Context(), 1, ""); return err },
		"Send":    func() error { _, err := c.Send(t.Context(), wire.Batch{First: 1, Bets: bets(1, 1)}); return err },
		"Done":    func() error { return c.Done(t.Context(), 1, 0) },
		"Winners": func() error { _, err := c.Winners(t.Context(), timeout); return err },
		"Ping":    func() error { _, err := c.Ping(t.Context(), nil); return err },
	}
	for name, call := range calls {
		start := time.Now()
		if err := call(); !errors.Is(err, client.ErrInFlight) {
			t.Errorf("%s with a batch in flight = %v, want ErrInFlight", name, err)
		}
		if d := time.Since(start); d > timeout/2 {
			t.Errorf("%s took %v to refuse", name, d)
		}
	}
	if _, err := c.Ack(t.Context()); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if _, err := c.Ping(t.Context(), []byte("drained")); err != nil {
		t.Errorf("ping once drained: %v", err)
	}
}

func TestAckNothingInFlight(t *testing.T) {
	c := mustDial(t, serve(t, park(make(chan struct{}))), timeout)
	if _, err := c.Ack(t.Context()); !errors.Is(err, client.ErrNoBatch) {
		t.Errorf("ack with nothing in flight = %v, want ErrNoBatch", err)
	}
}

func TestPostCancelled(t *testing.T) {
	c := mustDial(t, serve(t, park(make(chan struct{}))), timeout)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Post(ctx, wire.Batch{Bets: bets(1, 0)}); !errors.Is(err, context.Canceled) {
		t.Errorf("post with a cancelled ctx = %v, want context.Canceled", err)
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("in flight after a cancelled post = %d, want 0", n)
	}
}

// TestCancelAck: a ctx cancelled while Ack waits for the server makes it
// return at once, and breaks the Conn.
func TestCancelAck(t *testing.T) {
	for range 10 {
		got := make(chan struct{})
		c := mustDial(t, serve(t, park(got)), timeout)
		mustPost(t, c, wire.Batch{Bets: bets(1, 0)})
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			select {
			case <-got:
			case <-time.After(5 * time.Second):
			}
			cancel()
		}()
		start := time.Now()
		if _, err := c.Ack(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("ack error = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("ack returned %v after the batch was sent", d)
		}
		if _, err := c.Ack(t.Context()); !errors.Is(err, client.ErrBroken) {
			t.Errorf("ack after a cancelled one = %v, want ErrBroken", err)
		}
	}
}

// TestPostServerClosed: a server that closes the connection while batches
// are still being posted makes Post fail; if it said why first, in an
// Error frame behind the acks it sent, that Error is the error (fenced: the
// agency must not reconnect), else the write's error, a lost connection.
func TestPostServerClosed(t *testing.T) {
	fenced := wire.Error{Code: wire.CodeFenced, Reason: "a newer connection of agency 1 took over"}
	for name, last := range map[string]wire.Message{"Fenced": fenced, "Silent": nil} {
		t.Run(name, func(t *testing.T) {
			addr := serve(t, func(p *peer) {
				bs, ok := readBatches(p, 2)
				if !ok {
					return
				}
				for _, b := range bs {
					p.write(ackOf(b))
				}
				if last != nil {
					p.write(last)
				}
				// Closed with posted bytes unread: the agency's next
				// writes meet a reset.
			})
			c := mustDial(t, addr, timeout)
			var err error
			first := uint64(0)
			for i := 0; i < 10_000 && err == nil; i++ {
				b := fullBatch(first)
				err = c.Post(t.Context(), b)
				first += uint64(len(b.Bets))
			}
			var e wire.Error
			var op *net.OpError
			switch {
			case last != nil && (!errors.As(err, &e) || e != fenced):
				t.Errorf("post error = %v, want the server's %v", err, fenced)
			case last == nil && !errors.As(err, &op):
				t.Errorf("post error = %v, want a lost connection (*net.OpError)", err)
			}
			if err := c.Post(t.Context(), fullBatch(first)); !errors.Is(err, client.ErrBroken) {
				t.Errorf("post after the close = %v, want ErrBroken", err)
			}
		})
	}
}
