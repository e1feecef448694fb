// Command echomock is a stand-in for the course's mock echo server, for the
// echo tests (ej3) where its image cannot be pulled:
//
//	echomock [-addr :12345] [-unhealthy]
//
// It accepts TCP connections and answers each read of up to 1024 bytes with
// the same bytes, or, with -unhealthy, with "error reading data: " followed
// by them, until the peer closes. It speaks no framing: what a plain echo
// server does. SIGTERM or SIGINT closes the listener and every connection,
// and it exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// unhealthyPrefix is what the unhealthy mock puts before each echo.
const unhealthyPrefix = "error reading data: "

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "echomock:", err)
		os.Exit(1)
	}
}

// run parses the flags, listens and serves until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("echomock", flag.ContinueOnError)
	fl.SetOutput(stdout)
	addr := fl.String("addr", ":12345", "`host:port` to listen on")
	unhealthy := fl.Bool("unhealthy", false, `answer "`+unhealthyPrefix+`" + what was read`)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "echomock listening on %s (unhealthy: %v)\n", ln.Addr(), *unhealthy)
	return serve(ctx, ln, *unhealthy)
}

// serve accepts connections on ln and echoes on each until ctx is done;
// then it closes ln and the connections, waits for their handlers and
// returns nil. Another accept error is returned.
func serve(ctx context.Context, ln net.Listener, unhealthy bool) error {
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	stopped := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for c := range conns {
			c.Close()
		}
	})
	defer stopped()
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			ln.Close()
			return fmt.Errorf("accept: %w", err)
		}
		mu.Lock()
		if ctx.Err() != nil { // stopping: AfterFunc has closed the others
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			echo(c, unhealthy)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		}()
	}
}

// echo answers each read on c until the peer closes or an error.
func echo(c net.Conn, unhealthy bool) {
	buf := make([]byte, len(unhealthyPrefix)+1024)
	n0 := 0
	if unhealthy {
		n0 = copy(buf, unhealthyPrefix)
	}
	for {
		n, err := c.Read(buf[n0:])
		if n > 0 {
			if _, werr := c.Write(buf[:n0+n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
