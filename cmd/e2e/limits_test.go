package e2e_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
	"github.com/tp0/loteria/net/wire"
)

// TestThousandIdleConnections: 1,000 connections that say nothing must not
// push the server past 64 MiB of memory nor keep the agencies from their
// exact winners.
func TestThousandIdleConnections(t *testing.T) {
	const idle, limit = 1000, 64 << 20
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < 2*idle+100 {
		t.Skipf("open-file limit %d too low for %d connections on both ends", rl.Cur, idle)
	}
	server, client := mustBuild(t)
	dir := t.TempDir()
	srv, addr := startServer(t, server, filepath.Join(dir, "bets.csv"), 3)
	for range idle {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("idle connection: %v", err)
		}
		defer c.Close()
	}
	var files []string
	for agency := 1; agency <= 3; agency++ {
		path := filepath.Join(dir, fmt.Sprintf("agency-%d.csv", agency))
		mustWriteFile(t, path, func(w io.Writer) error {
			return gen.Write(w, gen.Spec{Agency: agency, Rows: 20_000, Winners: gen.Spread(20_000, agency), Seed: 9})
		})
		files = append(files, path)
	}
	began := time.Now()
	var clients []*proc
	for i, f := range files {
		clients = append(clients, start(t, client, []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + f}, nil))
	}
	for i, c := range clients {
		if err := c.wait(t, time.Minute); err != nil {
			t.Fatalf("agency %d: %v\n%s", i+1, err, tail(c.out.String()))
		}
		q := find(parseLog(c.out.String()), "consulta_ganadores")
		if len(q) != 1 || q[0]["cant_ganadores"] != strconv.Itoa(i+1) {
			t.Errorf("agency %d: %v, want %d winners", i+1, q, i+1)
		}
	}
	rss, peak := memory(t, srv.cmd.Process.Pid)
	t.Logf("%d idle connections: server RSS %.1f MiB, peak %.1f MiB; 60,000 bets from 3 agencies in %s",
		idle, float64(rss)/(1<<20), float64(peak)/(1<<20), time.Since(began).Round(time.Millisecond))
	if peak > limit {
		t.Errorf("server peak RSS %d bytes with %d idle connections, want at most %d", peak, idle, limit)
	}
}

// memory reads a process's resident set size and its peak, in bytes.
func memory(tb testing.TB, pid int) (rss, peak int64) {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Skipf("no /proc here: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// TestHoardersCannotKeepAgenciesOut: 64 silent sockets and 64 that drip a
// ping frame a byte every 0.8 s, each connecting again soon after the
// server closes it, against a server with max_connections=64 and the
// default timeouts. Before, they held every slot (the silent ones for the
// 60 s idle timeout, the dripping ones for good) and the agencies gave up;
// now each newcomer pushes the oldest of them out and none outlives the
// 5 s hello timeout, so the five agencies get in, finish with their exact
// winners and exit 0, and the bets file holds exactly their bets.
func TestHoardersCannotKeepAgenciesOut(t *testing.T) {
	const hoarders, again = 128, 100 * time.Millisecond
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < 2*hoarders+100 {
		t.Skipf("open-file limit %d too low for %d connections on both ends", rl.Cur, hoarders)
	}
	server, client := mustBuild(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "bets.csv")
	srv, addr := startServerOn(t, server, store, 5, "0", "SERVER_MAX_CONNECTIONS=64")

	// The agencies start once the hoarders have taken the lobby and been
	// pushed out and come back twice over.
	stop, churning := make(chan struct{}), make(chan struct{})
	var running sync.WaitGroup
	var dials atomic.Int64
	dialed := func() {
		if dials.Add(1) == 3*hoarders {
			close(churning)
		}
	}
	for i := range hoarders {
		running.Go(func() { hoard(addr, i%2 == 1, again, stop, dialed) })
	}
	select {
	case <-churning:
	case <-time.After(30 * time.Second):
		t.Fatalf("the hoarders made only %d connections in 30s", dials.Load())
	}
	var files []string
	for agency := 1; agency <= 5; agency++ {
		path := filepath.Join(dir, fmt.Sprintf("agency-%d.csv", agency))
		mustWriteFile(t, path, func(w io.Writer) error {
			return gen.Write(w, gen.Spec{Agency: agency, Rows: 10_000 * agency, Winners: gen.Spread(10_000*agency, agency), Seed: 11})
		})
		files = append(files, path)
	}
	began := time.Now()
	var clients []*proc
	tries := make([]int, len(files)) // connect lines: one per welcome, and one per try lost
	for i, f := range files {
		clients = append(clients, start(t, client, []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + f}, nil))
	}
	for i, c := range clients {
		if err := c.wait(t, 2*time.Minute); err != nil {
			t.Fatalf("agency %d: %v\n%s", i+1, err, tail(c.out.String()))
		}
		lines := parseLog(c.out.String())
		q := find(lines, "consulta_ganadores")
		if len(q) == 0 || q[len(q)-1]["cant_ganadores"] != strconv.Itoa(i+1) {
			t.Errorf("agency %d: %v, want %d winners", i+1, q, i+1)
		}
		assertNoFail(t, fmt.Sprintf("agency %d", i+1), lines)
		tries[i] = len(find(lines, "connect"))
	}
	took := time.Since(began)
	close(stop)
	running.Wait()

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.wait(t, 10*time.Second); err != nil {
		t.Fatalf("server exit: %v\n%s", err, tail(srv.out.String()))
	}
	codes := map[string]int{}
	suppressed := 0
	for _, l := range parseLog(srv.out.String()) {
		if n, err := strconv.Atoi(l["suppressed"]); err == nil {
			suppressed += n
		}
		if l["result"] != "fail" {
			continue
		}
		if l["action"] != "conexion" || l["agency"] != "0" || l["code"] != "busy" && l["code"] != "timeout" {
			t.Errorf("server logged %v, want fail lines only for hoarders closed busy or timed out", l)
		}
		codes[l["code"]]++
	}
	assertSameRows(t, mustReadBetsFile(t, store), mustReadAgencyFiles(t, files))
	t.Logf("%d hoarders, %d connections of theirs: 5 agencies done in %s (connect lines %v); server fail lines %v, %d suppressed",
		hoarders, dials.Load(), took.Round(time.Millisecond), tries, codes, suppressed)
}

// hoard keeps a connection to addr open, saying nothing or dripping a ping
// frame a byte every 0.8 s, and opens another one, again after it is
// closed, until stop is closed. It calls dialed after each connection.
func hoard(addr string, drip bool, again time.Duration, stop <-chan struct{}, dialed func()) {
	ping, _ := wire.AppendFrame(nil, wire.Ping{Payload: []byte("are you there?")})
	for {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			dialed()
			closed := make(chan struct{})
			go func() { io.Copy(io.Discard, c); close(closed) }()
			for i, wait := 0, true; wait; i++ {
				var drop <-chan time.Time
				if drip {
					drop = time.After(800 * time.Millisecond)
				}
				select {
				case <-drop:
					c.Write(ping[i%len(ping) : i%len(ping)+1])
				case <-closed:
					wait = false
				case <-stop:
					wait = false
				}
			}
			c.Close()
			<-closed
		}
		select {
		case <-stop:
			return
		case <-time.After(again):
		}
	}
}
