// Package natstest runs NATS JetStream servers inside a test process: one,
// or a cluster of three, configured as the ones the project ships
// (sync_interval: always), on free loopback ports, each with its own store
// directory, which a node keeps across Stop and Restart.
package natstest

import (
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is n NATS servers with JetStream, in one cluster if n > 1.
type Cluster struct {
	t     testing.TB
	nodes []*node
}

type node struct {
	opts *server.Options
	srv  *server.Server // nil while stopped
}

// Start starts n servers (1 or 3) and stops them when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	clientPorts, clusterPorts := freePorts(t, n), freePorts(t, n)
	var routes []*url.URL
	if n > 1 {
		for _, p := range clusterPorts {
			routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
		}
	}
	for i := range n {
		o := &server.Options{
			ServerName:   fmt.Sprintf("nats%d", i+1),
			Host:         "127.0.0.1",
			Port:         clientPorts[i],
			JetStream:    true,
			StoreDir:     t.TempDir(),
			SyncAlways:   true, // what sync_interval: always sets
			SyncInterval: 2 * time.Minute,
			NoSigs:       true,
			NoLog:        true,
		}
		if n > 1 {
			o.Cluster = server.ClusterOpts{Name: "loteria", Host: "127.0.0.1", Port: clusterPorts[i]}
			o.Routes = routes
		}
		c.nodes = append(c.nodes, &node{opts: o})
	}
	for i := range c.nodes {
		c.Restart(i)
	}
	c.WaitReady()
	t.Cleanup(func() {
		for i := range c.nodes {
			c.Stop(i)
		}
	})
	return c
}

// freePorts returns n ports free on loopback now.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// URLs returns every server's client URL.
func (c *Cluster) URLs() []string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port))
	}
	return urls
}

// Stop shuts node i down (0-based), keeping its store; stopping a stopped
// node does nothing.
func (c *Cluster) Stop(i int) {
	n := c.nodes[i]
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

// Restart starts node i again, on its ports and store, if it is stopped.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	n := c.nodes[i]
	if n.srv != nil {
		return
	}
	o := *n.opts // a server keeps and changes its options
	srv, err := server.NewServer(&o)
	if err != nil {
		c.t.Fatalf("nats server %d: %v", i+1, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		c.t.Fatalf("nats server %d not ready in 10s", i+1)
	}
	n.srv = srv
}

// WaitReady waits, up to 30 seconds, until the running servers' JetStream
// has a leader they all follow: a cluster elects its meta leader a few
// seconds after it forms, and refuses to create streams until then.
func (c *Cluster) WaitReady() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !c.ready() {
		if time.Now().After(deadline) {
			c.t.Fatal("the NATS cluster elected no JetStream leader in 30s")
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, bounded by the deadline
	}
}

func (c *Cluster) ready() bool {
	leader := false
	for _, n := range c.nodes {
		if n.srv == nil {
			continue
		}
		if !n.srv.JetStreamEnabled() || (n.srv.JetStreamIsClustered() && !n.srv.JetStreamIsCurrent()) {
			return false
		}
		leader = leader || !n.srv.JetStreamIsClustered() || n.srv.JetStreamIsLeader()
	}
	return leader
}

// Index returns the node whose client URL is url, as URLs gives them, or
// -1 if none is.
func (c *Cluster) Index(url string) int {
	for i, u := range c.URLs() {
		if u == url {
			return i
		}
	}
	return -1
}

// StreamLeader returns the running node that leads stream, or -1 if none
// does now.
func (c *Cluster) StreamLeader(stream string) int {
	for i, n := range c.nodes {
		if n.srv != nil && n.srv.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}
