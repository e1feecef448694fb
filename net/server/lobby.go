package server

import (
	"context"
	"sync/atomic"
)

// lobby holds the connections that have not had a hello accepted, oldest
// first, at most max of them. A newcomer to a full lobby evicts the oldest
// (told busy), so unauthenticated peers can never keep an agency out: they
// can only push each other out. A connection leaves the lobby when its hello
// is accepted (see conn.admitted) or when it ends.
//
// Only the accept loop calls enter, so the queue needs no lock; the
// connections take themselves out through their seats, which in counts
// with an atomic. A seat that left stays in the queue until the accept loop
// meets it and drops it: the queue has room for 2×max seats, so when it is
// full at least max of them are stale and one pass drops them all, a cost
// of about two channel operations per connection accepted.
type lobby struct {
	max   int
	full  error        // the cause given to an evicted connection
	in    atomic.Int64 // seats taken: connections in the lobby, not yet out
	queue chan *seat   // every seat taken, and stale seats, oldest first
}

func newLobby(max int, full error) *lobby {
	return &lobby{max: max, full: full, queue: make(chan *seat, 2*max)}
}

// seat is one connection's place in the lobby. Whoever takes it out first
// — the connection, admitted or ended, or the accept loop, evicting it —
// counts it out of the lobby; the other's attempt does nothing.
type seat struct {
	l     *lobby
	out   atomic.Bool
	evict context.CancelCauseFunc
}

// enter seats a newly accepted connection, first evicting the oldest ones
// while the lobby is full. evict ends the connection with the given cause.
// Only the accept loop calls it.
func (l *lobby) enter(evict context.CancelCauseFunc) *seat {
	for l.in.Load() >= int64(l.max) {
		// Cannot block: every seat not out is in the queue, and in ≥ 1.
		old := <-l.queue
		if old.takeOut() {
			old.evict(l.full)
		} // else stale: it left by itself, and is dropped
	}
	if len(l.queue) == cap(l.queue) {
		l.compact()
	}
	s := &seat{l: l, evict: evict}
	l.in.Add(1)
	l.queue <- s // cannot block: fewer than max seats are taken, so compact made room
	return s
}

// compact drops the stale seats, keeping the others in order.
func (l *lobby) compact() {
	for range len(l.queue) {
		s := <-l.queue
		if !s.out.Load() {
			l.queue <- s
		}
	}
}

// takeOut counts the seat out of the lobby and reports whether this call
// did it (false: it was out already).
func (s *seat) takeOut() bool {
	if !s.out.CompareAndSwap(false, true) {
		return false
	}
	s.l.in.Add(-1)
	return true
}

// leave takes the connection out of the lobby, if it is still in it. A nil
// seat is no seat: the connection is in no lobby.
func (s *seat) leave() {
	if s != nil {
		s.takeOut()
	}
}
