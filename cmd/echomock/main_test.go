package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and every wait on serve.
const wait = 5 * time.Second

// mustServe starts serve on a free loopback port; it returns the address
// and a stop function that cancels serve and checks it returned nil.
func mustServe(t *testing.T, unhealthy bool) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, unhealthy) }()
	var once sync.Once
	stop := func() { once.Do(func() { stopServe(t, cancel, done) }) }
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// stopServe cancels serve and checks that it returns nil, in time.
func stopServe(t *testing.T, cancel func(), done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("serve did not return after its context was cancelled")
	}
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	return c
}

// exchange writes msg and reads exactly len(want) bytes back.
func exchange(t *testing.T, c net.Conn, msg, want string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read the answer to %q: %v (got %q)", msg, err, got)
	}
	if string(got) != want {
		t.Errorf("answer to %q is %q, want %q", msg, got, want)
	}
}

func TestEcho(t *testing.T) {
	frame := "\x0d\x00\x00\x00\x05hello" // what `client echo` sends, as bytes
	for name, tc := range map[string]struct {
		unhealthy bool
		prefix    string
	}{
		"Healthy":   {false, ""},
		"Unhealthy": {true, "error reading data: "},
	} {
		t.Run(name, func(t *testing.T) {
			addr, _ := mustServe(t, tc.unhealthy)
			c := mustDial(t, addr)
			// Each message waits for its answer, so each is one read.
			exchange(t, c, frame, tc.prefix+frame)
			exchange(t, c, "second", tc.prefix+"second")
			// Another connection at the same time is served too.
			exchange(t, mustDial(t, addr), "other", tc.prefix+"other")
		})
	}
}

// TestEchoLongMessage: a message longer than one read still comes back
// whole (healthy), in order.
func TestEchoLongMessage(t *testing.T) {
	addr, _ := mustServe(t, false)
	c := mustDial(t, addr)
	msg := strings.Repeat("0123456789", 1000)
	exchange(t, c, msg, msg)
}

// TestStopClosesConnections: cancelling serve closes the listener and the
// open connections (the peer reads EOF) and serve returns nil.
func TestStopClosesConnections(t *testing.T) {
	addr, stop := mustServe(t, false)
	c := mustDial(t, addr)
	exchange(t, c, "x", "x")
	stop()
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("read after stop: %d bytes, %v; want EOF", n, err)
	}
	if c, err := net.DialTimeout("tcp", addr, wait); err == nil {
		c.Close()
		t.Error("the listener still accepts after stop")
	}
}

func TestRunArguments(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(out.String(), "-unhealthy") {
		t.Errorf("-h does not list -unhealthy:\n%s", out.String())
	}
	for name, args := range map[string][]string{
		"UnknownFlag": {"-nope"},
		"ExtraArgs":   {"extra"},
		"BadAddr":     {"-addr", "127.0.0.1:notaport"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(context.Background(), args, io.Discard); err == nil {
				t.Errorf("run %q succeeded", args)
			}
		})
	}
}

// TestRunStops: run listens on the given address and returns nil once its
// context is done.
func TestRunStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-unhealthy"}, w); w.Close() }()
	line := make([]byte, 256)
	n, _ := r.Read(line)
	if !strings.Contains(string(line[:n]), "unhealthy: true") {
		t.Errorf("first line %q does not say it is unhealthy", line[:n])
	}
	go io.Copy(io.Discard, r)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("run did not return after its context was cancelled")
	}
}
