//go:build docker

package e2e_test

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
)

// chaosAgencies is the data of the Docker fault tests: enough bets that
// the faults land mid-ingest.
func chaosAgencies() ([]agencyData, []int) {
	var data []agencyData
	var winners []int
	for agency := 1; agency <= 3; agency++ {
		rows := 60_000 * agency
		spec := gen.Spec{Agency: agency, Rows: rows, Winners: gen.Spread(rows, 2*agency), Seed: 5}
		data = append(data, func(w io.Writer) error { return gen.Write(w, spec) })
		winners = append(winners, 2*agency)
	}
	return data, winners
}

// assertExactlyStored copies the bets file out of the server container and
// checks it holds exactly the agencies' bets, as a multiset.
func (s *stack) assertExactlyStored() {
	s.t.Helper()
	local := filepath.Join(s.t.TempDir(), "bets.csv")
	mustDocker(s.t, "cp", "server:/data/bets.csv", local)
	var files []string
	for i := 1; i <= s.n; i++ {
		files = append(files, filepath.Join(s.dir, ".data", fmt.Sprintf("agency-%d.csv", i)))
	}
	assertSameRows(s.t, mustReadBetsFile(s.t, local), mustReadAgencyFiles(s.t, files))
}

// TestDockerServerKilled kills the server container (SIGKILL) mid-ingest
// and starts it again: every agency reconnects, resumes and gets its exact
// winners, and the bets file holds every bet once.
func TestDockerServerKilled(t *testing.T) {
	data, winners := chaosAgencies()
	s := newStack(t, data...)
	s.compose("up", "-d")
	s.waitLog("server", "apuesta_recibida", "success", time.Minute)
	mustDocker(t, "kill", "server")
	mustDocker(t, "start", "server")
	s.waitExited(runTimeout, s.clients()...)
	s.assertClean()
	if got := s.winners(); !slices.Equal(got, winners) {
		t.Errorf("winners per agency %v, want %v", got, winners)
	}
	s.assertExactlyStored()
}

// TestDockerAgencyCutOff disconnects an agency from the network for a few
// seconds mid-ingest, then reconnects it: it still finishes exactly.
func TestDockerAgencyCutOff(t *testing.T) {
	data, winners := chaosAgencies()
	s := newStack(t, data...)
	s.compose("up", "-d")
	s.waitLog("client3", "connect", "success", time.Minute)
	network := project + "_testing_net"
	mustDocker(t, "network", "disconnect", network, "client3")
	time.Sleep(3 * time.Second) // the fault's length, not a synchronisation
	mustDocker(t, "network", "connect", network, "client3")
	s.waitExited(runTimeout, s.clients()...)
	s.assertClean()
	if got := s.winners(); !slices.Equal(got, winners) {
		t.Errorf("winners per agency %v, want %v", got, winners)
	}
	s.assertExactlyStored()
}
