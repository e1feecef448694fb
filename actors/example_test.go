package actors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/csvfile"
	"github.com/tp0/loteria/domain"
)

func ExampleStore() {
	dir, _ := os.MkdirTemp("", "loteria")
	defer os.RemoveAll(dir)
	s, err := actors.OpenStore(actors.StoreConfig{Path: filepath.Join(dir, "bets.csv"), Agencies: 2, Date: "2024-06-01"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("lottery of", s.Lottery().DateText(), "for", s.Lottery().Agencies, "agencies")
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()

	b := domain.Bet{FirstName: "Ana", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: domain.WinningNumber}
	agency1, _ := s.Open(ctx, 1, actors.Claim{}) // agency 1's connection
	n, _ := agency1.Append(ctx, 0, []domain.Bet{b, b})
	fmt.Println("stored:", n.Stored, "new:", n.New, "digest:", n.Digest)
	n, _ = agency1.Append(ctx, 0, []domain.Bet{b, b}) // a resend is not stored twice
	fmt.Println("stored after resend:", n.Stored, "new:", n.New, "digest:", n.Digest)
	other := b
	other.Number = 1
	_, err = agency1.Append(ctx, 1, []domain.Bet{other}) // nor are other bets at those positions
	fmt.Println(err)
	_, err = agency1.Append(ctx, 5, []domain.Bet{b})
	fmt.Println(err)

	again, _ := s.Open(ctx, 1, actors.Claim{}) // the agency reconnects: the old connection is fenced
	<-agency1.Fenced()
	fmt.Println(agency1.Finish(ctx, 2, n.Digest))
	fmt.Println("reconnected: stored", again.Held().Stored, "digest", again.Held().Digest)
	fmt.Println(again.Finish(ctx, 2, n.Digest))
	winners, _ := s.Draw(ctx)
	fmt.Println("winners:", winners)

	cancel()
	fmt.Println("run:", <-stopped)
	_, _, err = s.Stored(context.Background(), 1)
	fmt.Println(err)
	// Output:
	// lottery of 2024-06-01 for 2 agencies
	// stored: 2 new: 2 digest: 4a9012e0
	// stored after resend: 2 new: 0 digest: 4a9012e0
	// content differs from the bets stored: the batch's bets at positions 1..1 are not the ones stored there
	// batch leaves a gap: batch starts at 5, 2 stored
	// a newer session of the agency took over
	// reconnected: stored 2 digest 4a9012e0
	// <nil>
	// winners: map[1:[30904465 30904465]]
	// run: <nil>
	// actor stopped
}

func ExampleStore_Recovered() {
	dir, _ := os.MkdirTemp("", "loteria")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bets.csv")
	s, _ := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 2, Date: "2024-06-01"})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	b := domain.Bet{FirstName: "Ana", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 1}
	agency1, _ := s.Open(ctx, 1, actors.Claim{})
	n, _ := agency1.Append(ctx, 0, []domain.Bet{b, b, b})
	agency1.Finish(ctx, 3, n.Digest)
	cancel()
	<-stopped

	// A restart: the agency is still finished, and its bets still held. The
	// configured date may be left out: the store keeps its lottery's.
	s, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := s.Recovered() // before Run: to start the Coordinator with rec.Finished
	fmt.Println("bets:", rec.Bets(), "per agency:", rec.Stored, "finished:", rec.Finished, "lottery of", s.Lottery().DateText())
	done, _ := os.ReadFile(csvfile.DonePath(path))
	fmt.Printf("done file: %q\n", done)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { stopped <- s.Run(ctx) }()
	agency1, _ = s.Open(ctx, 1, actors.Claim{})
	fmt.Println("agency 1 finished:", agency1.Held().Finished, "stored:", agency1.Held().Stored, "digest:", agency1.Held().Digest)
	cancel()
	<-stopped
	// Output:
	// bets: 3 per agency: [3 0] finished: [1] lottery of 2024-06-01
	// done file: "1,3,49c4350b\n"
	// agency 1 finished: true stored: 3 digest: 49c4350b
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
