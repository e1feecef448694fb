package actors

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
