package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"iter"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// startRun runs the server in-process on a free port and returns the
// address it listens on, a channel of every log line, and run's result.
func startRun(t *testing.T, env []string) (ctx context.Context, cancel func(), addr string, lines <-chan string, errc <-chan error) {
	t.Helper()
	ctx, cancel = context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	ec := make(chan error, 1)
	go func() {
		err := run(ctx, nil, env, pw)
		pw.Close()
		ec <- err
	}()
	lc := make(chan string, 1024)
	go func() {
		defer close(lc)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lc <- sc.Text()
		}
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lc:
			if !ok {
				t.Fatalf("server stopped before listening: %v", <-ec)
			}
			if _, a, found := strings.Cut(l, "action: listen | result: success | address: "); found {
				return ctx, cancel, a, lc, ec
			}
		case <-timeout:
			t.Fatal("server did not listen within 10s")
		}
	}
}

// TestRunShutsDownInOrder stops a server holding a parked winners query:
// the query gets a shutting-down error, and the log shows each resource
// closed in the documented order, with no fail line.
func TestRunShutsDownInOrder(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bets.csv")
	_, cancel, addr, lines, errc := startRun(t, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_STORE_PATH=" + store})
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	c, err := client.Dial(ctx, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Hello(ctx, 1, ""); err != nil {
		t.Fatal(err)
	}
	parked := make(chan error, 1)
	go func() {
		_, err := c.Winners(ctx, 10*time.Second)
		parked <- err
	}()
	cancel() // whether the query is parked yet or not, it gets the same answer
	var e wire.Error
	if err := receive(t, parked); !errors.As(err, &e) || e.Code != wire.CodeShuttingDown {
		t.Fatalf("parked winners query got %v, want a %s error", err, wire.CodeShuttingDown)
	}
	var actions []string
	for l := range bounded(t, lines) {
		if strings.Contains(l, "result: fail") {
			t.Errorf("fail line during a clean shutdown: %s", l)
		}
		a, _, _ := strings.Cut(strings.SplitN(l, "action: ", 2)[1], " |")
		actions = append(actions, a)
	}
	if err := receive(t, errc); err != nil {
		t.Fatalf("run = %v, want nil after a shutdown", err)
	}
	want := "listener_close,conexion,connections_close,coordinator_stop,store_close,exit"
	if got := strings.Join(actions, ","); got != want {
		t.Fatalf("shutdown logged %s, want %s", got, want)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), nil, []string{"SERVER_PORT=70000"}, &out)
	if err == nil {
		t.Fatal("run with port 70000 succeeded")
	}
	if !strings.Contains(out.String(), "action: config | result: fail") || !strings.Contains(out.String(), "SERVER_PORT") {
		t.Fatalf("log %q does not say which setting is wrong", out.String())
	}
}

// TestRunPing is the container's health check: "server ping" succeeds
// against a running server and fails, without hanging, when none answers.
func TestRunPing(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bets.csv")
	_, _, addr, _, _ := startRun(t, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_STORE_PATH=" + store})
	_, port, _ := strings.Cut(addr, ":")
	var out strings.Builder
	if err := run(context.Background(), []string{"ping"}, []string{"SERVER_PORT=" + port}, &out); err != nil {
		t.Fatalf("ping a running server: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "action: ping | result: success") {
		t.Fatalf("ping logged %q", out.String())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closed, _ := strings.Cut(ln.Addr().String(), ":")
	ln.Close()
	out.Reset()
	if err := run(context.Background(), []string{"ping"}, []string{"SERVER_PORT=" + closed, "SERVER_WRITE_TIMEOUT=2s"}, &out); err == nil {
		t.Fatalf("ping with no server succeeded: %s", out.String())
	}
	if !strings.Contains(out.String(), "action: ping | result: fail") {
		t.Fatalf("ping logged %q", out.String())
	}
}

// receive waits at most 10 s for a value from c.
func receive[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received within 10s")
		var zero T
		return zero
	}
}

// bounded yields the lines until the channel closes, failing the test if
// that takes more than 10 s.
func bounded(t *testing.T, lines <-chan string) iter.Seq[string] {
	return func(yield func(string) bool) {
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok || !yield(l) {
					return
				}
			case <-timeout:
				t.Fatal("the log did not end within 10s")
				return
			}
		}
	}
}
