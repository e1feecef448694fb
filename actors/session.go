package actors

import (
	"context"
	"slices"

	"github.com/tp0/loteria/domain"
)

// Session is an agency's turn at writing its stream: from Open until the
// next Open for the same agency, which fences it. A fenced session's
// appends and done fail with ErrFenced, even those it sent before it was
// fenced but the store had not applied yet, so the newer session starts
// from exactly the bets its Open reported, and two processes of one agency
// never interleave their streams. A Session is used by one goroutine.
type Session struct {
	st     *Store
	agency int
	epoch  uint64
	fenced <-chan struct{}
	held   domain.Held // what the store held for the agency when the session opened
}

// Claim orders the sessions of an agency: when the agency's process
// started (Unix nanoseconds) and the connection's number within it.
type Claim struct {
	Started uint64
	Attempt uint32
}

// before reports whether c is older than d.
func (c Claim) before(d Claim) bool {
	return c.Started < d.Started || c.Started == d.Started && c.Attempt < d.Attempt
}

// sessions is what the store knows of an agency's sessions.
type sessions struct {
	epoch uint64        // of the agency's latest session; 0: none yet
	fence chan struct{} // closed when a newer session opens
	claim Claim         // the latest session's
	live  bool          // the latest session is not closed
}

type openReq struct {
	agency int
	claim  Claim
	reply  chan openRep
}

type closeReq struct {
	agency int
	epoch  uint64
}

type openRep struct {
	s   Session
	err error
}

// Open starts a session for agency, fencing the agency's previous one,
// whose Fenced channel is closed. A claim older than that of the agency's
// live session (one not closed yet) is refused with ErrStale instead: an
// older hello, processed late, must not take the agency from a newer one.
// It fails with ErrUnknownAgency for an agency outside 1..N.
func (s *Store) Open(ctx context.Context, agency int, claim Claim) (*Session, error) {
	req := openReq{agency, claim, make(chan openRep, 1)}
	rep, err := call(ctx, s.openc, req, req.reply, s.done)
	if err == nil {
		err = rep.err
	}
	if err != nil {
		return nil, err
	}
	return &rep.s, nil
}

// open answers req. With a SharedLog it first catches up with what other
// servers stored for the agency, so the session starts where the
// agency's stream ends; it returns the error that stops the store if the
// log holds what no store writes.
func (s *Store) open(req openReq) error {
	agency := req.agency
	if s.ledger.Known(agency) {
		if fatal, err := s.catchUp([]int{agency}); err != nil {
			req.reply <- openRep{err: err}
			if fatal {
				return err
			}
			return nil
		}
	}
	held, err := s.ledger.Held(agency)
	if err != nil {
		req.reply <- openRep{err: err}
		return nil
	}
	ss := &s.sessions[agency-1]
	if ss.live && req.claim.before(ss.claim) {
		req.reply <- openRep{err: ErrStale}
		return nil
	}
	if ss.fence != nil {
		close(ss.fence)
	}
	ss.epoch++
	ss.fence = make(chan struct{})
	ss.claim, ss.live = req.claim, true
	req.reply <- openRep{s: Session{st: s, agency: agency, epoch: ss.epoch, fenced: ss.fence, held: held}}
	return nil
}

// Held returns what the store held for the agency when the session opened.
func (ss *Session) Held() domain.Held { return ss.held }

// Close ends the session: the agency has no live session any more, unless
// a newer one has opened since, so that any claim may open the next. Once
// it returns the store has taken it: an Open after it sees it.
func (ss *Session) Close() {
	select {
	case ss.st.closec <- closeReq{ss.agency, ss.epoch}:
	case <-ss.st.done:
	}
}

func (s *Store) closeSession(req closeReq) {
	if ss := &s.sessions[req.agency-1]; ss.epoch == req.epoch {
		ss.live = false
	}
}

// Agency returns the session's agency.
func (ss *Session) Agency() int { return ss.agency }

// Fenced returns a channel closed once a newer session of the same agency
// has opened.
func (ss *Session) Fenced() <-chan struct{} { return ss.fenced }

// Append stores the session's agency's batch of bets at positions first,
// first+1, …, first+len(bets)-1 and returns how many of the agency's bets
// are stored after it, their digest and how many of the batch it stored,
// once they are durable in the log. Bets at positions already stored must
// be the ones stored there, and are skipped, so resending a batch is safe;
// a batch entirely stored is acknowledged even after Finish or Draw. Each
// bet is stored with Agency set to the session's agency; the caller has
// validated the rest.
//
// Append fails with ErrFenced once a newer session has opened, with the
// ledger's refusal (domain.ErrGap, ErrConflict, ErrFinished, ErrSealed;
// see domain.Ledger.Add), or with the log's error that stops the store.
// After a context error the batch may or may not have been stored; a new
// session tells.
func (ss *Session) Append(ctx context.Context, first uint64, bets []domain.Bet) (Appended, error) {
	// A copy: the store may still read the bets after a caller that gave up
	// on ctx has reused its slice.
	f, err := ss.Enqueue(ctx, first, slices.Clone(bets), 0, nil)
	if err != nil {
		return Appended{}, err
	}
	return f.Wait(ctx)
}

// Enqueue is Append in two steps: it hands the batch to the store and
// returns at once with the append's future, which the store settles with
// what Append would return. The store takes appends in the order they are
// enqueued, so a connection can enqueue its batches one after the other
// and wait for each in turn while the next are read: a window of batches
// in flight, committed together. The store owns bets from then on: the
// caller must not change them.
//
// after, if not nil, is the stream's digest after each bet worked out by
// the caller from from, the digest it expects at first (a connection does
// it from the batch's frame, while the store serves others); the store
// uses it only if from is the digest it holds at first and first is where
// its bets end (see domain.Ledger.Add).
func (ss *Session) Enqueue(ctx context.Context, first uint64, bets []domain.Bet, from domain.Digest, after []domain.Digest) (*AppendFuture, error) {
	f := &AppendFuture{
		agency: ss.agency, epoch: ss.epoch, first: first, bets: bets, from: from, after: after,
		done: make(chan struct{}), stopped: ss.st.done,
	}
	if err := send(ctx, ss.st.appendc, f, ss.st.done); err != nil {
		return nil, err
	}
	return f, nil
}

// Finish records that the session's agency has sent all its bets, total in
// all with digest, and returns once that is durable in the log, so that
// the agency stays finished across a restart. It fails with ErrFenced once
// a newer session has opened, with the ledger's refusal
// (domain.ErrIncomplete, ErrConflict; see domain.Ledger.Finish), or with
// the log's error that stops the store. Finishing again with the same
// total and digest is fine and writes nothing. After Finish, new bets for
// the agency fail with domain.ErrFinished.
func (ss *Session) Finish(ctx context.Context, total uint64, digest domain.Digest) error {
	req := finishReq{domain.Done{Agency: ss.agency, Total: total, Digest: digest}, ss.epoch, make(chan error, 1)}
	err, rerr := call(ctx, ss.st.finishc, req, req.reply, ss.st.done)
	if rerr != nil {
		return rerr
	}
	return err
}
