package server_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/server"
	"github.com/tp0/loteria/net/wire"
)

// lottery is a whole server running in the test process: store,
// coordinator and listener on a free loopback port.
type lottery struct {
	addr    string
	store   string
	secrets map[int]string
	idle    time.Duration // the idle timeout
	hello   time.Duration // the hello timeout
	logs    *syncBuffer
	stop    func() error // shuts the server down in order and waits for it
}

type options struct {
	agencies     int
	secrets      map[int]string // nil: open
	maxConns     int            // 0: the default
	idleTimeout  time.Duration  // 0: 10 s
	helloTimeout time.Duration  // 0: 10 s
	writeTimeout time.Duration
	coordinator  server.Coordinator // in place of the real one, if set
	store        server.Store       // likewise
}

func mustStart(tb testing.TB, o options) *lottery {
	tb.Helper()
	if o.idleTimeout == 0 {
		o.idleTimeout = 10 * time.Second
	}
	if o.helloTimeout == 0 {
		o.helloTimeout = 10 * time.Second
	}
	path := filepath.Join(tb.TempDir(), "bets.csv")
	st, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: o.agencies})
	if err != nil {
		tb.Fatal(err)
	}
	coord := actors.NewCoordinator(actors.CoordinatorConfig{Agencies: o.agencies, Drawer: st})
	ln, err := server.Listen("127.0.0.1:0", 64)
	if err != nil {
		tb.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := server.New(server.Config{
		Agencies: o.agencies, Secrets: o.secrets, MaxConnections: o.maxConns,
		HelloTimeout: o.helloTimeout, IdleTimeout: o.idleTimeout, WriteTimeout: cmp.Or(o.writeTimeout, 5*time.Second),
		Store: cmp.Or(o.store, server.StoreActor(st)), Coordinator: cmp.Or[server.Coordinator](o.coordinator, coord), Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	ctx, cancel := context.WithCancel(context.Background())
	coordCtx, stopCoord := context.WithCancel(context.Background())
	storeCtx, stopStore := context.WithCancel(context.Background())
	var g errgroup.Group
	g.Go(func() error { defer stopCoord(); return srv.Serve(ctx, ln) })
	g.Go(func() error { defer stopStore(); return coord.Run(coordCtx) })
	g.Go(func() error { return st.Run(storeCtx) })
	var once sync.Once
	var err2 error
	stop := func() error {
		once.Do(func() { cancel(); err2 = g.Wait() })
		return err2
	}
	tb.Cleanup(func() { stop() })
	return &lottery{addr: ln.Addr().String(), store: path, secrets: o.secrets, idle: o.idleTimeout, hello: o.helloTimeout, logs: logs, stop: stop}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent loggers.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed by the next write, if someone waits
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mustWaitFor waits, at most 10 s, for a line holding every one of parts,
// and returns it.
func (s *syncBuffer) mustWaitFor(tb testing.TB, parts ...string) string {
	tb.Helper()
	timeout := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		logs := s.b.String()
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		for _, line := range strings.Split(logs, "\n") {
			if containsAll(line, parts) {
				return line
			}
		}
		select {
		case <-changed:
		case <-timeout:
			tb.Fatalf("no line with %q within 10s:\n%s", parts, logs)
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func mustDial(tb testing.TB, l *lottery) *client.Conn {
	tb.Helper()
	c, err := client.Dial(testCtx(tb), l.addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// mustHello opens a connection for agency, with its secret if the server
// has secrets.
func mustHello(tb testing.TB, l *lottery, agency int) *client.Conn {
	tb.Helper()
	c := mustDial(tb, l)
	if _, err := c.Hello(testCtx(tb), uint32(agency), l.secrets[agency]); err != nil {
		tb.Fatalf("hello %d: %v", agency, err)
	}
	return c
}

// bets makes n valid bets; the ones at the given positions win.
func bets(agency, n int, winners ...int) []domain.Bet {
	out := make([]domain.Bet, n)
	for i := range out {
		out[i] = domain.Bet{
			Agency: agency, FirstName: fmt.Sprintf("Nombre, \"%d\" 😀", i), LastName: "Pérez | Saldaña",
			Document: fmt.Sprintf("%08d", agency*1_000_000+i), Birthdate: "1990-05-17", Number: i % domain.WinningNumber,
		}
	}
	for _, w := range winners {
		out[w].Number = domain.WinningNumber
	}
	return out
}

// sendAll sends bets in batches of size per batch, starting at position 0.
func sendAll(ctx context.Context, c *client.Conn, all []domain.Bet, size int) error {
	for first := 0; first < len(all); first += size {
		end := min(first+size, len(all))
		if _, err := c.Send(ctx, wire.Batch{First: uint64(first), Bets: all[first:end]}); err != nil {
			return fmt.Errorf("batch at %d: %w", first, err)
		}
	}
	return nil
}

// mustStoredRows reads the bets file after the server stopped.
func mustStoredRows(tb testing.TB, path string) []domain.Bet {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []domain.Bet
	if err := domain.ReadBets(f, func(b domain.Bet) error { out = append(out, b); return nil }); err != nil {
		tb.Fatal(err)
	}
	return out
}

func byAgency(rows []domain.Bet) map[int][]domain.Bet {
	m := map[int][]domain.Bet{}
	for _, b := range rows {
		m[b.Agency] = append(m[b.Agency], b)
	}
	return m
}

// rawConn is a connection that sends whatever bytes a test wants.
func rawConn(tb testing.TB, l *lottery) net.Conn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", l.addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tb.Cleanup(func() { c.Close() })
	return c
}

func frame(tb testing.TB, m wire.Message) []byte {
	tb.Helper()
	b, err := wire.AppendFrame(nil, m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func containsLine(logs, substr string) bool { return strings.Contains(logs, substr) }

// digestOf is the digest of a stream of bets, as an agency computes it.
func digestOf(bets []domain.Bet) domain.Digest { return new(domain.Digester).Add(0, bets...) }

// failLines counts the conexion fail lines in logs, and the fail lines the
// server says it suppressed (in those lines and in connections_close).
func failLines(logs string) (logged, suppressed int) {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "msg=conexion result=fail") {
			logged++
		} else if !strings.Contains(line, "msg=connections_close") {
			continue
		}
		if _, v, ok := strings.Cut(line, " suppressed="); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			suppressed += n
		}
	}
	return logged, suppressed
}
