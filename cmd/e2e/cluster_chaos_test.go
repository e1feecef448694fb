package e2e_test

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The fault-injection suite on the jetstream backend: over the course
// dataset ×5, a lottery server or a NATS node (the one leading the
// lottery's stream) is killed with SIGKILL mid-ingest, then both one after
// the other, with and without starting them again. Whatever the moments,
// every agency must fail over and finish with its exact winners, exactly
// one server must announce the draw of every bet, and the stream must hold
// each file exactly once (see cluster.finish). Each subtest prints its
// seed; CHAOS_SEED=N go test -run 'ClusterChaos/Name' ./cmd/e2e replays it.
func TestClusterChaos(t *testing.T) {
	files, winners := chaosData(t)
	data := readLotteryData(t, files, winners)
	// midIngest runs faults on a fresh cluster once the first bets are
	// acknowledged, after a random pause, then checks the lottery.
	midIngest := func(name string, faults func(c *cluster, rng *rand.Rand)) {
		t.Run(name, func(t *testing.T) {
			rng := chaosSeed(t)
			c := startCluster(t, data)
			c.awaitFirstAck()
			pause(rng, 0, 300*time.Millisecond)
			faults(c, rng)
			c.finish()
		})
	}
	midIngest("ServerKilled", func(c *cluster, rng *rand.Rand) {
		c.killServer(rng.IntN(clusterSize))
	})
	midIngest("ServerKilledAndRestarted", func(c *cluster, rng *rand.Rand) {
		j := rng.IntN(clusterSize)
		c.killServer(j)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartServer(j)
	})
	midIngest("NATSNodeKilled", func(c *cluster, rng *rand.Rand) {
		c.killNode(c.streamLeader())
	})
	midIngest("NATSNodeKilledAndRestarted", func(c *cluster, rng *rand.Rand) {
		i := c.streamLeader()
		c.killNode(i)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartNode(i)
	})
	midIngest("NATSNodeThenServerKilled", func(c *cluster, rng *rand.Rand) {
		i := c.streamLeader()
		c.killNode(i)
		pause(rng, 50*time.Millisecond, 500*time.Millisecond)
		j := rng.IntN(clusterSize)
		c.killServer(j)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartNode(i)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartServer(j)
	})
}
