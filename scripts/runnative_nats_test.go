package scripts_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsServer is the nats-server make build builds, as seen from here.
var natsServer = filepath.Join("..", "bin", "nats-server")

// fakeWaitingClient prints the CLI_ variables it got, then waits (at most
// a minute) for the file named in $GO_ON before it exits.
const fakeWaitingClient = `#!/bin/sh
env | grep '^CLI_' | sed 's/^/env: /'
i=0
while [ ! -e "$GO_ON" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
`

// lowPort is a port from 10000 to 29999, picked at random, that can be
// listened on now: under the kernel's ephemeral ports (32768 up), which
// outgoing connections, the nodes' own among them, take as they go.
func lowPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := 10000 + rand.IntN(20000)
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			ln.Close()
			return p
		}
	}
	t.Fatal("no free port from 10000 to 29999 in 100 tries")
	return 0
}

// noPeersForPlacement is JetStream's err_code for "no suitable peers for
// placement".
const noPeersForPlacement jetstream.ErrorCode = 10005

// natsPID is the process id at the start of nats-server's log lines.
var natsPID = regexp.MustCompile(`^\[([0-9]+)\] `)

// TestRunNativeNatsCluster: the three nodes NODES=3 starts natively, with
// the shipped configuration, form one JetStream cluster: a stream of 3
// replicas is created on them, a publish is acknowledged, and goes on
// being acknowledged with one node stopped; the stream is in every node's
// store in RUN_DIR; and the run stops them all cleanly. The servers and
// agencies are stand-ins: the servers only print the URLs they are given.
func TestRunNativeNatsCluster(t *testing.T) {
	abs, err := filepath.Abs(natsServer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("no %s (make build makes it): %v", natsServer, err)
	}
	bin := fakeBin(t, map[string]string{"server": fakeEnvServer, "client": fakeWaitingClient})
	if err := os.Symlink(abs, filepath.Join(bin, "nats-server")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runDir, goOn := filepath.Join(dir, "run"), filepath.Join(dir, "go-on")
	base := lowPort(t)
	env := []string{"NODES=3", "BIN=" + bin, "RUN_DIR=" + runDir, "EVENTS=" + filepath.Join(dir, "events"), "GO_ON=" + goOn,
		"NATS_PORT=" + strconv.Itoa(base), "NATS_CLUSTER_PORT=" + strconv.Itoa(base+10), "SERVER_PORT=" + strconv.Itoa(base+20)}
	r := startNative(t, 2*time.Minute, env, "1")

	// Until every node knows the cluster's metadata leader and the
	// stand-in servers have printed their URLs.
	var url string
	var logs []string // the nodes'
	pids := map[string]int{}
	led := map[string]bool{}
	for len(led) < 3 || url == "" {
		l, ok := <-r.lines
		if !ok {
			_, err := r.finish()
			t.Fatalf("run-native.sh ended (%v) before the cluster formed: %d of 3 nodes know a metadata leader\n%s\n%s",
				err, len(led), strings.Join(logs, "\n"), r.stderr.String())
		}
		if strings.HasPrefix(l.who, "nats") {
			logs = append(logs, l.who+" | "+l.text)
			if m := natsPID.FindStringSubmatch(l.text); m != nil {
				pids[l.who], _ = strconv.Atoi(m[1])
			}
			if strings.Contains(l.text, "metadata leader") { // "Self is new …", "… new metadata leader: nats2/loteria"
				led[l.who] = true
			}
			if strings.Contains(l.text, "[ERR]") && !strings.Contains(l.text, "Error trying to connect to route") {
				t.Errorf("%s: %s", l.who, l.text) // a route to a node not up yet is retried
			}
		}
		if u, ok := strings.CutPrefix(l.text, "env: SERVER_NATS_URL="); ok && l.who == "server1" {
			url = u
		}
	}
	rest := make(chan []line, 1)
	go func() { // reads the output from here to its end: the script must not block on it
		var ls []line
		for l := range r.lines {
			ls = append(ls, l)
		}
		rest <- ls
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The node stopped below resets this connection if it is the one
	// connected to: the client reconnects to another, and the error it
	// reports meanwhile says nothing to the test.
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.MaxReconnects(-1),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}), nats.NoCallbacksAfterClientClose())
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	// A cluster that has just elected its metadata leader may not count
	// every node online yet: placing 3 replicas is refused (err_code 10005)
	// until it does, a matter of milliseconds; and a request that reached
	// a leader stepping down goes unanswered. Both are tried again (a
	// stream created again with the same configuration is the same stream).
	var stream jetstream.Stream
	for {
		try, stop := context.WithTimeout(ctx, 5*time.Second)
		stream, err = js.CreateStream(try, jetstream.StreamConfig{
			Name: "BETS", Subjects: []string{"bets.>"}, Storage: jetstream.FileStorage, Replicas: 3,
		})
		stop()
		var apiErr *jetstream.APIError
		if err == nil || ctx.Err() != nil ||
			!errors.Is(err, context.DeadlineExceeded) && (!errors.As(err, &apiErr) || apiErr.ErrorCode != noPeersForPlacement) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err != nil {
		t.Fatalf("create a stream of 3 replicas: %v", err)
	}
	// publish sends bet seq until it is acknowledged, each try given 2 s;
	// its message id makes a resend of what was stored no second bet.
	publish := func(seq uint64) {
		t.Helper()
		id := "bet-" + strconv.FormatUint(seq, 10)
		for {
			try, stop := context.WithTimeout(ctx, 2*time.Second)
			ack, err := js.Publish(try, "bets.1", []byte(id), jetstream.WithMsgID(id),
				jetstream.WithRetryAttempts(50), jetstream.WithRetryWait(100*time.Millisecond))
			stop()
			if err == nil {
				if ack.Stream != "BETS" || ack.Sequence != seq {
					t.Fatalf("publish %s: acknowledged as %+v, want sequence %d of BETS", id, ack, seq)
				}
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("publish %s: %v", id, err)
			}
			t.Logf("publish %s: %v; again", id, err)
		}
	}
	publish(1)
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	peers := []string{info.Cluster.Leader}
	for _, p := range info.Cluster.Replicas {
		peers = append(peers, p.Name)
	}
	slices.Sort(peers)
	if !slices.Equal(peers, []string{"nats1", "nats2", "nats3"}) || info.Cluster.Name != "loteria" {
		t.Errorf("the stream is on %v in cluster %q, want on nats1, nats2 and nats3 in loteria", peers, info.Cluster.Name)
	}

	// One node stopped, its leader's say: two of three still acknowledge.
	gone := info.Cluster.Leader
	if pids[gone] == 0 {
		t.Fatalf("no process id for %s in its log", gone)
	}
	if err := syscall.Kill(pids[gone], syscall.SIGTERM); err != nil {
		t.Fatalf("stop %s: %v", gone, err)
	}
	publish(2)

	mustWrite(t, goOn, "")
	last := <-rest // the script's stdout has ended
	if _, err := r.finish(); err != nil {
		t.Errorf("run-native.sh: %v\n%s", err, r.stderr.String())
	}
	exited := map[string]bool{}
	for _, l := range last {
		if strings.HasPrefix(l.who, "nats") && strings.Contains(l.text, "Server Exiting") {
			exited[l.who] = true
		}
	}
	if len(exited) != 3 {
		t.Errorf("nodes that logged their exit: %v, want all three", exited)
	}
	for _, name := range []string{"nats1", "nats2", "nats3"} {
		if _, err := os.Stat(filepath.Join(runDir, name, "jetstream", "$G", "streams", "BETS")); err != nil {
			t.Errorf("the stream is not in %s's store: %v", name, err)
		}
	}
}
