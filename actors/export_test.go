package actors

import "github.com/tp0/loteria/domain"

// Syncs returns how many times the store appended to its log (each append
// one fsync of the file log). Call it only after Run has returned.
func (s *Store) Syncs() int { return s.commits }

// BreakLog makes the store's log fail every Append with appendErr and
// every Finish with finishErr, those that are not nil, as a full or lost
// disk would. Call it only before Run starts.
func (s *Store) BreakLog(appendErr, finishErr error) {
	s.log = brokenLog{s.log, appendErr, finishErr}
}

type brokenLog struct {
	BetLog
	appendErr, finishErr error
}

func (l brokenLog) Append(rows []domain.Row) error {
	if l.appendErr != nil {
		return l.appendErr
	}
	return l.BetLog.Append(rows)
}

func (l brokenLog) Finish(d domain.Done) error {
	if l.finishErr != nil {
		return l.finishErr
	}
	return l.BetLog.Finish(d)
}

// OpenBeforeRun is Open for a store whose Run has not started, so that a
// test can queue appends (and open newer sessions) for Run to find
// waiting: in one group, or fenced before they are applied. Call it only
// before Run starts.
func (s *Store) OpenBeforeRun(agency int) (*Session, error) {
	rep := s.open(openReq{agency: agency})
	if rep.err != nil {
		return nil, rep.err
	}
	return &rep.s, nil
}
