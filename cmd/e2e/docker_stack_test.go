//go:build docker

// The Docker suite's plumbing: a throwaway compose project laid out like
// the repository, the docker and compose commands it runs (each bounded),
// and what it reads back from `docker logs` and `docker inspect`.

package e2e_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
)

const (
	project    = "tp0e2e" // the compose project of every stack
	repoRoot   = "../.."  // from cmd/e2e, the tests' working directory
	cmdTimeout = 2 * time.Minute
	pollEvery  = 200 * time.Millisecond
	runTimeout = 2 * time.Minute // from `up` to every client exited, synthetic data
)

// images are the only images the suite uses; they are never pulled.
var images = []string{"tp0-server:latest", "tp0-client:latest"}

// logGrammar is the whole of every log line the binaries write.
var logGrammar = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (DEBUG|INFO|WARNING|ERROR) +` +
	`action: [^ |]+ \| result: (success|fail|in_progress)( \| .+)?$`)

// clientName is the container name of an agency.
var clientName = regexp.MustCompile(`^client\d+$`)

// dockerErr is why no Docker engine can be used, or nil.
var dockerErr = sync.OnceValue(func() error {
	_, err := execOut("", "docker", "info")
	return err
})

// composeCmd is the compose command: $COMPOSE, else `docker compose` when it
// answers, else docker-compose.
var composeCmd = sync.OnceValue(func() []string {
	if c := strings.Fields(os.Getenv("COMPOSE")); len(c) > 0 {
		return c
	}
	if _, err := execOut("", "docker", "compose", "version"); err == nil {
		return []string{"docker", "compose"}
	}
	return []string{"docker-compose"}
})

// requireDocker skips t when no Docker engine answers and fails it when
// the images are missing (they are built by `make images`, never pulled).
func requireDocker(t *testing.T) {
	t.Helper()
	if err := dockerErr(); err != nil {
		t.Skipf("the Docker suite needs a Docker engine, and `docker info` failed: %v", err)
	}
	args := append([]string{"image", "inspect", "-f", "{{.Id}}"}, images...)
	if _, err := execOut("", "docker", args...); err != nil {
		t.Fatalf("images %v missing: build them with `make images` (nothing is pulled): %v", images, err)
	}
}

// execOut runs name with args in dir, for at most cmdTimeout, and returns
// its standard output and error, combined; a failure's error includes them.
func execOut(dir, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// mustDocker runs docker with args and returns its output, failing tb if
// it fails.
func mustDocker(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := execOut("", "docker", args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// agencyData writes the contents of one agency file.
type agencyData func(w io.Writer) error

// planted returns one agency file per element of winners, each of rows
// synthetic bets of which those 0-based rows play the winning number.
func planted(rows int, winners ...[]int) []agencyData {
	data := make([]agencyData, len(winners))
	for i, w := range winners {
		spec := gen.Spec{Agency: i + 1, Rows: rows, Winners: w, Seed: 11}
		data[i] = func(out io.Writer) error { return gen.Write(out, spec) }
	}
	return data
}

// stack is one throwaway compose project: a directory laid out like the
// repository (docker/*.yaml, .data/agency-{i}.csv, docker-compose-dev.yaml)
// whose containers, network and volume are removed when the test ends.
type stack struct {
	t    *testing.T
	dir  string
	file string // the compose file
	n    int    // agencies
}

// newStack lays out a project for one agency per element of data, removes
// what an earlier run may have left, and arranges for `down` at the end.
func newStack(t *testing.T, data ...agencyData) *stack {
	t.Helper()
	requireDocker(t)
	s := &stack{t: t, dir: t.TempDir(), n: len(data)}
	s.file = filepath.Join(s.dir, "docker-compose-dev.yaml")
	s.copyConfig("server.yaml", "client.yaml")
	s.writeAgencies(data)
	script := filepath.Join(repoRoot, "scripts", "generar-compose.sh")
	if _, err := execOut("", script, s.file, strconv.Itoa(s.n)); err != nil {
		t.Fatal(err)
	}
	s.assertNoForeignContainers()
	s.compose("down", "-v", "-t", "10", "--remove-orphans")
	t.Cleanup(func() {
		if _, err := s.composeOut("down", "-v", "-t", "10", "--remove-orphans"); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(s.dumpIfFailed) // runs first: the containers still exist
	t.Logf("%s -p %s -f %s", strings.Join(composeCmd(), " "), project, s.file)
	return s
}

// copyConfig copies the repository's docker/<name> files into the project.
func (s *stack) copyConfig(names ...string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Join(s.dir, "docker"), 0o755); err != nil {
		s.t.Fatal(err)
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(repoRoot, "docker", name))
		if err != nil {
			s.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.dir, "docker", name), b, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

// writeAgencies writes .data/agency-{i}.csv, i from 1, from data.
func (s *stack) writeAgencies(data []agencyData) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Join(s.dir, ".data"), 0o755); err != nil {
		s.t.Fatal(err)
	}
	for i, write := range data {
		f, err := os.Create(filepath.Join(s.dir, ".data", fmt.Sprintf("agency-%d.csv", i+1)))
		if err != nil {
			s.t.Fatal(err)
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.t.Fatalf("agency %d: %v", i+1, err)
		}
	}
}

// assertNoForeignContainers fails the test when another project holds one
// of the fixed container names (a `make up` left running, say).
func (s *stack) assertNoForeignContainers() {
	s.t.Helper()
	out := mustDocker(s.t, "ps", "-a", "--format", `{{.Names}} {{.Label "com.docker.compose.project"}}`)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, proj, _ := strings.Cut(l, " ")
		if (name == "server" || clientName.MatchString(name)) && proj != project {
			s.t.Fatalf("container %s (project %q) is in the way of the fixed names; remove it (make down)", name, proj)
		}
	}
}

// composeOut runs the compose command on the project with args.
func (s *stack) composeOut(args ...string) (string, error) {
	c := composeCmd()
	args = append(append(c[1:len(c):len(c)], "-p", project, "-f", s.file), args...)
	return execOut(s.dir, c[0], args...)
}

// compose is composeOut failing the test on error.
func (s *stack) compose(args ...string) {
	s.t.Helper()
	if _, err := s.composeOut(args...); err != nil {
		s.t.Fatal(err)
	}
}

// clients returns the agencies' container names, client1 … clientN.
func (s *stack) clients() []string {
	names := make([]string, s.n)
	for i := range names {
		names[i] = fmt.Sprintf("client%d", i+1)
	}
	return names
}

// run starts the whole project (`up -d` with extra args), waits for every
// client to exit, checks the run was clean and returns the time from `up`
// to the last client's exit.
func (s *stack) run(extra ...string) time.Duration {
	s.t.Helper()
	return s.runWithin(runTimeout, extra...)
}

// runWithin is run with a deadline of d for the clients.
func (s *stack) runWithin(d time.Duration, extra ...string) time.Duration {
	s.t.Helper()
	began := time.Now()
	s.compose(append([]string{"up", "-d"}, extra...)...)
	s.waitExited(d, s.clients()...)
	elapsed := time.Since(began)
	s.t.Logf("up → every client exited (%d): %s", s.n, elapsed.Round(time.Millisecond))
	s.assertClean()
	return elapsed
}

// state returns the container's status and exit code.
func (s *stack) state(name string) (status string, code int, err error) {
	out, err := execOut("", "docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name)
	if err != nil {
		return "", 0, err
	}
	_, err = fmt.Sscan(out, &status, &code)
	return status, code, err
}

// waitExited polls the containers until every one has exited, for at most
// d in all.
func (s *stack) waitExited(d time.Duration, names ...string) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for _, name := range names {
		for {
			status, _, err := s.state(name)
			if err == nil && status == "exited" {
				break
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("%s not exited after %s: status %q, %v", name, d, status, err)
			}
			<-tick.C
		}
	}
}

// waitLog polls name's log until it has a line with the action and
// result, for at most d.
func (s *stack) waitLog(name, action, result string, d time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		out, _ := execOut("", "docker", "logs", name)
		for _, l := range find(parseLog(out), action) {
			if l["result"] == result {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s logged no %s | %s within %s", name, action, result, d)
		}
		<-tick.C
	}
}

// exitCode returns the exit code of the exited container name.
func (s *stack) exitCode(name string) int {
	s.t.Helper()
	status, code, err := s.state(name)
	if err != nil || status != "exited" {
		s.t.Fatalf("%s: status %q, %v", name, status, err)
	}
	return code
}

// stop stops name with `docker stop -t 20` and returns how long it took.
func (s *stack) stop(name string) time.Duration {
	s.t.Helper()
	began := time.Now()
	mustDocker(s.t, "stop", "-t", "20", name)
	return time.Since(began)
}

// logs returns name's whole log (stdout and stderr).
func (s *stack) logs(name string) string {
	s.t.Helper()
	return mustDocker(s.t, "logs", name)
}

// lines returns name's log, parsed.
func (s *stack) lines(name string) []logLine {
	s.t.Helper()
	return parseLog(s.logs(name))
}

// assertClean checks what every normal run must show: each client exited
// 0, and no container's log has a line outside the grammar or a result
// other than success or in_progress.
func (s *stack) assertClean() {
	s.t.Helper()
	for _, name := range s.clients() {
		if code := s.exitCode(name); code != 0 {
			s.t.Errorf("%s exited %d", name, code)
		}
	}
	for _, name := range append([]string{"server"}, s.clients()...) {
		s.assertLog(name)
	}
}

// assertLog checks that every line of name's log follows the grammar and
// none is a failure.
func (s *stack) assertLog(name string) {
	s.t.Helper()
	out := s.logs(name)
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if !logGrammar.MatchString(l) {
			s.t.Errorf("%s logged a line outside the log grammar: %q", name, l)
		}
	}
	assertNoFail(s.t, name, parseLog(out))
}

// winners returns what each client logged in its one consulta_ganadores
// line.
func (s *stack) winners() []int {
	s.t.Helper()
	got := make([]int, s.n)
	for i, name := range s.clients() {
		q := find(s.lines(name), "consulta_ganadores")
		if len(q) != 1 || q[0]["result"] != "success" {
			s.t.Fatalf("%s logged consulta_ganadores %v, want one success", name, q)
		}
		got[i] = mustAtoi(s.t, q[0]["cant_ganadores"])
	}
	return got
}

// received returns the amounts of the server's apuesta_recibida lines, in
// order; each line must be exactly action, result and cantidad, as the
// course's tests parse it.
func (s *stack) received() []int {
	s.t.Helper()
	var got []int
	for _, l := range find(s.lines("server"), "apuesta_recibida") {
		if len(l) != 3 || l["result"] != "success" {
			s.t.Errorf("apuesta_recibida line %v, want only result: success and cantidad", l)
		}
		got = append(got, mustAtoi(s.t, l["cantidad"]))
	}
	return got
}

// editConfig replaces old, which must occur exactly once, by new in the
// project's docker/<name>, the file mounted into the containers.
func (s *stack) editConfig(name, old, new string) {
	s.t.Helper()
	path := filepath.Join(s.dir, "docker", name)
	b, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	if n := strings.Count(string(b), old); n != 1 {
		s.t.Fatalf("%s holds %q %d times, want once", name, old, n)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// dumpIfFailed logs every container's log when the test failed.
func (s *stack) dumpIfFailed() {
	if !s.t.Failed() {
		return
	}
	for _, name := range append([]string{"server"}, s.clients()...) {
		out, _ := execOut("", "docker", "logs", name)
		s.t.Logf("docker logs %s:\n%s", name, out)
	}
}

// assertConfig checks that the first line of a log is the config line
// and shows the settings in want.
func assertConfig(tb testing.TB, who string, lines []logLine, want map[string]string) {
	tb.Helper()
	if len(lines) == 0 || lines[0]["action"] != "config" || lines[0]["result"] != "success" {
		tb.Fatalf("%s: first line is not action: config | result: success: %v", who, lines)
	}
	for k, v := range want {
		if lines[0][k] != v {
			tb.Errorf("%s config line has %s: %q, want %q", who, k, lines[0][k], v)
		}
	}
}

// mustAtoi is strconv.Atoi failing tb on error.
func mustAtoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("not a number: %q", s)
	}
	return n
}

// sum returns the sum of xs.
func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
