package client

import (
	"context"
	"fmt"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// call writes req and reads one reply, each within the Conn's timeout. A
// wire.Error reply is returned as the error. Request and reply are kept
// apart (write, read) so that a window of batches in flight could later
// write several requests before reading their replies.
func (c *Conn) call(ctx context.Context, op string, req wire.Message) (wire.Message, error) {
	var reply wire.Message
	err := c.watch(ctx, op, func() error {
		if err := c.write(ctx, req); err != nil {
			return err
		}
		if err := c.deadline(ctx, c.nc.SetReadDeadline, c.timeout); err != nil {
			return err
		}
		m, err := c.read()
		reply = m
		return err
	})
	return reply, err
}

// watch runs fn, the I/O of operation op, unless the Conn is broken. A
// cancelled ctx sets a deadline in the past, which unblocks fn's read or
// write; the call then returns ctx.Err(). Any error breaks the Conn.
func (c *Conn) watch(ctx context.Context, op string, fn func() error) error {
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
// overwritten, but it is visible in ctx.Err() by the time the watch's
// AfterFunc runs.
func (c *Conn) deadline(ctx context.Context, set func(time.Time) error, d time.Duration) error {
	if err := set(time.Now().Add(d)); err != nil {
		return err
	}
	return ctx.Err()
}

// write sends m as one frame in a single Write, within the Conn's timeout.
func (c *Conn) write(ctx context.Context, m wire.Message) error {
	b, err := wire.AppendFrame(c.wbuf[:0], m)
	if err != nil {
		return err
	}
	c.wbuf = b
	if err := c.deadline(ctx, c.nc.SetWriteDeadline, c.timeout); err != nil {
		return err
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", m.Type(), err)
	}
	return nil
}

// read reads one message under the read deadline already set. A wire.Error
// from the server is returned as the error: the server closes after it.
func (c *Conn) read() (wire.Message, error) {
	f, err := wire.ReadFrame(c.r, c.rbuf)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	m, err := wire.Decode(f)
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
