package server

import (
	"sync"
	"testing"
	"time"
)

// TestLimiterRateAndBurst: a burst goes through at once, then one event
// per interval; the first let through after some were turned away says
// how many.
func TestLimiterRateAndBurst(t *testing.T) {
	l := newLimiter(10, 10)
	for i := range 10 {
		if ok, _ := l.allowAt(0); !ok {
			t.Fatalf("event %d of the burst turned away", i+1)
		}
	}
	for range 3 {
		if ok, _ := l.allowAt(50 * time.Millisecond); ok {
			t.Fatal("an event past the burst let through before an interval passed")
		}
	}
	if ok, dropped := l.allowAt(100 * time.Millisecond); !ok || dropped != 3 {
		t.Fatalf("after an interval: %v, %d dropped; want let through, saying 3", ok, dropped)
	}
	if ok, _ := l.allowAt(100 * time.Millisecond); ok {
		t.Fatal("two events let through in one interval")
	}
	// Quiet for a long while: a burst again, no more.
	n, reported := 0, int64(0)
	for range 20 {
		if ok, dropped := l.allowAt(time.Hour); ok {
			n++
			reported += dropped
		}
	}
	if n != 10 || reported != 1 {
		t.Fatalf("%d let through after a long quiet, saying %d dropped; want the burst of 10, saying 1", n, reported)
	}
	if got := l.unreported(); got != 10 {
		t.Fatalf("%d unreported, want the 10 past the burst", got)
	}
}

// TestLimiterAcrossGoroutines: many goroutines at once get exactly the
// burst through, and every event turned away is counted once.
func TestLimiterAcrossGoroutines(t *testing.T) {
	l := newLimiter(10, 10)
	var wg sync.WaitGroup
	results := make(chan [2]int64, 8)
	for range 8 {
		wg.Go(func() {
			var through, reported int64
			for range 1000 {
				if ok, dropped := l.allowAt(0); ok {
					through++
					reported += dropped
				}
			}
			results <- [2]int64{through, reported}
		})
	}
	wg.Wait()
	close(results)
	var through, reported int64
	for r := range results {
		through += r[0]
		reported += r[1]
	}
	if through != 10 {
		t.Errorf("%d let through, want 10", through)
	}
	if dropped := reported + l.unreported(); dropped != 8000-10 {
		t.Errorf("%d counted as turned away, want %d", dropped, 8000-10)
	}
}
