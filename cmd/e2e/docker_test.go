//go:build docker

// The Docker suite: the course's black-box tests against the containers of
// `make images`, run with `make e2e` (COMPOSE picks `docker compose` or
// docker-compose). Each test builds a throwaway project from the
// repository's compose generator and configuration files and reads what
// `docker logs` and `docker inspect` say. Container names are fixed, so the
// tests run one after the other.

package e2e_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
)

// TestDockerBetsReceived checks that every bet of one agency reaches the
// server: the apuesta_recibida amounts sum to what it sent.
func TestDockerBetsReceived(t *testing.T) {
	for _, n := range []int{64, 99} {
		t.Run(fmt.Sprintf("%dBets", n), func(t *testing.T) {
			s := newStack(t, planted(n, nil)...)
			s.run()
			if got := sum(s.received()); got != n {
				t.Errorf("apuesta_recibida amounts sum to %d, sent %d", got, n)
			}
		})
	}
}

// TestDockerBatchSize checks that batch.maxAmount, set in the mounted
// client.yaml, groups the bets: the server's cantidad values, in order.
func TestDockerBatchSize(t *testing.T) {
	for _, tc := range []struct {
		bets, max int
		want      []int
	}{
		{16, 64, []int{16}},
		{21, 99, []int{21}},
		{250, 64, []int{64, 64, 64, 58}},
	} {
		t.Run(fmt.Sprintf("%dBetsBy%d", tc.bets, tc.max), func(t *testing.T) {
			s := newStack(t, planted(tc.bets, nil)...)
			s.editConfig("client.yaml", "maxAmount: 175", fmt.Sprintf("maxAmount: %d", tc.max))
			s.run()
			assertConfig(t, "client1", s.lines("client1"), map[string]string{"batch_max_amount": strconv.Itoa(tc.max)})
			if got := s.received(); !slices.Equal(got, tc.want) {
				t.Errorf("batches of %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDockerWinners checks that each agency is told exactly its own
// winners, on planted data and on the course's dataset.
func TestDockerWinners(t *testing.T) {
	t.Run("ThreeAgencies", func(t *testing.T) {
		s := newStack(t, planted(100, []int{0, 99}, []int{50}, nil)...)
		s.run()
		assertDraw(t, s, 300, []int{2, 1, 0})
	})
	t.Run("FiveAgencies", func(t *testing.T) {
		var winners [][]int
		for k := 1; k <= 5; k++ {
			winners = append(winners, gen.Spread(60, k))
		}
		s := newStack(t, planted(60, winners...)...)
		s.run()
		assertDraw(t, s, 300, []int{1, 2, 3, 4, 5})
	})
	t.Run("CourseDataset", func(t *testing.T) {
		path := filepath.Join(repoRoot, "..", "shared", "datasets", "dataset.zip")
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Skipf("course dataset not available at %s (it lives outside the project): %v", path, err)
		}
		defer z.Close()
		var data []agencyData
		for agency := 1; agency <= 5; agency++ {
			data = append(data, zipped(z, fmt.Sprintf("agency-%d.csv", agency)))
		}
		s := newStack(t, data...)
		elapsed := s.runWithin(5 * time.Minute)
		t.Logf("course dataset: 78,697 bets, 5 agencies: up → every agency has its winners and exited: %s",
			elapsed.Round(time.Millisecond))
		assertDraw(t, s, 78697, []int{2, 3, 3, 2, 0})
	})
}

// assertDraw checks the server received bets in all and each client
// logged its number of winners.
func assertDraw(t *testing.T, s *stack, bets int, winners []int) {
	t.Helper()
	if got := sum(s.received()); got != bets {
		t.Errorf("apuesta_recibida amounts sum to %d, sent %d", got, bets)
	}
	if got := s.winners(); !slices.Equal(got, winners) {
		t.Errorf("cant_ganadores per agency %v, want %v", got, winners)
	}
}

// zipped returns the agency file named name in z.
func zipped(z *zip.ReadCloser, name string) agencyData {
	return func(w io.Writer) error {
		r, err := z.Open(name)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(w, r)
		return err
	}
}

// TestDockerConfigWithoutRebuild checks that editing the mounted YAML
// files and recreating the containers changes the configuration with the
// same images. The bets live in the server container's writable layer, so
// the recreated server is a fresh lottery: the agency sends its bets again,
// in batches of the new size, and still gets its winner.
func TestDockerConfigWithoutRebuild(t *testing.T) {
	s := newStack(t, planted(100, []int{3})...)
	s.run()
	assertConfig(t, "server", s.lines("server"), map[string]string{"listen_backlog": "128", "logging_level": "INFO"})
	assertConfig(t, "client1", s.lines("client1"), map[string]string{"batch_max_amount": "175"})
	before := imageIDs(t, "server", "client1")

	s.editConfig("server.yaml", "listen_backlog: 128", "listen_backlog: 77")
	s.editConfig("server.yaml", "level: INFO", "level: DEBUG")
	s.editConfig("client.yaml", "maxAmount: 175", "maxAmount: 33")
	s.run("--force-recreate")

	assertConfig(t, "server", s.lines("server"), map[string]string{"listen_backlog": "77", "logging_level": "DEBUG"})
	assertConfig(t, "client1", s.lines("client1"), map[string]string{"batch_max_amount": "33"})
	if after := imageIDs(t, "server", "client1"); !slices.Equal(after, before) {
		t.Errorf("image ids %v after recreating, %v before", after, before)
	}
	if got := s.received(); !slices.Equal(got, []int{33, 33, 33, 1}) {
		t.Errorf("the recreated server received batches %v, want [33 33 33 1]: a fresh lottery, at the new batch size", got)
	}
	if got := s.winners(); !slices.Equal(got, []int{1}) {
		t.Errorf("cant_ganadores %v after recreating, want [1]", got)
	}
}

// imageIDs returns the image id of each container, and checks it is the
// one tagged tp0-server:latest or tp0-client:latest.
func imageIDs(t *testing.T, names ...string) []string {
	t.Helper()
	tagged := map[string]string{
		"server":  strings.TrimSpace(mustDocker(t, "image", "inspect", "-f", "{{.Id}}", "tp0-server:latest")),
		"client1": strings.TrimSpace(mustDocker(t, "image", "inspect", "-f", "{{.Id}}", "tp0-client:latest")),
	}
	var ids []string
	for _, name := range names {
		id := strings.TrimSpace(mustDocker(t, "inspect", "-f", "{{.Image}}", name))
		if id != tagged[name] {
			t.Errorf("%s runs image %s, not the tagged %s", name, id, tagged[name])
		}
		ids = append(ids, id)
	}
	return ids
}

// TestDockerSIGTERM stops a client parked on its winners query, then the
// server, with `docker stop`: both exit 0 after logging shutdown success, the
// server in its documented shutdown order, and `down` leaves nothing of
// the project.
func TestDockerSIGTERM(t *testing.T) {
	s := newStack(t, planted(100, nil, nil)...)
	s.compose("up", "-d", "server", "client1") // agency 2 never reports done
	s.waitLog("client1", "done", "success", runTimeout)
	if status, _, err := s.state("client1"); status != "running" || err != nil {
		t.Fatalf("client1 is not parked on its winners query: status %q, %v", status, err)
	}

	t.Logf("docker stop client1: %s", s.stop("client1").Round(time.Millisecond))
	assertStopped(t, s, "client1")
	t.Logf("docker stop server: %s", s.stop("server").Round(time.Millisecond))
	assertStopped(t, s, "server")
	wantOrder := []string{"listener_close", "connections_close", "coordinator_stop", "store_close", "shutdown"}
	if got := actionsAmong(s.lines("server"), wantOrder); !slices.Equal(got, wantOrder) {
		t.Errorf("server shutdown actions %v, want %v", got, wantOrder)
	}

	s.compose("down", "-v", "-t", "10", "--remove-orphans") // as `make down`
	assertProjectGone(t)
}

// assertStopped checks that a container stopped by SIGTERM exited 0, its
// log is clean and its last line is action: shutdown | result: success.
func assertStopped(t *testing.T, s *stack, name string) {
	t.Helper()
	if code := s.exitCode(name); code != 0 {
		t.Errorf("%s exited %d after SIGTERM, want 0", name, code)
	}
	s.assertLog(name)
	lines := s.lines(name)
	if len(lines) == 0 || lines[len(lines)-1]["action"] != "shutdown" || lines[len(lines)-1]["result"] != "success" {
		t.Errorf("%s's last line is not action: shutdown | result: success: %v", name, lines[max(len(lines)-1, 0):])
	}
}

// actionsAmong returns the actions of lines that are in set, in order.
func actionsAmong(lines []logLine, set []string) []string {
	var got []string
	for _, l := range lines {
		if slices.Contains(set, l["action"]) {
			got = append(got, l["action"])
		}
	}
	return got
}

// assertProjectGone checks that no container, network or volume of the
// project is left.
func assertProjectGone(t *testing.T) {
	t.Helper()
	label := "label=com.docker.compose.project=" + project
	for what, args := range map[string][]string{
		"containers of the project": {"ps", "-a", "-q", "--filter", label},
		"container server":          {"ps", "-a", "-q", "--filter", "name=^server$"},
		"container client1":         {"ps", "-a", "-q", "--filter", "name=^client1$"},
		"container client2":         {"ps", "-a", "-q", "--filter", "name=^client2$"},
		"networks of the project":   {"network", "ls", "-q", "--filter", label},
		"networks named " + project: {"network", "ls", "-q", "--filter", "name=" + project},
		"volumes of the project":    {"volume", "ls", "-q", "--filter", label},
		"volumes named " + project:  {"volume", "ls", "-q", "--filter", "name=" + project},
	} {
		if out := strings.TrimSpace(mustDocker(t, args...)); out != "" {
			t.Errorf("%s left after down: %s", what, out)
		}
	}
}

// TestDockerEchoValidation checks the validation script: success and exit
// 0 while the server runs, fail and exit 1 once it is stopped.
func TestDockerEchoValidation(t *testing.T) {
	s := newStack(t, planted(20, []int{0})...)
	s.run() // the server keeps serving after the draw
	out, code, elapsed := validate(t)
	t.Logf("validation with the server up: %s", elapsed.Round(time.Millisecond))
	if want := "action: test_echo_server | result: success\n"; out != want || code != 0 {
		t.Errorf("validation printed %q and exited %d, want %q and 0", out, code, want)
	}

	s.stop("server")
	out, code, elapsed = validate(t)
	t.Logf("validation with the server stopped: %s", elapsed.Round(time.Millisecond))
	if want := "action: test_echo_server | result: fail\n"; out != want || code != 1 {
		t.Errorf("validation printed %q and exited %d, want %q and 1", out, code, want)
	}
}

// validate runs scripts/validar-echo-server.sh against the container
// server, for at most a minute, and returns its standard output, its exit
// code and how long it took.
func validate(t *testing.T) (string, int, time.Duration) {
	t.Helper()
	const limit = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot, "scripts", "validar-echo-server.sh"))
	cmd.Env = append(os.Environ(), "SERVER_CONTAINER=server", "SERVER_PORT=12345", "CLIENT_IMAGE=tp0-client:latest")
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	elapsed := time.Since(began)
	if ctx.Err() != nil {
		t.Fatalf("validar-echo-server.sh still running after %s; stderr:\n%s", limit, stderr.Bytes())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("validar-echo-server.sh: %v\n%s", err, stderr.Bytes())
	}
	return stdout.String(), cmd.ProcessState.ExitCode(), elapsed
}
