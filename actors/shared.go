package actors

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tp0/loteria/domain"
)

// SharedLog is a BetLog that the stores of several servers write at once
// (package natslog: a JetStream stream). Each store's ledger holds what
// its own log has replayed, appended or caught up with; what the other
// servers append since reaches it only through CatchUp. The log's own
// check is per agency: it appends an agency's rows, or its done, only
// where this log last saw that agency's stream end. Where another writer
// got there first, Append and Finish return a *BehindError instead of
// appending for that agency, and the store catches up and judges those
// appends again, exactly as it judges an agency's resends: a batch
// another server stored already is acknowledged, one that overlaps
// stores its new suffix, one past the end is a gap, one whose bets differ
// is a conflict. Two stores can never store an agency's position twice.
//
// Replay and CatchUp also make sure every done they find is announced
// (see natslog's Watch), so a done recorded by a server that crashed
// before announcing it still counts.
type SharedLog interface {
	BetLog

	// CatchUp calls row and done, as Replay does, for what the log holds
	// of the given agencies (of every agency, if agencies is nil) past
	// what this log has replayed, appended or caught up with. It stops at
	// the first error; what it delivered before stays delivered. It may
	// be called at any time after Replay.
	CatchUp(agencies []int, row func(domain.Row) error, done func(domain.Done) error) error

	// Claim decides which server announces the draw: across every log of
	// the lottery, the first Claim returns true and every other false.
	Claim() (bool, error)
}

// BehindError is the refusal of a SharedLog's Append or Finish for some
// agencies: another writer appended for them since this log last looked,
// so nothing of theirs was appended. Held gives, for each, the bets of
// the agency's stream this log had seen, appended or caught up with when
// it stopped (the rows of the call before those are appended). Rows of
// other agencies were appended.
type BehindError struct {
	Held map[int]uint64
}

func (e *BehindError) Error() string {
	var b strings.Builder
	b.WriteString("another writer appended first for agencies")
	for _, a := range slices.Sorted(maps.Keys(e.Held)) {
		fmt.Fprintf(&b, " %d (from %d)", a, e.Held[a])
	}
	return b.String()
}

// backoff paces the store's tries at an append or done a shared log
// refused: another server's message may still be on its way into the
// stream (JetStream refuses a second message for a subject while the first
// is being replicated), or an ack was lost with the stream unreachable.
// The store actor waits between tries — its other agencies wait too,
// which is what a store whose log does not answer must do — starting at a
// millisecond and doubling up to 100 ms, for at most about 10 seconds in
// all; then the agency is told to try again (errTooManyRetries).
type backoff struct {
	tries int
	pause time.Duration
	spent time.Duration
}

const maxRetryPause = 100 * time.Millisecond

var retryTime = 10 * time.Second // a variable for tests

// next waits before the next try, but before the first, and reports
// whether to make it.
func (b *backoff) next() bool {
	b.tries++
	if b.tries == 1 {
		return true
	}
	if b.spent >= retryTime {
		return false
	}
	b.pause = min(max(2*b.pause, time.Millisecond), maxRetryPause)
	time.Sleep(b.pause)
	b.spent += b.pause
	return true
}

// behind returns the agencies err says another writer got ahead of.
func behind(err error) (*BehindError, bool) {
	var b *BehindError
	return b, errors.As(err, &b)
}

// catchUp brings the ledger up to what the shared log holds of agencies
// (all of them if nil), checking each bet and done as replay does. fatal
// tells whether the log held what no store writes: the store must stop.
func (s *Store) catchUp(agencies []int) (fatal bool, err error) {
	shared, ok := s.log.(SharedLog)
	if !ok {
		return false, nil
	}
	day := domain.DayOf(s.lottery.Date)
	row := func(r domain.Row) error {
		if err := s.restore(r, day); err != nil {
			fatal = true
			return err
		}
		return nil
	}
	done := func(d domain.Done) error {
		if err := s.restoreDone(d); err != nil {
			fatal = true
			return err
		}
		return nil
	}
	if err := shared.CatchUp(agencies, row, done); err != nil {
		if fatal || errors.Is(err, domain.ErrCorrupt) {
			fatal = true
			return true, fmt.Errorf("catch up: %w: %w", domain.ErrCorrupt, err)
		}
		return false, fmt.Errorf("catch up: %w", err)
	}
	return false, nil
}

// rejudge undoes in the ledger what a shared log refused to append,
// catches up with what the other writer appended instead, and adds again
// the appends of group for those agencies, returning the rows to append
// now. An error stops the store.
func (s *Store) rejudge(group []*AppendFuture, b *BehindError) ([]domain.Row, error) {
	agencies := slices.Sorted(maps.Keys(b.Held))
	for _, a := range agencies {
		if err := s.ledger.Truncate(a, b.Held[a]); err != nil {
			return nil, fmt.Errorf("undo what the log refused: %w", err)
		}
	}
	if _, err := s.catchUp(agencies); err != nil {
		return nil, err
	}
	rows := s.rows[:0]
	for _, f := range group {
		if _, ok := b.Held[f.agency]; ok {
			rows = s.addRows(rows, f)
		}
	}
	return rows, nil
}

// drawShared brings the ledger up to the whole shared log before the
// draw: every agency's bets, wherever they were stored, and its done. The
// dones were announced, so they are in the stream: a catch-up that fails,
// or that finds fewer (a new leader's view lagging an instant), is tried
// again, paced as appends are.
func (s *Store) drawShared() error {
	var wait backoff
	for {
		fatal, err := s.catchUp(nil)
		fin := s.ledger.Finished()
		switch {
		case fatal:
			return err
		case err == nil && len(fin) == s.ledger.Agencies():
			return nil
		case !wait.next():
			if err == nil {
				err = fmt.Errorf("the log holds the dones of agencies %v only, of %d", fin, s.ledger.Agencies())
			}
			return err
		}
	}
}

// Tally is what the lottery held at the draw.
type Tally struct {
	Stored []uint64 // bets per agency, at index agency-1, as the log holds them
	// Announce tells whether this store announces the draw: always with
	// a log of its own; with a SharedLog, for exactly one of its stores.
	Announce bool
}

type tallyReq struct {
	reply chan tallyRep
}

type tallyRep struct {
	tally Tally
	err   error
}

// Tally returns what the lottery held at the draw. It fails if the draw
// has not run.
func (s *Store) Tally(ctx context.Context) (Tally, error) {
	req := tallyReq{make(chan tallyRep, 1)}
	rep, err := call(ctx, s.tallyc, req, req.reply, s.done)
	if err == nil {
		err = rep.err
	}
	return rep.tally, err
}

// tally answers a Tally, claiming the announcement once.
func (s *Store) tally() tallyRep {
	if !s.sealed {
		return tallyRep{err: errors.New("the draw has not run")}
	}
	t := Tally{Announce: true}
	for a := 1; a <= s.ledger.Agencies(); a++ {
		h, _ := s.ledger.Held(a)
		t.Stored = append(t.Stored, h.Stored)
	}
	if shared, ok := s.log.(SharedLog); ok {
		if s.claimed == nil {
			won, err := shared.Claim()
			if err != nil {
				return tallyRep{err: fmt.Errorf("claim the draw: %w", err)}
			}
			s.claimed = &won
		}
		t.Announce = *s.claimed
	}
	return tallyRep{tally: t}
}
