//go:build docker

// The Docker suite's plumbing, which runs the system the way the course's
// harness does: one checkout-like project directory reused by every
// scenario, the configuration written onto docker/*.yaml,
// `./generar-compose.sh docker-compose-dev.yaml N`, `COMPOSE -f
// docker-compose-dev.yaml up -d`, `logs -f` read line by line as it
// streams, and `stop` then `down` (no -v) between scenarios.

package e2e_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	repoRoot    = "../.." // from cmd/e2e, the tests' working directory
	composeFile = "docker-compose-dev.yaml"
	project     = "tp0" // the project name, from the repository's .env, as for the course
	cmdTimeout  = 2 * time.Minute
)

// images are the images the suite runs; `make images nats-image
// echomock-image` builds them (`make e2e` does), nothing is pulled.
var images = []string{"tp0-server:latest", "tp0-client:latest", "tp0-echomock:latest", "tp0-nats:latest"}

// clientName is the container name of an agency.
var clientName = regexp.MustCompile(`^client\d+$`)

// fixedName is the container name of a server (server, or server1 … of
// NODES=3), an agency or a NATS node.
var fixedName = regexp.MustCompile(`^(server\d*|client\d+|nats\d+)$`)

// composeCmd is the compose command: $COMPOSE, else `docker compose` when it
// answers, else docker-compose.
var composeCmd = sync.OnceValue(func() []string {
	if c := strings.Fields(os.Getenv("COMPOSE")); len(c) > 0 {
		return c
	}
	if _, err := execIn(context.Background(), "", "docker", "compose", "version"); err == nil {
		return []string{"docker", "compose"}
	}
	return []string{"docker-compose"}
})

// execIn runs name with args in dir, for at most cmdTimeout or until ctx is
// done, and returns its output, standard output and error combined; a
// failure's error includes it.
func execIn(ctx context.Context, dir, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
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
	out, err := execIn(context.Background(), "", "docker", args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// checkout is the suite's copy of the repository: the tracked files a
// compose run reads (.env, the generator and the validation script with
// scripts/, docker/, .data/), in one directory that every scenario
// reuses, as the course's tests reuse one checkout. Files the scenarios
// write are put back between them, as `git checkout . && git clean -fd`
// does; git-ignored files (the compose file, .secrets/) are kept.
type checkout struct {
	dir   string
	files []string // the copied files, relative
}

// newCheckout checks the Docker engine and the images, refuses to run
// over containers it did not start (the fixed names are shared), and lays
// out the checkout. At the end it takes down what is left of the project.
func newCheckout(t *testing.T) *checkout {
	t.Helper()
	if _, err := execIn(context.Background(), "", "docker", "info"); err != nil {
		t.Skipf("the Docker suite needs a Docker engine, and `docker info` failed: %v", err)
	}
	args := append([]string{"image", "inspect", "-f", "{{.Id}}"}, images...)
	if _, err := execIn(context.Background(), "", "docker", args...); err != nil {
		t.Fatalf("images %v missing: build them with `make images nats-image echomock-image` (nothing is pulled): %v", images, err)
	}
	assertNoContainers(t, "before the suite: stop them (e.g. `docker compose -p tp0 down`, `make down`)")
	out, err := execIn(context.Background(), repoRoot, "git", "ls-files", "--", ".env", "generar-compose.sh",
		"validar-echo-server.sh", "scripts/*.sh", "docker", ".data")
	if err != nil {
		t.Fatalf("list the repository's files: %v", err)
	}
	c := &checkout{dir: t.TempDir(), files: strings.Fields(out)}
	t.Cleanup(func() {
		// down -v too: nothing of the suite is left, not even a volume a
		// compose file of old left.
		if !c.hasComposeFile() {
			return
		}
		if _, err := c.compose(context.Background(), "down", "-v", "-t", "10", "--remove-orphans"); err != nil {
			t.Error(err)
		}
		assertNoContainers(t, "after the suite")
		label := "label=com.docker.compose.project=" + project
		for what, args := range map[string][]string{
			"networks": {"network", "ls", "-q", "--filter", label},
			"volumes":  {"volume", "ls", "-q", "--filter", label},
		} {
			if out := strings.TrimSpace(mustDocker(t, args...)); out != "" {
				t.Errorf("%s of the project %s left after the suite: %s", what, project, out)
			}
		}
	})
	t.Logf("the checkout: %s; compose: %s", c.dir, strings.Join(composeCmd(), " "))
	return c
}

// assertNoContainers fails tb when a container has a fixed name of the
// project (server, serverN, clientN, natsN) or is of the project tp0.
func assertNoContainers(tb testing.TB, when string) {
	tb.Helper()
	out := mustDocker(tb, "ps", "-a", "--format", `{{.Names}} {{.Label "com.docker.compose.project"}}`)
	for _, row := range strings.Split(strings.TrimSpace(out), "\n") {
		name, proj, _ := strings.Cut(row, " ")
		if fixedName.MatchString(name) || proj == project {
			tb.Fatalf("container %s (project %q) exists %s", name, proj, when)
		}
	}
}

// reset puts every copied file back as in the repository and removes what
// scenarios added to docker/ and .data/.
func (c *checkout) reset(tb testing.TB) {
	tb.Helper()
	for _, d := range []string{"docker", ".data"} {
		if err := os.RemoveAll(filepath.Join(c.dir, d)); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range c.files {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			tb.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(repoRoot, f))
		if err != nil {
			tb.Fatal(err)
		}
		dst := filepath.Join(c.dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(dst, b, info.Mode().Perm()); err != nil {
			tb.Fatal(err)
		}
	}
}

// hasComposeFile tells whether generar-compose.sh has written the compose
// file.
func (c *checkout) hasComposeFile() bool {
	_, err := os.Stat(filepath.Join(c.dir, composeFile))
	return err == nil
}

// compose runs `COMPOSE -f docker-compose-dev.yaml args…` in the checkout.
func (c *checkout) compose(ctx context.Context, args ...string) (string, error) {
	return composeIn(ctx, c.dir, composeFile, args...)
}

// composeIn runs `COMPOSE -f file args…` in dir.
func composeIn(ctx context.Context, dir, file string, args ...string) (string, error) {
	cc := composeCmd()
	return execIn(ctx, dir, cc[0], append(append(cc[1:len(cc):len(cc)], "-f", file), args...)...)
}

// scenario is one scenario on the checkout: its test, and the log streams
// it follows.
type scenario struct {
	t    *testing.T
	c    *checkout
	logs []*follower
	mock string // the mock echo server's compose directory, once started
}

// start begins a scenario as the course's tests begin one: the checkout
// reset, then `stop` and `down`. When the scenario ends, failed or not,
// the streams stop, the logs are dumped if it failed, and `stop` and
// `down` leave no container behind.
func (c *checkout) start(t *testing.T) *scenario {
	t.Helper()
	c.reset(t)
	sc := &scenario{t: t, c: c}
	sc.down()
	assertNoContainers(t, "at the scenario's start, after stop and down")
	t.Cleanup(func() {
		for _, f := range sc.logs {
			f.stop()
		}
		if t.Failed() {
			sc.dump()
		}
		if sc.mock != "" {
			sc.mockDown()
		}
		if c.hasComposeFile() {
			if _, err := c.compose(context.Background(), "stop"); err != nil {
				t.Error(err)
			}
			if _, err := c.compose(context.Background(), "down"); err != nil {
				t.Error(err)
			}
		}
		assertNoContainers(t, "after the scenario's down")
	})
	return sc
}

// down is the course's docker.down(): `stop`, then `down`, without -v;
// nothing before the first compose file is written.
func (sc *scenario) down() {
	sc.t.Helper()
	if !sc.c.hasComposeFile() {
		return
	}
	sc.compose("stop")
	sc.compose("down")
}

// compose runs `COMPOSE -f docker-compose-dev.yaml args…`, failing the
// test on error.
func (sc *scenario) compose(args ...string) string {
	sc.t.Helper()
	out, err := sc.c.compose(context.Background(), args...)
	if err != nil {
		sc.t.Fatal(err)
	}
	return out
}

// generate runs `bash generar-compose.sh docker-compose-dev.yaml N` with
// env added to the environment, as the course's tests run it.
func (sc *scenario) generate(n int, env ...string) {
	sc.t.Helper()
	cmd := exec.Command("bash", "generar-compose.sh", composeFile, strconv.Itoa(n))
	cmd.Dir = sc.c.dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		sc.t.Fatalf("bash generar-compose.sh %s %d: %v\n%s", composeFile, n, err, out)
	}
}

// up runs `COMPOSE -f docker-compose-dev.yaml up -d` with extra arguments.
func (sc *scenario) up(extra ...string) {
	sc.t.Helper()
	sc.compose(append([]string{"up", "-d"}, extra...)...)
}

// clientConf is what the course's tests write as the client's
// configuration (utils/config.py), here onto the keys of
// docker/client.yaml.
type clientConf struct {
	LoopAmount int    // loop.amount
	LoopPeriod string // loop.period
	LogLevel   string // log.level
	MaxAmount  int    // batch.maxAmount
}

// serverConf is what the course's tests write as the server's
// configuration, here onto the keys of docker/server.yaml. The course's
// SERVER_IP (server, the container's own name) is not written: the server
// listens on every address of its container, server.ip's default.
type serverConf struct {
	ListenBacklog int    // server.listen_backlog
	LogLevel      string // log.level
}

// The course's defaults (utils/config.py).
var (
	courseClient = clientConf{LoopAmount: 3, LoopPeriod: "50ms", LogLevel: "INFO", MaxAmount: 10}
	courseServer = serverConf{ListenBacklog: 5, LogLevel: "INFO"}
)

// client writes c onto docker/client.yaml, with server.address
// server:12345, quoting strings as the course does.
func (sc *scenario) client(c clientConf) {
	sc.t.Helper()
	sc.setYAML("client.yaml", map[string]string{
		"server.address":  `"server:12345"`,
		"loop.amount":     strconv.Itoa(c.LoopAmount),
		"loop.period":     strconv.Quote(c.LoopPeriod),
		"log.level":       strconv.Quote(c.LogLevel),
		"batch.maxAmount": strconv.Itoa(c.MaxAmount),
	})
}

// server writes c onto docker/server.yaml, with server.port 12345.
func (sc *scenario) server(c serverConf) {
	sc.t.Helper()
	sc.setYAML("server.yaml", map[string]string{
		"server.port":           "12345",
		"server.listen_backlog": strconv.Itoa(c.ListenBacklog),
		"log.level":             strconv.Quote(c.LogLevel),
	})
}

// setYAML sets keys of the checkout's docker/<name>.
func (sc *scenario) setYAML(name string, kv map[string]string) {
	sc.t.Helper()
	path := filepath.Join(sc.c.dir, "docker", name)
	b, err := os.ReadFile(path)
	if err != nil {
		sc.t.Fatal(err)
	}
	doc := string(b)
	for k, v := range kv {
		if doc, err = setYAML(doc, k, v); err != nil {
			sc.t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		sc.t.Fatal(err)
	}
}

// agency writes .data/agency-<i>.csv with write.
func (sc *scenario) agency(i int, write func(io.Writer) error) {
	sc.t.Helper()
	path := filepath.Join(sc.c.dir, ".data", fmt.Sprintf("agency-%d.csv", i))
	f, err := os.Create(path)
	if err != nil {
		sc.t.Fatal(err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		sc.t.Fatalf("agency %d: %v", i, err)
	}
}

// agencyFiles returns the paths of .data/agency-1.csv … agency-n.csv.
func (sc *scenario) agencyFiles(n int) []string {
	var files []string
	for i := 1; i <= n; i++ {
		files = append(files, filepath.Join(sc.c.dir, ".data", fmt.Sprintf("agency-%d.csv", i)))
	}
	return files
}

// follow starts `COMPOSE -f docker-compose-dev.yaml logs -f` and returns
// its stream; every wait on it ends within budget of now.
func (sc *scenario) follow(budget time.Duration) *follower {
	sc.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cc := composeCmd()
	cmd := exec.CommandContext(ctx, cc[0], append(cc[1:len(cc):len(cc)], "-f", composeFile, "logs", "-f")...)
	cmd.Dir = sc.c.dir
	cmd.WaitDelay = 5 * time.Second
	r, w, err := os.Pipe()
	if err != nil {
		sc.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w // as the course's harness: one stream
	if err := cmd.Start(); err != nil {
		sc.t.Fatal(err)
	}
	w.Close()
	f := &follower{
		t: sc.t, cancel: cancel, pipe: r, budget: budget, deadline: time.Now().Add(budget),
		lines: make(chan string, 256), done: make(chan struct{}),
		exits: map[string]int{}, allowed: map[string]int{}, strict: true,
	}
	go func() {
		defer close(f.lines)
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				select {
				case f.lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		cmd.Wait()
		close(f.done)
	}()
	sc.logs = append(sc.logs, f)
	return f
}

// follower is one `logs -f` stream, read line by line as the course's
// harness reads it. Each line is parsed; a line that breaks the grammar
// fails the test, and so do a fail event (while strict) and a second
// exit event from one container (unless allowed), as they fail the
// course's tests.
type follower struct {
	t        *testing.T
	cancel   context.CancelFunc
	pipe     *os.File
	lines    chan string   // closed when the stream ends
	done     chan struct{} // closed when logs -f has exited
	budget   time.Duration
	deadline time.Time
	raw      []string       // every line read
	exits    map[string]int // exit events seen, by source
	allowed  map[string]int // more exit events a source may have than one
	strict   bool           // a fail event fails the test
	tolerate func(composeEvent) bool
	stopped  bool
}

// events yields the stream's events in order, until the loop breaks or
// the stream ends (logs -f ends once every container has stopped). what
// says what the loop waits for, for the failure when the budget runs out
// first.
func (f *follower) events(what string) iter.Seq[composeEvent] {
	return func(yield func(composeEvent) bool) {
		timer := time.NewTimer(time.Until(f.deadline))
		defer timer.Stop()
		for {
			select {
			case line, ok := <-f.lines:
				if !ok {
					return
				}
				if ev, ok := f.take(line); ok && !yield(ev) {
					return
				}
			case <-timer.C:
				f.t.Fatalf("no %s within %s of logs -f; the stream's last lines:\n%s", what, f.budget, f.tail(60))
			}
		}
	}
}

// take records and parses one line, applying the follower's rules.
func (f *follower) take(line string) (composeEvent, bool) {
	f.t.Helper()
	f.raw = append(f.raw, line)
	ev, ok, err := parseComposeLine(line)
	if err != nil {
		f.t.Fatalf("compose printed a line the course's parser raises on: %v", err)
	}
	if !ok {
		return ev, false
	}
	if ev.Action == "exit" {
		f.exits[ev.Source]++
		if n := f.exits[ev.Source]; n > 1+f.allowed[ev.Source] {
			f.t.Fatalf("%s: exit event number %d, %q: the course's parser counts every exit event, "+
				"compose's `exited with code` and any `action: exit` line alike, so a second one ends its count early",
				ev.Source, n, ev.Line)
		}
	}
	if ev.Result == resultFail && f.strict && (f.tolerate == nil || !f.tolerate(ev)) {
		f.t.Fatalf("a fail event, and no operation may fail: %q", ev.Line)
	}
	return ev, true
}

// drain reads the stream to its end: logs -f ends once every container
// has stopped.
func (f *follower) drain(what string) {
	for range f.events(what) {
	}
}

// tail returns the last n lines read.
func (f *follower) tail(n int) string {
	return strings.Join(f.raw[max(len(f.raw)-n, 0):], "")
}

// stop ends logs -f and waits for it.
func (f *follower) stop() {
	if f.stopped {
		return
	}
	f.stopped = true
	f.cancel()
	f.pipe.Close()
	<-f.done
	for range f.lines { // the reader has returned or returns now
	}
}

// dump logs what shows why a scenario failed: the end of each stream and
// each container's own log.
func (sc *scenario) dump() {
	for i, f := range sc.logs {
		sc.t.Logf("logs -f stream %d, its last %d of %d lines:\n%s", i+1, min(200, len(f.raw)), len(f.raw), f.tail(200))
	}
	out, _ := sc.c.compose(context.Background(), "ps", "-a")
	sc.t.Logf("compose ps -a:\n%s", out)
	names, _ := execIn(context.Background(), "", "docker", "ps", "-a", "--format", "{{.Names}}")
	for _, name := range strings.Fields(names) {
		if fixedName.MatchString(name) {
			out, _ := execIn(context.Background(), "", "docker", "logs", "--tail", "100", name)
			sc.t.Logf("docker logs --tail 100 %s:\n%s", name, out)
		}
	}
}

// stopContainer runs `docker stop name -t grace` and returns how long it
// took.
func (sc *scenario) stopContainer(name string, grace int) time.Duration {
	sc.t.Helper()
	began := time.Now()
	mustDocker(sc.t, "stop", name, "-t", strconv.Itoa(grace))
	return time.Since(began)
}

// containerLog returns the events of name's own log (`docker logs`, every
// run of the container), each line read as compose prints it; a line
// outside the grammar fails the test.
func (sc *scenario) containerLog(name string) []composeEvent {
	sc.t.Helper()
	var evs []composeEvent
	for _, line := range strings.Split(strings.TrimSpace(mustDocker(sc.t, "logs", name)), "\n") {
		ev, ok, err := parseComposeLine(name + " | " + line)
		if err != nil {
			sc.t.Fatalf("%s logged a line the course's parser raises on: %v", name, err)
		}
		if ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

// exitedClean waits for each container to exit (bounded) and checks what
// every normal run must show: exit code 0, no fail line, no line of
// action exit (the course would count it as a second exit) and a last
// line of action shutdown, result success.
func (sc *scenario) exitedClean(names ...string) {
	sc.t.Helper()
	for _, name := range names {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := execIn(ctx, "", "docker", "wait", name)
		cancel()
		if err != nil {
			sc.t.Fatalf("%s did not exit within a minute: %v", name, err)
		}
		if code := strings.TrimSpace(out); code != "0" {
			sc.t.Errorf("%s exited with code %s", name, code)
		}
		sc.assertCleanLog(name)
	}
}

// assertCleanLog checks name's own log: no fail line, no action exit,
// and, when it has stopped, a last line of action shutdown, result
// success.
func (sc *scenario) assertCleanLog(name string) {
	sc.t.Helper()
	evs := sc.containerLog(name)
	for _, ev := range evs {
		if ev.Result == resultFail {
			sc.t.Errorf("%s logged a fail line: %q", name, ev.Line)
		}
		if ev.Action == "exit" {
			sc.t.Errorf("%s logged %q, which the course's parser counts as an exit event besides compose's", name, ev.Line)
		}
	}
	if running := strings.TrimSpace(mustDocker(sc.t, "inspect", "-f", "{{.State.Running}}", name)); running == "true" {
		return
	}
	if len(evs) == 0 || evs[len(evs)-1].Action != "shutdown" || evs[len(evs)-1].Result != resultSuccess {
		last := "nothing"
		if len(evs) > 0 {
			last = fmt.Sprintf("%q", evs[len(evs)-1].Line)
		}
		sc.t.Errorf("%s's last line is %s, want action: shutdown | result: success", name, last)
	}
}

// validation is what `sh validar-echo-server.sh` did.
type validation struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// validate runs `sh validar-echo-server.sh` in the checkout, as the
// course's tests run it, for at most a minute.
func (sc *scenario) validate() validation {
	sc.t.Helper()
	const limit = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "validar-echo-server.sh")
	cmd.Dir = sc.c.dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	v := validation{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(began)}
	if ctx.Err() != nil {
		sc.t.Fatalf("sh validar-echo-server.sh still running after %s; stderr:\n%s", limit, v.stderr)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		sc.t.Fatalf("sh validar-echo-server.sh: %v\n%s", err, v.stderr)
	}
	v.code = cmd.ProcessState.ExitCode()
	return v
}

// mockUp starts the mock echo server (tp0-echomock) as the container
// server, healthy or not, on a network its own compose project creates,
// as the course's mock does.
func (sc *scenario) mockUp(profile string) {
	sc.t.Helper()
	dir := filepath.Join(sc.c.dir, "mock") // outlives the scenario's own cleanups
	if err := os.MkdirAll(dir, 0o755); err != nil {
		sc.t.Fatal(err)
	}
	const file = `# The course's mock echo server (utils/mocks), from tp0-echomock:latest.
services:
  healthy-server:
    container_name: server
    image: tp0-echomock:latest
    networks:
      - testing_net
    profiles:
      - healthy
  unhealthy-server:
    container_name: server
    image: tp0-echomock:latest
    command: ["-unhealthy"]
    networks:
      - testing_net
    profiles:
      - unhealthy

networks:
  testing_net: {}
`
	if err := os.WriteFile(filepath.Join(dir, "docker-compose-mock.yaml"), []byte(file), 0o644); err != nil {
		sc.t.Fatal(err)
	}
	sc.mock = dir
	if _, err := composeIn(context.Background(), dir, "docker-compose-mock.yaml",
		"-p", "tp0mock", "--profile", profile, "up", "-d"); err != nil {
		sc.t.Fatal(err)
	}
}

// mockDown takes the mock's project down.
func (sc *scenario) mockDown() {
	sc.t.Helper()
	if _, err := composeIn(context.Background(), sc.mock, "docker-compose-mock.yaml",
		"-p", "tp0mock", "--profile", "healthy", "--profile", "unhealthy", "down", "-t", "1"); err != nil {
		sc.t.Error(err)
	}
	sc.mock = ""
}

// stampedLog returns name's own log (`docker logs -t`, every run), each
// line stamped with when the Docker engine took it.
func (sc *scenario) stampedLog(name string) []stamped {
	sc.t.Helper()
	var lines []stamped
	for _, line := range strings.Split(mustDocker(sc.t, "logs", "-t", name), "\n") {
		if line == "" {
			continue
		}
		stamp, rest, _ := strings.Cut(line, " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			sc.t.Fatalf("docker logs -t %s: %q: %v", name, line, err)
		}
		s := stamped{at: at, text: rest}
		if l := parseLog(rest); len(l) == 1 {
			s.log = l[0]
		}
		lines = append(lines, s)
	}
	return lines
}
