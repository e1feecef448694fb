package actors_test

import (
	"context"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/betlogtest"
	"github.com/tp0/loteria/domain"
)

// refusing is a shared log that refuses agency 1's rows while refuse is
// set, as if another server always got there first, and whose catch-up
// finds nothing: the refused message was never readable.
type refusing struct {
	actors.BetLog
	refuse bool
	held   uint64 // agency 1's rows appended
}

func (l *refusing) Append(rows []domain.Row) error {
	if l.refuse {
		return &actors.BehindError{Held: map[int]uint64{1: l.held}}
	}
	l.held += uint64(len(rows))
	return l.BetLog.Append(rows)
}

func (l *refusing) CatchUp([]int, func(domain.Row) error, func(domain.Done) error) error { return nil }
func (l *refusing) Claim() (bool, error)                                                 { return true, nil }

// TestStoreGivesUpOnARefusingLog: an append a shared log keeps refusing
// is answered with an error once the store stops trying, and leaves no
// trace: the store holds what the log holds, and the same batch appended
// later is stored, with the same positions.
func TestStoreGivesUpOnARefusingLog(t *testing.T) {
	actors.SetRetryTime(t, 50*time.Millisecond)
	mem := betlogtest.NewMemory()
	inner, err := mem.Open(domain.Lottery{ID: 1, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Agencies: 1})
	if err != nil {
		t.Fatal(err)
	}
	log := &refusing{BetLog: inner, refuse: true}
	st, err := actors.NewStore(log, actors.StoreConfig{Agencies: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- st.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	ss, err := st.Open(ctx, 1, actors.Claim{Started: 1})
	if err != nil {
		t.Fatal(err)
	}
	bets := batch(0, 5)
	if _, err := ss.Append(ctx, 0, bets); err == nil {
		t.Fatal("an append the log kept refusing was acknowledged")
	}
	if stored, _, err := st.Stored(ctx, 1); err != nil || stored != 0 {
		t.Fatalf("after the refused append the store holds %d bets (%v), want 0: what the log holds", stored, err)
	}
	if _, err := ss.Append(ctx, 0, bets); err == nil {
		t.Fatal("a resend of the refused batch was acknowledged while the log still refuses it")
	}
	log.refuse = false // the log is read by the store's goroutine only after the send below
	got, err := ss.Append(ctx, 0, bets)
	if err != nil || got.Stored != 5 || got.New != 5 {
		t.Fatalf("the batch appended once the log takes it: %+v, %v; want 5 stored, 5 new", got, err)
	}
	if log.held != 5 {
		t.Errorf("the log holds %d of agency 1's bets, want 5", log.held)
	}
}
