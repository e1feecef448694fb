package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/domain"
)

// The lottery on the jetstream backend, as processes: three NATS servers
// in one JetStream cluster (the stream and buckets with three replicas,
// sync_interval: always), three lottery servers sharing the lottery's
// stream, and one agency process per file, each given all three servers
// and failing over round the list. The harness keeps every process's
// lines stamped with when the test read them, so that a scenario waits
// for a line rather than for a while, and can tell how long the agencies
// took to move on after a fault.

// watched is a running binary whose output lines are kept as they come,
// each stamped with when the test read it.
type watched struct {
	*proc
	name string

	mu    sync.Mutex
	lines []stamped
	ended time.Time     // when the output ended (the process exited); zero before
	grew  chan struct{} // closed at each new line, then replaced; left closed at the end
}

// stamped is a line of output and when it was read.
type stamped struct {
	at   time.Time
	text string
	log  logLine // nil: the line holds no action
}

// startWatchedCmd starts cmd and keeps its lines.
func startWatchedCmd(tb testing.TB, name string, cmd *exec.Cmd) *watched {
	tb.Helper()
	pr, pw := io.Pipe()
	w := &watched{name: name, grew: make(chan struct{})}
	w.proc = startCmd(tb, cmd, pw)
	go w.read(pr)
	return w
}

func (w *watched) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		s := stamped{at: time.Now(), text: sc.Text()}
		if ls := parseLog(s.text); len(ls) == 1 {
			s.log = ls[0]
		}
		w.mu.Lock()
		w.lines = append(w.lines, s)
		close(w.grew)
		w.grew = make(chan struct{})
		w.mu.Unlock()
	}
	io.Copy(io.Discard, r) // after a line over 1 MiB: the process must not block
	w.mu.Lock()
	w.ended = time.Now()
	close(w.grew)
	w.mu.Unlock()
}

// snapshot returns the lines read so far and whether the output has ended.
func (w *watched) snapshot() ([]stamped, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.lines), !w.ended.IsZero()
}

// logs returns the log lines read so far.
func (w *watched) logs() []logLine {
	lines, _ := w.snapshot()
	var out []logLine
	for _, s := range lines {
		if s.log != nil {
			out = append(out, s.log)
		}
	}
	return out
}

// text returns the last lines read, for failure messages, but for those
// holding any of skip.
func (w *watched) text(skip ...string) string {
	lines, _ := w.snapshot()
	var b strings.Builder
	for _, s := range lines {
		if !slices.ContainsFunc(skip, func(k string) bool { return strings.Contains(s.text, k) }) {
			b.WriteString(s.text)
			b.WriteByte('\n')
		}
	}
	return tail(b.String())
}

// await returns the first line that ok accepts, failing the test if none
// comes within d or the output ends first.
func (w *watched) await(tb testing.TB, d time.Duration, what string, ok func(stamped) bool) stamped {
	tb.Helper()
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	seen := 0
	for {
		w.mu.Lock()
		lines, ended, grew := w.lines[seen:], !w.ended.IsZero(), w.grew
		w.mu.Unlock()
		for _, s := range lines {
			if ok(s) {
				return s
			}
		}
		seen += len(lines)
		if ended {
			tb.Fatalf("%s ended without %s:\n%s", w.name, what, w.text())
		}
		select {
		case <-grew:
		case <-timeout.C:
			tb.Fatalf("%s: no %s within %v:\n%s", w.name, what, d, w.text())
		}
	}
}

// awaitAction is await for the first line of action.
func (w *watched) awaitAction(tb testing.TB, d time.Duration, action string) logLine {
	tb.Helper()
	return w.await(tb, d, action+" line", func(s stamped) bool { return s.log["action"] == action }).log
}

// exit waits for the process to exit, at most d, and returns its error,
// once every line of its output has been read (at most 10 s more).
func (w *watched) exit(tb testing.TB, d time.Duration) error {
	tb.Helper()
	var err error
	select {
	case err = <-w.done: // exited already: whatever d is
	default:
		select {
		case err = <-w.done:
		case <-time.After(d):
			tb.Fatalf("%s still running after %v:\n%s", w.name, d, w.text())
		}
	}
	w.done <- err // keep it for Cleanup
	// The output's pipe is closed once the process has exited, but the
	// reader may still hold its last lines.
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		w.mu.Lock()
		ended, grew := !w.ended.IsZero(), w.grew
		w.mu.Unlock()
		if ended {
			return err
		}
		select {
		case <-grew:
		case <-timeout.C:
			tb.Fatalf("%s exited, and its output has not ended 10 s on:\n%s", w.name, w.text())
		}
	}
}

// exitedAt returns when the output ended, after exit returned.
func (w *watched) exitedAt() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ended
}

// kill kills the process with SIGKILL and waits for it to be gone.
func (w *watched) kill(tb testing.TB) {
	tb.Helper()
	if err := w.cmd.Process.Kill(); err != nil {
		tb.Fatalf("kill %s: %v", w.name, err)
	}
	w.exit(tb, 15*time.Second)
}

// natsNode is one NATS server of the cluster: its ports, its store
// directory and its configuration outlive its runs.
type natsNode struct {
	name string
	port int
	conf string
	runs []*watched // the latest last
}

func (n *natsNode) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

// lotteryServer is one lottery server: its port outlives its runs.
type lotteryServer struct {
	port string
	runs []*watched // the latest last
	up   bool
}

func (s *lotteryServer) addr() string { return net.JoinHostPort("127.0.0.1", s.port) }

// fault is one kill or restart, and when it happened.
type fault struct {
	at   time.Time
	what string
	kill bool
	who  string // in Docker: the container killed or started
}

// cluster is a whole deployment on the jetstream backend, for one test.
type cluster struct {
	t              *testing.T
	server, client string // binaries
	natsBin        string
	dir            string
	nats           []*natsNode
	servers        []*lotteryServer
	agencies       []*watched
	data           lotteryData
	faults         []fault
	began          time.Time // the agencies' start
	stream         string    // the lottery's stream, as the servers name it
}

// clusterSize is how many NATS servers, and how many lottery servers, a
// cluster runs.
const clusterSize = 3

// lotteryData is the agencies' files, agency i+1's at index i, and what
// the lottery must end with, read once for every scenario over them.
type lotteryData struct {
	files   []string
	winners []int      // how many each agency wins
	rows    [][]string // each file's rows, as rowKey writes them, in order
	docs    [][]string // the documents of each file's winning rows, in order
}

// readLotteryData reads the files chaosData wrote, with its winners.
func readLotteryData(tb testing.TB, files []string, winners []int) lotteryData {
	tb.Helper()
	d := lotteryData{files: files, winners: winners}
	for i, path := range files {
		rows, docs := mustReadAgency(tb, path, i+1)
		if len(docs) != winners[i] {
			tb.Fatalf("%s has %d winning rows, want %d", path, len(docs), winners[i])
		}
		d.rows, d.docs = append(d.rows, rows), append(d.docs, docs)
	}
	return d
}

// mustReadAgency returns the rows of agency's file, as rowKey writes them,
// and the documents of its winning rows, in order.
func mustReadAgency(tb testing.TB, path string, agency int) (rows, docs []string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ar := domain.NewAgencyReader(f, agency)
	for {
		b, _, err := ar.Next()
		if err == io.EOF {
			return rows, docs
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, rowKey(b))
		if b.Wins() {
			docs = append(docs, b.Document)
		}
	}
}

// startCluster starts the NATS cluster, the lottery servers once they
// have opened the lottery's stream, and one agency per file: agency n
// starts at server n mod 3 (counting servers from 0), so the load
// spreads, and goes on round the list.
func startCluster(t *testing.T, data lotteryData) *cluster {
	t.Helper()
	server, client := mustBuild(t)
	c := &cluster{t: t, server: server, client: client, natsBin: mustBuildNATS(t), dir: t.TempDir(), data: data}
	c.startNATS()
	for j := range clusterSize {
		c.servers = append(c.servers, &lotteryServer{port: "0"})
		c.startServer(j)
	}
	for j := range clusterSize {
		c.awaitListen(j)
	}
	c.began = time.Now()
	for i := range data.files {
		c.agencies = append(c.agencies, c.startAgency(i))
	}
	t.Cleanup(c.dumpOnFailure) // before the processes are killed
	return c
}

// dumpOnFailure logs the end of every NATS node's log, and of every
// lottery server's, if the test failed. NATS nodes and servers that fail
// to start are dumped by the await that fails.
func (c *cluster) dumpOnFailure() {
	if !c.t.Failed() {
		return
	}
	for _, n := range c.nats {
		for k, w := range n.runs {
			c.t.Logf("%s, run %d:\n%s", n.name, k+1, w.text("Route connection created", "Router connection closed"))
		}
	}
	for j, s := range c.servers {
		for k, w := range s.runs {
			c.t.Logf("server%d, run %d:\n%s", j+1, k+1, w.text("action: apuesta_recibida"))
		}
	}
	for _, a := range c.agencies {
		c.t.Logf("%s:\n%s", a.name, a.text("action: batch_enviado"))
	}
}

// startNATS writes each node's configuration, on ports free now, and
// starts the three nodes.
func (c *cluster) startNATS() {
	ports := freePorts(c.t, 2*clusterSize)
	var routes []string
	for i := range clusterSize {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[clusterSize+i]))
	}
	for i := range clusterSize {
		n := &natsNode{name: fmt.Sprintf("nats%d", i+1), port: ports[i], conf: filepath.Join(c.dir, fmt.Sprintf("nats%d.conf", i+1))}
		conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
jetstream {
  store_dir: %q
  sync_interval: always
}
cluster {
  name: loteria
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, n.name, n.port, filepath.Join(c.dir, n.name), ports[clusterSize+i], strings.Join(routes, ", "))
		if err := os.WriteFile(n.conf, []byte(conf), 0o644); err != nil {
			c.t.Fatal(err)
		}
		c.nats = append(c.nats, n)
	}
	for i := range c.nats {
		c.startNode(i)
	}
}

// freePorts returns n loopback ports free now, each found by listening
// on port 0.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("free port: %v", err)
		}
		defer ln.Close() // all held until every port is picked: n distinct ones
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// startNode starts NATS node i on its configuration and store, and waits
// until it accepts clients (its JetStream may still be catching up).
func (c *cluster) startNode(i int) {
	c.t.Helper()
	n := c.nats[i]
	w := startWatchedCmd(c.t, n.name, exec.Command(c.natsBin, "-c", n.conf))
	n.runs = append(n.runs, w)
	w.await(c.t, 20*time.Second, "ready line", func(s stamped) bool { return strings.Contains(s.text, "Server is ready") })
}

func (c *cluster) natsURLs() []string {
	var urls []string
	for _, n := range c.nats {
		urls = append(urls, n.url())
	}
	return urls
}

// startServer starts lottery server j, on its port (any free one the
// first time).
func (c *cluster) startServer(j int) {
	s := c.servers[j]
	cmd := exec.Command(c.server)
	cmd.Env = []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=" + s.port, "SERVER_AGENCIES=" + strconv.Itoa(len(c.data.files)),
		"SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL=" + strings.Join(c.natsURLs(), ","), "SERVER_STORE_REPLICAS=3",
		"SERVER_STORE_PATH=" + filepath.Join(c.dir, fmt.Sprintf("server%d.csv", j+1))} // not used by this backend
	w := startWatchedCmd(c.t, fmt.Sprintf("server%d", j+1), cmd)
	s.runs, s.up = append(s.runs, w), true
}

// awaitListen waits until lottery server j listens (after opening the
// stream, which waits for JetStream to elect its leaders) and notes its
// port.
func (c *cluster) awaitListen(j int) {
	c.t.Helper()
	s := c.servers[j]
	w := s.runs[len(s.runs)-1]
	st := w.await(c.t, 60*time.Second, "store_connect success", func(s stamped) bool {
		return s.log["action"] == "store_connect" && s.log["result"] == "success"
	}).log
	if c.stream == "" {
		c.stream = st["stream"]
	}
	addr := w.awaitAction(c.t, 10*time.Second, "listen")["address"]
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		c.t.Fatalf("%s listens on %q: %v", w.name, addr, err)
	}
	s.port = port
}

// startAgency starts agency i+1 on its file, with every server, starting
// at server (i+1) mod 3. It logs each ack (batch_enviado, at DEBUG).
func (c *cluster) startAgency(i int) *watched {
	var addrs []string
	for k := range clusterSize {
		addrs = append(addrs, c.servers[(i+1+k)%clusterSize].addr())
	}
	cmd := exec.Command(c.client)
	cmd.Env = []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=" + strings.Join(addrs, ","),
		"CLI_DATA_PATH=" + c.data.files[i], "CLI_RETRY_DEADLINE=60s", "CLI_LOG_LEVEL=DEBUG"}
	return startWatchedCmd(c.t, fmt.Sprintf("agency%d", i+1), cmd)
}

// awaitFirstAck waits until some agency has had a batch acknowledged.
func (c *cluster) awaitFirstAck() {
	c.t.Helper()
	c.agencies[0].await(c.t, 60*time.Second, "first ack", func(s stamped) bool {
		return s.log["action"] == "batch_enviado"
	})
}

// ingesting reports whether some agency has not had its done acknowledged
// yet, to check that a fault fell mid-ingest.
func (c *cluster) ingesting() bool {
	for _, a := range c.agencies {
		if len(find(a.logs(), "done")) == 0 {
			return true
		}
	}
	return false
}

func (c *cluster) note(what string, kill bool) {
	c.t.Helper()
	if kill && !c.ingesting() {
		c.t.Errorf("%s after every agency was done: not mid-ingest", what)
	}
	f := fault{at: time.Now(), what: what, kill: kill}
	c.faults = append(c.faults, f)
	c.t.Logf("+%v %s", f.at.Sub(c.began).Round(time.Millisecond), what)
}

// killServer kills lottery server j with SIGKILL.
func (c *cluster) killServer(j int) {
	c.t.Helper()
	s := c.servers[j]
	c.note(fmt.Sprintf("kill -9 server%d (%s)", j+1, s.addr()), true)
	s.runs[len(s.runs)-1].kill(c.t)
	s.up = false
}

// restartServer starts lottery server j again on its port.
func (c *cluster) restartServer(j int) {
	c.t.Helper()
	c.note(fmt.Sprintf("restart server%d", j+1), false)
	c.startServer(j)
	c.awaitListen(j)
}

// killNode kills NATS node i with SIGKILL.
func (c *cluster) killNode(i int) {
	c.t.Helper()
	n := c.nats[i]
	c.note(fmt.Sprintf("kill -9 %s (%s)", n.name, n.url()), true)
	n.runs[len(n.runs)-1].kill(c.t)
}

// restartNode starts NATS node i again on its ports and store.
func (c *cluster) restartNode(i int) {
	c.t.Helper()
	c.note(fmt.Sprintf("restart %s", c.nats[i].name), false)
	c.startNode(i)
}

// streamLeader returns the NATS node that leads the lottery's stream: the
// one whose loss makes JetStream elect another while the bets come in.
func (c *cluster) streamLeader() int {
	c.t.Helper()
	leader := streamLeaderOf(c.t, c.natsURLs(), c.stream, "")
	for i, n := range c.nats {
		if n.name == leader {
			return i
		}
	}
	c.t.Fatalf("stream %s is led by %q, not a node of the cluster", c.stream, leader)
	return -1
}

// streamLeaderOf returns the name of the NATS node that leads stream,
// asking the nodes at urls, once one other than not ("": any) leads it,
// within 30 s.
func streamLeaderOf(tb testing.TB, urls []string, stream, not string) string {
	tb.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","), nats.Timeout(10*time.Second))
	if err != nil {
		tb.Fatalf("connect to NATS: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	leader := ""
	for {
		// A request the stream's dead leader would have answered gets no
		// answer: each is bounded on its own.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if s, err := js.Stream(ctx, stream); err == nil {
			if info, err := s.Info(ctx); err == nil && info.Cluster != nil {
				leader = info.Cluster.Leader
			}
		}
		cancel()
		if leader != "" && leader != not {
			return leader
		}
		select {
		case <-deadline.C:
			if not == "" {
				tb.Fatalf("stream %s has no leader 30 s on", stream)
			}
			tb.Fatalf("stream %s is led by %q 30 s on, want a leader other than %s", stream, leader, not)
		case <-tick.C: // polling JetStream
		}
	}
}

// afterFault is how long an agency may take to finish after the last
// fault.
const afterFault = 60 * time.Second

// finish waits for every agency and checks what the lottery must be,
// whatever the faults: each agency exits 0 with its exact winners and no
// fail line, within afterFault of the last fault; exactly one server
// announces the draw, counting every bet of every file, and every server
// still running draws; they all stop cleanly on SIGTERM; and the stream
// holds each file's rows exactly once, in order. It logs how long each
// agency took to move on after each fault.
func (c *cluster) finish() {
	t := c.t
	deadline := c.began.Add(3 * time.Minute)
	if len(c.faults) > 0 {
		deadline = c.faults[len(c.faults)-1].at.Add(afterFault)
	}
	for i, a := range c.agencies {
		if err := a.exit(t, time.Until(deadline)); err != nil {
			t.Fatalf("agency %d exited with %v:\n%s", i+1, err, a.text())
		}
		lines := a.logs()
		q := find(lines, "consulta_ganadores")
		if len(q) == 0 || q[len(q)-1]["result"] != "success" || q[len(q)-1]["cant_ganadores"] != strconv.Itoa(c.data.winners[i]) {
			t.Errorf("agency %d: winners lines %v, want one with %d", i+1, q, c.data.winners[i])
		}
		var docs []string
		for _, l := range find(lines, "ganador") {
			docs = append(docs, l["dni"])
		}
		if want := c.data.docs[i]; !slices.Equal(docs, want) {
			t.Errorf("agency %d was told winners %v, want its file's %v", i+1, docs, want)
		}
		assertNoFail(t, fmt.Sprintf("agency %d", i+1), lines)
	}
	t.Logf("every agency done %v after they started", c.lastExit().Sub(c.began).Round(time.Millisecond))
	c.reportFailovers()
	stopping := time.Now()

	lastDone := c.lastDone()
	for j, s := range c.servers {
		if s.up {
			w := s.runs[len(s.runs)-1]
			drew := w.await(t, 60*time.Second, "draw line", func(s stamped) bool {
				return s.log["action"] == "sorteo" || s.log["action"] == "draw_followed"
			})
			since := lastDone
			if l := w.await(t, 0, "listen line", func(s stamped) bool { return s.log["action"] == "listen" }); l.at.After(since) {
				since = l.at // restarted after the last done: it draws at start
			}
			if late := drew.at.Sub(since); late > drawWithin {
				t.Errorf("server%d drew %v after it could (every agency done, and it listening), want within %v", j+1, late.Round(time.Millisecond), drawWithin)
			}
			if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := w.exit(t, 20*time.Second); err != nil {
				t.Errorf("server%d exited with %v on SIGTERM:\n%s", j+1, err, w.text())
			}
			if l := w.logs(); l[len(l)-1]["action"] != "shutdown" || l[len(l)-1]["result"] != "success" {
				t.Errorf("server%d's last line %v, want a shutdown success", j+1, l[len(l)-1])
			}
		}
	}
	c.checkDraw()
	checking := time.Now()
	c.checkStream()
	t.Logf("servers drew and stopped in %v; the stream read back in %v",
		checking.Sub(stopping).Round(time.Millisecond), time.Since(checking).Round(time.Millisecond))
}

// drawWithin bounds how long a server still running may take to draw once
// every agency is done (it learns of the others' dones from the bucket).
const drawWithin = 15 * time.Second

// lastDone returns when the last agency logged that the server holds its
// done.
func (c *cluster) lastDone() time.Time {
	var last time.Time
	for _, a := range c.agencies {
		lines, _ := a.snapshot()
		for _, s := range lines {
			if s.log["action"] == "done" && s.at.After(last) {
				last = s.at
			}
		}
	}
	return last
}

// lastExit returns when the last agency exited.
func (c *cluster) lastExit() time.Time {
	var last time.Time
	for _, a := range c.agencies {
		if at := a.exitedAt(); at.After(last) {
			last = at
		}
	}
	return last
}

// checkDraw checks the servers' logs, every run's: one sorteo line, with
// every bet of the files, and no fail line.
func (c *cluster) checkDraw() {
	var runs []serverRun
	for j, s := range c.servers {
		for k, w := range s.runs {
			runs = append(runs, serverRun{fmt.Sprintf("server%d (run %d)", j+1, k+1), w.logs()})
		}
	}
	assertOneDraw(c.t, runs, c.data)
}

// serverRun is the log of one run of a lottery server.
type serverRun struct {
	who   string
	lines []logLine
}

// assertOneDraw checks the lottery servers' runs: no fail line, and one
// sorteo line in all of them, which counts every bet of the files, by
// agency, and their winners.
func assertOneDraw(tb testing.TB, runs []serverRun, data lotteryData) {
	tb.Helper()
	var sorteos []logLine
	for _, r := range runs {
		sorteos = append(sorteos, find(r.lines, "sorteo")...)
		assertNoFail(tb, r.who, r.lines)
	}
	if len(sorteos) != 1 {
		tb.Fatalf("the servers logged %d sorteo lines, want exactly 1: %v", len(sorteos), sorteos)
	}
	total := 0
	var per []string
	for i, rows := range data.rows {
		n := len(rows)
		total += n
		per = append(per, fmt.Sprintf("%d=%d", i+1, n))
	}
	s := sorteos[0]
	if s["result"] != "success" || s["bets"] != strconv.Itoa(total) || s["per_agency"] != strings.Join(per, ",") {
		tb.Errorf("sorteo line %v, want success with bets %d and per_agency %s", s, total, strings.Join(per, ","))
	}
	winners := 0
	for _, w := range data.winners {
		winners += w
	}
	if s["ganadores"] != strconv.Itoa(winners) {
		tb.Errorf("sorteo line %v, want %d ganadores", s, winners)
	}
}

// checkStream reads the lottery's stream back, as a server recovering it
// would, and checks it holds each file's rows exactly once, in the file's
// order, and nothing else — so, as multisets too, the bets sent: 0 lost,
// 0 doubled — and each agency's done with its file's total.
func (c *cluster) checkStream() { assertStreamHolds(c.t, c.natsURLs(), c.data) }

// assertStreamHolds is checkStream on the NATS nodes at urls.
func assertStreamHolds(tb testing.TB, urls []string, data lotteryData) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	log, err := natslog.Open(ctx, natslog.Config{URLs: urls, Replicas: 3, Prefix: "loteria", Name: "check", Timeout: 30 * time.Second}, domain.Lottery{})
	if err != nil {
		tb.Fatalf("open the stream: %v", err)
	}
	defer log.Close()
	got := make([][]string, len(data.files))
	others := 0 // rows of agencies the lottery does not have
	dones := map[int]uint64{}
	err = log.Replay(func(r domain.Row) error {
		if r.Agency < 1 || r.Agency > len(got) {
			others++
			return nil
		}
		got[r.Agency-1] = append(got[r.Agency-1], rowKey(r.Bet))
		return nil
	}, func(d domain.Done) error {
		dones[d.Agency] = d.Total
		return nil
	})
	if err != nil {
		tb.Fatalf("replay the stream: %v", err)
	}
	if others > 0 {
		tb.Errorf("the stream holds %d rows of agencies outside 1..%d", others, len(got))
	}
	for i, want := range data.rows {
		if k := firstDifference(got[i], want); k >= 0 {
			tb.Errorf("agency %d: the stream's %d rows are not its file's %d, in order: they differ first at row %d", i+1, len(got[i]), len(want), k)
		}
		if dones[i+1] != uint64(len(want)) {
			tb.Errorf("agency %d: done with %d bets in the stream, want %d", i+1, dones[i+1], len(want))
		}
	}
}

// reportFailovers logs, for each kill, how long each agency took after it
// to have a batch acknowledged or to finish, and whether it failed over
// to another server meanwhile.
func (c *cluster) reportFailovers() {
	agencies := make([][]stamped, len(c.agencies))
	for i, a := range c.agencies {
		agencies[i], _ = a.snapshot()
	}
	reportFailovers(c.t, c.faults, agencies)
}

// reportFailovers is the report of cluster.reportFailovers, on each
// agency's stamped lines, agency i+1's at index i.
func reportFailovers(tb testing.TB, faults []fault, agencies [][]stamped) {
	tb.Helper()
	for k, f := range faults {
		if !f.kill {
			continue
		}
		var until time.Time // the next fault: a reconnect after it is that fault's
		if k+1 < len(faults) {
			until = faults[k+1].at
		}
		var b strings.Builder
		fmt.Fprintf(&b, "after %s:", f.what)
		for i, lines := range agencies {
			d, how := movedOn(lines, f.at, until)
			if d >= 0 {
				fmt.Fprintf(&b, " agency %d %v", i+1, d.Round(time.Millisecond))
				if how != "" {
					b.WriteString(" (" + how + ")")
				}
				if !strings.Contains(how, "waiting for the draw") {
					fmt.Fprintf(&b, ", longest wait %v", longestWait(lines, f.at).Round(time.Millisecond))
				}
			} else {
				fmt.Fprintf(&b, " agency %d %s", i+1, how)
			}
			b.WriteByte(';')
		}
		tb.Log(b.String())
	}
}

// movedOn returns how long after at an agency's lines show it moving on
// (an ack, its done acknowledged, its winners), and how: whether it
// failed over before until (the next fault; zero: none), or was waiting
// for the draw at the time; or -1 and why not.
func movedOn(lines []stamped, at, until time.Time) (time.Duration, string) {
	how := ""
	var after []stamped
	for _, s := range lines {
		if s.at.After(at) {
			after = append(after, s)
			continue
		}
		switch action := s.log["action"]; {
		case action == "consulta_ganadores" && s.log["result"] == "success":
			return -1, "finished before"
		case action == "done":
			how = "waiting for the draw"
		}
	}
	// When the agency's session ended after at (a connect line in
	// progress: it goes on with the next server), an ack it logged before
	// was in flight at the fault; it moved on at its first progress line
	// after.
	for k, s := range after {
		if !until.IsZero() && s.at.After(until) {
			break
		}
		if s.log["action"] == "connect" && s.log["result"] == "in_progress" {
			after = after[k+1:]
			how = strings.TrimPrefix(how+", failed over", ", ")
			break
		}
	}
	for _, s := range after {
		switch s.log["action"] {
		case "batch_enviado", "done", "consulta_ganadores":
			return s.at.Sub(at), how
		}
	}
	return -1, "no progress line"
}

// longestWait returns the longest an agency went without an ack from at
// to its done acknowledged (not the wait for the draw after it): the stall
// a fault cost it, even when an ack that was in flight at the fault came
// soon after.
func longestWait(lines []stamped, at time.Time) time.Duration {
	var longest time.Duration
	last := at
	for _, s := range lines {
		action := s.log["action"]
		if (action == "batch_enviado" || action == "done") && s.at.After(last) {
			longest = max(longest, s.at.Sub(last))
			last = s.at
		}
		if action == "done" {
			break
		}
	}
	return longest
}

// firstDifference returns the first index where a and b differ, or -1 if
// they are equal.
func firstDifference(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
