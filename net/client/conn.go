package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// Errors of a Conn and of CheckRawEcho, matched with errors.Is. A
// wire.Reject or wire.Error sent by the server comes back as itself
// (wrapped), matched with errors.As.
var (
	ErrUnexpected = errors.New("unexpected reply")
	ErrBroken     = errors.New("connection broken")
	ErrInFlight   = errors.New("batches in flight")
	ErrNoBatch    = errors.New("no batch in flight")

	// Why CheckRawEcho failed.
	ErrNoServer     = errors.New("no server")
	ErrNoReply      = errors.New("no reply")
	ErrReplyDiffers = errors.New("the reply differs")
	ErrPeerClosed   = errors.New("connection closed")
)

// flushAt is how many buffered bytes make Post write them out: enough
// frames to spare most system calls, few enough that the server is not
// left idle.
const flushAt = 64 << 10

// span is a batch in flight: its first position and how many bets it has.
type span struct {
	first uint64
	count int
}

// past is a deadline that has already passed: setting it unblocks any read
// or write in progress.
var past = time.Unix(1, 0)

// Conn is one connection to the server. It is not safe for concurrent use,
// except Close, which may be called from another goroutine to abort a call.
//
// Batches may be pipelined: Post queues a batch without waiting, Ack reads
// the reply to the oldest batch in flight. The server answers a
// connection's batches in order, one Ack or Reject each. Every other
// request (Hello, Send, Done, Winners, Ping) needs no batch in flight and
// fails at once with ErrInFlight otherwise, without breaking the Conn.
//
// After any error other than a wire.Reject the stream may be out of step
// with the server (a reply may still be on its way), so the Conn is broken:
// every later call fails with ErrBroken. Close it and dial again; the
// server's Welcome says where to resume. A lost connection (refused, reset,
// timed out, closed by the server) yields an error wrapping a *net.OpError,
// io.EOF (closed between frames) or io.ErrUnexpectedEOF (within a frame),
// which callers may retry. A server that closes the connection on purpose
// says why first in a wire.Error, returned as the error, even when it is
// only found behind the replies to batches in flight after a write failed:
// wire.CodeFenced, for one, means a newer connection of the same agency
// took over, and the caller must not reconnect to take it back.
type Conn struct {
	nc      net.Conn
	fr      *wire.Framer // on nc, through a bufio.Reader
	timeout time.Duration
	flight  []span // batches posted and not answered yet, oldest first
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
		fr:      wire.NewFramer(nc, bufio.NewReaderSize(nc, wire.MaxFrameSize)),
		timeout: timeout,
	}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Hello opens the session as agency and returns the server's Welcome:
// Stored is the position the agency's next batch should start at, Digest
// the digest of the bets the server holds before it (which the agency
// checks against its own before it sends more), Lottery and Date the
// lottery the server's store belongs to and its date, against which
// birthdates are judged. The Conn checks none of them: it does not know the
// agency's bets.
func (c *Conn) Hello(ctx context.Context, agency uint32, secret string) (wire.Welcome, error) {
	return c.HelloAs(ctx, wire.Hello{Agency: agency, Secret: secret})
}

// HelloAs is Hello with the hello's every field but the version given:
// an agency process sets Started and Attempt, which order its connections
// (see wire.Hello), so that a stale one of its own cannot fence it.
func (c *Conn) HelloAs(ctx context.Context, h wire.Hello) (wire.Welcome, error) {
	h.Version = wire.Version
	m, err := c.call(ctx, "hello", h)
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
// error wrapping the server's wire.Reject; the Conn stays usable. It is
// Post then Ack, so it needs no other batch in flight.
func (c *Conn) Send(ctx context.Context, b wire.Batch) (wire.Ack, error) {
	if err := c.idle("send"); err != nil {
		return wire.Ack{}, err
	}
	var m wire.Message
	err := c.guard(ctx, "send", func() error {
		err := c.enqueue(ctx, b)
		if err == nil {
			m, err = c.receive(ctx)
		}
		return err
	})
	if err != nil {
		return wire.Ack{}, err
	}
	return c.answer("send", m)
}

// Post queues batch b without waiting for its reply: its frame is copied
// into the Conn's write buffer, so b.Bets may be reused at once, and b is
// noted in flight. The buffer is written to the socket, in one Write, once
// it holds about 64 KiB; Ack writes out the rest. A ctx already done
// returns its error with nothing queued.
func (c *Conn) Post(ctx context.Context, b wire.Batch) error {
	_, err := c.PostDigest(ctx, b, 0)
	return err
}

// PostDigest is Post that also returns the stream's digest after b's bets,
// given the digest before them: worked out over the frame's bytes, which
// are the bets' canonical bytes, so they are not encoded twice.
func (c *Conn) PostDigest(ctx context.Context, b wire.Batch, before domain.Digest) (after domain.Digest, err error) {
	err = c.guard(ctx, "post", func() error {
		frame, err := c.buffer(b)
		if err != nil {
			return err
		}
		after = before.Extend(wire.BatchBets(frame[wire.HeaderSize:]))
		return c.posted(ctx, b)
	})
	return after, err
}

// Ack writes out whatever Post buffered, then reads the reply to the
// oldest batch in flight and takes that batch off the FIFO. A reply for
// any other batch breaks the Conn (ErrUnexpected). The Ack's Stored and
// Digest, the server's count and digest of the agency's bets after the
// batch, are returned unchecked: the caller compares them with its own. A
// refused batch yields an error wrapping the server's wire.Reject (a
// resend whose bets differ from those stored at its positions is refused
// with wire.CodeConflict), and the Conn stays usable: the batches posted
// after it are still answered, in order. With no batch in flight it
// returns ErrNoBatch.
func (c *Conn) Ack(ctx context.Context) (wire.Ack, error) {
	if len(c.flight) == 0 && c.err == nil {
		return wire.Ack{}, fmt.Errorf("ack: %w", ErrNoBatch)
	}
	var m wire.Message
	err := c.guard(ctx, "ack", func() (err error) {
		m, err = c.receive(ctx)
		return err
	})
	if err != nil {
		return wire.Ack{}, err
	}
	return c.answer("ack", m)
}

// InFlight returns how many batches are posted and not answered yet.
func (c *Conn) InFlight() int { return len(c.flight) }

// Done reports that the agency has sent all its bets, total of them, whose
// digest is digest. A server that does not hold exactly those answers with
// a wire.Reject, returned wrapped: wire.CodeIncomplete when it holds
// another number of bets, wire.CodeConflict when their digest differs. The
// Conn stays usable.
func (c *Conn) Done(ctx context.Context, total uint64, digest domain.Digest) error {
	m, err := c.call(ctx, "done", wire.Done{Total: total, Digest: digest})
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
	if err := c.idle("winners"); err != nil {
		return nil, err
	}
	var docs []string
	err := c.guard(ctx, "winners", func() error {
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

// Echo sends text in an Echo; the reply must be an Echo with the same
// text, and any other reply breaks the Conn (ErrUnexpected).
func (c *Conn) Echo(ctx context.Context, text string) error {
	m, err := c.call(ctx, "echo", wire.Echo{Text: text})
	if err != nil {
		return err
	}
	e, ok := m.(wire.Echo)
	if !ok {
		return c.unexpected("echo", m, wire.TypeEcho)
	}
	if e.Text != text {
		c.err = fmt.Errorf("%w: echo of %q for %q", ErrUnexpected, e.Text, text)
		return fmt.Errorf("echo: %w", c.err)
	}
	return nil
}
