package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// TestRunNoAgencies: with server.agencies 0 the server runs no lottery. It
// says nothing of auth, answers echo messages (logging them) and pings,
// refuses hellos saying why, and shuts down as usual.
func TestRunNoAgencies(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bets.csv")
	p := launch(t, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=0", "SERVER_STORE_PATH=" + store})
	for _, l := range p.head {
		if strings.Contains(l, "action: auth") {
			t.Errorf("an auth line with no agencies: %s", l)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.CheckRawEcho(ctx, p.addr, 5*time.Second); err != nil {
		t.Errorf("echo: %v", err)
	}
	if err := client.CheckEcho(ctx, p.addr, 5*time.Second); err != nil {
		t.Errorf("ping: %v", err)
	}
	_, err := mustDialRun(t, ctx, p.addr).Hello(ctx, 1, "")
	var e wire.Error
	if !errors.As(err, &e) || e.Code != wire.CodeUnknownAgency || !strings.Contains(e.Reason, "server.agencies is 0") {
		t.Errorf("hello = %v, want unknown_agency saying server.agencies is 0", err)
	}
	var echoes int
	for _, l := range mustStopRun(t, p) {
		if strings.Contains(l, "action: receive_message | result: success | ip: 127.0.0.1 | msg: test_echo_server ") {
			echoes++
		}
		if strings.Contains(l, "action: sorteo") {
			t.Errorf("a draw with no agencies: %s", l)
		}
	}
	if echoes != 1 {
		t.Errorf("%d receive_message lines for one echo, want 1", echoes)
	}
}

// TestRunDoneLines: each done line counts the agencies done, and the last
// comes before the sorteo line it set off.
func TestRunDoneLines(t *testing.T) {
	for range 5 { // the order was once a race the draw usually won
		store := filepath.Join(t.TempDir(), "bets.csv")
		p := launch(t, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=2", "SERVER_STORE_PATH=" + store})
		playLottery(t, p.addr, map[uint32][]domain.Bet{1: {testBet(1, "11", 1)}, 2: {testBet(2, "21", domain.WinningNumber)}})
		var got []string
		for _, l := range mustStopRun(t, p) {
			if _, rest, ok := strings.Cut(l, "action: done | result: success | "); ok {
				got = append(got, rest)
			}
			if strings.Contains(l, "action: sorteo | result: success") {
				got = append(got, "sorteo")
			}
		}
		want := []string{"agency: 1 | total: 1 | finished: 1 | agencies: 2", "agency: 2 | total: 1 | finished: 2 | agencies: 2", "sorteo"}
		if !slices.Equal(got, want) {
			t.Fatalf("done and sorteo lines %q, want %q", got, want)
		}
	}
}

// TestRunHints: a server that cannot start ends with a fail line that says
// what to do.
func TestRunHints(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	dir := t.TempDir()
	other := filepath.Join(dir, "other.csv")
	if err := os.WriteFile(other, []byte("4,Ana,Lorca,30904465,1999-03-17,7574\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=3", "SERVER_STORE_PATH=" + filepath.Join(dir, "bets.csv")}
	tests := []struct {
		name string
		env  []string
		want string // the last line, from the action on, as far as it goes
		hint string
	}{
		{"PortInUse", []string{"SERVER_PORT=" + port}, "action: shutdown | result: fail | error: listen on 127.0.0.1:" + port + ": address already in use",
			"another process listens on port " + port + " already; stop it, or set server.port (SERVER_PORT) to a free port"},
		{"AnotherLottery", []string{"SERVER_STORE_PATH=" + other}, "action: shutdown | result: fail | error: open store: recover bets file: unknown agency: 4 in the bets file",
			"the store at " + other + " belongs to another lottery, of more agencies than 3; start a fresh one with docker compose down then up (outside Docker, move " + other + " and " + other + ".done away)"},
		{"NoDirectory", []string{"SERVER_STORE_PATH=" + filepath.Join(dir, "none", "bets.csv")}, "action: shutdown | result: fail | error: open store: ",
			"the directory of " + filepath.Join(dir, "none", "bets.csv") + " does not exist; create it, or set store.path (SERVER_STORE_PATH)"},
		{"Config", []string{"SERVER_AGENCIES=1001"}, "action: config | result: fail | error: server.agencies (SERVER_AGENCIES): must be 0..1000, got 1001",
			"fix the setting the error names; server -h lists every setting, its variable and its default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if err := run(context.Background(), nil, append(base, tt.env...), &out); err == nil {
				t.Fatalf("run succeeded:\n%s", out.String())
			}
			ls := strings.Split(strings.TrimSpace(out.String()), "\n")
			_, last, _ := strings.Cut(ls[len(ls)-1], "action: ")
			last = "action: " + last
			if !strings.HasPrefix(last, tt.want) || !strings.HasSuffix(last, " | hint: "+tt.hint) {
				t.Errorf("last line\n%s\nwant it to start %q and end with the hint %q", last, tt.want, tt.hint)
			}
			if strings.Count(strings.TrimPrefix(last, tt.want), " | hint: ") != 1 {
				t.Errorf("last line %q, want one hint", last)
			}
		})
	}
}

// TestHintsHaveNoColon: the course's parser splits a detail at its last
// colon; a hint must be read whole.
func TestHintsHaveNoColon(t *testing.T) {
	cfg := defaultConfig()
	cfg.StorePath, cfg.IP = "/data/bets.csv", "::1"
	for _, err := range []error{errors.New("x"), os.ErrNotExist, os.ErrPermission, syscall.EADDRINUSE,
		syscall.EADDRNOTAVAIL, syscall.EACCES, actors.ErrUnknownAgency, actors.ErrCorrupt, domain.ErrBadRow} {
		for _, h := range []string{listenHint(err, cfg), storeHint(err, cfg)} {
			if strings.Contains(h, ":") {
				t.Errorf("hint %q has a colon", h)
			}
		}
	}
}

// TestRunHelp: -h, -help, --help and help print the usage on stdout, with
// every variable the server reads, and succeed without logging.
func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}, {"ping", "-h"}} {
		var out strings.Builder
		if err := run(context.Background(), args, []string{"SERVER_PORT=nope"}, &out); err != nil {
			t.Errorf("run %q = %v, want nil", args, err)
		}
		got := out.String()
		if !strings.HasPrefix(got, "server is the lottery's central server.") || strings.Contains(got, "action:") {
			t.Errorf("run %q printed\n%s\nwant the usage only", args, got)
			continue
		}
		for _, want := range []string{"server ping [-config file]", "-config file", "-h, -help, --help",
			"SERVER_AGENCIES         server.agencies         5\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("usage does not contain %q:\n%s", want, got)
			}
		}
		for name, key := range envKeys {
			if !strings.Contains(got, "  "+name+" ") || !strings.Contains(got, " "+key+" ") {
				t.Errorf("usage does not list %s (%s)", name, key)
			}
		}
	}
}
