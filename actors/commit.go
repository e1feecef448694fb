package actors

import (
	"fmt"

	"github.com/tp0/loteria/domain"
)

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
// them all durable, and then settles each: those the ledger took with
// what they stored, the others with why not (which may rest on bets of
// this group, so it waits for the log too). A SharedLog may refuse some
// agencies' rows, another server having appended for them first: those
// appends are judged again against what it appended, and their rows
// appended in turn. If the log fails, every append gets the error, and
// commit returns it: the store stops.
func (s *Store) commit(group []*AppendFuture) error {
	rows := s.rows[:0]
	for _, f := range group {
		rows = s.addRows(rows, f)
	}
	err := s.appendRows(rows)
	var wait backoff
	for err != nil {
		b, ok := behind(err)
		if !ok {
			break
		}
		if !wait.next() {
			err = s.giveUp(group, b)
			break
		}
		if rows, err = s.rejudge(group, b); err == nil {
			err = s.appendRows(rows)
		}
	}
	for _, f := range group {
		f.settle(err)
	}
	return err
}

// giveUp answers the appends of group that a shared log kept refusing
// with errTooManyRetries, after undoing in the ledger what they added: the
// agency tries again, on a session that starts where the log's stream
// ends.
func (s *Store) giveUp(group []*AppendFuture, b *BehindError) error {
	for a, n := range b.Held {
		if err := s.ledger.Truncate(a, n); err != nil {
			return fmt.Errorf("undo what the log refused: %w", err)
		}
	}
	for _, f := range group {
		if _, ok := b.Held[f.agency]; ok {
			f.res, f.err = Appended{}, errTooManyRetries
		}
	}
	return nil
}

// addRows adds f to the ledger, noting its outcome in f, and returns rows
// with the bets it added.
func (s *Store) addRows(rows []domain.Row, f *AppendFuture) []domain.Row {
	var added domain.Added
	added, f.res, f.err = s.add(f)
	for i, b := range added.Fresh {
		b.Agency = f.agency
		rows = append(rows, domain.Row{Bet: b, Digest: added.Digests[i]})
	}
	return rows
}

// appendRows appends rows to the log, if there are any.
func (s *Store) appendRows(rows []domain.Row) error {
	var err error
	if len(rows) > 0 {
		err = s.log.Append(rows)
		s.commits++
	}
	clear(rows) // the bets' strings may hold whole frames: let them go
	s.rows = rows[:0]
	return err
}

// add adds f's batch to the ledger, if f's session is the agency's
// latest, and returns what the ledger added (to be logged before the next
// add) and what the append will have stored once the log has it.
func (s *Store) add(f *AppendFuture) (domain.Added, Appended, error) {
	if s.ledger.Known(f.agency) && f.epoch != s.sessions[f.agency-1].epoch {
		return domain.Added{}, Appended{}, ErrFenced
	}
	added, err := s.ledger.Add(f.agency, f.first, f.bets, f.from, f.after) // refuses an unknown agency
	if err != nil {
		return domain.Added{}, Appended{}, err
	}
	return added, Appended{Stored: added.Held.Stored, Digest: added.Held.Digest, New: len(added.Fresh)}, nil
}
