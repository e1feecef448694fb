package e2e_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
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
