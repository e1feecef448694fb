package actors_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// wait bounds every wait in the tests.
const wait = 10 * time.Second

// testCtx returns a context that ends with the test, or after wait.
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	tb.Cleanup(cancel)
	return ctx
}

// runner is an actor.
type runner interface {
	Run(ctx context.Context) error
}

// start runs a in a goroutine and returns stop, which cancels Run's context
// and returns what Run returned. The test stops a when it ends, if not done
// already.
func start(tb testing.TB, a runner) (stop func() error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx) }()
	var (
		stopped bool
		err     error
	)
	stop = func() error {
		tb.Helper()
		if !stopped {
			cancel()
			err = mustRecv(tb, errc)
			stopped = true
		}
		return err
	}
	tb.Cleanup(func() { stop() })
	return stop
}

// mustRecv returns the next value on c, failing the test after wait.
func mustRecv[T any](tb testing.TB, c <-chan T) T {
	tb.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		tb.Fatalf("nothing received after %v", wait)
		var zero T
		return zero
	}
}
