package main

import (
	"bytes"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// batch is a batch as the fake server received it.
type batch struct {
	first uint64
	bets  []domain.Bet
	frame int // bytes on the wire, header included
}

// fakeServer speaks the protocol on 127.0.0.1:0 and records what agencies
// send. Set the fields above mu before start.
type fakeServer struct {
	welcome wire.Welcome
	winners []string
	reject  *wire.Reject // answer to every batch, if set
	refuse  *wire.Error  // answer to every hello, if set
	undone  *wire.Reject // answer to every done, if set
	park    bool         // never answer winners queries
	query   chan struct{}

	mu      sync.Mutex
	batches []batch
	totals  []uint64
	pings   int
	hellos  int
}

// start serves until the test ends and returns the server's address.
func (s *fakeServer) start(t *testing.T) string {
	t.Helper()
	s.query = make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				nc.Close()
				return
			}
			conns = append(conns, nc)
			mu.Unlock()
			wg.Go(func() { s.serve(t, nc) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		waitBounded(t, "fake server", wg.Wait)
	})
	return ln.Addr().String()
}

// serve answers one connection until it ends.
func (s *fakeServer) serve(t *testing.T, nc net.Conn) {
	defer nc.Close()
	buf := make([]byte, wire.MaxPayload)
	queried := false
	for {
		f, err := wire.ReadFrame(nc, buf)
		if err != nil {
			return
		}
		m, err := wire.Decode(f)
		if err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		var reply []wire.Message
		switch m := m.(type) {
		case wire.Hello:
			s.mu.Lock()
			s.hellos++
			s.mu.Unlock()
			if s.refuse != nil {
				wire.WriteMessage(nc, *s.refuse)
				return
			}
			reply = append(reply, s.welcome)
		case wire.Batch:
			reply = append(reply, s.batch(m, wire.HeaderSize+len(f.Payload)))
		case wire.Done:
			s.mu.Lock()
			s.totals = append(s.totals, m.Total)
			s.mu.Unlock()
			if s.undone != nil {
				reply = append(reply, *s.undone)
			} else {
				reply = append(reply, wire.DoneAck{})
			}
		case wire.WinnersQuery:
			if !queried {
				queried = true
				close(s.query)
			}
			if !s.park {
				for _, w := range wire.SplitWinners(s.winners) {
					reply = append(reply, w)
				}
			}
		case wire.Ping:
			s.mu.Lock()
			s.pings++
			s.mu.Unlock()
			reply = append(reply, wire.Pong{Payload: m.Payload})
		default:
			t.Errorf("fake server got %s", m.Type())
			return
		}
		for _, r := range reply {
			if err := wire.WriteMessage(nc, r); err != nil {
				return
			}
		}
	}
}

// batch records b and returns the answer to it.
func (s *fakeServer) batch(b wire.Batch, frame int) wire.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, batch{first: b.First, bets: b.Bets, frame: frame})
	if s.reject != nil {
		r := *s.reject
		r.First = b.First
		return r
	}
	return wire.Ack{First: b.First, Count: uint16(len(b.Bets)), Stored: b.First + uint64(len(b.Bets))}
}

// received returns the batches received so far.
func (s *fakeServer) received() []batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// waitBounded runs wait and fails the test if it takes more than 5s.
func waitBounded(t testing.TB, what string, wait func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Errorf("%s did not stop within 5s", what)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// lines returns the log lines of action, from "action:" on (without the
// time and level).
func lines(out, action string) []string {
	var ls []string
	for l := range strings.Lines(out) {
		l = strings.TrimRight(l, "\n")
		i := strings.Index(l, "action: ")
		if i < 0 {
			continue
		}
		l = l[i:]
		if l == "action: "+action || strings.HasPrefix(l, "action: "+action+" | ") {
			ls = append(ls, l)
		}
	}
	return ls
}

func (s *fakeServer) doneTotals() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.totals)
}

func (s *fakeServer) pingCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pings
}

func (s *fakeServer) helloCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hellos
}
