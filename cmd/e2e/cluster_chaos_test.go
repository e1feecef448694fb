package e2e_test

import (
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
	t.Run("ServerKilled", func(t *testing.T) {
		rng := chaosSeed(t)
		c := startCluster(t, data)
		c.awaitFirstAck()
		pause(rng, 0, 300*time.Millisecond)
		c.killServer(rng.IntN(clusterSize))
		c.finish()
	})
	t.Run("ServerKilledAndRestarted", func(t *testing.T) {
		rng := chaosSeed(t)
		c := startCluster(t, data)
		c.awaitFirstAck()
		pause(rng, 0, 300*time.Millisecond)
		j := rng.IntN(clusterSize)
		c.killServer(j)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartServer(j)
		c.finish()
	})
	t.Run("NATSNodeKilled", func(t *testing.T) {
		rng := chaosSeed(t)
		c := startCluster(t, data)
		c.awaitFirstAck()
		pause(rng, 0, 300*time.Millisecond)
		c.killNode(c.streamLeader())
		c.finish()
	})
	t.Run("NATSNodeKilledAndRestarted", func(t *testing.T) {
		rng := chaosSeed(t)
		c := startCluster(t, data)
		c.awaitFirstAck()
		pause(rng, 0, 300*time.Millisecond)
		i := c.streamLeader()
		c.killNode(i)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartNode(i)
		c.finish()
	})
	t.Run("NATSNodeThenServerKilled", func(t *testing.T) {
		rng := chaosSeed(t)
		c := startCluster(t, data)
		c.awaitFirstAck()
		pause(rng, 0, 300*time.Millisecond)
		i := c.streamLeader()
		c.killNode(i)
		pause(rng, 50*time.Millisecond, 500*time.Millisecond)
		j := rng.IntN(clusterSize)
		c.killServer(j)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartNode(i)
		pause(rng, 100*time.Millisecond, 2*time.Second)
		c.restartServer(j)
		c.finish()
	})
}
