package actors

import (
	"context"

	"github.com/tp0/loteria/domain"
)

// Syncs returns how many times the store fsync'd appended bets. Call it only
// after Run has returned.
func (s *Store) Syncs() int { return s.syncs }

// Enqueue queues an append like Append does, without waiting for the reply;
// wait waits for it. With Run not started yet, tests use it to fill the
// queue so that the appends are committed as one group.
func (s *Store) Enqueue(ctx context.Context, agency int, first uint64, bets []domain.Bet) (wait func(context.Context) (uint64, error), err error) {
	req := newAppendReq(agency, first, bets)
	if err := send(ctx, s.appendc, req, s.done); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (uint64, error) {
		res, err := waitAppend(ctx, req, s.done)
		return res.Stored, err
	}, nil
}

// CloseFile closes the bets file under the store, so that its next write
// fails. Call it only before Run starts.
func (s *Store) CloseFile() error { return s.f.Close() }

// CloseDoneFile closes the done file under the store, so that its next
// write fails. Call it only before Run starts.
func (s *Store) CloseDoneFile() error { return s.donef.Close() }
