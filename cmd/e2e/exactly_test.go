package e2e_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// Exactly these bets, exactly once: what an operator can get wrong — the
// wrong file, a second process, a stale store, a second server, another
// day — must stop with a clear error and store nothing it should not.

// slow makes an agency send one bet per batch and wait for each ack, so
// that a test can stop it mid-stream.
var slow = []string{"CLI_BATCH_MAXAMOUNT=1", "CLI_BATCH_WINDOW=1"}

// startWatched starts bin with env and returns it with its log lines as
// they come (the first 10,000: later ones are dropped).
func startWatched(tb testing.TB, bin string, env []string) (*proc, <-chan logLine) {
	tb.Helper()
	pr, pw := io.Pipe()
	p := start(tb, bin, env, pw)
	lines := make(chan logLine, 10_000)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			for _, l := range parseLog(sc.Text()) {
				select {
				case lines <- l:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	return p, lines
}

// awaitAction returns the first line of action from lines, failing the
// test if none comes within d.
func awaitAction(tb testing.TB, p *proc, lines <-chan logLine, action string, d time.Duration) logLine {
	tb.Helper()
	timeout := time.After(d)
	for {
		select {
		case l := <-lines:
			if l["action"] == action {
				return l
			}
		case <-timeout:
			tb.Fatalf("no %s line within %v:\n%s", action, d, tail(p.out.String()))
			return nil
		}
	}
}

// agencyEnv is the environment of agency id on file against addr.
func agencyEnv(id int, addr, file string, more ...string) []string {
	return append([]string{"CLI_ID=" + strconv.Itoa(id), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + file}, more...)
}

// genFile writes an agency file of rows bets for agency, seeded.
func genFile(tb testing.TB, dir string, agency, rows int, seed int64) string {
	tb.Helper()
	path := filepath.Join(dir, fmt.Sprintf("agency-%d-seed-%d.csv", agency, seed))
	mustWriteFile(tb, path, func(w io.Writer) error {
		return gen.Write(w, gen.Spec{Agency: agency, Rows: rows, Winners: gen.Spread(rows, 2), Seed: seed})
	})
	return path
}

// exitCode waits for p and returns its exit code.
func exitCode(tb testing.TB, p *proc, d time.Duration) int {
	tb.Helper()
	err := p.wait(tb, d)
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		tb.Fatalf("%s: %v", p.cmd.Path, err)
	}
	return 0
}

// killMidStream starts a slow agency, waits until it has logged progress
// (so the server holds some of its bets, not all) and kills it.
func killMidStream(tb testing.TB, client string, env []string) {
	tb.Helper()
	p, lines := startWatched(tb, client, append(env, slow...))
	awaitAction(tb, p, lines, "progreso", 30*time.Second)
	p.cmd.Process.Kill()
	p.wait(tb, 10*time.Second)
}

// storedRows returns the rows of the bets file, as rowKey writes them, of
// agency, in the order stored.
func storedRows(tb testing.TB, store string, agency int) []string {
	tb.Helper()
	var out []string
	for _, r := range mustReadBetsFile(tb, store) {
		if strings.HasPrefix(r, strconv.Itoa(agency)+"\x00") {
			out = append(out, r)
		}
	}
	return out
}

// fileRows returns an agency file's rows, as rowKey writes them, in order.
func fileRows(tb testing.TB, path string) []string {
	tb.Helper()
	return mustReadAgencyFiles(tb, []string{path})
}

func stopServer(tb testing.TB, srv *proc) {
	tb.Helper()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.wait(tb, 20*time.Second); err != nil {
		tb.Fatalf("server exit: %v\n%s", err, tail(srv.out.String()))
	}
}

// failLine returns the agency's last fail line before its shutdown line,
// joined as key: value pairs, for messages.
func failLine(out string) string {
	lines := parseLog(out)
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i]["result"] == "fail" && lines[i]["action"] != "shutdown" {
			return fmt.Sprint(lines[i])
		}
	}
	return ""
}

// TestAgencyRestartedOnAnotherFileStops: an agency killed mid-stream and
// started again on another file, or on its file edited (the first row
// deleted), stops at once with an error naming how many bets the server
// holds, and nothing of the new file is stored; started again on its own
// file it finishes with every bet stored once.
func TestAgencyRestartedOnAnotherFileStops(t *testing.T) {
	server, client := mustBuild(t)
	for _, name := range []string{"another file", "first row deleted"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			store := filepath.Join(dir, "bets.csv")
			own := genFile(t, dir, 1, 20_000, 1)
			other := genFile(t, dir, 1, 20_000, 2)
			if name == "first row deleted" {
				b, err := os.ReadFile(own)
				if err != nil {
					t.Fatal(err)
				}
				_, rest, _ := bytes.Cut(b, []byte("\n"))
				other = filepath.Join(dir, "edited.csv")
				if err := os.WriteFile(other, rest, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			srv, addr := startServer(t, server, store, 1)
			killMidStream(t, client, agencyEnv(1, addr, own))

			p, lines := startWatched(t, client, agencyEnv(1, addr, other))
			held := awaitAction(t, p, lines, "connect", 10*time.Second)["stored"]
			if code := exitCode(t, p, 30*time.Second); code != 1 {
				t.Fatalf("agency on %s exited %d, want 1:\n%s", name, code, tail(p.out.String()))
			}
			msg := failLine(p.out.String())
			if !strings.Contains(msg, "differs") || !strings.Contains(msg, held) {
				t.Errorf("fail line %q, want it to say the file differs from the %s bets held", msg, held)
			}
			if q := find(parseLog(p.out.String()), "consulta_ganadores"); len(q) != 0 {
				t.Errorf("agency on %s asked for winners: %v", name, q)
			}

			p = start(t, client, agencyEnv(1, addr, own), nil)
			if code := exitCode(t, p, 60*time.Second); code != 0 {
				t.Fatalf("agency on its own file exited %d:\n%s", code, tail(p.out.String()))
			}
			stopServer(t, srv)
			if got, want := storedRows(t, store, 1), fileRows(t, own); !slices.Equal(got, want) {
				t.Errorf("agency 1's %d stored rows are not its file's %d rows, in order, once each", len(got), len(want))
			}
		})
	}
}

// TestTwoProcessesOfOneAgency: a second process of agency 1, on another
// file, started while the first streams: the first is fenced and stops
// saying another process took over, the second stops because its file is
// not what the server holds, and the bets stored for agency 1 are a prefix
// of the first file alone — never an interleaving of the two.
func TestTwoProcessesOfOneAgency(t *testing.T) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "bets.csv")
	fileA, fileB := genFile(t, dir, 1, 20_000, 1), genFile(t, dir, 1, 20_000, 2)
	srv, addr := startServer(t, server, store, 1)

	a, linesA := startWatched(t, client, agencyEnv(1, addr, fileA, slow...))
	awaitAction(t, a, linesA, "progreso", 30*time.Second)
	b := start(t, client, agencyEnv(1, addr, fileB, slow...), nil)
	if code := exitCode(t, a, 30*time.Second); code != 1 {
		t.Fatalf("the first process exited %d, want 1 (fenced):\n%s", code, tail(a.out.String()))
	}
	if msg := failLine(a.out.String()); !strings.Contains(msg, "fenced") {
		t.Errorf("the first process's fail line %q, want it fenced", msg)
	}
	if code := exitCode(t, b, 30*time.Second); code != 1 {
		t.Fatalf("the second process exited %d, want 1 (its file differs):\n%s", code, tail(b.out.String()))
	}
	if msg := failLine(b.out.String()); !strings.Contains(msg, "differs") {
		t.Errorf("the second process's fail line %q, want it to say the file differs", msg)
	}
	stopServer(t, srv)
	got, want := storedRows(t, store, 1), fileRows(t, fileA)
	if len(got) == 0 || len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
		t.Errorf("agency 1's %d stored rows are not a prefix of the first process's file", len(got))
	}
}

// TestStaleFinishedStore: a server started again on a finished lottery's
// store, for agencies on other files, tells none of them the old winners:
// each stops saying its file differs. On their own files they are told
// the lottery's winners again. A server for another date refuses the store.
func TestStaleFinishedStore(t *testing.T) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "bets.csv")
	own := []string{genFile(t, dir, 1, 3_000, 1), genFile(t, dir, 2, 3_000, 1)}
	other := []string{genFile(t, dir, 1, 3_000, 2), genFile(t, dir, 2, 3_000, 2)}
	runAgencies := func(addr string, files []string, want int) []string {
		var outs []string
		var ps []*proc
		for i, f := range files {
			ps = append(ps, start(t, client, agencyEnv(i+1, addr, f), nil))
		}
		for i, p := range ps {
			if code := exitCode(t, p, 60*time.Second); code != want {
				t.Fatalf("agency %d exited %d, want %d:\n%s", i+1, code, want, tail(p.out.String()))
			}
			outs = append(outs, p.out.String())
		}
		return outs
	}
	srv, addr := startServer(t, server, store, 2)
	runAgencies(addr, own, 0)
	stopServer(t, srv)
	before := mustReadBetsFile(t, store)

	srv, addr = startServer(t, server, store, 2)
	for i, out := range runAgencies(addr, other, 1) {
		if q := find(parseLog(out), "consulta_ganadores"); len(q) != 0 {
			t.Errorf("agency %d on another file was told winners: %v", i+1, q)
		}
		if msg := failLine(out); !strings.Contains(msg, "differs") {
			t.Errorf("agency %d's fail line %q, want it to say its file differs", i+1, msg)
		}
	}
	for i, out := range runAgencies(addr, own, 0) {
		if q := find(parseLog(out), "consulta_ganadores"); len(q) != 1 || q[0]["cant_ganadores"] != "2" {
			t.Errorf("agency %d on its own file: %v, want 2 winners", i+1, q)
		}
	}
	stopServer(t, srv)
	assertSameRows(t, mustReadBetsFile(t, store), before)

	p := start(t, server, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=2",
		"SERVER_STORE_PATH=" + store, "SERVER_LOTTERY_DATE=2000-01-01"}, nil)
	if code := exitCode(t, p, 10*time.Second); code != 1 {
		t.Fatalf("server for another date exited %d, want 1:\n%s", code, p.out)
	}
	if !strings.Contains(p.out.String(), "another lottery") {
		t.Errorf("server for another date did not say the store is another lottery's:\n%s", tail(p.out.String()))
	}
}

// TestTwoServersOnOneStore: a second server on the same store path refuses
// to start, naming the path in use, while the first serves on; once the
// first has stopped, the store opens again.
func TestTwoServersOnOneStore(t *testing.T) {
	server, _ := mustBuild(t)
	store := filepath.Join(t.TempDir(), "bets.csv")
	first, _ := startServer(t, server, store, 2)
	env := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=2", "SERVER_STORE_PATH=" + store}
	second := start(t, server, env, nil)
	if code := exitCode(t, second, 10*time.Second); code != 1 {
		t.Fatalf("second server exited %d, want 1:\n%s", code, second.out)
	}
	last := parseLog(second.out.String())
	if l := last[len(last)-1]; l["action"] != "shutdown" || !strings.Contains(l["error"], "store in use: "+store) {
		t.Errorf("second server's last line %v, want a shutdown fail naming %s in use", l, store)
	}
	stopServer(t, first)
	third, _ := startServer(t, server, store, 2)
	stopServer(t, third)
}

// TestLotteryDateFixesValidity: the lottery's date, not the clock, decides
// which rows are valid. With the lottery dated yesterday, rows born today
// are refused on both sides — also by an agency killed and started again —
// and every other row is stored exactly once.
func TestLotteryDateFixesValidity(t *testing.T) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "bets.csv")
	now := time.Now().UTC()
	yesterday, today := now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly)
	// Every 100th row is born today, every 100th+50 yesterday; every
	// 1000th plays the winning number.
	var out bytes.Buffer
	var want []string
	for i := range 20_000 {
		b := domain.Bet{Agency: 1, FirstName: "Ana " + strconv.Itoa(i), LastName: "Pérez", Document: strconv.Itoa(30_000_000 + i),
			Birthdate: "1980-05-17", Number: i % 7000}
		switch i % 100 {
		case 0:
			b.Birthdate = today
		case 50:
			b.Birthdate = yesterday
		}
		if i%1000 == 1 {
			b.Number = domain.WinningNumber
		}
		if b.Birthdate != today {
			want = append(want, rowKey(b))
		}
		fmt.Fprintf(&out, "%s,%s,%s,%s,%d\n", b.FirstName, b.LastName, b.Document, b.Birthdate, b.Number)
	}
	file := filepath.Join(dir, "dated.csv")
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=1", "SERVER_STORE_PATH=" + store, "SERVER_LOTTERY_DATE=" + yesterday}
	srv, lines := startWatched(t, server, env)
	addr := awaitAction(t, srv, lines, "listen", 10*time.Second)["address"]
	killMidStream(t, client, agencyEnv(1, addr, file))
	p := start(t, client, agencyEnv(1, addr, file), nil)
	if code := exitCode(t, p, 60*time.Second); code != 0 {
		t.Fatalf("agency exited %d:\n%s", code, tail(p.out.String()))
	}
	agencyLines := parseLog(p.out.String())
	if c := find(agencyLines, "connect"); len(c) == 0 || c[0]["date"] != yesterday {
		t.Errorf("connect line %v, want the lottery's date %s", c, yesterday)
	}
	if n := len(find(agencyLines, "leer_apuesta")); n != 200 {
		t.Errorf("%d rows refused, want the 200 born today", n)
	}
	stopServer(t, srv)
	if got := storedRows(t, store, 1); !slices.Equal(got, want) {
		t.Errorf("%d rows stored, want exactly the %d not born after the lottery's date, in order", len(got), len(want))
	}
}

// TestParkedQueriesCannotHoldEverySlot: 300 connections that say hello for
// the agencies of an open server and park a winners query cannot take the
// server's 64 slots: each agency holds one connection at a time, so the
// honest agencies, connecting later, finish with their exact winners.
func TestParkedQueriesCannotHoldEverySlot(t *testing.T) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "bets.csv")
	env := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=5", "SERVER_STORE_PATH=" + store, "SERVER_MAX_CONNECTIONS=64"}
	srv, lines := startWatched(t, server, env)
	addr := awaitAction(t, srv, lines, "listen", 10*time.Second)["address"]
	for i := range 300 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var out []byte
		for _, m := range []wire.Message{wire.Hello{Version: wire.Version, Agency: uint32(i%5 + 1)}, wire.WinnersQuery{}} {
			if out, err = wire.AppendFrame(out, m); err != nil {
				t.Fatal(err)
			}
		}
		c.Write(out)
	}
	var ps []*proc
	for a := 1; a <= 5; a++ {
		ps = append(ps, start(t, client, agencyEnv(a, addr, genFile(t, dir, a, 2_000, 3)), nil))
	}
	for i, p := range ps {
		if code := exitCode(t, p, 60*time.Second); code != 0 {
			t.Fatalf("agency %d exited %d:\n%s", i+1, code, tail(p.out.String()))
		}
		if q := find(parseLog(p.out.String()), "consulta_ganadores"); len(q) != 1 || q[0]["cant_ganadores"] != "2" {
			t.Errorf("agency %d: %v, want 2 winners", i+1, q)
		}
	}
	stopServer(t, srv)
}
