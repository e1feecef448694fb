package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/wire"
)

// conn is the server's side of one agency connection. Only its own
// goroutine uses it, but for the writer's turns (see replies). Its buffers
// (br, and fr's payload and write buffers) hold one frame each, or the
// replies ready at once; they are made when first needed (an idle
// connection costs one read buffer) and are reused by every read and
// write: a connection's memory is bounded whatever the peer sends.
//
// Every frame must arrive whole before the connection's deadline: until a
// hello is accepted, hello_timeout after the connection was accepted (so
// pings and dripped bytes buy no time); then idle_timeout after the last
// request that did work was handled.
type conn struct {
	srv     *Server
	c       net.Conn
	br      *bufio.Reader // fr reads through it; watchPeer peeks at it
	fr      *wire.Framer
	payload []byte // the payload of the frame read last, until the next read
	log     *slog.Logger
	peer    string
	claimed uint32 // the agency the first hello named, for the log
	echoed  bool   // an echo has been logged

	stopping <-chan struct{}         // closed once the server shuts down or evicts the connection
	end      context.CancelCauseFunc // ends serve's context with a cause: fenced
	seat     *seat                   // the connection's place in the lobby; nil once its hello is accepted
	helloBy  time.Time               // when the connection is closed unless a hello was accepted
	lastWork time.Time               // when the last hello, batch, done or winners query was handled

	// Once a hello is accepted: the agency, its session, and where the
	// connection's batches so far end if the store takes them all.
	agency int // 0 until then
	sess   Session
	fenced <-chan struct{} // sess.Fenced(), for the writer too
	next   uint64
	digest domain.Digest
}

// newConn returns the connection c, accepted now, seated in the lobby at st
// (nil: in no lobby, as if admitted).
func newConn(s *Server, c net.Conn, st *seat) *conn {
	now := time.Now()
	br := bufio.NewReaderSize(c, wire.MaxFrameSize)
	return &conn{
		srv: s, c: c, log: s.log, peer: c.RemoteAddr().String(),
		br: br, fr: wire.NewFramer(c, br),
		seat: st, helloBy: now.Add(s.cfg.HelloTimeout), lastWork: now,
	}
}

// admitted takes the connection out of the lobby once its hello is
// accepted — a known agency, its secret right: it no longer counts against
// max_connections nor can be evicted, the idle timeout replaces the hello
// timeout, and its failures are logged without a rate limit. hello calls
// it before it asks the store for the agency's session, which may wait
// for a group commit's fsync: a lobby churned by peers without a hello
// must not push out an agency while it waits. An eviction that took the
// seat first, while the hello was being read or checked, still ends the
// connection: the agency tries again.
func (cn *conn) admitted() {
	cn.seat.leave()
	cn.seat = nil
	cn.lastWork = time.Now()
}

// errClose ends a connection after its error reply; it is logged as the
// reason the connection failed.
type errClose struct {
	code   wire.Code
	reason string
}

func (e *errClose) Error() string { return fmt.Sprintf("%s: %s", e.code, e.reason) }

func closeWith(code wire.Code, format string, args ...any) *errClose {
	return &errClose{code, fmt.Sprintf(format, args...)}
}

// errShutdown ends a connection because the server is stopping.
var errShutdown = closeWith(wire.CodeShuttingDown, "server shutting down")

// serveConn speaks the protocol on c until the peer leaves, breaks the
// protocol, or ctx is done: the server shuts down, or evicts the connection
// from the lobby (its cause is then the error to send). It logs one line
// for the connection's end: a fail line, with the reason, only when the
// peer or the server failed.
func (s *Server) serveConn(ctx context.Context, c net.Conn, st *seat) {
	defer c.Close()
	defer st.leave() // ended: out of the lobby, if still in it
	cn := newConn(s, c, st)
	cn.stopping = ctx.Done()
	// A write in progress when the server starts to shut down, or evicts
	// the connection, gets only a short grace: a peer that does not read
	// cannot hold the shutdown, nor the connection.
	stop := context.AfterFunc(ctx, func() { c.SetWriteDeadline(time.Now().Add(shutdownGrace)) })
	defer stop()
	err := cn.serve(ctx)
	if cn.sess != nil {
		cn.sess.Close() // every batch it enqueued is settled: serve waited
	}
	var ec *errClose
	if errors.As(err, &ec) {
		cn.write(wire.Error{Code: ec.code, Reason: ec.reason})
	}
	switch {
	case errors.Is(err, errPeerLeft):
		logline.Debug(cn.log, "conexion", "peer", cn.peer, "agency", cn.agency)
	case errors.Is(err, errShutdown):
		logline.Success(cn.log, "conexion", "peer", cn.peer, "agency", cn.agency, "reason", "shutdown")
	case ec != nil && ec.code == wire.CodeFenced:
		// A takeover, not a failure of this server's: the fenced process,
		// if still there, reports it.
		logline.Success(cn.log, "conexion", "peer", cn.peer, "agency", cn.agency, "reason", "fenced")
	case ec != nil:
		cn.logFail("code", ec.code, "error", ec.reason)
	default:
		cn.logFail("error", err)
	}
}

// logFail logs the fail line of the connection's end. Anyone can open a
// connection and fail before its hello is accepted, so those lines are
// rate-limited across connections (see failLines); the next line logged
// says how many were suppressed.
func (cn *conn) logFail(attrs ...any) {
	if cn.seat != nil {
		ok, dropped := cn.srv.quiet.allow()
		if !ok {
			return
		}
		if dropped > 0 {
			attrs = append(attrs, "suppressed", dropped)
		}
	}
	logline.Fail(cn.log, "conexion", append([]any{"peer", cn.peer, "agency", cn.claimed}, attrs...)...)
}

// serve reads and handles requests until one of them ends the connection.
// A second goroutine writes the replies to batches (see replies), so the
// reader does not wait for the store between batches. If the writer fails,
// it stops the reader, and its error is the connection's.
func (cn *conn) serve(ctx context.Context) error {
	ctx, stopReading := context.WithCancelCause(ctx)
	defer stopReading(nil)
	cn.end = stopReading // with a fenced error, by closeWhenFenced
	// On shutdown, or when the writer fails, a read in progress returns at
	// once; a request being handled is finished first.
	stop := context.AfterFunc(ctx, func() { cn.c.SetReadDeadline(time.Now()) })
	defer stop()
	q := make(chan queued, window)
	werr := make(chan error, 1)
	go func() {
		w := &replies{cn: cn}
		werr <- w.run(q, func() { stopReading(nil) })
	}()
	err := cn.readLoop(ctx, q)
	close(q)
	if e := <-werr; e != nil {
		return e
	}
	return err
}

func (cn *conn) readLoop(ctx context.Context, q chan<- queued) error {
	for {
		m, err := cn.read(ctx)
		if err != nil {
			return err
		}
		if err := cn.handle(ctx, m, q); err != nil {
			return err
		}
		if doesWork(m) {
			cn.lastWork = time.Now()
		}
	}
}

// doesWork reports the requests that keep an admitted connection alive:
// pings and echoes do not, so a connection that only pings ends.
func doesWork(m wire.Message) bool {
	switch m.(type) {
	case wire.Hello, wire.Batch, wire.Done, wire.WinnersQuery:
		return true
	}
	return false
}

// deadline is when the next frame must have arrived whole.
func (cn *conn) deadline() time.Time {
	if cn.seat != nil {
		return cn.helloBy
	}
	return cn.lastWork.Add(cn.srv.cfg.IdleTimeout)
}

// read reads one request. Every way a read can fail becomes the error that
// ends the connection: errPeerLeft for a clean close between requests or a
// reset, errShutdown, or an *errClose to report to the peer.
func (cn *conn) read(ctx context.Context) (wire.Message, error) {
	cn.c.SetReadDeadline(cn.deadline())
	if ctx.Err() != nil { // checked after the deadline is set: see serve
		return nil, ended(ctx)
	}
	f, err := cn.fr.ReadFrame()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, ended(ctx)
	case err == io.EOF, errors.Is(err, syscall.ECONNRESET):
		return nil, errPeerLeft
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, cn.timedOut()
	case errors.Is(err, wire.ErrFrameTooLarge):
		return nil, closeWith(wire.CodeMalformed, "%v", err)
	case err == io.ErrUnexpectedEOF:
		return nil, closeWith(wire.CodeMalformed, "truncated frame")
	default:
		return nil, fmt.Errorf("read: %w", err)
	}
	cn.payload = f.Payload
	m, err := wire.Decode(f)
	if err != nil {
		return nil, closeWith(wire.CodeMalformed, "%v", err)
	}
	return m, nil
}

// timedOut is the error that ends a connection past its deadline.
func (cn *conn) timedOut() error {
	if cn.seat != nil {
		return closeWith(wire.CodeTimeout, "no hello within %s", cn.srv.cfg.HelloTimeout)
	}
	return closeWith(wire.CodeTimeout, "no request for %s (pings do not count)", cn.srv.cfg.IdleTimeout)
}

// ended is the error that ends a connection whose context is done: the
// shutdown, or the cause it was cancelled with (evicted from the lobby, or
// a newer connection of the agency fenced it).
func ended(ctx context.Context) error {
	var ec *errClose
	if errors.As(context.Cause(ctx), &ec) {
		return ec
	}
	return errShutdown
}

// errPeerLeft is the peer closing the connection between requests.
var errPeerLeft = errors.New("peer closed the connection")

// write sends one message as one frame within the write timeout. The
// reader calls it only once the writer has written every reply queued
// before (see awaitWritten), or has ended: nothing else is queued on fr.
func (cn *conn) write(m wire.Message) error {
	if _, err := cn.fr.Queue(m); err != nil {
		return err
	}
	cn.setWriteDeadline()
	if err := cn.fr.Flush(); err != nil {
		if cn.seat != nil && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(cn.helloBy) {
			return cn.timedOut() // a peer that pings without reading
		}
		return writeFailed(err)
	}
	return nil
}

// shutdownGrace bounds every write once the server is shutting down, or
// has evicted the connection.
const shutdownGrace = time.Second

// closeGrace is how long past its hello deadline a connection in the lobby
// may still be written to: the time its timeout error gets.
const closeGrace = 500 * time.Millisecond

// setWriteDeadline bounds the next write by the write timeout, or by
// shutdownGrace once the server is shutting down; in the lobby, never
// later than closeGrace past the hello deadline, so that no write holds a
// connection without hello longer than that. The check follows the
// setting, as in read: a shutdown that came in between is seen.
//
// The writer goroutine calls it too (see replies), but only once batches
// are queued, after the hello: what it reads was written before, by the
// reader, which sent the batches after.
func (cn *conn) setWriteDeadline() {
	cn.c.SetWriteDeadline(cn.writeDeadline(cn.srv.cfg.WriteTimeout))
	select {
	case <-cn.stopping:
	case <-cn.fenced: // a fenced peer is most often gone
	default:
		return
	}
	cn.c.SetWriteDeadline(cn.writeDeadline(min(shutdownGrace, cn.srv.cfg.WriteTimeout)))
}

func (cn *conn) writeDeadline(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if last := cn.helloBy.Add(closeGrace); cn.seat != nil && t.After(last) {
		return last
	}
	return t
}

// writeFailed is the error that ends a connection whose write failed: a
// peer that reset or closed the connection has left (an agency stopped with
// replies on their way is no failure of the server's); anything else,
// such as a peer that stopped reading past the write timeout, is.
func writeFailed(err error) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return errPeerLeft
	}
	return fmt.Errorf("write: %w", err)
}
