package server

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// evictions records which seats were evicted, in order, and with what.
type evictions struct {
	got   []string
	cause error
}

func (e *evictions) evict(name string) context.CancelCauseFunc {
	return func(cause error) {
		e.got = append(e.got, name)
		e.cause = cause
	}
}

// TestLobbyEvictsOnlyWhenFull: the lobby evicts the oldest seat still
// taken, and only once max seats are taken: seats whose connections left
// (admitted or ended) count for nothing, wherever they are in the queue.
func TestLobbyEvictsOnlyWhenFull(t *testing.T) {
	full := errors.New("full")
	l := newLobby(3, full)
	var ev evictions
	a := l.enter(ev.evict("a"))
	l.enter(ev.evict("b"))
	l.enter(ev.evict("c"))
	a.leave() // admitted: the oldest seat is stale now
	l.enter(ev.evict("d"))
	if len(ev.got) != 0 {
		t.Fatalf("evicted %v with a seat free", ev.got)
	}
	l.enter(ev.evict("e"))
	l.enter(ev.evict("f"))
	if want := []string{"b", "c"}; !slices.Equal(ev.got, want) || ev.cause != full {
		t.Fatalf("evicted %v (cause %v), want %v, the oldest first, with the lobby's cause", ev.got, ev.cause, want)
	}
	if n := l.in.Load(); n != 3 {
		t.Fatalf("%d seats taken, want 3", n)
	}
}

// TestLobbyDropsStaleSeatsBehindALiveOne: a seat taken at the head of the
// queue, and thousands of connections that come and leave behind it: it
// is never evicted, since the lobby is never full, and the queue stays
// within its bound.
func TestLobbyDropsStaleSeatsBehindALiveOne(t *testing.T) {
	l := newLobby(4, errors.New("full"))
	var ev evictions
	l.enter(ev.evict("head"))
	for range 10_000 {
		s := l.enter(ev.evict("passer-by"))
		if len(l.queue) > cap(l.queue) {
			t.Fatalf("queue of %d seats, room for %d", len(l.queue), cap(l.queue))
		}
		s.leave()
		s.leave() // a second leave (say, admitted, then ended) counts nothing
	}
	if len(ev.got) != 0 {
		t.Fatalf("evicted %d seats with at most 2 of 4 taken", len(ev.got))
	}
	if n := l.in.Load(); n != 1 {
		t.Fatalf("%d seats taken, want 1", n)
	}
}

// TestSeatEvictedOrLeftOnce: a seat is taken out once, by whoever comes
// first: a connection that leaves after being evicted does not free a
// second seat, and an evicted one is not evicted again.
func TestSeatEvictedOrLeftOnce(t *testing.T) {
	l := newLobby(1, errors.New("full"))
	var ev evictions
	a := l.enter(ev.evict("a"))
	l.enter(ev.evict("b")) // evicts a
	a.leave()              // a's connection ends
	if n := l.in.Load(); n != 1 {
		t.Fatalf("%d seats taken, want 1 (b)", n)
	}
	l.enter(ev.evict("c")) // evicts b, not a again
	if want := []string{"a", "b"}; !slices.Equal(ev.got, want) {
		t.Fatalf("evicted %v, want %v", ev.got, want)
	}
}
