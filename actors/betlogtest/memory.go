package betlogtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// Errors of a Memory's logs used against their contract.
var (
	errClosed   = errors.New("memory log: closed")
	errReplay   = errors.New("memory log: replay after a replay or a write")
	errTearOpen = errors.New("memory log: tear of an open log")
	errInjected = errors.New("memory log: failure injected")
)

// Memory is one log held in memory, which passes the contract: a fake
// backend for the store's tests, which can make it fail. Open opens it
// (one open at a time, as a file's lock would allow), and what its logs
// append stays in the Memory from one open to the next, as on a disk that
// never fails unless told to. Like the store that uses it, a Memory is
// used by one goroutine at a time: a test makes it fail, or opens it,
// before the store's Run starts or after it has returned.
type Memory struct {
	created bool
	lottery domain.Lottery
	rows    []domain.Row
	dones   []domain.Done
	last    int        // where the last write's rows start: Tear cuts there
	open    *memoryLog // nil when closed
	fault   *fault     // the next write's, if not nil
}

// fault is a failure to come: the write it fails keeps its first keep
// rows, or its done if keep is not 0.
type fault struct {
	err  error
	keep int
}

// NewMemory returns an empty log in memory.
func NewMemory() *Memory { return &Memory{} }

// Open opens the log, creating it for fresh if it was never opened. It
// fails with domain.ErrInUse while the log is open.
func (m *Memory) Open(fresh domain.Lottery) (actors.BetLog, error) {
	if m.open != nil {
		return nil, fmt.Errorf("memory log: open: %w", domain.ErrInUse)
	}
	if !m.created {
		m.lottery, m.created = fresh, true
	}
	m.open = &memoryLog{m: m}
	return m.open, nil
}

// Fail makes the next Append or Finish fail with err, keeping none of its
// rows, and every write after it until the log is closed: a log opened
// again works. A nil err is an error of its own.
func (m *Memory) Fail(err error) { m.FailKeeping(0, err) }

// FailKeeping is Fail with the first keep rows of the failed Append kept,
// as if made durable before the failure; a failed Finish keeps its done if
// keep is not 0.
func (m *Memory) FailKeeping(keep int, err error) {
	if err == nil {
		err = errInjected
	}
	m.fault = &fault{err: err, keep: max(keep, 0)}
}

// Target returns the log as a Target of the contract: its Tear drops the
// last row of the last Append, if nothing was written after it, and its
// Break makes the next write fail keeping one row.
func (m *Memory) Target() Target {
	return Target{
		Open: m.Open,
		Tear: m.tear,
		Break: func(actors.BetLog) error {
			m.FailKeeping(1, errors.New("memory log: broken by the contract's Break"))
			return nil
		},
	}
}

// tear drops the last row of the last Append, if nothing was written after
// it.
func (m *Memory) tear() error {
	if m.open != nil {
		return errTearOpen
	}
	if len(m.rows) > m.last {
		m.rows = m.rows[:len(m.rows)-1]
	}
	return nil
}

// memoryLog is one open of a Memory.
type memoryLog struct {
	m        *Memory
	closed   bool
	replayed bool
	wrote    bool
	err      error // once a write failed, every write's
}

// Lottery returns the lottery the log was created for.
func (l *memoryLog) Lottery() domain.Lottery {
	return l.m.lottery
}

// Replay calls row for each row held, then done for each done.
func (l *memoryLog) Replay(row func(domain.Row) error, done func(domain.Done) error) error {
	m := l.m
	switch {
	case l.closed:
		return errClosed
	case l.replayed || l.wrote:
		return errReplay
	}
	l.replayed = true
	rows, dones := slices.Clone(m.rows), slices.Clone(m.dones) // a callback may write to m
	for i, r := range rows {
		if err := row(r); err != nil {
			return fmt.Errorf("memory log: replay row %d: %w", i, err)
		}
	}
	for i, d := range dones {
		if err := done(d); err != nil {
			return fmt.Errorf("memory log: replay done %d: %w", i, err)
		}
	}
	return nil
}

// write begins a write of n items: it returns how many of them to keep
// and the write's error.
func (l *memoryLog) write(n int) (keep int, err error) {
	switch {
	case l.closed:
		return 0, errClosed
	case l.err != nil:
		return 0, l.err
	}
	l.wrote = true
	if f := l.m.fault; f != nil {
		l.m.fault = nil
		l.err = f.err
		return min(f.keep, n), f.err
	}
	return n, nil
}

// Append keeps copies of rows, their strings cloned so that they share no
// memory with the caller's buffers, as rows read back from a disk would
// not.
func (l *memoryLog) Append(rows []domain.Row) error {
	m := l.m
	keep, err := l.write(len(rows))
	if err == nil || keep > 0 {
		m.last = len(m.rows)
		for _, r := range rows[:keep] {
			b := &r.Bet
			b.FirstName, b.LastName = strings.Clone(b.FirstName), strings.Clone(b.LastName)
			b.Document, b.Birthdate = strings.Clone(b.Document), strings.Clone(b.Birthdate)
			m.rows = append(m.rows, r)
		}
	}
	if err != nil {
		return fmt.Errorf("memory log: append: %w", err)
	}
	return nil
}

// Finish keeps d.
func (l *memoryLog) Finish(d domain.Done) error {
	m := l.m
	keep, err := l.write(1)
	if keep > 0 {
		m.dones = append(m.dones, d)
		m.last = len(m.rows)
	}
	if err != nil {
		return fmt.Errorf("memory log: finish: %w", err)
	}
	return nil
}

// Close releases the log; closing it again fails.
func (l *memoryLog) Close() error {
	m := l.m
	if l.closed {
		return errClosed
	}
	l.closed = true
	m.open = nil
	return nil
}
