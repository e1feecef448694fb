package betlogtest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tp0/loteria/actors/betlogtest"
	"github.com/tp0/loteria/domain"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemory(t *testing.T) {
	betlogtest.Test(t, func(*testing.T) betlogtest.Target { return betlogtest.NewMemory().Target() })
}

// TestMemoryOpenOnly runs the contract with no Tear or Break: their
// subtests skip.
func TestMemoryOpenOnly(t *testing.T) {
	betlogtest.Test(t, func(*testing.T) betlogtest.Target { return betlogtest.Target{Open: betlogtest.NewMemory().Open} })
}

// ExampleMemory makes a store's backend fail in the middle of an append:
// the rows kept are a prefix, and the log opens again.
func ExampleMemory() {
	lottery := domain.Lottery{ID: 1, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Agencies: 2}
	bet := func(doc string) domain.Row {
		return domain.Row{Bet: domain.Bet{Agency: 1, FirstName: "Ana", LastName: "Pérez", Document: doc, Birthdate: "1990-05-17", Number: 7574}}
	}
	m := betlogtest.NewMemory()
	log, _ := m.Open(lottery)
	_, err := m.Open(lottery)
	fmt.Println("second open:", errors.Is(err, domain.ErrInUse))

	errDisk := errors.New("disk full")
	m.FailKeeping(1, errDisk)
	err = log.Append([]domain.Row{bet("1"), bet("2")})
	fmt.Println("append:", errors.Is(err, errDisk))
	fmt.Println("finish:", errors.Is(log.Finish(domain.Done{Agency: 1, Total: 2}), errDisk))
	log.Close()

	log, _ = m.Open(lottery)
	log.Replay(func(r domain.Row) error {
		fmt.Println("replayed", r.Bet.Document)
		return nil
	}, func(domain.Done) error { return nil })
	fmt.Println("append again:", log.Append([]domain.Row{bet("2")}))
	log.Close()
	// Output:
	// second open: true
	// append: true
	// finish: true
	// replayed 1
	// append again: <nil>
}
