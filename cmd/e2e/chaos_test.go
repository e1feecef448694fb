package e2e_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
)

// The fault-injection suite: the server or an agency is killed or stopped
// at random moments while the agencies stream their bets, and restarted.
// Whatever the moments, every agency must finish with its exact winners and
// the bets file must hold exactly the bets sent, as a multiset: nothing lost,
// nothing doubled. Each test prints its seed; CHAOS_SEED=N replays it.

// chaosScale is how many times over each agency sends the course's bets.
const chaosScale = 5

// chaosSeed returns the seed to use, printing it so a failure can be replayed.
func chaosSeed(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with CHAOS_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0))
}

// chaosData writes the agency files: the course dataset repeated
// chaosScale times when it is available, else generated files of the same
// shape, and returns them with the winners each agency must get.
func chaosData(t *testing.T) ([]string, []int) {
	dir := t.TempDir()
	rows := []int{26936, 25518, 16014, 9238, 991}
	winners := []int{2, 3, 3, 2, 0}
	files := make([]string, len(rows))
	for i := range rows {
		files[i] = filepath.Join(dir, fmt.Sprintf("agency-%d.csv", i+1))
		winners[i] *= chaosScale
	}
	z, err := openCourseDataset()
	if err != nil {
		t.Logf("course dataset not available (%v): generated data of the same shape", err)
		for i, path := range files {
			n := rows[i] * chaosScale
			mustWriteFile(t, path, func(w io.Writer) error {
				return gen.Write(w, gen.Spec{Agency: i + 1, Rows: n, Winners: gen.Spread(n, winners[i]), Seed: 3})
			})
		}
		return files, winners
	}
	defer z.Close()
	for _, path := range files {
		one := mustExtract(t, z, filepath.Base(path), path+".once")
		b, err := os.ReadFile(one)
		if err != nil {
			t.Fatal(err)
		}
		mustWriteFile(t, path, func(w io.Writer) error {
			for range chaosScale {
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return files, winners
}

func mustWriteFile(tb testing.TB, path string, write func(io.Writer) error) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := write(f); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// chaosRun is a server and one agency process per file, the server on a
// port that survives its restarts.
type chaosRun struct {
	t        *testing.T
	bins     [2]string // server, client
	store    string
	port     string
	files    []string
	total    int // bets in the files, one per line
	server   *proc
	clients  []*proc
	restarts []*proc // agency processes started again, by index
}

func startChaos(t *testing.T, files []string) *chaosRun {
	server, client := mustBuild(t)
	r := &chaosRun{t: t, bins: [2]string{server, client}, store: filepath.Join(t.TempDir(), "bets.csv"), files: files}
	for _, f := range files { // counted before the agencies start: they are quick
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r.total += bytes.Count(b, []byte("\n"))
	}
	var addr string
	r.server, addr = startServerOn(t, server, r.store, len(files), "0")
	_, r.port, _ = net.SplitHostPort(addr)
	for i := range files {
		r.clients = append(r.clients, r.startClient(i))
	}
	return r
}

func (r *chaosRun) startClient(i int) *proc {
	env := []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=127.0.0.1:" + r.port,
		"CLI_DATA_PATH=" + r.files[i], "CLI_RETRY_DEADLINE=60s"}
	return start(r.t, r.bins[1], env, nil)
}

// restartServer stops the server with sig, checks how it exited, and starts
// it again on the same port and bets file. It returns how many rows the
// bets file held when the server stopped.
func (r *chaosRun) restartServer(sig syscall.Signal) int {
	r.t.Helper()
	if err := r.server.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
	err := r.server.wait(r.t, 15*time.Second)
	if sig == syscall.SIGTERM && err != nil {
		r.t.Fatalf("server stopped by SIGTERM exited with %v:\n%s", err, r.server.out)
	}
	b, _ := os.ReadFile(r.store)
	r.server, _ = startServerOn(r.t, r.bins[0], r.store, len(r.files), r.port)
	return bytes.Count(b, []byte("\n"))
}

// stopMidIngest stops and restarts the server n times at random moments,
// and checks that some of those moments fell mid-ingest.
func (r *chaosRun) stopMidIngest(rng *rand.Rand, sig syscall.Signal, n int) {
	r.t.Helper()
	total := r.total
	mid := 0
	var at []int
	for i := range n {
		if i == 0 {
			r.awaitFirstBets() // so that at least one stop is sure to land mid-ingest
			pause(rng, 0, 50*time.Millisecond)
		} else {
			pause(rng, 20*time.Millisecond, 250*time.Millisecond)
		}
		rows := r.restartServer(sig)
		at = append(at, rows)
		if rows > 0 && rows < total {
			mid++
		}
	}
	r.t.Logf("stopped with %v at rows %v of %d", sig, at, total)
	if mid == 0 {
		r.t.Errorf("no stop fell mid-ingest: rows %v of %d", at, total)
	}
}

// finish waits for every agency, checks its exit and winners, stops the
// server with SIGTERM and checks the bets file against the input.
func (r *chaosRun) finish(winners []int) {
	t := r.t
	for i, c := range r.clients {
		if err := c.wait(t, 3*time.Minute); err != nil {
			t.Fatalf("agency %d exited with %v:\n%s", i+1, err, tail(c.out.String()))
		}
		q := find(parseLog(c.out.String()), "consulta_ganadores")
		if len(q) != 1 || q[0]["cant_ganadores"] != strconv.Itoa(winners[i]) {
			t.Errorf("agency %d: winners lines %v, want one with %d", i+1, q, winners[i])
		}
	}
	if err := r.server.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := r.server.wait(t, 15*time.Second); err != nil {
		t.Fatalf("server exit: %v\n%s", err, tail(r.server.out.String()))
	}
	assertSameRows(t, mustReadBetsFile(t, r.store), mustReadAgencyFiles(t, r.files))
}

// tail returns the last lines of a log, for failure messages.
func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// awaitFirstBets polls the bets file (another process's file: there is
// nothing to wait on) until it is not empty, for at most 30 s.
func (r *chaosRun) awaitFirstBets() {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if fi, err := os.Stat(r.store); err == nil && fi.Size() > 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("no bet stored within 30s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// pause waits a random moment between lo and hi: the fault schedule, not a
// synchronisation.
func pause(rng *rand.Rand, lo, hi time.Duration) {
	time.Sleep(lo + time.Duration(rng.Int64N(int64(hi-lo))))
}

func TestChaosServerKilled(t *testing.T) {
	rng := chaosSeed(t)
	files, winners := chaosData(t)
	r := startChaos(t, files)
	r.stopMidIngest(rng, syscall.SIGKILL, 10)
	r.finish(winners)
}

func TestChaosServerStopped(t *testing.T) {
	rng := chaosSeed(t)
	files, winners := chaosData(t)
	r := startChaos(t, files)
	r.stopMidIngest(rng, syscall.SIGTERM, 5)
	r.finish(winners)
}

func TestChaosAgencyKilled(t *testing.T) {
	rng := chaosSeed(t)
	files, winners := chaosData(t)
	r := startChaos(t, files)
	for range 5 {
		pause(rng, 20*time.Millisecond, 250*time.Millisecond)
		i := rng.IntN(len(files))
		r.clients[i].cmd.Process.Kill()
		r.clients[i].wait(t, 15*time.Second)
		r.clients[i] = r.startClient(i)
	}
	r.finish(winners)
}
