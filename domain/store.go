package domain

import "errors"

// Errors of a lottery's store, whatever keeps it, wrapped with details;
// match them with errors.Is.
var (
	// ErrCorrupt means a store cannot be read back as written: a malformed
	// or invalid bet, a bet whose digest does not extend its agency's
	// stream, a done that does not match the bets, a missing or malformed
	// lottery.
	ErrCorrupt = errors.New("store corrupt")
	// ErrInUse means another process holds the store.
	ErrInUse = errors.New("store in use")
	// ErrOtherLottery means the store belongs to another lottery than the
	// one configured (other agencies, or another date).
	ErrOtherLottery = errors.New("store belongs to another lottery")
)
