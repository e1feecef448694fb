package scripts_test

import (
	"bufio"
	"bytes"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// native is a run of run-native.sh in its own process group.
type native struct {
	cmd    *exec.Cmd
	lines  chan line // stdout, line by line; closed at its end
	stderr bytes.Buffer
	ended  bool
}

// line is one line of run-native.sh's output: who wrote it (the prefix,
// "" for the script's own lines) and what.
type line struct{ who, text string }

// startNative starts run-native.sh with args, with env added to the
// environment (and the variables the script reads unset unless env sets
// them). The whole group is killed if it runs longer than limit, and when
// the test ends: the read of its output always ends.
func startNative(t *testing.T, limit time.Duration, env []string, args ...string) *native {
	t.Helper()
	r := &native{lines: make(chan line, 64)}
	r.cmd = exec.Command("bash", append([]string{"run-native.sh"}, args...)...)
	r.cmd.Env = append(withoutVars(os.Environ(), "NODES", "BIN", "RUN_DIR", "DATA_DIR", "SERVER_PORT",
		"NATS_PORT", "NATS_CLUSTER_PORT", "STOP_TIMEOUT"), env...)
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stderr = &r.stderr
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := r.cmd.Process.Pid
	timer := time.AfterFunc(limit, func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	t.Cleanup(func() {
		timer.Stop()
		if !r.ended {
			syscall.Kill(-pgid, syscall.SIGKILL)
			r.finish()
		}
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			who, text, ok := strings.Cut(sc.Text(), " | ")
			if !ok {
				who, text = "", sc.Text()
			}
			r.lines <- line{strings.TrimSpace(who), text}
		}
		close(r.lines)
	}()
	return r
}

// finish reads the rest of the output and waits for the script.
func (r *native) finish() ([]line, error) {
	var rest []line
	for l := range r.lines {
		rest = append(rest, l)
	}
	r.ended = true
	return rest, r.cmd.Wait()
}

// busyPort listens on a port the kernel picks until the test ends.
func busyPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// fakeBin writes executable shell scripts into a new directory.
func fakeBin(t *testing.T, scripts map[string]string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin")
	for name, text := range scripts {
		mustWrite(t, filepath.Join(bin, name), text)
		if err := os.Chmod(filepath.Join(bin, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// fakeNats prints its arguments, one a line, and waits for SIGTERM, which
// it notes in $EVENTS.
const fakeNats = `#!/bin/sh
trap 'echo "nats stopped" >>"$EVENTS"; exit 0' TERM
printf 'arg: %s\n' "$@"
while :; do sleep 0.1; done
`

// fakeEnvServer prints the SERVER_ variables it got and waits for SIGTERM,
// which it notes in $EVENTS.
const fakeEnvServer = `#!/bin/sh
trap 'echo "server stopped" >>"$EVENTS"; exit 0' TERM
env | grep '^SERVER_' | sed 's/^/env: /'
while :; do sleep 0.1; done
`

// fakeEnvClient prints the CLI_ variables it got and exits.
const fakeEnvClient = `#!/bin/sh
env | grep '^CLI_' | sed 's/^/env: /'
`

// TestRunNativeThreeNodes: NODES=3 runs three NATS nodes as one cluster
// (each on ports of its own, routed to the other two, its store in
// RUN_DIR), three servers told to store on them with replicas 3, and
// agencies told all three servers; ports something listens on are passed
// over. Once the agencies are done, the servers are stopped, then the
// nodes.
func TestRunNativeThreeNodes(t *testing.T) {
	bin := fakeBin(t, map[string]string{"nats-server": fakeNats, "server": fakeEnvServer, "client": fakeEnvClient})
	dir := t.TempDir()
	runDir, events := filepath.Join(dir, "run"), filepath.Join(dir, "events")
	busy := map[string]int{"SERVER_PORT": busyPort(t), "NATS_PORT": busyPort(t), "NATS_CLUSTER_PORT": busyPort(t)}
	env := []string{"NODES=3", "BIN=" + bin, "RUN_DIR=" + runDir, "EVENTS=" + events}
	for k, p := range busy {
		env = append(env, k+"="+strconv.Itoa(p))
	}
	lines, err := startNative(t, time.Minute, env, "2").finish()
	if err != nil {
		t.Fatalf("NODES=3 run-native.sh 2: %v", err)
	}
	args, vars := map[string][]string{}, map[string]map[string]string{}
	for _, l := range lines {
		if a, ok := strings.CutPrefix(l.text, "arg: "); ok {
			args[l.who] = append(args[l.who], a)
		} else if kv, ok := strings.CutPrefix(l.text, "env: "); ok {
			k, v, _ := strings.Cut(kv, "=")
			if vars[l.who] == nil {
				vars[l.who] = map[string]string{}
			}
			vars[l.who][k] = v
		}
	}
	who := map[string]bool{}
	for name := range args {
		who[name] = true
	}
	for name := range vars {
		who[name] = true
	}
	if got := slices.Sorted(maps.Keys(who)); !slices.Equal(got, []string{"client1", "client2", "nats1", "nats2", "nats3", "server1", "server2", "server3"}) {
		t.Fatalf("processes %v, want nats1..3, server1..3 and client1..2", got)
	}

	ports := map[int]string{} // every port taken, and by whom
	take := func(p int, what string) {
		if other, ok := ports[p]; ok {
			t.Errorf("port %d taken by %s and %s", p, other, what)
		}
		ports[p] = what
	}
	var urls, clusters []string
	nodes := map[string]natsNode{}
	for i := 1; i <= 3; i++ {
		name := "nats" + strconv.Itoa(i)
		node := mustNatsNode(t, args[name])
		nodes[name] = node
		switch {
		case !node.shippedConf:
			t.Errorf("%s does not run with docker/nats.conf: %q", name, args[name])
		case node.name != name || node.clusterName != "loteria":
			t.Errorf("%s runs as %q in cluster %q, want %s in loteria", name, node.name, node.clusterName, name)
		case node.host != "127.0.0.1" || node.clusterHost != "127.0.0.1":
			t.Errorf("%s listens on %q and %q, want 127.0.0.1 only", name, node.host, node.clusterHost)
		case !node.jetStream || !node.syncAlways:
			t.Errorf("%s: JetStream %v, sync always %v", name, node.jetStream, node.syncAlways)
		case node.storeDir != filepath.Join(runDir, name):
			t.Errorf("%s stores in %q, want %q", name, node.storeDir, filepath.Join(runDir, name))
		}
		take(node.port, name)
		take(node.clusterPort, name+"'s routes")
		urls = append(urls, "nats://127.0.0.1:"+strconv.Itoa(node.port))
		clusters = append(clusters, "127.0.0.1:"+strconv.Itoa(node.clusterPort))
	}
	for i, name := range []string{"nats1", "nats2", "nats3"} {
		others := slices.Delete(slices.Clone(clusters), i, i+1)
		slices.Sort(others)
		if !slices.Equal(nodes[name].routes, others) {
			t.Errorf("%s routes to %v, want the other two nodes %v", name, nodes[name].routes, others)
		}
	}

	var addresses []string
	for i := 1; i <= 3; i++ {
		name := "server" + strconv.Itoa(i)
		v := vars[name]
		want := map[string]string{
			"SERVER_IP":             "127.0.0.1",
			"SERVER_AGENCIES":       "2",
			"SERVER_STORE_BACKEND":  "jetstream",
			"SERVER_NATS_URL":       strings.Join(urls, ","),
			"SERVER_STORE_REPLICAS": "3",
		}
		for k, w := range want {
			if v[k] != w {
				t.Errorf("%s: %s=%q, want %q", name, k, v[k], w)
			}
		}
		if rel, err := filepath.Rel(runDir, v["SERVER_STORE_PATH"]); err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("%s: SERVER_STORE_PATH=%q, want a path under RUN_DIR (never the working tree)", name, v["SERVER_STORE_PATH"])
		}
		p, err := strconv.Atoi(v["SERVER_PORT"])
		if err != nil {
			t.Fatalf("%s: SERVER_PORT=%q", name, v["SERVER_PORT"])
		}
		take(p, name)
		addresses = append(addresses, "127.0.0.1:"+v["SERVER_PORT"])
	}
	for k, p := range busy {
		if who, ok := ports[p]; ok {
			t.Errorf("%s was given port %d (%s), on which something listens", who, p, k)
		}
	}
	for i, name := range []string{"client1", "client2"} {
		// Agency i+1 starts at server i+1: the agencies spread.
		want := strings.Join(append(slices.Clone(addresses[i:]), addresses[:i]...), ",")
		if got := vars[name]["CLI_SERVER_ADDRESS"]; got != want {
			t.Errorf("%s: CLI_SERVER_ADDRESS=%q, want the three servers from server%d: %q", name, got, i+1, want)
		}
	}

	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != strings.Repeat("server stopped\n", 3)+strings.Repeat("nats stopped\n", 3) {
		t.Errorf("stop order:\n%s\nwant the three servers stopped, then the three nodes", got)
	}
}

// TestRunNativeRefusesNodes: NODES other than 1 or 3 is refused, and
// nothing is started or removed.
func TestRunNativeRefusesNodes(t *testing.T) {
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	bin := fakeBin(t, map[string]string{
		"nats-server": "#!/bin/sh\ntouch \"$STARTED\"\n",
		"server":      "#!/bin/sh\ntouch \"$STARTED\"\n",
		"client":      "#!/bin/sh\ntouch \"$STARTED\"\n",
	})
	runDir := filepath.Join(dir, "run")
	mustWrite(t, filepath.Join(runDir, "kept"), "")
	for _, bad := range []string{"2", "0", "three", "1 3"} {
		r := startNative(t, time.Minute, []string{"NODES=" + bad, "BIN=" + bin, "RUN_DIR=" + runDir, "STARTED=" + started}, "1")
		_, err := r.finish()
		if code := exitCode(err); code != 2 || !strings.Contains(r.stderr.String(), "NODES must be 1") {
			t.Errorf("NODES=%q: exit %d, stderr %q; want 2 and why", bad, code, r.stderr.String())
		}
	}
	if _, err := os.Stat(started); err == nil {
		t.Error("a process was started")
	}
	if _, err := os.Stat(filepath.Join(runDir, "kept")); err != nil {
		t.Errorf("RUN_DIR was emptied: %v", err)
	}
}

// TestRunNativeStopIsBounded: a server that ignores SIGTERM is killed
// STOP_TIMEOUT seconds later, and the run fails saying so, rather than
// hang.
func TestRunNativeStopIsBounded(t *testing.T) {
	bin := fakeBin(t, map[string]string{
		"server": "#!/bin/sh\ntrap '' TERM\necho \"action: listen | result: success\"\nwhile :; do sleep 0.1; done\n",
		"client": fakeEnvClient,
	})
	r := startNative(t, time.Minute, []string{"BIN=" + bin, "RUN_DIR=" + filepath.Join(t.TempDir(), "run"), "STOP_TIMEOUT=1"}, "1")
	start := time.Now()
	_, err := r.finish()
	if code := exitCode(err); code != 1 || !strings.Contains(r.stderr.String(), "killed") {
		t.Errorf("exit %d, stderr %q; want 1, and the server named as killed", code, r.stderr.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the run took %v", d)
	}
}
