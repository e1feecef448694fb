package actors

import "github.com/tp0/loteria/domain"

// BetLog is the store's backend, in the spirit of hashicorp/raft's
// LogStore: the durable log of every agency's bets and dones, and of the
// lottery they belong to. It keeps no rules: the store checks everything
// it appends (a domain.Ledger) and checks again everything it replays. A
// BetLog is opened by its own package's Open, which locks it (a second
// open of the same log fails with domain.ErrInUse until Close) and changes
// nothing in it; the store calls it from one goroutine.
// actors/betlogtest is the contract every implementation must pass.
type BetLog interface {
	// Lottery returns the lottery the log belongs to: the one it was
	// created for, whatever the log was opened with since.
	Lottery() domain.Lottery

	// Replay calls row for each bet held, each agency's in the order
	// appended (each row's Bet.Agency is its agency; how the rows of
	// agencies appended together interleave is the log's own), then done
	// for each done recorded, in the order recorded: a done follows the
	// bets it covers. It stops
	// at the first error, either a callback's, which it returns wrapped
	// with where in the log it was, or its own; a row it cannot read is
	// domain.ErrCorrupt. Replay is called once, before any Append or
	// Finish. It first repairs what a crash left half-written (the tail of
	// an Append that never returned), and changes nothing else, so
	// replaying a log again, after a reopen, yields the same.
	Replay(row func(domain.Row) error, done func(domain.Done) error) error

	// Append appends rows, in order, and returns once they are durable:
	// they survive a crash of the process and of the machine. If it
	// fails, none, some or all of them may be durable, but only ever a
	// prefix of them. The store then stops: it only closes the log, and
	// replays what holds when it is opened again.
	Append(rows []domain.Row) error

	// Finish records d and returns once it is durable, as Append does.
	Finish(d domain.Done) error

	// Close releases the log and its lock, after making durable what is
	// not yet (nothing is, when every Append and Finish has returned).
	Close() error
}
