package actors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

func ExampleStore() {
	dir, _ := os.MkdirTemp("", "loteria")
	defer os.RemoveAll(dir)
	s, err := actors.OpenStore(actors.StoreConfig{Path: filepath.Join(dir, "bets.csv"), Agencies: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()

	b := domain.Bet{FirstName: "Ana", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: domain.WinningNumber}
	n, _ := s.Append(ctx, 1, 0, []domain.Bet{b, b})
	fmt.Println("stored:", n.Stored, "new:", n.New)
	n, _ = s.Append(ctx, 1, 0, []domain.Bet{b, b}) // a resend is not stored twice
	fmt.Println("stored after resend:", n.Stored, "new:", n.New)
	_, err = s.Append(ctx, 1, 5, []domain.Bet{b})
	fmt.Println(err)
	fmt.Println(s.Finish(ctx, 1, 2))
	winners, _ := s.Draw(ctx)
	fmt.Println("winners:", winners)

	cancel()
	fmt.Println("run:", <-stopped)
	_, _, err = s.Stored(context.Background(), 1)
	fmt.Println(err)
	// Output:
	// stored: 2 new: 2
	// stored after resend: 2 new: 0
	// batch leaves a gap: batch starts at 5, 2 stored
	// <nil>
	// winners: map[1:[30904465 30904465]]
	// run: <nil>
	// actor stopped
}

func ExampleStore_Recovered() {
	dir, _ := os.MkdirTemp("", "loteria")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bets.csv")
	s, _ := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 2})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	b := domain.Bet{FirstName: "Ana", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 1}
	s.Append(ctx, 1, 0, []domain.Bet{b, b, b})
	s.Finish(ctx, 1, 3)
	cancel()
	<-stopped

	// A restart: the agency is still finished, and its bets still held.
	s, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := s.Recovered() // before Run: to start the Coordinator with rec.Finished
	fmt.Println("bets:", rec.Bets(), "per agency:", rec.Stored, "finished:", rec.Finished)
	done, _ := os.ReadFile(actors.DonePath(path))
	fmt.Printf("done file: %q\n", done)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { stopped <- s.Run(ctx) }()
	_, fin, _ := s.Stored(ctx, 1)
	fmt.Println("agency 1 finished:", fin)
	cancel()
	<-stopped
	// Output:
	// bets: 3 per agency: [3 0] finished: [1]
	// done file: "1,3\n"
	// agency 1 finished: true
}

func ExampleCoordinator() {
	draw := map[int][]string{1: {"30904465"}, 3: {"12345678", "23456789"}}
	c := actors.NewCoordinator(actors.CoordinatorConfig{
		Agencies: 3,
		Drawer:   drawer(draw), // usually the *Store
		OnDraw:   func(w map[int][]string, _ time.Duration) { fmt.Println("draw done") },
	})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- c.Run(ctx) }()

	answer := make(chan []string, 1)
	go func() { // parked until every agency is done
		docs, _ := c.Winners(ctx, 3)
		answer <- docs
	}()
	for a := 1; a <= 3; a++ {
		c.Done(ctx, a, nil)
	}
	fmt.Println("agency 3:", <-answer)
	docs, _ := c.Winners(ctx, 2)
	fmt.Println("agency 2:", docs)

	cancel()
	fmt.Println("run:", <-stopped)
	// Output:
	// draw done
	// agency 3: [12345678 23456789]
	// agency 2: []
	// run: <nil>
}

// drawer is a Drawer with a fixed result.
type drawer map[int][]string

func (d drawer) Draw(context.Context) (map[int][]string, error) { return d, nil }
