// Package e2e_test runs the real server and agency binaries as processes on
// loopback and checks what a user would: every client exits 0 with its
// exact winners, the bets file holds exactly the bets sent, and the server
// stops cleanly on SIGTERM.
package e2e_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
)

// binaries are built once per test run into a temporary directory.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "loteria-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// trackSources stats every source file of the module. The binaries under
// test are built by exec'ing go build, which go test cannot see; a file
// the test has looked at, though, is part of its cache key, so a change to
// any source file reruns these tests instead of replaying a cached pass.
func trackSources() {
	filepath.WalkDir(filepath.Join("..", ".."), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum") {
			os.Stat(path)
		}
		return nil
	})
}

func mustBuild(tb testing.TB) (server, client string) {
	tb.Helper()
	trackSources() // inside a test: only there does go test log what it opens
	server, client = filepath.Join(binDir, "server"), filepath.Join(binDir, "client")
	if _, err := os.Stat(client); err == nil {
		return server, client
	}
	for name, out := range map[string]string{"server": server, "client": client} {
		cmd := exec.Command("go", "build", "-o", out, "github.com/tp0/loteria/cmd/"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("build %s: %v\n%s", name, err, b)
		}
	}
	return server, client
}

// mustBuildNATS builds the NATS server go.mod names, once per test run,
// for the tests of the jetstream backend, and returns its path.
func mustBuildNATS(tb testing.TB) string {
	tb.Helper()
	out := filepath.Join(binDir, "nats-server")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "github.com/nats-io/nats-server/v2")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build nats-server: %v\n%s", err, b)
	}
	return out
}

// logLine is one parsed log line: action, result and the other keys.
type logLine map[string]string

// parseLog reads the log lines of out with logline.Parse: each line that
// holds "action: " as its action (under "action") and its pairs, the
// result among them, values unquoted. A line holding "action: " that
// logline.Parse refuses reads as one of no action and no result, with the
// line and the error (assertNoFail reports it).
func parseLog(out string) []logLine {
	var lines []logLine
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, "action: ") {
			continue
		}
		ll, err := logline.Parse(l)
		if err != nil {
			lines = append(lines, logLine{"unparsed": l, "error": err.Error()})
			continue
		}
		m := logLine{"action": ll.Action}
		for _, a := range ll.Attrs {
			m[a.Key] = a.Value
		}
		lines = append(lines, m)
	}
	return lines
}

func find(lines []logLine, action string) []logLine {
	var out []logLine
	for _, l := range lines {
		if l["action"] == action {
			out = append(out, l)
		}
	}
	return out
}

// proc is a running binary whose output is collected.
type proc struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan error
}

// start runs bin with env. Its output is collected, and also copied to
// stdout if not nil, which is closed when the process ends.
func start(tb testing.TB, bin string, env []string, stdout io.WriteCloser) *proc {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	return startCmd(tb, cmd, stdout)
}

// startCmd is start for a command built by the caller (with arguments,
// say).
func startCmd(tb testing.TB, cmd *exec.Cmd, stdout io.WriteCloser) *proc {
	tb.Helper()
	bin := cmd.Path
	p := &proc{cmd: cmd, out: &bytes.Buffer{}, done: make(chan error, 1)}
	var w io.Writer = p.out
	if stdout != nil {
		w = io.MultiWriter(p.out, stdout)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w // the same writer: one goroutine writes
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		err := p.cmd.Wait()
		if stdout != nil {
			stdout.Close()
		}
		p.done <- err
	}()
	tb.Cleanup(func() {
		p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(time.Minute):
			tb.Errorf("%s still running a minute after SIGKILL", bin)
		}
	})
	return p
}

// wait waits for the process to exit, at most d.
func (p *proc) wait(tb testing.TB, d time.Duration) error {
	tb.Helper()
	select {
	case err := <-p.done:
		p.done <- err // keep it for Cleanup
		return err
	case <-time.After(d):
		tb.Fatalf("%s still running after %s; output:\n%s", p.cmd.Path, d, p.out)
		return nil
	}
}

// startServer starts the server on a free loopback port and returns it with
// the address it listens on, read from its listen log line.
func startServer(tb testing.TB, bin, store string, agencies int) (*proc, string) {
	tb.Helper()
	return startServerOn(tb, bin, store, agencies, "0")
}

// startServerOn is startServer on a given loopback port ("0": any free one),
// with any more variables in extra.
func startServerOn(tb testing.TB, bin, store string, agencies int, port string, extra ...string) (*proc, string) {
	tb.Helper()
	pr, pw := io.Pipe()
	env := append([]string{"SERVER_IP=127.0.0.1", "SERVER_PORT=" + port, "SERVER_STORE_PATH=" + store,
		"SERVER_AGENCIES=" + strconv.Itoa(agencies)}, extra...)
	p := start(tb, bin, env, pw)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if ls := find(parseLog(sc.Text()), "listen"); len(ls) == 1 {
				addr <- ls[0]["address"]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-addr:
		return p, a
	case err := <-p.done:
		p.done <- err // keep it for Cleanup
		tb.Fatalf("server exited before listening: %v\n%s", err, p.out)
	case <-time.After(10 * time.Second):
		tb.Fatalf("server did not listen within 10s:\n%s", p.out)
	}
	return nil, ""
}

// lottery runs a server and one client per agency file to the end, stops
// the server with SIGTERM and checks everything a user would notice. It
// returns the winners count each client logged and the time from the
// clients' start to the last client's exit.
func lottery(t *testing.T, files []string) ([]int, time.Duration) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "bets.csv")
	srv, addr := startServer(t, server, store, len(files))

	began := time.Now()
	clients := make([]*proc, len(files))
	for i, f := range files {
		env := []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + f}
		clients[i] = start(t, client, env, nil)
	}
	winners := make([]int, len(files))
	for i, c := range clients {
		if err := c.wait(t, 60*time.Second); err != nil {
			t.Fatalf("client %d: %v\n%s", i+1, err, c.out)
		}
		lines := parseLog(c.out.String())
		q := find(lines, "consulta_ganadores")
		if len(q) != 1 || q[0]["result"] != "success" {
			t.Fatalf("client %d logged %d consulta_ganadores lines:\n%s", i+1, len(q), c.out)
		}
		winners[i], _ = strconv.Atoi(q[0]["cant_ganadores"])
		assertNoFail(t, fmt.Sprintf("client %d", i+1), lines)
	}
	elapsed := time.Since(began)

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.wait(t, 10*time.Second); err != nil {
		t.Fatalf("server exit: %v\n%s", err, srv.out)
	}
	lines := parseLog(srv.out.String())
	assertNoFail(t, "server", lines)
	if n := len(find(lines, "sorteo")); n != 1 {
		t.Errorf("server logged %d sorteo lines, want 1", n)
	}
	if ex := find(lines, "shutdown"); len(ex) != 1 || ex[0]["result"] != "success" {
		t.Errorf("server shutdown lines: %v", ex)
	}
	received := 0
	for _, l := range find(lines, "apuesta_recibida") {
		if len(l) != 3 { // exactly action, result, cantidad: the course's tests parse it
			t.Errorf("apuesta_recibida line with other keys: %v", l)
		}
		n, _ := strconv.Atoi(l["cantidad"])
		received += n
	}
	want := mustReadAgencyFiles(t, files)
	if received != len(want) {
		t.Errorf("apuesta_recibida amounts sum to %d, sent %d", received, len(want))
	}
	assertSameRows(t, mustReadBetsFile(t, store), want)
	return winners, elapsed
}

func assertNoFail(tb testing.TB, who string, lines []logLine) {
	tb.Helper()
	for _, l := range lines {
		if l["result"] != "success" && l["result"] != "in_progress" {
			tb.Errorf("%s logged %v", who, l)
		}
	}
}

// assertSameRows checks two lists of bets are equal as multisets.
func assertSameRows(tb testing.TB, got, want []string) {
	tb.Helper()
	slices.Sort(got)
	slices.Sort(want)
	if len(got) != len(want) {
		tb.Fatalf("bets file holds %d rows, sent %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			tb.Fatalf("bets file differs from the input: first difference %q vs %q", got[i], want[i])
		}
	}
}

// rowKey is a bet as one comparable string (built without fmt: the
// cluster suite makes millions of them).
func rowKey(b domain.Bet) string {
	return strconv.Itoa(b.Agency) + "\x00" + b.FirstName + "\x00" + b.LastName + "\x00" + b.Document + "\x00" +
		b.Birthdate + "\x00" + strconv.Itoa(b.Number)
}

func mustReadBetsFile(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows []string
	if err := domain.ReadBets(f, func(b domain.Bet) error { rows = append(rows, rowKey(b)); return nil }); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// mustReadAgencyFiles returns the rows of the files, the i-th being
// agency i+1's, as rowKey writes them.
func mustReadAgencyFiles(tb testing.TB, files []string) []string {
	tb.Helper()
	var rows []string
	for i, path := range files {
		rows = append(rows, mustReadAgencyFile(tb, path, i+1)...)
	}
	return rows
}

// mustReadAgencyFile returns the rows of agency's file, as rowKey writes
// them, in order.
func mustReadAgencyFile(tb testing.TB, path string, agency int) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows []string
	ar := domain.NewAgencyReader(f, agency)
	for {
		b, _, err := ar.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, rowKey(b))
	}
}

func TestLotteryWithPlantedWinners(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for agency := 1; agency <= 5; agency++ {
		path := filepath.Join(dir, fmt.Sprintf("agency-%d.csv", agency))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		spec := gen.Spec{Agency: agency, Rows: 1000 * agency, Winners: gen.Spread(1000*agency, agency), Seed: 7}
		if err := gen.Write(f, spec); err != nil {
			t.Fatal(err)
		}
		f.Close()
		files = append(files, path)
	}
	if got, _ := lottery(t, files); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("winners per agency %v, want 1, 2, 3, 4, 5", got)
	}
}

func TestLotteryOnCourseDataset(t *testing.T) {
	z, err := openCourseDataset()
	if err != nil {
		t.Skipf("course dataset not available (it lives outside the project): %v", err)
	}
	defer z.Close()
	dir := t.TempDir()
	var files []string
	for agency := 1; agency <= 5; agency++ {
		name := fmt.Sprintf("agency-%d.csv", agency)
		files = append(files, mustExtract(t, z, name, filepath.Join(dir, name)))
	}
	got, elapsed := lottery(t, files)
	t.Logf("course dataset: 78,697 bets, 5 agencies: last winners %s after the clients started", elapsed.Round(time.Millisecond))
	if want := []int{2, 3, 3, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("winners per agency %v, want %v", got, want)
	}
}

// openCourseDataset opens the course's dataset, kept outside the project
// in ../shared.
func openCourseDataset() (*zip.ReadCloser, error) {
	return zip.OpenReader(filepath.Join("..", "..", "..", "shared", "datasets", "dataset.zip"))
}

func mustExtract(tb testing.TB, z *zip.ReadCloser, name, dst string) string {
	tb.Helper()
	r, err := z.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	if _, err := io.Copy(w, r); err != nil {
		tb.Fatal(err)
	}
	return dst
}

func TestInvalidRowsAreSkippedWithTheirLineNumbers(t *testing.T) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "agency-1.csv")
	rows := "Ana,Pérez,1,1990-01-01,7574\n" + // 1 ok, wins
		"Ana,Pérez,2,1990-02-30,1\n" + // 2 no such date
		"\"O\"\"Brien, Jr. 😀\",\"a|b:c*d+e;\",3,1990-01-01,2\n" + // 3 ok, odd names
		"Ana,,4,1990-01-01,3\n" + // 4 empty last name
		"Ana,Pérez,5,1990-01-01,10000\n" // 5 number out of range
	if err := os.WriteFile(data, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "bets.csv")
	srv, addr := startServer(t, server, store, 1)
	c := start(t, client, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + data}, nil)
	if err := c.wait(t, 30*time.Second); err != nil {
		t.Fatalf("client: %v\n%s", err, c.out)
	}
	var bad []string
	for _, l := range find(parseLog(c.out.String()), "leer_apuesta") {
		bad = append(bad, l["line"])
	}
	if want := []string{"2", "4", "5"}; !slices.Equal(bad, want) {
		t.Errorf("client reported invalid rows on lines %v, want %v\n%s", bad, want, c.out)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.wait(t, 10*time.Second); err != nil {
		t.Fatalf("server: %v", err)
	}
	want := []string{
		rowKey(domain.Bet{Agency: 1, FirstName: "Ana", LastName: "Pérez", Document: "1", Birthdate: "1990-01-01", Number: 7574}),
		rowKey(domain.Bet{Agency: 1, FirstName: `O"Brien, Jr. 😀`, LastName: "a|b:c*d+e;", Document: "3", Birthdate: "1990-01-01", Number: 2}),
	}
	assertSameRows(t, mustReadBetsFile(t, store), want)
}

// TestSingleBet is the course's first exercise: one bet from the
// environment, confirmed by both sides' logs.
func TestSingleBet(t *testing.T) {
	server, client := mustBuild(t)
	srv, addr := startServer(t, server, filepath.Join(t.TempDir(), "bets.csv"), 1)
	env := []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=/nonexistent.csv",
		"NOMBRE=Santiago Lionel", "APELLIDO=Lorca", "DOCUMENTO=30904465", "NACIMIENTO=1999-03-17", "NUMERO=7574"}
	c := start(t, client, env, nil)
	if err := c.wait(t, 30*time.Second); err != nil {
		t.Fatalf("client: %v\n%s", err, c.out)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.wait(t, 10*time.Second)
	for who, out := range map[string]string{"client": c.out.String(), "server": srv.out.String()} {
		action := map[string]string{"client": "apuesta_enviada", "server": "apuesta_almacenada"}[who]
		if !strings.Contains(out, "action: "+action+" | result: success | dni: 30904465 | numero: 7574") {
			t.Errorf("%s did not log %s for the bet:\n%s", who, action, out)
		}
	}
	if !strings.Contains(c.out.String(), "action: consulta_ganadores | result: success | cant_ganadores: 1") {
		t.Errorf("the single winning bet was not reported:\n%s", c.out)
	}
}
