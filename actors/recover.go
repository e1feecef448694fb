package actors

import (
	"fmt"

	"github.com/tp0/loteria/domain"
)

// Recovery is what the store found in its log when it opened.
type Recovery struct {
	Stored   []uint64 // bets per agency, at index agency-1
	Finished []int    // agencies recorded as done, in increasing order
	Repairs  []string // what the log repaired of a crash, a sentence each
}

// Bets returns the bets recovered, all agencies together.
func (r Recovery) Bets() uint64 {
	var n uint64
	for _, c := range r.Stored {
		n += c
	}
	return n
}

// replay rebuilds the ledger from the log, checking every bet and done
// again (a log that fails is domain.ErrCorrupt), and notes what it found
// in s.rec.
func (s *Store) replay() error {
	day := domain.DayOf(s.lottery.Date)
	refused := false // by the checks below: the log holds what no store writes
	row := func(r domain.Row) error {
		err := s.restore(r, day)
		refused = err != nil
		return err
	}
	done := func(d domain.Done) error {
		err := s.restoreDone(d)
		refused = err != nil
		return err
	}
	if err := s.log.Replay(row, done); err != nil {
		if refused {
			err = fmt.Errorf("%w: %w", domain.ErrCorrupt, err)
		}
		return err
	}
	for a := 1; a <= s.ledger.Agencies(); a++ {
		h, _ := s.ledger.Held(a)
		s.rec.Stored = append(s.rec.Stored, h.Stored)
	}
	s.rec.Finished = s.ledger.Finished()
	return nil
}

// restore adds a replayed row to the ledger, if the store could have
// written it: a bet of one of the lottery's agencies, valid on the
// lottery's day, whose digest extends its agency's stream.
func (s *Store) restore(r domain.Row, day domain.Day) error {
	if !s.ledger.Known(r.Agency) {
		return fmt.Errorf("agency %d, the lottery has agencies 1..%d", r.Agency, s.ledger.Agencies())
	}
	if err := r.ValidateBy(day); err != nil {
		return fmt.Errorf("not a valid bet on the lottery's date %s: %w", s.lottery.DateText(), err)
	}
	return s.ledger.Restore(r.Agency, r.Bet, r.Digest)
}

// restoreDone records a replayed done in the ledger, if it matches its
// agency's bets.
func (s *Store) restoreDone(d domain.Done) error {
	h, err := s.ledger.Held(d.Agency)
	if err != nil {
		return fmt.Errorf("agency %d, the lottery has agencies 1..%d", d.Agency, s.ledger.Agencies())
	}
	if _, err := s.ledger.Finish(d); err != nil {
		return fmt.Errorf("agency %d done with %d bets of digest %v, the store holds %d of digest %v",
			d.Agency, d.Total, d.Digest, h.Stored, h.Digest)
	}
	return nil
}
