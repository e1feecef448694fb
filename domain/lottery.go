package domain

import (
	"fmt"
	"time"
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
