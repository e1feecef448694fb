package main

import (
	"bufio"
	"bytes"
	"cmp"
	"io"
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
	frame int  // bytes on the wire, header included
	ahead bool // more bytes had arrived behind it when it was read
}

// at names the n-th message of type t the fake server receives, counted
// from 1 over all connections.
type at struct {
	t wire.Type
	n int
}

// fault is what the fake server does with a message instead of answering
// it. It then closes the connection, unless hang.
type fault struct {
	keep  bool          // first apply the message: store the batch, record the done
	stale bool          // and answer the next hello as if the batch were not stored yet
	send  wire.Message  // write this (an Error frame, say) before closing
	hang  bool          // say nothing, and wait for the agency to hang up
	kill  bool          // close the listener and every connection: the server is gone
	fresh *wire.Welcome // then forget every bet: a new lottery, this welcome's Lottery and Date
}

// fakeServer speaks the protocol on 127.0.0.1:0 for one agency and records
// what it sends. Like the real server it stores each position once, keeps
// its state across connections, tells each hello where to resume and the
// digest of what it holds, acks each batch with its count and digest,
// refuses a resend whose bets differ from those held (conflict) and a done
// that does not match what it holds. Set the fields above mu before start;
// welcome.Digest must be the digest of the agency's first welcome.Stored
// bets (digestOf), and a welcome without a Lottery or Date gets testLottery
// and testDate.
//
// With hold set, it reads batches without answering them until hold of
// them wait, or the last one reaches end (the agency's last bet), and
// nothing more has arrived behind them; then it stores and answers them
// all. A window of hold batches is then seen whole, and a client that
// sends past its window is likely caught with more than hold waiting
// (maxHeld). Waiting batches are lost with their connection.
type fakeServer struct {
	welcome wire.Welcome // the state at start, as an earlier run left it
	winners []string
	always  *fault       // the fault for every batch, if set
	reject  *wire.Reject // answer to every batch, if set
	undone  *wire.Reject // answer to every done, if set
	park    bool         // never answer winners queries
	faults  map[at]fault
	hold    int           // batches to hold unanswered; 0 answers each at once
	end     uint64        // with hold: the position after the agency's last bet
	query   chan struct{} // closed at the first winners query
	echoed  chan struct{} // closed at the first echo

	mu       sync.Mutex
	seen     map[wire.Type]int // messages received, by type
	batches  []batch           // every batch received, resends too
	rows     []domain.Bet      // bets stored, from position base on
	base     uint64            // the first position in rows: welcome.Stored, 0 once fresh
	sums     []domain.Digest   // the digest of the first base+i bets, for i up to len(rows)
	dg       domain.Digester
	lottery  uint64 // the lottery and its date, sent in every welcome
	date     string
	renewed  int      // batches received when the server last started a fresh lottery
	stored   uint64   // positions held
	finished bool     // done recorded
	lag      uint64   // bets the next welcome must not count (fault.stale)
	dups     int      // bets received at positions already held
	totals   []uint64 // the total of every done received
	secrets  []string // the secret of every hello
	echoes   []string // the text of every echo
	accepted int      // connections accepted
	pings    int
	maxHeld  int // the most batches waiting unanswered at once (hold)
	ln       net.Listener
	conns    []net.Conn
	closed   bool
}

// start serves until the test ends and returns the server's address.
func (s *fakeServer) start(t *testing.T) string {
	t.Helper()
	s.query = make(chan struct{})
	s.echoed = make(chan struct{})
	s.seen = make(map[wire.Type]int)
	s.stored, s.finished = s.welcome.Stored, s.welcome.Finished
	s.base, s.sums = s.welcome.Stored, []domain.Digest{s.welcome.Digest}
	s.lottery, s.date = cmp.Or(s.welcome.Lottery, testLottery), cmp.Or(s.welcome.Date, testDate)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.ln = ln
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil || !s.track(nc) {
				return
			}
			wg.Go(func() { s.serve(t, nc) })
		}
	})
	t.Cleanup(func() {
		s.kill()
		waitBounded(t, "fake server", wg.Wait)
	})
	return ln.Addr().String()
}

// track records nc, to be closed by kill; false (and nc closed) once the
// server is killed.
func (s *fakeServer) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		nc.Close()
		return false
	}
	s.conns = append(s.conns, nc)
	s.accepted++
	return true
}

// kill closes the listener and every connection.
func (s *fakeServer) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.ln.Close()
	for _, nc := range s.conns {
		nc.Close()
	}
}

// serve answers one connection until it ends.
func (s *fakeServer) serve(t *testing.T, nc net.Conn) {
	defer nc.Close()
	br := bufio.NewReaderSize(nc, 64<<10)
	buf := make([]byte, wire.MaxPayload)
	var queue []wire.Message // read and not answered yet (hold)
	for {
		f, err := wire.ReadFrame(br, buf)
		if err != nil {
			return
		}
		m, err := wire.Decode(f)
		if err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		flt, faulty := s.note(m, wire.HeaderSize+len(f.Payload), br.Buffered() > 0)
		queue = append(queue, m)
		if !faulty && s.holding(t, queue, br) {
			continue
		}
		var reply []wire.Message
		if !faulty || flt.keep {
			for i, q := range queue {
				reply = append(reply, s.answer(t, q, flt.stale && i == len(queue)-1)...)
			}
		}
		queue = queue[:0]
		if faulty {
			s.inject(nc, flt)
			return
		}
		for _, r := range reply {
			if err := wire.WriteMessage(nc, r); err != nil {
				return
			}
		}
	}
}

// holding reports whether to go on reading before answering queue, which
// holds batches only (but perhaps its last message): see hold.
func (s *fakeServer) holding(t *testing.T, queue []wire.Message, br *bufio.Reader) bool {
	if s.hold == 0 {
		return false
	}
	last, ok := queue[len(queue)-1].(wire.Batch)
	if !ok {
		if len(queue) > 1 {
			t.Errorf("fake server got %s with %d batches unanswered", queue[len(queue)-1].Type(), len(queue)-1)
		}
		return false
	}
	s.mu.Lock()
	s.maxHeld = max(s.maxHeld, len(queue))
	s.mu.Unlock()
	end := last.First+uint64(len(last.Bets)) >= s.end
	return br.Buffered() > 0 || len(queue) < s.hold && !end
}

// note records what arrived and returns the fault planned for it, if any.
func (s *fakeServer) note(m wire.Message, frame int, ahead bool) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[m.Type()]++
	switch m := m.(type) {
	case wire.Hello:
		s.secrets = append(s.secrets, m.Secret)
	case wire.Batch:
		s.batches = append(s.batches, batch{first: m.First, bets: m.Bets, frame: frame, ahead: ahead})
	case wire.Done:
		s.totals = append(s.totals, m.Total)
	case wire.WinnersQuery:
		if s.seen[m.Type()] == 1 {
			close(s.query)
		}
	case wire.Ping:
		s.pings++
	case wire.Echo:
		s.echoes = append(s.echoes, m.Text)
		if len(s.echoes) == 1 {
			close(s.echoed)
		}
	}
	if _, ok := m.(wire.Batch); ok && s.always != nil {
		return *s.always, true
	}
	f, ok := s.faults[at{m.Type(), s.seen[m.Type()]}]
	return f, ok
}

// renew forgets every bet and done: the server now runs a fresh lottery,
// w's.
func (s *fakeServer) renew(w wire.Welcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows, s.base, s.sums, s.stored, s.finished, s.lag = nil, 0, []domain.Digest{0}, 0, false, 0
	s.lottery, s.date = w.Lottery, w.Date
	s.renewed = len(s.batches)
}

// sumAt returns the digest of the first n bets held. The caller holds mu.
func (s *fakeServer) sumAt(t *testing.T, n uint64) domain.Digest {
	if n < s.base || n-s.base >= uint64(len(s.sums)) {
		t.Errorf("fake server: no digest of the first %d bets (it holds %d from %d on)", n, len(s.rows), s.base)
		return 0
	}
	return s.sums[n-s.base]
}

// answer applies m and returns the replies to it. stale: the next welcome
// does not count the bets of batch m.
func (s *fakeServer) answer(t *testing.T, m wire.Message, stale bool) []wire.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m := m.(type) {
	case wire.Hello:
		stored := s.stored - s.lag
		w := wire.Welcome{Stored: stored, Finished: s.finished, Digest: s.sumAt(t, stored), Lottery: s.lottery, Date: s.date}
		s.lag = 0
		return []wire.Message{w}
	case wire.Batch:
		reply := s.store(t, m)
		if _, ok := reply.(wire.Ack); ok && stale {
			s.lag = uint64(len(m.Bets))
		}
		return []wire.Message{reply}
	case wire.Done:
		if s.undone != nil {
			return []wire.Message{*s.undone}
		}
		if m.Total != s.stored {
			return []wire.Message{wire.Reject{First: m.Total, Code: wire.CodeIncomplete, Reason: "another total"}}
		}
		if m.Digest != s.sumAt(t, s.stored) {
			return []wire.Message{wire.Reject{First: m.Total, Code: wire.CodeConflict, Reason: "another digest"}}
		}
		s.finished = true
		return []wire.Message{wire.DoneAck{}}
	case wire.WinnersQuery:
		if s.park {
			return nil
		}
		var reply []wire.Message
		for _, w := range wire.SplitWinners(s.winners) {
			reply = append(reply, w)
		}
		return reply
	case wire.Ping:
		return []wire.Message{wire.Pong{Payload: m.Payload}}
	case wire.Echo:
		return []wire.Message{m}
	}
	t.Errorf("fake server got %s", m.Type())
	return []wire.Message{wire.Error{Code: wire.CodeUnexpected, Reason: m.Type().String()}}
}

// store stores the positions of b not held yet and returns the answer to
// it, like the real server: a resend is acked again unless its bets differ
// from those held (conflict), a gap is refused. The caller holds mu.
func (s *fakeServer) store(t *testing.T, b wire.Batch) wire.Message {
	if s.reject != nil {
		r := *s.reject
		r.First = b.First
		return r
	}
	if b.First > s.stored {
		return wire.Reject{First: b.First, Code: wire.CodeOutOfOrder, Reason: "gap"}
	}
	if s.finished {
		return wire.Reject{First: b.First, Code: wire.CodeClosed, Reason: "done"}
	}
	end := b.First + uint64(len(b.Bets))
	held := min(s.stored, end) - b.First
	for i := range held {
		if pos := b.First + i; pos >= s.base && s.rows[pos-s.base] != b.Bets[i] {
			return wire.Reject{First: b.First, Index: uint16(i), Code: wire.CodeConflict, Reason: "other bets held there"}
		}
	}
	s.dups += int(held)
	for _, bet := range b.Bets[held:] {
		s.rows = append(s.rows, bet)
		s.sums = append(s.sums, s.dg.Add(s.sums[len(s.sums)-1], bet))
	}
	s.stored = max(s.stored, end)
	return wire.Ack{First: b.First, Count: uint16(len(b.Bets)), Stored: s.stored, Digest: s.sumAt(t, s.stored)}
}

// The lottery of a fake server whose welcome names none.
const (
	testLottery uint64 = 0x0123456789abcdef
	testDate           = "2026-12-01"
)

// digestOf returns the digest of bets, in order.
func digestOf(bets ...domain.Bet) domain.Digest {
	var dg domain.Digester
	return dg.Add(0, bets...)
}

// sinceRenewed returns the batches received since the server last started
// a fresh lottery (fault.fresh).
func (s *fakeServer) sinceRenewed() []batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches[s.renewed:])
}

// inject carries out f on nc, after the message was applied if f.keep.
func (s *fakeServer) inject(nc net.Conn, f fault) {
	if f.send != nil {
		wire.WriteMessage(nc, f.send)
	}
	if f.kill {
		s.kill()
	}
	if f.fresh != nil {
		s.renew(*f.fresh)
	}
	if f.hang {
		io.Copy(io.Discard, nc)
	}
}

// mostHeld returns the most batches that waited unanswered at once (hold).
func (s *fakeServer) mostHeld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxHeld
}

// received returns the batches received so far.
func (s *fakeServer) received() []batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// held returns the bets stored from position welcome.Stored on and how many
// bets were received again at positions already held.
func (s *fakeServer) held() ([]domain.Bet, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rows), s.dups
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

// syncBuffer is a bytes.Buffer safe for concurrent use, whose content can
// be waited for.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	grew chan struct{} // closed and replaced at each write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.grew != nil {
		close(b.grew)
		b.grew = nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor waits until the output contains s, at most d; false if it did
// not.
func (b *syncBuffer) waitFor(s string, d time.Duration) bool {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		b.mu.Lock()
		if strings.Contains(b.b.String(), s) {
			b.mu.Unlock()
			return true
		}
		if b.grew == nil {
			b.grew = make(chan struct{})
		}
		grew := b.grew
		b.mu.Unlock()
		select {
		case <-grew:
		case <-timeout.C:
			return false
		}
	}
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

// echoTexts returns the text of every echo received and how many
// connections were accepted.
func (s *fakeServer) echoTexts() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.echoes), s.accepted
}

// connections returns how many connections were accepted.
func (s *fakeServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// hellos returns the secret of every hello received.
func (s *fakeServer) hellos() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.secrets)
}

// count returns how many messages of type t were received.
func (s *fakeServer) count(t wire.Type) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[t]
}
