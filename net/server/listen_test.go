package server_test

import (
	"net"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/tp0/loteria/net/server"
)

// TestListenAppliesBacklog asks the kernel, through ss(8), for the accept
// queue length of the listening socket: it must be the configured backlog.
func TestListenAppliesBacklog(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the backlog is applied on Linux only")
	}
	ss, err := exec.LookPath("ss")
	if err != nil {
		t.Skip("ss (iproute2) not installed; cannot read the backlog back")
	}
	ln, err := server.Listen("127.0.0.1:0", 7)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	out, err := exec.Command(ss, "-ltnH", "sport = :"+port).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	// State Recv-Q Send-Q Local Peer: for a listener Send-Q is the backlog.
	f := strings.Fields(string(out))
	if len(f) < 4 || f[2] != "7" {
		t.Fatalf("ss reports %q, want a listener with Send-Q 7", out)
	}
}

func TestListenRebindsAtOnce(t *testing.T) {
	ln, err := server.Listen("127.0.0.1:0", 8)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // the server closes first: its side goes to TIME_WAIT
	c.Close()
	ln.Close()
	ln2, err := server.Listen(addr, 8)
	if err != nil {
		t.Fatalf("rebinding %s right after close: %v", addr, err)
	}
	ln2.Close()
}

func TestListenIPv6(t *testing.T) {
	probe, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	probe.Close()
	ln, err := server.Listen("[::1]:0", 8)
	if err != nil {
		t.Fatalf("listen on IPv6 loopback: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial %s: %v", ln.Addr(), err)
	}
	c.Close()
}
