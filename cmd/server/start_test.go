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
	other := filepath.Join(dir, "other.csv") // a store of a lottery of 5 agencies
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other+".lottery", []byte("0123456789abcdef,2026-12-01,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(dir, "damaged.csv") // a valid row, but not with this digest
	if err := os.WriteFile(damaged, []byte("1,Ana,Lorca,30904465,1999-03-17,7574,00000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(damaged+".lottery", []byte("0123456789abcdef,2026-12-01,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inUse := filepath.Join(dir, "in-use.csv")
	held, err := actors.OpenStore(actors.StoreConfig{Path: inUse, Agencies: 3})
	if err != nil {
		t.Fatal(err)
	}
	stopHeld := runStoreUntilCleanup(t, held)
	defer stopHeld()
	base := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=3", "SERVER_STORE_PATH=" + filepath.Join(dir, "bets.csv")}
	tests := []struct {
		name string
		env  []string
		want string // the last line, from the action on, as far as it goes
		hint string
	}{
		{"PortInUse", []string{"SERVER_PORT=" + port}, "action: shutdown | result: fail | error: listen on 127.0.0.1:" + port + ": address already in use",
			"another process listens on port " + port + " already; stop it, or set server.port (SERVER_PORT) to a free port"},
		{"AnotherLottery", []string{"SERVER_STORE_PATH=" + other}, "action: shutdown | result: fail | error: open store: " + other + ": store belongs to another lottery: the store is lottery 0123456789abcdef of 2026-12-01 for 5 agencies, not 3",
			"the store at " + other + " belongs to another lottery; to resume it start the server as it was (server.agencies (SERVER_AGENCIES) and lottery.date (SERVER_LOTTERY_DATE)), or start a fresh one with docker compose down then up (outside Docker, move " + other + ", " + other + ".done and " + other + ".lottery away)"},
		{"AnotherDate", []string{"SERVER_STORE_PATH=" + other, "SERVER_AGENCIES=5", "SERVER_LOTTERY_DATE=2026-12-02"}, "action: shutdown | result: fail | error: open store: " + other + ": store belongs to another lottery: the store is lottery 0123456789abcdef of 2026-12-01, not of 2026-12-02",
			"the store at " + other + " belongs to another lottery; to resume it start the server as it was"},
		{"Damaged", []string{"SERVER_STORE_PATH=" + damaged}, "action: shutdown | result: fail | error: open store: " + damaged + ": store corrupt: recover bets file: line 1: agency 1's bet 0 has digest 00000000, its stream makes ",
			"the store at " + damaged + " is damaged (the error names the line); start a fresh one with docker compose down then up (outside Docker, move " + damaged + ", " + damaged + ".done and " + damaged + ".lottery away)"},
		{"InUse", []string{"SERVER_STORE_PATH=" + inUse}, "action: shutdown | result: fail | error: open store: store in use: " + inUse + " is locked by another process (another server on the same store.path?)",
			"another server runs on the store at " + inUse + "; stop it, or set store.path (SERVER_STORE_PATH) to another path"},
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
			_, hint, _ := strings.Cut(last, " | hint: ")
			if !strings.HasPrefix(last, tt.want) || !strings.HasPrefix(hint, tt.hint) || strings.Contains(hint, ":") {
				t.Errorf("last line\n%s\nwant it to start %q and end with a hint (no colon) starting %q", last, tt.want, tt.hint)
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
		syscall.EADDRNOTAVAIL, syscall.EACCES, domain.ErrUnknownAgency, domain.ErrCorrupt, domain.ErrBadRow} {
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

// runStoreUntilCleanup runs st until the returned stop is called.
func runStoreUntilCleanup(t *testing.T, st *actors.Store) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the store did not stop")
		}
	}
}
