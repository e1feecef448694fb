package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// natsBuild is how to build the NATS server the jetstream backends need.
const natsBuild = "CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/nats-server github.com/nats-io/nats-server/v2"

// checkNATS reports whether path is a NATS server binary to run, saying
// how to build one if it is missing.
func checkNATS(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("no NATS server at %s (the jetstream backends need one): build it with\n\t%s\nor name another with -nats PATH", path, natsBuild)
	case err != nil:
		return err
	case fi.IsDir() || fi.Mode()&0o111 == 0:
		return fmt.Errorf("%s is not an executable NATS server (-nats PATH)", path)
	}
	return nil
}

// natsNode is one NATS server of a run.
type natsNode struct {
	cmd     *exec.Cmd
	log     string // its log file
	port    int    // clients'
	monitor int    // its HTTP monitoring port, for /healthz
}

// natsCluster is the NATS servers of a run: one, or three in a cluster.
type natsCluster struct {
	nodes   []*natsNode
	stopped bool
}

// startNATS starts n NATS servers (1 or 3) from bin, each with its
// configuration, log and a fresh store under dir, on free loopback ports;
// three form the cluster loteria, each routing to the others. JetStream
// syncs every write (sync_interval: always), as the servers we ship do.
// It returns once they run; ready tells when JetStream is ready.
func startNATS(bin, dir string, n int) (*natsCluster, error) {
	ports, err := freePorts(3 * n)
	if err != nil {
		return nil, err
	}
	clients, routes, monitors := ports[:n], ports[n:2*n], ports[2*n:]
	c := &natsCluster{}
	for i := range n {
		name := fmt.Sprintf("nats%d", i+1)
		conf := filepath.Join(dir, name+".conf")
		text := natsConfig(name, filepath.Join(dir, name), clients[i], monitors[i], routes[i], routes, n > 1)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			c.stop()
			return nil, err
		}
		nd := &natsNode{log: filepath.Join(dir, name+".log"), port: clients[i], monitor: monitors[i]}
		nd.cmd = exec.Command(bin, "-c", conf, "-l", nd.log)
		if err := nd.cmd.Start(); err != nil {
			c.stop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c.nodes = append(c.nodes, nd)
	}
	return c, nil
}

// natsConfig is a NATS server's configuration: clients on port, HTTP
// monitoring on monitor, JetStream storing in store and syncing every
// write, and with clustered routes on route, to each of routes (its own
// among them, which NATS skips).
func natsConfig(name, store string, port, monitor, route int, routes []int, clustered bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: %s\nlisten: \"127.0.0.1:%d\"\nhttp: \"127.0.0.1:%d\"\n", name, port, monitor)
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  sync_interval: always\n}\n", store)
	if clustered {
		urls := make([]string, len(routes))
		for i, p := range routes {
			urls[i] = fmt.Sprintf("%q", "nats://127.0.0.1:"+strconv.Itoa(p))
		}
		fmt.Fprintf(&b, "cluster {\n  name: loteria\n  listen: \"127.0.0.1:%d\"\n  routes: [%s]\n}\n", route, strings.Join(urls, ", "))
	}
	return b.String()
}

// freePorts returns n ports free on loopback now.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		defer ln.Close() // all held until all are found: n distinct ports
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ready waits, up to timeout, until every server's /healthz says its
// JetStream is ready: enabled and, in a cluster, following the meta
// leader the cluster elected. A request sent before then may go
// unanswered: the lottery server's first would use up its whole wait.
func (c *natsCluster) ready(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, nd := range c.nodes {
		for {
			err := nd.healthy(ctx)
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("nats%d: JetStream not ready in %s: %w%s", i+1, timeout, err, nd.tail())
			case <-tick.C: // polling a condition, bounded by ctx
			}
		}
	}
	return nil
}

// healthy asks the server's /healthz whether JetStream is ready.
func (nd *natsNode) healthy(ctx context.Context) error {
	url := "http://127.0.0.1:" + strconv.Itoa(nd.monitor) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// urls returns the servers' client URLs, comma-separated, as
// SERVER_NATS_URL takes them.
func (c *natsCluster) urls() string {
	urls := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		urls[i] = "nats://127.0.0.1:" + strconv.Itoa(nd.port)
	}
	return strings.Join(urls, ",")
}

// cpu returns the CPU time the servers have used so far, all together.
func (c *natsCluster) cpu() time.Duration {
	var t time.Duration
	for _, nd := range c.nodes {
		t += procCPU(nd.cmd.Process.Pid)
	}
	return t
}

// peakRSS returns each server's peak resident set size.
func (c *natsCluster) peakRSS() []int64 {
	rss := make([]int64, len(c.nodes))
	for i, nd := range c.nodes {
		rss[i] = peakRSS(nd.cmd.Process.Pid)
	}
	return rss
}

// stop stops the servers (SIGTERM, then SIGKILL after 10 s) and waits for
// them; an error names the first that did not exit cleanly, with the end
// of its log. Stopping them again does nothing.
func (c *natsCluster) stop() error {
	if c.stopped {
		return nil
	}
	c.stopped = true
	var first error
	for _, nd := range c.nodes {
		nd.cmd.Process.Signal(syscall.SIGTERM)
	}
	for i, nd := range c.nodes {
		t := time.AfterFunc(10*time.Second, func() { nd.cmd.Process.Kill() })
		err := nd.cmd.Wait()
		t.Stop()
		if err != nil && first == nil {
			first = fmt.Errorf("nats%d: %w%s", i+1, err, nd.tail())
		}
	}
	return first
}

// tail returns the last lines of the server's log, to explain a failure.
func (nd *natsNode) tail() string {
	b, err := os.ReadFile(nd.log)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	lines = lines[max(0, len(lines)-5):]
	return "; its log ends:\n\t" + strings.Join(lines, "\n\t")
}

// tails returns the end of every server's log.
func (c *natsCluster) tails() string {
	var b strings.Builder
	for i, nd := range c.nodes {
		if t := nd.tail(); t != "" {
			fmt.Fprintf(&b, "\nnats%d%s", i+1, t)
		}
	}
	return b.String()
}

// procCPU returns a process's user and system CPU time so far, from
// /proc/PID/stat in clock ticks of 1/100 s (Linux's USER_HZ); 0 elsewhere.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // the name may hold spaces
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14: utime
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15: stime
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
