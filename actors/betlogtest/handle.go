package betlogtest

import (
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// handle is one open of a target's log, failing the test on any error of
// the log's. A log a failed test leaves open is closed at its cleanup.
type handle struct {
	t      *testing.T
	log    actors.BetLog
	closed bool
}

// mustOpen opens tg's log for fresh.
func mustOpen(t *testing.T, tg Target, fresh domain.Lottery) *handle {
	t.Helper()
	log, err := tg.Open(fresh)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if log == nil {
		t.Fatal("Open returned a nil log and no error")
	}
	h := &handle{t: t, log: log}
	t.Cleanup(func() {
		if !h.closed {
			h.log.Close()
		}
	})
	return h
}

// mustReopen opens tg's log for fresh and replays it, as the store does
// when it starts.
func mustReopen(t *testing.T, tg Target, fresh domain.Lottery) (*handle, history) {
	t.Helper()
	h := mustOpen(t, tg, fresh)
	return h, h.replay()
}

// lottery checks that the log belongs to want.
func (h *handle) lottery(want domain.Lottery) {
	h.t.Helper()
	got := h.log.Lottery()
	if got.ID != want.ID || !got.Date.Equal(want.Date) || got.Agencies != want.Agencies {
		h.t.Fatalf("Lottery() is %s of %s for %d agencies, want %s of %s for %d",
			got.IDText(), got.Date, got.Agencies, want.IDText(), want.Date, want.Agencies)
	}
}

// replay replays the log whole and checks that every row came before
// every done.
func (h *handle) replay() history {
	h.t.Helper()
	var got history
	var late []domain.Row // rows replayed after a done
	err := h.log.Replay(func(r domain.Row) error {
		if len(got.dones) > 0 {
			late = append(late, r)
		}
		got.rows = append(got.rows, r)
		return nil
	}, func(d domain.Done) error {
		got.dones = append(got.dones, d)
		return nil
	})
	if err != nil {
		h.t.Fatalf("Replay: %v", err)
	}
	if len(late) > 0 {
		h.t.Fatalf("Replay called row after done, for %d rows, the first %+v", len(late), late[0])
	}
	return got
}

// append appends rows.
func (h *handle) append(rows []domain.Row) {
	h.t.Helper()
	if err := h.log.Append(rows); err != nil {
		h.t.Fatalf("Append of %d rows: %v", len(rows), err)
	}
}

// finish records d.
func (h *handle) finish(d domain.Done) {
	h.t.Helper()
	if err := h.log.Finish(d); err != nil {
		h.t.Fatalf("Finish(%+v): %v", d, err)
	}
}

// close closes the log.
func (h *handle) close() {
	h.t.Helper()
	h.closed = true
	if err := h.log.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

// check checks that got is want's rows, then want's dones.
func (want history) check(t *testing.T, got history) {
	t.Helper()
	if d := diffRows(got.rows, want.rows); d != "" {
		t.Fatalf("replayed %s", d)
	}
	if d := diffDones(got.dones, want.dones); d != "" {
		t.Fatalf("replayed %s", d)
	}
}
