package domain

import (
	"errors"
	"fmt"
	"time"
)

// Errors of a lottery's store, whatever keeps it, wrapped with details;
// match them with errors.Is.
var (
	// ErrCorrupt means a store cannot be read back as written: a malformed
	// or invalid bet, a bet whose digest does not extend its agency's
	// stream, a done that does not match the bets, a missing or malformed
	// lottery.
	ErrCorrupt = errors.New("store files corrupt")
	// ErrInUse means another process holds the store.
	ErrInUse = errors.New("store in use")
	// ErrOtherLottery means the store belongs to another lottery than the
	// one configured (other agencies, or another date).
	ErrOtherLottery = errors.New("store belongs to another lottery")
)

// Lottery is the identity of the lottery a store belongs to, fixed when the
// store is created: a store is never mixed with another lottery's bets.
type Lottery struct {
	ID       uint64    // random, made with the store
	Date     time.Time // the lottery's day (midnight UTC): no birthdate may be after it
	Agencies int       // N: agencies 1..N take part
}

// DateText returns the lottery's date as YYYY-MM-DD.
func (l Lottery) DateText() string { return l.Date.Format(time.DateOnly) }

// IDText returns the lottery's id as 16 hex digits, as logged.
func (l Lottery) IDText() string { return fmt.Sprintf("%016x", l.ID) }

// Done is an agency's report that it has sent all its bets: Total of them,
// whose stream has Digest.
type Done struct {
	Agency int
	Total  uint64
	Digest Digest
}
