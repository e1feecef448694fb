package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// Store is what a connection needs of the store actor.
type Store interface {
	Append(ctx context.Context, agency int, first uint64, bets []domain.Bet) (actors.Appended, error)
	Stored(ctx context.Context, agency int) (stored uint64, finished bool, err error)
	Finish(ctx context.Context, agency int, total uint64) error
}

// Coordinator is what a connection needs of the draw coordinator.
type Coordinator interface {
	Done(ctx context.Context, agency int) error
	Winners(ctx context.Context, agency int) ([]string, error)
}

// Config is the server's configuration.
type Config struct {
	Agencies     int           // agencies are 1..Agencies
	IdleTimeout  time.Duration // how long a connection may stay silent
	WriteTimeout time.Duration // how long one reply may take to write
	Store        Store
	Coordinator  Coordinator
	Logger       *slog.Logger
}

// Server serves agency connections.
type Server struct {
	cfg Config
	log *slog.Logger
}

// New returns a server.
func New(cfg Config) *Server {
	return &Server{cfg: cfg, log: cfg.Logger}
}

// Serve accepts connections on ln and serves each in its own goroutine until
// ctx is done. Then it shuts down in this order: it closes ln, so no
// connection is accepted; each connection finishes the request it is
// handling (a batch being stored is stored and acknowledged), a parked
// winners query is answered with a shutting-down error, and the connection
// is closed; Serve returns once every connection goroutine has returned. The
// store and the coordinator must keep running until then. Each step is
// logged: listener_close, then connections_close. Serve returns nil
// after a shutdown asked for by ctx, or the accept error that stopped it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	// Connections end only once the listener is closed.
	connCtx, endConns := context.WithCancel(context.WithoutCancel(ctx))
	defer endConns()
	var conns sync.WaitGroup
	err := s.acceptLoop(ctx, ln, func(c net.Conn) {
		conns.Go(func() { s.serveConn(connCtx, c) })
	})
	ln.Close()
	s.log.Info("listener_close", "result", "success", "address", ln.Addr().String())
	endConns() // also when the listener failed for good
	conns.Wait()
	s.log.Info("connections_close", "result", "success")
	return err
}

// acceptLoop accepts until ln is closed or fails for good. Temporary errors
// (for example out of file descriptors) are retried with a capped backoff,
// so a burst of connections cannot stop the server.
func (s *Server) acceptLoop(ctx context.Context, ln net.Listener, serve func(net.Conn)) error {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err == nil {
			delay = 0
			serve(c)
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() && !isTemporary(err) {
			return fmt.Errorf("accept: %w", err)
		}
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		s.log.Warn("accept", "result", "in_progress", "error", err, "retry_in", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil
		}
	}
}

// isTemporary reports errors that accept may recover from.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}
