package server

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/wire"
)

// Store is what a connection needs of the store actor: a session per
// agency connection (a newer one fences the older), and the lottery.
// StoreActor makes one of the actor.
type Store interface {
	Open(ctx context.Context, agency int, claim actors.Claim) (Session, error)
	Lottery() domain.Lottery
}

// Session is what a connection needs of its agency's session (see
// actors.Session).
type Session interface {
	Held() domain.Held
	Fenced() <-chan struct{}
	Enqueue(ctx context.Context, first uint64, bets []domain.Bet, from domain.Digest, after []domain.Digest) (Appending, error)
	Finish(ctx context.Context, total uint64, digest domain.Digest) error
	Close()
}

// Appending is what a connection needs of an append in flight (see
// actors.AppendFuture): to know whether it is settled, and to wait for it.
type Appending interface {
	Done() <-chan struct{}
	Wait(ctx context.Context) (actors.Appended, error)
}

// StoreActor returns the store actor as a Store.
func StoreActor(st *actors.Store) Store { return storeActor{st} }

type storeActor struct{ *actors.Store }

func (s storeActor) Open(ctx context.Context, agency int, claim actors.Claim) (Session, error) {
	ss, err := s.Store.Open(ctx, agency, claim)
	if err != nil {
		return nil, err
	}
	return session{ss}, nil
}

type session struct{ *actors.Session }

func (ss session) Enqueue(ctx context.Context, first uint64, bets []domain.Bet, from domain.Digest, after []domain.Digest) (Appending, error) {
	f, err := ss.Session.Enqueue(ctx, first, bets, from, after)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Coordinator is what a connection needs of the draw coordinator. Done
// calls reported with how many distinct agencies have reported done, this
// one included, before the draw can start (see actors.Coordinator.Done).
type Coordinator interface {
	Done(ctx context.Context, agency int, reported func(finished int)) error
	Winners(ctx context.Context, agency int) ([]string, error)
}

// Config is the server's configuration.
type Config struct {
	Agencies       int            // agencies are 1..Agencies; 0: no lottery, only echo and ping are served
	Secrets        map[int]string // each agency's secret; nil: open, any peer may speak for any agency
	MaxConnections int            // connections without an accepted hello at once (the lobby); 0: DefaultMaxConnections
	HelloTimeout   time.Duration  // how long a connection may go without an accepted hello; 0: DefaultHelloTimeout
	IdleTimeout    time.Duration  // how long a connection may go without a request that does work, once admitted
	WriteTimeout   time.Duration  // how long one reply may take to write
	Store          Store
	Coordinator    Coordinator
	Logger         *slog.Logger
}

// DefaultMaxConnections is the lobby's size when Config sets none.
const DefaultMaxConnections = 1024

// DefaultHelloTimeout is the hello timeout when Config sets none.
const DefaultHelloTimeout = 5 * time.Second

// Server serves agency connections.
type Server struct {
	cfg     Config
	lottery domain.Lottery // the store's
	day     domain.Day     // its date: bets are validated on it
	log     *slog.Logger
	keys    map[int][sha256.Size]byte // digests of the secrets; nil when open
	lobby   *lobby                    // the connections without an accepted hello; only the accept loop enters it
	quiet   *limiter                  // the fail lines of those connections
}

// New returns a server.
func New(cfg Config) *Server {
	cfg.MaxConnections = cmp.Or(max(cfg.MaxConnections, 0), DefaultMaxConnections)
	cfg.HelloTimeout = cmp.Or(max(cfg.HelloTimeout, 0), DefaultHelloTimeout)
	full := closeWith(wire.CodeBusy, "at most %d connections without a hello at once, and this was the oldest", cfg.MaxConnections)
	s := &Server{cfg: cfg, log: cfg.Logger, lobby: newLobby(cfg.MaxConnections, full), quiet: newLimiter(failLines, failLines)}
	if cfg.Store != nil {
		s.lottery = cfg.Store.Lottery()
		s.day = domain.DayOf(s.lottery.Date)
	}
	if cfg.Secrets != nil {
		s.keys = make(map[int][sha256.Size]byte, len(cfg.Secrets))
		for agency, secret := range cfg.Secrets {
			s.keys[agency] = sha256.Sum256([]byte(secret))
		}
	}
	return s
}

// authorized reports whether secret is the agency's. It compares digests in
// constant time, so the time taken tells nothing of the secret, not even
// its length. An open server authorizes every agency.
func (s *Server) authorized(agency int, secret string) bool {
	if s.keys == nil {
		return true
	}
	want, ok := s.keys[agency]
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1 && ok
}

// Serve accepts connections on ln and serves each in its own goroutine until
// ctx is done.
//
// A connection starts in the lobby, which holds at most
// Config.MaxConnections: when it is full, the oldest connection in it is
// closed with a busy error and the newcomer is served. A connection whose
// hello is accepted leaves the lobby; one that has not had a hello accepted
// within Config.HelloTimeout of being accepted is closed with a timeout
// error, whatever it sent meanwhile. Once admitted, a connection is closed
// after Config.IdleTimeout without a request that does work (pings do not
// count), except while its winners query is parked.
//
// Once ctx is done, Serve shuts down in this order: it closes ln, so no
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
		cctx, evict := context.WithCancelCause(connCtx)
		st := s.lobby.enter(evict)
		conns.Go(func() {
			defer evict(nil)
			s.serveConn(cctx, c, st)
		})
	})
	ln.Close()
	logline.Success(s.log, "listener_close", "address", ln.Addr().String())
	endConns() // also when the listener failed for good
	conns.Wait()
	if n := s.quiet.unreported(); n > 0 {
		logline.Success(s.log, "connections_close", "suppressed", n)
	} else {
		logline.Success(s.log, "connections_close")
	}
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
		logline.Log(s.log, slog.LevelWarn, "accept", logline.ResultInProgress, "error", err, "retry_in", delay)
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
