package natslog_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/natslog/natstest"
)

// TestWatchWithoutItsConsumer: the consumer behind a server's watch of the
// dones goes away, as it does with the NATS server it lived on (killed, it
// hands nothing over). The watch's client notices only after missed
// heartbeats; meanwhile the dones announced must still reach the server
// within a few seconds, or agencies parked on it wait that long for the
// draw.
func TestWatchWithoutItsConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not with -short")
	}
	c := natstest.Start(t, 3)
	cfg := config(c, 3, "watch")
	a, b := startStore(t, cfg, 2), startStore(t, cfg, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan int, 16)
	watched := make(chan error, 1)
	go func() { watched <- a.log.Watch(ctx, func(agency int) error { got <- agency; return nil }) }()
	finish := func(agency int) {
		t.Helper()
		ss := open(t, b, agency, 1)
		file := bets(agency, 0, 10, 0)
		mustAppend(t, ss, 0, file, actors.Appended{Stored: 10, New: 10})
		if err := ss.Finish(ctx, 10, digest(file)); err != nil {
			t.Fatalf("finish agency %d: %v", agency, err)
		}
	}
	await := func(agency int, within time.Duration) {
		t.Helper()
		timeout := time.After(within)
		for {
			select {
			case a := <-got:
				if a == agency {
					return
				}
			case err := <-watched:
				t.Fatalf("Watch returned %v", err)
			case <-timeout:
				t.Fatalf("agency %d's done not watched within %v", agency, within)
			}
		}
	}
	finish(1)
	await(1, 10*time.Second)

	deleteConsumers(t, c, "KV_"+a.log.Stream())
	began := time.Now()
	finish(2)
	await(2, 6*time.Second)
	t.Logf("agency 2's done watched %v after it was announced", time.Since(began).Round(time.Millisecond))
}

// deleteConsumers deletes every consumer of stream.
func deleteConsumers(t *testing.T, c *natstest.Cluster, stream string) {
	t.Helper()
	nc, err := nats.Connect(c.URLs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	names := s.ConsumerNames(ctx)
	n := 0
	for name := range names.Name() {
		if err := s.DeleteConsumer(ctx, name); err != nil {
			t.Fatalf("delete consumer %s: %v", name, err)
		}
		n++
	}
	if err := names.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("stream %s has no consumer to delete", stream)
	}
}
