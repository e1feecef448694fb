package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/server"
	"github.com/tp0/loteria/net/wire"
)

func TestEcho(t *testing.T) {
	addr := serve(t, func(p *peer) {
		if m, ok := p.expect(wire.TypeEcho); ok {
			p.write(m)
		}
	})
	if err := mustDial(t, addr, timeout).Echo(t.Context(), "[CLIENT 1] Message N°1"); err != nil {
		t.Errorf("echo = %v; want the text back", err)
	}
}

func TestEchoWrongReply(t *testing.T) {
	for name, reply := range map[string]wire.Message{
		"OtherText": wire.Echo{Text: "[CLIENT 2] Message N°1"},
		"OtherType": wire.Pong{},
	} {
		t.Run(name, func(t *testing.T) {
			addr := serve(t, func(p *peer) {
				if _, ok := p.expect(wire.TypeEcho); ok {
					p.write(reply)
				}
			})
			c := mustDial(t, addr, timeout)
			if err := c.Echo(t.Context(), "[CLIENT 1] Message N°1"); !errors.Is(err, client.ErrUnexpected) {
				t.Errorf("echo = %v; want ErrUnexpected", err)
			}
			if err := c.Echo(t.Context(), "again"); !errors.Is(err, client.ErrBroken) {
				t.Errorf("echo after a wrong reply = %v, want ErrBroken", err)
			}
		})
	}
}

// TestCheckRawEcho checks the echo validation against our server, against
// servers that only echo bytes, and against servers that answer wrong. Only
// an identical reply passes, and every failure says why.
func TestCheckRawEcho(t *testing.T) {
	const short = 300 * time.Millisecond
	// frameLen is the size of the echo CheckRawEcho sends.
	frameLen := wire.HeaderSize + len("test_echo_server ") + 32
	tests := []struct {
		name string
		addr func(t *testing.T) string
		want error
		msg  string // a regular expression the error must match
	}{
		{"OurServer", ourServer, nil, ""},
		{"PlainEcho", func(t *testing.T) string { return serve(t, func(p *peer) { io.Copy(p.nc, p.nc) }) }, nil, ""},
		{"PlainEchoByteByByte", func(t *testing.T) string {
			return serve(t, func(p *peer) {
				b := make([]byte, 1)
				for {
					if _, err := p.nc.Read(b); err != nil {
						return
					}
					p.nc.Write(b)
				}
			})
		}, nil, ""},
		{"Unhealthy", func(t *testing.T) string {
			return serve(t, func(p *peer) {
				b := make([]byte, 1024)
				for {
					n, err := p.nc.Read(b)
					if err != nil {
						return
					}
					p.nc.Write(append([]byte("error reading data: "), b[:n]...))
				}
			})
		}, client.ErrReplyDiffers, `^the reply differs: got "e`},
		{"OneByteWrong", func(t *testing.T) string {
			return serve(t, func(p *peer) {
				b := make([]byte, frameLen)
				if _, err := io.ReadFull(p.nc, b); err == nil {
					b[len(b)-1] ^= 1
					p.nc.Write(b)
					io.Copy(io.Discard, p.nc)
				}
			})
		}, client.ErrReplyDiffers, `^the reply differs: got "\\r\\x00\\x00\\x001test_echo_server [0-9a-f]{31}.*"$`},
		{"Silent", func(t *testing.T) string { return serve(t, func(p *peer) { io.Copy(io.Discard, p.nc) }) },
			client.ErrNoReply, `^no reply within 300ms$`},
		{"ShortThenSilent", func(t *testing.T) string { return serve(t, echoPrefix(10, false)) },
			client.ErrNoReply, `^no reply within 300ms after 10 of 54 bytes: got "\\r\\x00\\x00\\x001test_"$`},
		{"ShortThenClosed", func(t *testing.T) string { return serve(t, echoPrefix(10, true)) },
			client.ErrPeerClosed, `^connection closed after 10 of 54 bytes$`},
		{"ClosedAtOnce", func(t *testing.T) string { return serve(t, echoPrefix(0, true)) },
			client.ErrPeerClosed, `^connection closed after 0 of 54 bytes`},
		{"NoServer", func(t *testing.T) string { return closedAddr(t) }, client.ErrNoServer, `^no server at 127\.0\.0\.1:[0-9]+: dial tcp `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr(t)
			err := client.CheckRawEcho(t.Context(), addr, short)
			if !errors.Is(err, tt.want) || tt.want == nil && err != nil {
				t.Fatalf("CheckRawEcho = %v, want %v", err, tt.want)
			}
			if err != nil && !regexp.MustCompile(tt.msg).MatchString(err.Error()) {
				t.Errorf("error %q does not match %s", err, tt.msg)
			}
		})
	}
}

func TestCheckRawEchoCancelled(t *testing.T) {
	got := make(chan struct{})
	addr := serve(t, park(got))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-got
		cancel()
	}()
	began := time.Now()
	if err := client.CheckRawEcho(ctx, addr, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("CheckRawEcho cancelled = %v, want context.Canceled", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("CheckRawEcho took %v to see its context cancelled", took)
	}
}

// echoPrefix returns a fake server that reads the whole echo and sends back
// its first n bytes only, then closes the connection or keeps it open.
func echoPrefix(n int, closeAfter bool) func(p *peer) {
	return func(p *peer) {
		f, err := wire.ReadFrame(p.nc, nil)
		if err != nil {
			return
		}
		b, _ := wire.AppendFrame(nil, wire.Echo{Text: string(f.Payload)})
		p.nc.Write(b[:n])
		if !closeAfter {
			io.Copy(io.Discard, p.nc)
		}
	}
}

// ourServer runs the lottery server, with its actors, on 127.0.0.1:0 until
// the test ends, and returns its address.
func ourServer(t *testing.T) string {
	t.Helper()
	st, err := actors.OpenStore(actors.StoreConfig{Path: filepath.Join(t.TempDir(), "bets.csv"), Agencies: 1})
	if err != nil {
		t.Fatal(err)
	}
	coord := actors.NewCoordinator(actors.CoordinatorConfig{Agencies: 1, Drawer: st})
	ln, err := server.Listen("127.0.0.1:0", 8)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{
		Agencies: 1, IdleTimeout: 10 * time.Second, WriteTimeout: 5 * time.Second,
		Store: server.StoreActor(st), Coordinator: coord, Logger: slog.New(slog.DiscardHandler),
	})
	ctx, cancel := context.WithCancel(context.Background())
	actorsCtx, stopActors := context.WithCancel(context.Background())
	var g errgroup.Group
	g.Go(func() error { defer stopActors(); return srv.Serve(ctx, ln) })
	g.Go(func() error { return coord.Run(actorsCtx) })
	g.Go(func() error { return st.Run(actorsCtx) })
	t.Cleanup(func() {
		cancel()
		if err := g.Wait(); err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return ln.Addr().String()
}
