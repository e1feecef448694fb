package actors

// Syncs returns how many times the store fsync'd appended bets. Call it only
// after Run has returned.
func (s *Store) Syncs() int { return s.syncs }

// CloseFile closes the bets file under the store, so that its next write
// fails. Call it only before Run starts.
func (s *Store) CloseFile() error { return s.f.Close() }

// CloseDoneFile closes the done file under the store, so that its next
// write fails. Call it only before Run starts.
func (s *Store) CloseDoneFile() error { return s.donef.Close() }
