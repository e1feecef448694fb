//go:build docker

package e2e_test

import (
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
)

// faults: the server killed (SIGKILL) and started again, restarted, or an
// agency cut off the network for a few seconds, each mid-ingest. Every
// agency still exits 0 with its exact winners, the bets file (in the
// server container's writable layer) holds every bet exactly once, and a
// restarted server recovers the bets it had.
func faults(t *testing.T, c *checkout) {
	t.Run("ServerKilledAndStarted", func(t *testing.T) {
		sc, logs := startFaultLottery(t, c)
		awaitServerBatch(logs)
		mustDocker(t, "kill", "server")
		mustDocker(t, "start", "server")
		sc.finishFaultLottery(logs, 2)
	})
	t.Run("ServerRestarted", func(t *testing.T) {
		sc, logs := startFaultLottery(t, c)
		awaitServerBatch(logs)
		mustDocker(t, "restart", "-t", "10", "server")
		sc.finishFaultLottery(logs, 2)
	})
	t.Run("AgencyCutOff", func(t *testing.T) {
		sc, logs := startFaultLottery(t, c)
		for ev := range logs.events("client3's first progreso line") {
			if ev.Source == "client3" && ev.Action == "progreso" {
				break
			}
		}
		network := strings.TrimSpace(mustDocker(t, "inspect", "-f",
			"{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{end}}", "client3"))
		mustDocker(t, "network", "disconnect", network, "client3")
		cut := time.Now()
		time.Sleep(3 * time.Second) // the fault's length, not a synchronisation
		mustDocker(t, "network", "connect", network, "client3")
		sc.finishFaultLottery(logs, 1)
		if done := sc.loggedAt("client3", "done"); !done.After(cut) {
			t.Errorf("client3 was done at %s, before the cut at %s: the fault did not land mid-ingest",
				done.Format(time.StampMicro), cut.Format(time.StampMicro))
		}
	})
}

// faultAgencies is how many agencies the fault scenarios run; agency i
// sends 60,000·i bets, 2·i of them winners: enough that a fault lands
// mid-ingest.
const faultAgencies = 3

// startFaultLottery starts the fault scenarios' lottery: the configuration
// as committed (no echo phase, batches of its batch.maxAmount), the
// server's exit events allowed and expected to fail (a kill is exit code
// 137).
func startFaultLottery(t *testing.T, c *checkout) (*scenario, *follower) {
	sc := c.start(t)
	sc.generate(faultAgencies)
	// Stop-and-wait, small batches: an ingest of a few seconds, which the
	// faults land in.
	sc.setYAML("client.yaml", map[string]string{"batch.window": "1", "batch.maxAmount": "100"})
	for i := 1; i <= faultAgencies; i++ {
		spec := gen.Spec{Agency: i, Rows: 60_000 * i, Winners: gen.Spread(60_000*i, 2*i), Seed: 5}
		sc.agency(i, func(w io.Writer) error { return gen.Write(w, spec) })
	}
	sc.up()
	logs := sc.follow(3 * time.Minute)
	logs.allowed["server"] = 1
	logs.tolerate = func(ev composeEvent) bool { return ev.Source == "server" && ev.Action == "exit" }
	return sc, logs
}

// awaitServerBatch reads the stream until the server's first
// apuesta_recibida.
func awaitServerBatch(f *follower) {
	f.t.Helper()
	for ev := range f.events("the server's first apuesta_recibida") {
		if ev.Source == "server" && ev.Action == "apuesta_recibida" {
			return
		}
	}
	f.t.Fatal("the stream ended before the server received a batch")
}

// finishFaultLottery reads the stream until every agency's exit event and
// checks the lottery was exact; the server must have logged runs recover
// lines, each after the first with the bets kept.
func (sc *scenario) finishFaultLottery(logs *follower, runs int) {
	sc.t.Helper()
	o := untilExits(logs, faultAgencies, func(ev composeEvent) bool { return clientName.MatchString(ev.Source) })
	sc.t.Logf("fault → every agency's exit event: %s", o.took.Round(time.Millisecond))
	want := make([]int, faultAgencies)
	for i := range want {
		want[i] = 2 * (i + 1)
	}
	if got := o.winnersOf(faultAgencies); !slices.Equal(got, want) {
		sc.t.Errorf("cant_ganadores per agency %v, want %v (-1: none logged)", got, want)
	}
	sc.exitedClean(clients(faultAgencies)...)
	sc.assertCleanLog("server")

	// The server's own log holds every run of its container, whichever
	// compose follows restarts.
	var recovered []int
	for _, ev := range sc.containerLog("server") {
		if ev.Action == "recover" {
			recovered = append(recovered, mustAtoi(sc.t, ev.value(sc.t, "bets")))
		}
	}
	total := 0
	for i := 1; i <= faultAgencies; i++ {
		total += 60_000 * i
	}
	sc.t.Logf("the server's recover lines: bets %v of %d", recovered, total)
	if len(recovered) != runs || recovered[0] != 0 {
		sc.t.Errorf("the server's recover lines say bets %v, want %d, the first of a fresh lottery", recovered, runs)
	} else if last := recovered[runs-1]; runs > 1 && (last == 0 || last == total) {
		sc.t.Errorf("the restarted server recovered %d bets of %d: want some but not all, the bets kept and the fault mid-ingest", last, total)
	}
	if mounts := strings.TrimSpace(mustDocker(sc.t, "inspect", "-f",
		"{{range .Mounts}}{{.Destination}} {{end}}", "server")); strings.Contains(mounts, "/data") {
		sc.t.Errorf("the server has a mount on /data (%s): the bets file belongs in the container's writable layer", mounts)
	}

	local := filepath.Join(sc.t.TempDir(), "bets.csv")
	mustDocker(sc.t, "cp", "server:/data/bets.csv", local)
	assertSameRows(sc.t, mustReadBetsFile(sc.t, local), mustReadAgencyFiles(sc.t, sc.agencyFiles(faultAgencies)))
}

// loggedAt returns when name logged its first line of action, from the
// Docker engine's timestamps.
func (sc *scenario) loggedAt(name, action string) time.Time {
	sc.t.Helper()
	for _, s := range sc.stampedLog(name) {
		if s.log["action"] == action {
			return s.at
		}
	}
	sc.t.Fatalf("%s logged no %s line", name, action)
	return time.Time{}
}
