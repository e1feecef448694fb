package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// Errors of a Conn, matched with errors.Is. A wire.Reject or wire.Error sent
// by the server comes back as itself (wrapped), matched with errors.As.
var (
	ErrUnexpected = errors.New("unexpected reply")
	ErrBroken     = errors.New("connection broken")
)

// past is a deadline that has already passed: setting it unblocks any read
// or write in progress.
var past = time.Unix(1, 0)

// Conn is one connection to the server. It is not safe for concurrent use,
// except Close, which may be called from another goroutine to abort a call.
//
// After any error other than a wire.Reject the stream may be out of step
// with the server (a reply may still be on its way), so the Conn is broken:
// every later call fails with ErrBroken. Close it and dial again; the
// server's Welcome says where to resume. A lost connection (refused, reset,
// timed out, closed by the server) yields an error wrapping a *net.OpError,
// io.EOF (closed between frames) or io.ErrUnexpectedEOF (within a frame),
// which callers may retry.
type Conn struct {
	nc      net.Conn
	r       *bufio.Reader
	timeout time.Duration
	wbuf    []byte // reused for every frame written
	rbuf    []byte // reused for every frame read
	err     error  // set once the Conn is broken
}

// Dial connects to the server at addr. timeout bounds the dial and then each
// read and write on the connection; it must be positive.
func Dial(ctx context.Context, addr string, timeout time.Duration) (*Conn, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("dial %s: timeout must be positive, got %v", addr, timeout)
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return &Conn{
		nc:      nc,
		r:       bufio.NewReaderSize(nc, wire.MaxFrameSize),
		timeout: timeout,
		rbuf:    make([]byte, wire.MaxPayload),
	}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Hello opens the session as agency and returns the server's Welcome, whose
// Stored is the position the agency's next batch should start at.
func (c *Conn) Hello(ctx context.Context, agency uint32, secret string) (wire.Welcome, error) {
	m, err := c.call(ctx, "hello", wire.Hello{Version: wire.Version, Agency: agency, Secret: secret})
	if err != nil {
		return wire.Welcome{}, err
	}
	w, ok := m.(wire.Welcome)
	if !ok {
		return wire.Welcome{}, c.unexpected("hello", m, wire.TypeWelcome)
	}
	return w, nil
}

// Send sends one batch and waits for its Ack. A refused batch yields an
// error wrapping the server's wire.Reject; the Conn stays usable.
func (c *Conn) Send(ctx context.Context, b wire.Batch) (wire.Ack, error) {
	m, err := c.call(ctx, "send", b)
	if err != nil {
		return wire.Ack{}, err
	}
	switch m := m.(type) {
	case wire.Ack:
		if m.First != b.First || int(m.Count) != len(b.Bets) {
			c.err = fmt.Errorf("%w: ack of %d bets at %d for %d at %d",
				ErrUnexpected, m.Count, m.First, len(b.Bets), b.First)
			return wire.Ack{}, fmt.Errorf("send: %w", c.err)
		}
		return m, nil
	case wire.Reject:
		return wire.Ack{}, c.reject("send", m, b.First)
	}
	return wire.Ack{}, c.unexpected("send", m, wire.TypeAck)
}

// Done reports that the agency has sent all its bets, total of them. A
// server that does not hold them all answers with a wire.Reject
// (wire.CodeIncomplete), returned wrapped; the Conn stays usable.
func (c *Conn) Done(ctx context.Context, total uint64) error {
	m, err := c.call(ctx, "done", wire.Done{Total: total})
	if err != nil {
		return err
	}
	switch m := m.(type) {
	case wire.DoneAck:
		return nil
	case wire.Reject:
		return fmt.Errorf("done: %w", m)
	}
	return c.unexpected("done", m, wire.TypeDoneAck)
}

// Winners asks for the agency's winners and waits for the draw, at most
// wait (which must be positive) in all, collecting the documents of every
// Winners frame up to the last one.
func (c *Conn) Winners(ctx context.Context, wait time.Duration) ([]string, error) {
	if wait <= 0 {
		return nil, fmt.Errorf("winners: wait must be positive, got %v", wait)
	}
	var docs []string
	err := c.watch(ctx, "winners", func() error {
		if err := c.write(ctx, wire.WinnersQuery{}); err != nil {
			return err
		}
		if err := c.deadline(ctx, c.nc.SetReadDeadline, wait); err != nil {
			return err
		}
		for {
			m, err := c.read()
			if err != nil {
				return err
			}
			w, ok := m.(wire.Winners)
			if !ok {
				return c.unexpectedErr(m, wire.TypeWinners)
			}
			docs = append(docs, w.Documents...)
			if w.Last {
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// Ping sends payload in a Ping and returns the payload of the Pong.
func (c *Conn) Ping(ctx context.Context, payload []byte) ([]byte, error) {
	m, err := c.call(ctx, "ping", wire.Ping{Payload: payload})
	if err != nil {
		return nil, err
	}
	p, ok := m.(wire.Pong)
	if !ok {
		return nil, c.unexpected("ping", m, wire.TypePong)
	}
	return p.Payload, nil
}
