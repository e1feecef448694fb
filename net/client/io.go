package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// call writes req and reads one reply, each within the Conn's timeout. A
// wire.Error reply is returned as the error. It refuses to run while
// batches are in flight: their replies come first.
func (c *Conn) call(ctx context.Context, op string, req wire.Message) (wire.Message, error) {
	if err := c.idle(op); err != nil {
		return nil, err
	}
	var reply wire.Message
	err := c.guard(ctx, op, func() error {
		if _, err := c.buffer(req); err != nil {
			return err
		}
		m, err := c.receive(ctx)
		reply = m
		return err
	})
	return reply, err
}

// enqueue buffers b's frame and notes b in flight. The buffer is written
// once it holds flushAt bytes or more.
func (c *Conn) enqueue(ctx context.Context, b wire.Batch) error {
	if _, err := c.buffer(b); err != nil {
		return err
	}
	return c.posted(ctx, b)
}

// posted notes b, just buffered, in flight, and writes the buffer once it
// holds flushAt bytes or more.
func (c *Conn) posted(ctx context.Context, b wire.Batch) error {
	c.flight = append(c.flight, span{first: b.First, count: len(b.Bets)})
	if c.fr.Buffered() < flushAt {
		return nil
	}
	return c.flush(ctx)
}

// receive writes whatever is buffered, then reads the next message, each
// within the Conn's timeout.
func (c *Conn) receive(ctx context.Context) (wire.Message, error) {
	if err := c.flush(ctx); err != nil {
		return nil, err
	}
	if err := c.deadline(ctx, c.nc.SetReadDeadline, c.timeout); err != nil {
		return nil, err
	}
	return c.read()
}

// answer checks that m, an Ack or a Reject, answers the oldest batch in
// flight, which it then takes off the FIFO. Anything else breaks the
// Conn.
func (c *Conn) answer(op string, m wire.Message) (wire.Ack, error) {
	head := c.flight[0]
	switch m := m.(type) {
	case wire.Ack:
		if m.First != head.first || int(m.Count) != head.count {
			c.err = fmt.Errorf("%w: ack of %d bets at %d for %d at %d",
				ErrUnexpected, m.Count, m.First, head.count, head.first)
			return wire.Ack{}, fmt.Errorf("%s: %w", op, c.err)
		}
		c.flight = slices.Delete(c.flight, 0, 1)
		return m, nil
	case wire.Reject:
		err := c.reject(op, m, head.first)
		if c.err == nil {
			c.flight = slices.Delete(c.flight, 0, 1)
		}
		return wire.Ack{}, err
	}
	return wire.Ack{}, c.unexpected(op, m, wire.TypeAck)
}

// idle returns an error wrapping ErrInFlight, which does not break the
// Conn, while batches are in flight, unless the Conn is already broken
// (which guard reports).
func (c *Conn) idle(op string) error {
	if n := len(c.flight); n > 0 && c.err == nil {
		return fmt.Errorf("%s: %w (%d): ack them first", op, ErrInFlight, n)
	}
	return nil
}

// guard runs fn, the I/O of operation op, guarded by ctx, unless the Conn
// is broken. A cancelled ctx sets a deadline in the past, which unblocks
// fn's read or write; the call then returns ctx.Err(). Any error breaks
// the Conn. Every operation's I/O runs in a guard.
func (c *Conn) guard(ctx context.Context, op string, fn func() error) error {
	if c.err != nil {
		return fmt.Errorf("%s: %w: %w", op, ErrBroken, c.err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(past) })
	err := fn()
	if !stop() {
		// Cancelled: whatever fn returned, the deadline broke the stream.
		c.err = ctx.Err()
		return c.err
	}
	if err != nil {
		c.err = err
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// deadline sets a deadline d from now with set, then checks ctx: a
// cancellation that came just before may have had its past deadline
// overwritten, but it is visible in ctx.Err() by the time guard's
// AfterFunc runs.
func (c *Conn) deadline(ctx context.Context, set func(time.Time) error, d time.Duration) error {
	if err := set(time.Now().Add(d)); err != nil {
		return err
	}
	return ctx.Err()
}

// write appends m as one frame to the write buffer and flushes it.
func (c *Conn) write(ctx context.Context, m wire.Message) error {
	if _, err := c.buffer(m); err != nil {
		return err
	}
	return c.flush(ctx)
}

// buffer appends m as one frame to the write buffer and returns the
// frame, valid until the next flush; on error the buffer is left as it
// was.
func (c *Conn) buffer(m wire.Message) ([]byte, error) {
	frame, err := c.fr.Queue(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type(), err)
	}
	return frame, nil
}

// flush writes the buffered frames, if any, in a single Write within the
// Conn's timeout, and empties the buffer.
func (c *Conn) flush(ctx context.Context) error {
	if c.fr.Buffered() == 0 {
		return nil
	}
	if err := c.deadline(ctx, c.nc.SetWriteDeadline, c.timeout); err != nil {
		return err
	}
	if err := c.fr.Flush(); err != nil {
		if e := c.lastWord(ctx, err); e != nil {
			return e
		}
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// lastWord returns the wire.Error the server sent before it closed the
// connection, if werr, a failed write, says the peer is gone and such a
// frame waits to be read, behind the replies to batches in flight. A
// fenced or stopping server says why it closed, and that, not the reset
// its close caused, is what the caller acts on. Otherwise it returns nil.
// The connection is broken either way: the replies read are dropped.
func (c *Conn) lastWord(ctx context.Context, werr error) error {
	if errors.Is(werr, os.ErrDeadlineExceeded) {
		return nil // the peer may be alive and stuck: nothing to wait for
	}
	if c.deadline(ctx, c.nc.SetReadDeadline, c.timeout) != nil {
		return nil
	}
	for {
		_, err := c.read()
		var e wire.Error
		if errors.As(err, &e) {
			return e
		}
		if err != nil {
			return nil
		}
	}
}

// read reads one message under the read deadline already set. A wire.Error
// from the server is returned as the error: the server closes after it.
func (c *Conn) read() (wire.Message, error) {
	m, err := c.fr.ReadMessage()
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if e, ok := m.(wire.Error); ok {
		return nil, e
	}
	return m, nil
}

// reject turns a Reject for the request at first into the call's error. A
// Reject for another position means the stream is out of step.
func (c *Conn) reject(op string, r wire.Reject, first uint64) error {
	if r.First != first {
		c.err = fmt.Errorf("%w: reject of batch at %d", ErrUnexpected, r.First)
		return fmt.Errorf("%s: %w", op, c.err)
	}
	return fmt.Errorf("%s: %w", op, r)
}

// unexpected breaks the Conn on a reply of the wrong type.
func (c *Conn) unexpected(op string, m wire.Message, want wire.Type) error {
	c.err = c.unexpectedErr(m, want)
	return fmt.Errorf("%s: %w", op, c.err)
}

func (c *Conn) unexpectedErr(m wire.Message, want wire.Type) error {
	return fmt.Errorf("%w: got %s, want %s", ErrUnexpected, m.Type(), want)
}
