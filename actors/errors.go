package actors

import "errors"

// Errors returned by the actors, wrapped with details; match them with
// errors.Is.
var (
	// ErrStopped means the actor has stopped, or stopped while the call
	// waited for it.
	ErrStopped = errors.New("actor stopped")
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
	// ErrCorrupt means the store's files cannot be read back as written:
	// a malformed or invalid row, a row whose digest does not extend its
	// agency's stream, a done line that does not match the bets, a missing
	// or malformed lottery file.
	ErrCorrupt = errors.New("store files corrupt")
	// ErrConflict means bets or a done whose content differs from the bets
	// stored at those positions.
	ErrConflict = errors.New("content differs from the bets stored")
	// ErrFenced means a newer session of the same agency has taken over:
	// the older one may not write.
	ErrFenced = errors.New("a newer session of the agency took over")
	// ErrStale means a session claimed older than the agency's live one:
	// a hello processed after a newer one of the same agency.
	ErrStale = errors.New("an older claim than the agency's live session")
	// ErrInUse means another process holds the store's lock.
	ErrInUse = errors.New("store in use")
	// ErrOtherLottery means the store belongs to another lottery than the
	// one configured (other agencies, or another date).
	ErrOtherLottery = errors.New("store belongs to another lottery")
)
