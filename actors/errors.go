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
	// a malformed line in the done file, or an agency done with a total
	// other than its bets in the bets file.
	ErrCorrupt = errors.New("store files corrupt")
)
