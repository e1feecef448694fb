package server

import (
	"sync/atomic"
	"time"
)

// failLines is how many fail lines of connections that never had a hello
// accepted are logged per second, in all (and at most this many at once):
// anyone can open such connections, and a flood of them must not flood the
// log.
const failLines = 10

// limiter lets through about rate events per second, and bursts of at most
// burst, from any number of goroutines without a lock: the generic cell
// rate algorithm, whose one state is the time at which the bucket would be
// empty again, advanced by compare-and-swap. It counts the events it turns
// away, and hands that count to the next one it lets through.
type limiter struct {
	start    time.Time     // the clock's origin: monotonic, unlike Unix time
	interval time.Duration // the time one event is worth: 1/rate
	burst    int64
	tat      atomic.Int64 // when the bucket is empty again, since start
	dropped  atomic.Int64 // events turned away since the last let through
}

func newLimiter(rate, burst int) *limiter {
	return &limiter{start: time.Now(), interval: time.Second / time.Duration(rate), burst: int64(burst)}
}

// allow reports whether an event may go through now and, if so, how many
// were turned away since the last one that went through.
func (l *limiter) allow() (ok bool, dropped int64) { return l.allowAt(time.Since(l.start)) }

// allowAt is allow at the given time since the limiter's start.
func (l *limiter) allowAt(at time.Duration) (ok bool, dropped int64) {
	now, step := int64(at), int64(l.interval)
	for {
		tat := l.tat.Load()
		next := max(tat, now) + step
		if next-now > l.burst*step {
			l.dropped.Add(1)
			return false, 0
		}
		if l.tat.CompareAndSwap(tat, next) {
			return true, l.dropped.Swap(0)
		}
	}
}

// unreported returns, and forgets, the count of events turned away since
// the last let through.
func (l *limiter) unreported() int64 { return l.dropped.Swap(0) }
