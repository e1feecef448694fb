package actors

import "time"

// Syncs returns how many times the store appended to its log (each append
// one fsync of the file log). Call it only after Run has returned.
func (s *Store) Syncs() int { return s.commits }

// OpenBeforeRun is Open for a store whose Run has not started, so that a
// test can queue appends (and open newer sessions) for Run to find
// waiting: in one group, or fenced before they are applied. Call it only
// before Run starts.
func (s *Store) OpenBeforeRun(agency int) (*Session, error) {
	req := openReq{agency: agency, reply: make(chan openRep, 1)}
	if err := s.open(req); err != nil {
		return nil, err
	}
	rep := <-req.reply
	if rep.err != nil {
		return nil, rep.err
	}
	return &rep.s, nil
}

// SetRetryTime sets how long the store keeps trying appends a shared log
// refuses, for the test's duration.
func SetRetryTime(tb interface{ Cleanup(func()) }, d time.Duration) {
	old := retryTime
	retryTime = d
	tb.Cleanup(func() { retryTime = old })
}
