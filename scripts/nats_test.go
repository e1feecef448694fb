package scripts_test

import (
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// natsConf is the NATS configuration the project ships, as seen from here.
var natsConf = filepath.Join("..", "docker", "nats.conf")

// natsNode is what nats-server makes of a node's command line: the
// options it would run with.
type natsNode struct {
	name        string
	host        string // "" is every address
	port        int    // clients'
	clusterName string
	clusterHost string
	clusterPort int
	routes      []string // host:port of each route
	jetStream   bool
	syncAlways  bool // fsync before every ack
	storeDir    string
	shippedConf bool // the command named the shipped configuration
}

// mustNatsNode parses args, a nats-server command line, as nats-server
// itself does, reading the configuration it names (-c) from the
// repository's docker/nats.conf: /config/nats.conf in the image,
// docker/nats.conf natively.
func mustNatsNode(t *testing.T, args []string) natsNode {
	t.Helper()
	args = slices.Clone(args)
	var node natsNode
	for i := 1; i < len(args); i++ {
		if args[i-1] == "-c" && (args[i] == "/config/nats.conf" || args[i] == "docker/nats.conf") {
			args[i] = natsConf
			node.shippedConf = true
		}
	}
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts, err := server.ConfigureOptions(fs, args, nil, nil, nil)
	if err != nil || opts == nil {
		t.Fatalf("nats-server %s: %v", strings.Join(args, " "), err)
	}
	node.name, node.host, node.port = opts.ServerName, opts.Host, opts.Port
	node.clusterName, node.clusterHost, node.clusterPort = opts.Cluster.Name, opts.Cluster.Host, opts.Cluster.Port
	for _, u := range opts.Routes {
		node.routes = append(node.routes, u.Host)
	}
	slices.Sort(node.routes)
	node.jetStream, node.syncAlways, node.storeDir = opts.JetStream, opts.SyncAlways, opts.StoreDir
	return node
}

// TestNatsConfig: the shipped configuration turns JetStream on with an
// fsync before every acknowledgement, and names the cluster loteria; a
// node given no cluster on its command line (--cluster=) runs alone.
func TestNatsConfig(t *testing.T) {
	node := mustNatsNode(t, []string{"-c", "docker/nats.conf", "-n", "nats1"})
	if !node.jetStream || !node.syncAlways {
		t.Errorf("JetStream %v, sync always %v: want JetStream on, every write fsync'd before its ack", node.jetStream, node.syncAlways)
	}
	if node.clusterName != "loteria" || node.clusterPort != 6222 || node.port != 4222 {
		t.Errorf("cluster %q on port %d, clients on %d: want cluster loteria on 6222, clients on 4222", node.clusterName, node.clusterPort, node.port)
	}
	if alone := mustNatsNode(t, []string{"-c", "docker/nats.conf", "-n", "nats", "--cluster="}); alone.clusterPort != 0 || !alone.syncAlways {
		t.Errorf("with --cluster= the node listens for routes on %d (sync always %v); want no cluster, still sync always", alone.clusterPort, alone.syncAlways)
	}
}
