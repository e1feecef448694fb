package actors

import (
	"context"

	"github.com/tp0/loteria/domain"
)

// Appended is the outcome of an append.
type Appended struct {
	Stored uint64        // the agency's bets stored after the append
	Digest domain.Digest // their digest
	New    int           // bets of the batch this append stored; the others were held already
}

// AppendFuture is an append in flight, from Session.Enqueue until the
// store settles it, exactly once, with what Session.Append would return —
// in the spirit of hashicorp/raft's futures and JetStream's PubAckFuture.
type AppendFuture struct {
	// The request, read by the store.
	agency int
	epoch  uint64
	first  uint64
	bets   []domain.Bet
	from   domain.Digest
	after  []domain.Digest

	done    chan struct{}   // closed once settled
	stopped <-chan struct{} // the store's: closed once its Run has returned
	res     Appended        // the outcome: written before done is closed
	err     error
}

// Done returns a channel closed once the store has settled the append. A
// store that stops first never closes it: Wait tells.
func (f *AppendFuture) Done() <-chan struct{} { return f.done }

// Wait returns the append's outcome once the store has settled it, ctx's
// error if ctx ends first, or ErrStopped if the store stops without
// settling it. An outcome already given wins over both.
func (f *AppendFuture) Wait(ctx context.Context) (Appended, error) {
	if _, err := recv(ctx, f.done, f.stopped); err != nil {
		return Appended{}, err
	}
	return f.res, f.err
}

// settle gives the append its outcome, f.res and f.err, or failed if it
// is not nil: the log's error, which every append of the group shares.
// Only the store calls it, once.
func (f *AppendFuture) settle(failed error) {
	if failed != nil {
		f.res, f.err = Appended{}, failed
	}
	close(f.done)
}
