package actors

import "github.com/tp0/loteria/domain"

// gather returns first and the appends queued behind it, to be committed
// together.
func (s *Store) gather(first *AppendFuture) []*AppendFuture {
	group := []*AppendFuture{first}
	for len(group) < maxGroup {
		select {
		case f := <-s.appendc:
			group = append(group, f)
		default:
			return group
		}
	}
	return group
}

// commit is group commit: it adds each append of group to the ledger,
// appends the bets they add to the log at once, so that one fsync makes
// them all durable, and then settles each. If the log fails, every append
// the ledger took gets the error, and commit returns it: the store stops.
func (s *Store) commit(group []*AppendFuture) error {
	rows := s.rows[:0]
	taken := group[:0] // the appends the ledger took: settled after the log
	for _, f := range group {
		if !s.ledger.Known(f.agency) || f.epoch != s.sessions[f.agency-1].epoch {
			f.settle(Appended{}, ErrFenced)
			continue
		}
		added, err := s.ledger.Add(f.agency, f.first, f.bets, f.from, f.after)
		if err != nil {
			f.settle(Appended{}, err)
			continue
		}
		for i, b := range added.Fresh {
			b.Agency = f.agency
			rows = append(rows, domain.Row{Bet: b, Digest: added.Digests[i]})
		}
		f.res = Appended{Stored: added.Held.Stored, Digest: added.Held.Digest, New: len(added.Fresh)}
		taken = append(taken, f)
	}
	var err error
	if len(rows) > 0 {
		err = s.log.Append(rows)
		s.commits++
	}
	clear(rows) // the bets' strings may hold whole frames: let them go
	s.rows = rows[:0]
	for _, f := range taken {
		if err != nil {
			f.settle(Appended{}, err)
		} else {
			f.settle(f.res, nil)
		}
	}
	return err
}
