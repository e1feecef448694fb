package actors

import (
	"errors"
	"fmt"

	"github.com/tp0/loteria/domain"
)

// Errors returned by the actors, wrapped with details; match them with
// errors.Is. The rules' refusals are domain's (domain.ErrGap,
// ErrConflict, …), and so are the store's (domain.ErrCorrupt, ErrInUse,
// ErrOtherLottery).
var (
	// ErrStopped means the actor has stopped, or stopped while the call
	// waited for it.
	ErrStopped = errors.New("actor stopped")
	// ErrFenced means a newer session of the same agency has taken over:
	// the older one may not write.
	ErrFenced = errors.New("a newer session of the agency took over")
	// ErrStale means a session claimed older than the agency's live one:
	// a hello processed after a newer one of the same agency.
	ErrStale = errors.New("an older claim than the agency's live session")
)

// errTooManyRetries answers an append or done that a shared log kept
// refusing for about 10 seconds (see SharedLog and backoff): the agency
// tries again, on a new session.
var errTooManyRetries = errors.New("other servers kept appending for the agency first: try again")

func unknownAgency(agency int) error { return fmt.Errorf("%w: %d", domain.ErrUnknownAgency, agency) }
