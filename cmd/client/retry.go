package main

import (
	"context"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net"
	"slices"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// Reconnection: capped exponential backoff with ±50% jitter (variables for
// the tests).
var (
	backoffMin = 50 * time.Millisecond
	backoffMax = 2 * time.Second
)

// retryCodes are the codes of the server's Error frames that end a session
// but not the run: the server is busy, stopping, timed the agency out or
// failed, and a new connection may find it well.
var retryCodes = []wire.Code{wire.CodeBusy, wire.CodeShuttingDown, wire.CodeTimeout, wire.CodeInternal}

// retryable reports whether err, from a call to the server, may be cured by
// connecting again: the connection could not be made, broke, was closed or
// timed out, or the server sent an Error with one of retryCodes. A reply
// that makes no sense, a Reject (a conflict among them) and any other
// Error are final: fenced above all, since connecting again would take the
// agency back from the process that took it over.
func retryable(err error) bool {
	var e wire.Error
	if errors.As(err, &e) {
		return slices.Contains(retryCodes, e.Code)
	}
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retry paces the sessions of a run. Its deadline counts from the last
// sign of progress; its backoff grows with each failed session and starts
// over only when bets move forward, so that a server which welcomes the
// agency and then fails at once is not hammered.
type retry struct {
	deadline time.Duration
	last     time.Time     // the last sign of progress
	attempt  int           // sessions lost since bets last moved forward
	delay    time.Duration // the mean of the next wait
}

func newRetry(deadline time.Duration) *retry {
	return &retry{deadline: deadline, last: time.Now(), delay: backoffMin}
}

// alive records a sign of progress that moves no bets: a winners query
// that stayed parked until the connection was lost (waiting for the draw
// is no failure; winners.timeout bounds it). A welcome is not one: a
// server that welcomes the agency and then fails each batch must not keep
// it trying forever.
func (r *retry) alive() { r.last = time.Now() }

// progress records that the run moved forward (an ack, a done_ack, the
// winners, an echo message answered): the deadline counts from now and
// the backoff starts over.
func (r *retry) progress() {
	r.alive()
	r.attempt, r.delay = 0, backoffMin
}

// next returns the number of the next attempt and how long to wait before
// it, or false once the deadline has passed since the last progress. The
// last wait ends at the deadline, so the last attempt starts there.
func (r *retry) next() (int, time.Duration, bool) {
	left := r.deadline - time.Since(r.last)
	if left <= 0 {
		return 0, 0, false
	}
	r.attempt++
	wait := min(r.delay/2+mrand.N(r.delay), left)
	r.delay = min(2*r.delay, backoffMax)
	return r.attempt, wait, true
}

// sleep waits d, or less if ctx is done first, when it returns ctx.Err().
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
