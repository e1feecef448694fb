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

// retry paces the sessions of a run over a list of servers. Its deadline
// counts from the last sign of progress, whichever server gave it: it is
// the budget of the whole list, not of each server. A lost session goes on
// with the next server at once, and the backoff is waited only once a
// whole round of the list has been lost in a row, so a dead server costs
// one dial, not a backoff; with one server every lost session ends a
// round, as it always did. The backoff grows with each round lost and
// starts over only when bets move forward, so that servers which welcome
// the agency and then fail at once are not hammered.
type retry struct {
	deadline time.Duration
	servers  int           // the servers in a round (1 or more)
	last     time.Time     // the last sign of progress
	attempt  int           // sessions lost since bets last moved forward
	lost     int           // sessions lost in this round: since the last wait or progress
	delay    time.Duration // the mean of the next wait
}

func newRetry(deadline time.Duration, servers int) *retry {
	return &retry{deadline: deadline, servers: max(servers, 1), last: time.Now(), delay: backoffMin}
}

// alive records a sign of progress that moves no bets: a winners query
// that stayed parked until the connection was lost (waiting for the draw
// is no failure; winners.timeout bounds it). A welcome is not one: a
// server that welcomes the agency and then fails each batch must not keep
// it trying forever.
func (r *retry) alive() { r.last = time.Now() }

// progress records that the run moved forward (an ack, a done_ack, the
// winners, an echo message answered): the deadline counts from now, and
// the backoff and the round start over.
func (r *retry) progress() {
	r.alive()
	r.attempt, r.lost, r.delay = 0, 0, backoffMin
}

// next returns the number of the next attempt and how long to wait before
// it, or false once the deadline has passed since the last progress. The
// wait is 0 within a round (the next server is tried at once) and the
// backoff at a round's end. The last wait ends at the deadline, so the
// last attempt starts there.
func (r *retry) next() (int, time.Duration, bool) {
	left := r.deadline - time.Since(r.last)
	if left <= 0 {
		return 0, 0, false
	}
	r.attempt++
	if r.lost++; r.lost < r.servers {
		return r.attempt, 0, true
	}
	r.lost = 0
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
