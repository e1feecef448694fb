package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of the ledger's rules, wrapped with details; match them with
// errors.Is.
var (
	// ErrUnknownAgency means an agency outside 1..N.
	ErrUnknownAgency = errors.New("unknown agency")
	// ErrGap means a batch starts past the bets already stored for its
	// agency, so positions would be skipped.
	ErrGap = errors.New("batch leaves a gap")
	// ErrFinished means new bets for an agency that already reported done.
	ErrFinished = errors.New("agency already finished")
	// ErrIncomplete means done was reported with a total different from the
	// bets stored for that agency.
	ErrIncomplete = errors.New("total does not match stored bets")
	// ErrSealed means new bets after the draw.
	ErrSealed = errors.New("bets sealed by the draw")
	// ErrConflict means bets or a done whose content differs from the bets
	// stored at those positions.
	ErrConflict = errors.New("content differs from the bets stored")
)

// Done is an agency's report that it has sent all its bets: Total of them,
// whose stream has Digest.
type Done struct {
	Agency int
	Total  uint64
	Digest Digest
}

// Ledger is the rules of every agency's stream of bets, with no I/O: the
// positions stored, the digest of the stream at each of them, which
// agencies have finished, whether the draw has sealed the bets, and the
// winners. Each agency's bets have positions 0, 1, 2, … in its stream; the
// ledger takes each position once, in order, so a batch resent after a
// lost reply adds nothing, and one whose bets differ from those held is
// refused (ErrConflict): equal digests over the same positions mean the
// same bets.
//
// A ledger changes as it is told: Add, Finish and Seal take effect at
// once. Its owner makes what Add and Finish did durable before it tells
// anyone, and stops using the ledger if that fails; a seal is not kept
// (after a restart the draw runs again, on the same bets). It keeps a
// 4-byte digest per bet (31 MB for 7.9 million bets), so that a resend
// starting anywhere is checked without reading the stored bets back. A
// Ledger is not safe for concurrent use.
type Ledger struct {
	streams  []ledgerStream // at index agency-1
	added    []Digest       // Added.Digests when Add works them out, reused
	sealed   bool
	winners  map[int][]winner // the winning bets, by agency, in stream order
	digester Digester
}

// winner is a winning bet: its position in its agency's stream and its
// document.
type winner struct {
	pos uint64
	doc string
}

// ledgerStream is what the ledger holds of one agency's stream.
type ledgerStream struct {
	// The stream's digest after each bet stored, digestBlock to a block:
	// a stream grows without copying what it holds, and a short one takes
	// little room.
	blocks   [][]Digest
	stored   uint64
	finished bool
}

// digestBlock is how many digests a block of a stream holds (64 KiB).
const digestBlock = 1 << 14

// push adds the digest after the stream's next bet.
func (st *ledgerStream) push(d Digest) {
	if st.stored%digestBlock == 0 {
		var next []Digest // the first block grows with the stream, the others are made whole
		if st.stored > 0 {
			next = make([]Digest, 0, digestBlock)
		}
		st.blocks = append(st.blocks, next)
	}
	last := &st.blocks[len(st.blocks)-1]
	*last = append(*last, d)
	st.stored++
}

// NewLedger returns an empty ledger of agencies 1..agencies.
func NewLedger(agencies int) *Ledger {
	return &Ledger{streams: make([]ledgerStream, max(agencies, 0)), winners: make(map[int][]winner)}
}

// Held is what a ledger holds of an agency's stream.
type Held struct {
	Stored   uint64 // bets
	Digest   Digest // their digest
	Finished bool   // the agency has reported done
}

// Added is what Add did with a batch.
type Added struct {
	Fresh   []Bet    // the batch's bets not held before, now added
	Digests []Digest // the stream's digest after each of Fresh: the caller's after, or the ledger's until its next Add
	Held    Held     // the agency's stream after the batch
}

// Agencies returns N: the ledger's agencies are 1..N.
func (l *Ledger) Agencies() int { return len(l.streams) }

// Known reports whether agency is one of the ledger's.
func (l *Ledger) Known(agency int) bool { return agency >= 1 && agency <= len(l.streams) }

func unknownAgency(agency int) error { return fmt.Errorf("%w: %d", ErrUnknownAgency, agency) }

// Held returns what the ledger holds of agency's stream.
func (l *Ledger) Held(agency int) (Held, error) {
	if !l.Known(agency) {
		return Held{}, unknownAgency(agency)
	}
	return l.streams[agency-1].held(), nil
}

func (st *ledgerStream) held() Held {
	return Held{Stored: st.stored, Digest: st.digestAt(st.stored), Finished: st.finished}
}

// digestAt returns the stream's digest after its first pos bets.
func (st *ledgerStream) digestAt(pos uint64) Digest {
	if pos == 0 {
		return 0
	}
	pos--
	return st.blocks[pos/digestBlock][pos%digestBlock]
}

// Add takes agency's batch of bets at positions first, first+1, … and
// adds those past the bets held. A batch may start anywhere up to the bets
// held: the part of it already held must be those very bets (the digest
// before it, extended by it, is the digest held after it), and only the
// rest is added. It fails with ErrUnknownAgency, ErrGap if first is past
// the bets held, ErrConflict if the bets held there differ, and
// ErrFinished or ErrSealed if there are new bets after the agency's done
// or after the draw; a batch held whole is fine even then.
//
// after, if not nil, is the caller's digests of the stream after each
// bet, worked out from from, the digest it expects at first: Add uses
// them, and keeps them, when first is where the stream ends and from is
// its digest there, so a caller can digest a batch while the ledger's
// owner serves others. Else Add works the digests out itself.
func (l *Ledger) Add(agency int, first uint64, bets []Bet, from Digest, after []Digest) (Added, error) {
	if !l.Known(agency) {
		return Added{}, unknownAgency(agency)
	}
	st := &l.streams[agency-1]
	have := st.stored
	if first > have {
		return Added{}, fmt.Errorf("%w: batch starts at %d, %d stored", ErrGap, first, have)
	}
	held := min(have-first, uint64(len(bets)))
	if held > 0 {
		end := first + held
		if l.digester.Add(st.digestAt(first), bets[:held]...) != st.digestAt(end) {
			return Added{}, fmt.Errorf("%w: the batch's bets at positions %d..%d are not the ones stored there", ErrConflict, first, end-1)
		}
	}
	fresh := bets[held:]
	if len(fresh) == 0 {
		return Added{Held: st.held()}, nil
	}
	switch {
	case l.sealed:
		return Added{}, ErrSealed
	case st.finished:
		return Added{}, ErrFinished
	}
	digests := after
	if held != 0 || len(after) != len(fresh) || from != st.digestAt(have) {
		l.added = l.added[:0]
		d := st.digestAt(have)
		for _, b := range fresh {
			d = l.digester.Add(d, b)
			l.added = append(l.added, d)
		}
		digests = l.added
	}
	l.keepWinners(agency, have, fresh)
	for _, d := range digests {
		st.push(d)
	}
	return Added{Fresh: fresh, Digests: digests, Held: st.held()}, nil
}

// keepWinners notes the winning bets among bets, to be added at positions
// first, first+1, …, so that the draw needs no scan of the bets.
func (l *Ledger) keepWinners(agency int, first uint64, bets []Bet) {
	for i, b := range bets {
		if b.Wins() {
			// Clone: the document may share memory with a whole frame or row.
			l.winners[agency] = append(l.winners[agency], winner{first + uint64(i), strings.Clone(b.Document)})
		}
	}
}

// Restore adds agency's next bet as a store held it, with the digest it
// was stored with, which must extend the stream by the bet: rebuilding the
// ledger from what a store holds checks the store too. It fails, saying
// why, if the digest does not, or if the agency has finished, and with
// ErrUnknownAgency; the bet must be valid.
func (l *Ledger) Restore(agency int, b Bet, digest Digest) error {
	if !l.Known(agency) {
		return unknownAgency(agency)
	}
	st := &l.streams[agency-1]
	pos := st.stored
	if st.finished {
		return fmt.Errorf("agency %d's bet %d follows its done", agency, pos)
	}
	if want := l.digester.Add(st.digestAt(pos), b); digest != want {
		return fmt.Errorf("agency %d's bet %d has digest %v, its stream makes %v (a bet changed, moved, added or removed)",
			agency, pos, digest, want)
	}
	l.keepWinners(agency, pos, []Bet{b})
	st.push(digest)
	return nil
}

// Truncate forgets agency's bets from position n on, and its done: its
// stream ends after its first n bets again. It undoes what Add and Finish
// did when the owner could not make it durable because another writer of
// a shared log got there first (the owner then restores what that writer
// stored). It fails with ErrUnknownAgency, and if n is past the bets held
// or the bets are sealed.
func (l *Ledger) Truncate(agency int, n uint64) error {
	if !l.Known(agency) {
		return unknownAgency(agency)
	}
	st := &l.streams[agency-1]
	switch {
	case n > st.stored:
		return fmt.Errorf("truncate agency %d at %d: %d stored", agency, n, st.stored)
	case l.sealed:
		return ErrSealed
	}
	blocks := int((n + digestBlock - 1) / digestBlock)
	clear(st.blocks[blocks:])
	st.blocks = st.blocks[:blocks]
	if blocks > 0 {
		last := &st.blocks[blocks-1]
		*last = (*last)[:n-uint64(blocks-1)*digestBlock]
	}
	st.stored, st.finished = n, false
	w := l.winners[agency]
	keep := len(w)
	for keep > 0 && w[keep-1].pos >= n {
		keep--
	}
	clear(w[keep:])
	l.winners[agency] = w[:keep]
	return nil
}

// Finish records that the agency of d has sent all its bets. It reports
// whether that is new: finishing again with the same total and digest is
// fine and changes nothing. It fails with ErrUnknownAgency, ErrIncomplete
// if d's total is not the number of the agency's bets held, and
// ErrConflict if d's digest is not theirs. After Finish, new bets for the
// agency fail with ErrFinished.
func (l *Ledger) Finish(d Done) (recorded bool, err error) {
	if !l.Known(d.Agency) {
		return false, unknownAgency(d.Agency)
	}
	st := &l.streams[d.Agency-1]
	h := st.held()
	switch {
	case h.Stored != d.Total:
		return false, fmt.Errorf("%w: stored %d, reported %d", ErrIncomplete, h.Stored, d.Total)
	case h.Digest != d.Digest:
		return false, fmt.Errorf("%w: the %d bets stored have digest %v, the agency's %v", ErrConflict, h.Stored, h.Digest, d.Digest)
	case st.finished:
		return false, nil
	}
	st.finished = true
	return true, nil
}

// Finished returns the agencies that have finished, in increasing order.
func (l *Ledger) Finished() []int {
	var done []int
	for i, st := range l.streams {
		if st.finished {
			done = append(done, i+1)
		}
	}
	return done
}

// Seal ends the taking of bets for the draw, so that new bets fail with
// ErrSealed, and returns the documents of the winning bets by agency, in
// stream order; agencies without winners are absent. The map is the
// caller's.
func (l *Ledger) Seal() map[int][]string {
	l.sealed = true
	w := make(map[int][]string, len(l.winners))
	for a, won := range l.winners {
		if len(won) == 0 {
			continue
		}
		docs := make([]string, len(won))
		for i, x := range won {
			docs[i] = x.doc
		}
		w[a] = docs
	}
	return w
}
