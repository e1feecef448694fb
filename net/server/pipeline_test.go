package server_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/server"
	"github.com/tp0/loteria/net/wire"
)

// TestPipelinedRepliesKeepOrder sends a window of requests without waiting:
// every reply comes back in the order of the requests, a reject in the
// middle included, and the requests that are not batches wait their turn.
func TestPipelinedRepliesKeepOrder(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	bad := bets(1, 3)
	bad[1].Document = "x"
	var out []byte
	for _, m := range []wire.Message{
		wire.Hello{Version: wire.Version, Agency: 1},
		wire.Batch{First: 0, Bets: bets(1, 3)},
		wire.Batch{First: 3, Bets: bad},
		wire.Batch{First: 3, Bets: bets(1, 3)},
		wire.Batch{First: 99, Bets: bets(1, 1)},
		wire.Ping{Payload: []byte("p")},
		wire.Batch{First: 6, Bets: bets(1, 3)},
		wire.Done{Total: 9, Digest: digestOf(slices.Concat(bets(1, 3), bets(1, 3), bets(1, 3)))},
	} {
		out = append(out, frame(t, m)...)
	}
	c := rawConn(t, l)
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	want := []string{"welcome", "ack 0", "reject 3 invalid_bet", "ack 3", "reject 99 out_of_order", "pong", "ack 6", "done_ack"}
	for i, w := range want {
		m, err := wire.ReadMessage(c, nil)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if got := describe(m); got != w {
			t.Fatalf("reply %d is %q, want %q", i, got, w)
		}
	}
}

func describe(m wire.Message) string {
	switch m := m.(type) {
	case wire.Ack:
		return "ack " + strconv.FormatUint(m.First, 10)
	case wire.Reject:
		return "reject " + strconv.FormatUint(m.First, 10) + " " + m.Code.String()
	}
	return m.Type().String()
}

// heldStore stores nothing; it settles each batch when the test says so,
// and gives up on every batch once gone is closed. It is its own session.
type heldStore struct {
	settle chan uint64 // the first position of the batch to settle
	gone   chan struct{}
}

func (s heldStore) Open(context.Context, int, actors.Claim) (server.Session, error) { return s, nil }
func (heldStore) Close()                                                            {}
func (heldStore) Lottery() domain.Lottery {
	return domain.Lottery{Date: time.Now().UTC().Truncate(24 * time.Hour), Agencies: 1}
}
func (heldStore) Held() domain.Held       { return domain.Held{} }
func (heldStore) Fenced() <-chan struct{} { return nil }

func (s heldStore) Enqueue(_ context.Context, first uint64, bets []domain.Bet, _ domain.Digest, _ []domain.Digest) (server.Appending, error) {
	return &heldAppend{s: s, first: first, n: len(bets), done: make(chan struct{})}, nil
}

// heldAppend is a batch of heldStore's, settled when the test says so.
type heldAppend struct {
	s     heldStore
	first uint64
	n     int
	done  chan struct{} // never closed: the server must wait
}

func (a *heldAppend) Done() <-chan struct{} { return a.done }

func (a *heldAppend) Wait(ctx context.Context) (actors.Appended, error) {
	select {
	case f := <-a.s.settle:
		if f != a.first {
			panic("settled out of order")
		}
		return actors.Appended{Stored: a.first + uint64(a.n), New: a.n}, nil
	case <-ctx.Done():
		return actors.Appended{}, ctx.Err()
	case <-a.s.gone:
		return actors.Appended{}, actors.ErrStopped
	}
}

func (heldStore) Finish(context.Context, uint64, domain.Digest) error { return nil }

// TestAckIsNotHeldBehindLaterBatches: the ack of a batch on disk goes out
// at once, even while the batch after it still waits for the store.
func TestAckIsNotHeldBehindLaterBatches(t *testing.T) {
	store := heldStore{make(chan uint64), make(chan struct{})}
	l := mustStart(t, options{agencies: 1, store: store})
	t.Cleanup(func() { close(store.gone) }) // before the server stops: cleanups run last first
	c := rawConn(t, l)
	out := frame(t, wire.Hello{Version: wire.Version, Agency: 1})
	out = append(out, frame(t, wire.Batch{First: 0, Bets: bets(1, 2)})...)
	out = append(out, frame(t, wire.Batch{First: 2, Bets: bets(1, 2)})...)
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	if m, err := wire.ReadMessage(c, nil); err != nil || m.Type() != wire.TypeWelcome {
		t.Fatalf("welcome: %v, %v", m, err)
	}
	settle(t, store, 0) // the first batch is on disk; the second is not
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if m, err := wire.ReadMessage(c, nil); err != nil || describe(m) != "ack 0" {
		t.Fatalf("while the next batch waits, got %v, %v; want the ack of the first", m, err)
	}
	settle(t, store, 2)
	if m, err := wire.ReadMessage(c, nil); err != nil || describe(m) != "ack 2" {
		t.Fatalf("got %v, %v; want the ack of the second", m, err)
	}
}

func settle(t *testing.T, s heldStore, first uint64) {
	t.Helper()
	select {
	case s.settle <- first:
	case <-time.After(5 * time.Second):
		t.Fatalf("the server never waited for the batch at %d", first)
	}
}
