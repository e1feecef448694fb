package natslog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/betlogtest"
	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/actors/natslog/natstest"
	"github.com/tp0/loteria/domain"
)

// TestContract runs the BetLog contract on a JetStream of one server (R1)
// and on a cluster of three (R3), each subtest on a deployment of its own.
func TestContract(t *testing.T) {
	for _, replicas := range []int{1, 3} {
		t.Run(fmt.Sprintf("R%d", replicas), func(t *testing.T) {
			if replicas == 3 && testing.Short() {
				t.Skip("a three-node cluster: not with -short")
			}
			c := natstest.Start(t, replicas)
			n := 0
			betlogtest.Test(t, func(t *testing.T) betlogtest.Target {
				n++
				cfg := config(c, replicas, fmt.Sprintf("contract%d", n))
				return betlogtest.Target{
					Open: func(fresh domain.Lottery) (actors.BetLog, error) {
						return natslog.Open(context.Background(), cfg, fresh)
					},
					Break:  func(l actors.BetLog) error { l.(*natslog.Log).Break(); return nil },
					Shared: true,
				}
			})
		})
	}
}

func config(c *natstest.Cluster, replicas int, prefix string) natslog.Config {
	return natslog.Config{URLs: c.URLs(), Replicas: replicas, Prefix: prefix, Name: "test", Timeout: 10 * time.Second}
}

// TestOtherReplicasRefused: a server set for other replicas than the
// deployment's stream is refused, and the stream keeps its own.
func TestOtherReplicasRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not with -short")
	}
	c := natstest.Start(t, 3)
	fresh := domain.Lottery{ID: 7, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Agencies: 2}
	log, err := natslog.Open(context.Background(), config(c, 3, "replicas"), fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := natslog.Open(context.Background(), config(c, 1, "replicas"), fresh); !errors.Is(err, domain.ErrOtherLottery) {
		t.Fatalf("Open with 1 replica on a stream of 3: %v, want ErrOtherLottery", err)
	}
	again, err := natslog.Open(context.Background(), config(c, 3, "replicas"), fresh)
	if err != nil {
		t.Fatalf("Open with 3 replicas after the refusal: %v", err)
	}
	again.Close()
}

// TestOpenTogether: three servers opening a new deployment at once on a
// three-node cluster, as a whole deployment started together does. JetStream
// answers only some of several creates of one bucket or stream made at
// once, and drops a request made before its cluster has a leader: each
// try must be bounded well inside the Timeout, so that Open tries again.
func TestOpenTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not with -short")
	}
	c := natstest.Start(t, 3)
	cfg := config(c, 3, "together")
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			l, err := natslog.Open(context.Background(), cfg, domain.Lottery{ID: 1, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Agencies: 5})
			if err == nil {
				l.Close()
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}
