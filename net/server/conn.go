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

	"github.com/tp0/loteria/net/wire"
)

// conn is the server's side of one agency connection. Only its own
// goroutine uses it. Its buffers hold at most one frame each, are made when
// first needed (an idle connection costs one read buffer) and are reused
// by every read and write: a connection's memory is bounded whatever the
// peer sends.
type conn struct {
	srv      *Server
	c        net.Conn
	br       *bufio.Reader
	rbuf     []byte // payload buffer reused by every read, grown up to wire.MaxPayload
	wbuf     []byte // frame buffer reused by every write, wire.MaxFrameSize
	log      *slog.Logger
	peer     string
	agency   int             // 0 until a hello is accepted
	sess     Session         // the agency's session, once a hello is accepted
	fence    context.CancelCauseFunc
	stopping <-chan struct{} // closed once the server shuts down
	claimed  uint32          // the agency the first hello named, for the log
}

func newConn(s *Server, c net.Conn) *conn {
	return &conn{
		srv: s, c: c, log: s.log, peer: c.RemoteAddr().String(),
		br: bufio.NewReaderSize(c, wire.MaxFrameSize),
	}
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
// protocol, or ctx is done. It logs one line for the connection's end: a
// fail line, with the reason, only when the peer or the server failed.
func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	cn := newConn(s, c)
	cn.stopping = ctx.Done()
	// A write in progress when the server starts to shut down gets only a
	// short grace: a peer that does not read cannot hold the shutdown.
	stop := context.AfterFunc(ctx, func() { c.SetWriteDeadline(time.Now().Add(shutdownGrace)) })
	defer stop()
	err := cn.serve(ctx)
	var ec *errClose
	if errors.As(err, &ec) {
		cn.write(wire.Error{Code: ec.code, Reason: ec.reason})
	}
	switch {
	case errors.Is(err, errPeerLeft):
		cn.log.Debug("conexion", "result", "success", "peer", cn.peer, "agency", cn.agency)
	case errors.Is(err, errShutdown):
		cn.log.Info("conexion", "result", "success", "peer", cn.peer, "agency", cn.agency, "reason", "shutdown")
	case ec != nil && ec.code == wire.CodeFenced:
		// A takeover, not a failure of this server's: the fenced process,
		// if still there, reports it.
		cn.log.Info("conexion", "result", "success", "peer", cn.peer, "agency", cn.agency, "reason", "fenced")
	case ec != nil:
		cn.log.Error("conexion", "result", "fail", "peer", cn.peer, "agency", cn.claimed, "code", ec.code, "error", ec.reason)
	default:
		cn.log.Error("conexion", "result", "fail", "peer", cn.peer, "agency", cn.claimed, "error", err)
	}
}

// serve reads and handles requests until one of them ends the connection.
// A second goroutine writes the replies to batches (see replies), so the
// reader does not wait for the store between batches. If the writer fails,
// it stops the reader, and its error is the connection's.
func (cn *conn) serve(ctx context.Context) error {
	ctx, stopReading := context.WithCancelCause(ctx)
	defer stopReading(nil)
	cn.fence = stopReading // with errFenced, by the watch hello starts
	// On shutdown, or when the writer fails, a read in progress returns at
	// once; a request being handled is finished first.
	stop := context.AfterFunc(ctx, func() { cn.c.SetReadDeadline(time.Now()) })
	defer stop()
	q := make(chan pending, window)
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

func (cn *conn) readLoop(ctx context.Context, q chan<- pending) error {
	for {
		m, err := cn.read(ctx)
		if err != nil {
			return err
		}
		if err := cn.handle(ctx, m, q); err != nil {
			return err
		}
	}
}

// read reads one request. Every way a read can fail becomes the error that
// ends the connection: errPeerLeft for a clean close between requests,
// errShutdown, or an *errClose to report to the peer.
func (cn *conn) read(ctx context.Context) (wire.Message, error) {
	cn.c.SetReadDeadline(time.Now().Add(cn.srv.cfg.IdleTimeout))
	if ctx.Err() != nil { // checked after the deadline is set: see serve
		return nil, ended(ctx)
	}
	f, err := wire.ReadFrame(cn.br, cn.rbuf)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, ended(ctx)
	case err == io.EOF:
		return nil, errPeerLeft
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, closeWith(wire.CodeTimeout, "silent for %s", cn.srv.cfg.IdleTimeout)
	case errors.Is(err, wire.ErrFrameTooLarge):
		return nil, closeWith(wire.CodeMalformed, "%v", err)
	case err == io.ErrUnexpectedEOF:
		return nil, closeWith(wire.CodeMalformed, "truncated frame")
	default:
		return nil, fmt.Errorf("read: %w", err)
	}
	if cap(f.Payload) > cap(cn.rbuf) { // ReadFrame made a larger one
		cn.rbuf = f.Payload[:0]
	}
	m, err := wire.Decode(f)
	if err != nil {
		return nil, closeWith(wire.CodeMalformed, "%v", err)
	}
	return m, nil
}

// ended is the error that ends a connection whose context is done: the
// shutdown, or the cause it was cancelled with (a newer connection of the
// agency fenced it).
func ended(ctx context.Context) error {
	var ec *errClose
	if errors.As(context.Cause(ctx), &ec) {
		return ec
	}
	return errShutdown
}

// errPeerLeft is the peer closing the connection between requests.
var errPeerLeft = errors.New("peer closed the connection")

// write sends one message as one frame within the write timeout.
func (cn *conn) write(m wire.Message) error {
	if cn.wbuf == nil {
		cn.wbuf = make([]byte, 0, wire.MaxFrameSize) // no frame is larger
	}
	b, err := wire.AppendFrame(cn.wbuf[:0], m)
	if err != nil {
		return err
	}
	cn.setWriteDeadline()
	if _, err := cn.c.Write(b); err != nil {
		return writeFailed(err)
	}
	return nil
}

// shutdownGrace bounds every write once the server is shutting down.
const shutdownGrace = time.Second

// setWriteDeadline bounds the next write by the write timeout, or by
// shutdownGrace once the server is shutting down. The check follows the
// setting, as in read: a shutdown that came in between is seen.
func (cn *conn) setWriteDeadline() {
	cn.c.SetWriteDeadline(time.Now().Add(cn.srv.cfg.WriteTimeout))
	select {
	case <-cn.stopping:
		cn.c.SetWriteDeadline(time.Now().Add(min(shutdownGrace, cn.srv.cfg.WriteTimeout)))
	default:
	}
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
