package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// testEnv is the environment of an agency talking to addr with its bets at
// data, with short timeouts and DEBUG logs; kv ("KEY=value") override it.
func testEnv(addr, data string, kv ...string) []string {
	env := []string{
		"CLI_ID=1",
		"CLI_SERVER_ADDRESS=" + addr,
		"CLI_DATA_PATH=" + data,
		"CLI_LOG_LEVEL=DEBUG",
		"CLI_TIMEOUT=2s",
		"CLI_RETRY_DEADLINE=2s",
		"CLI_WINNERS_TIMEOUT=5s",
	}
	for _, s := range kv {
		k, _, _ := strings.Cut(s, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		env = append(env, s)
	}
	return env
}

// runAgency runs the program, bounded to 10s, and returns its output.
func runAgency(t *testing.T, args, env []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out syncBuffer
	err := run(ctx, args, env, &out)
	if ctx.Err() != nil {
		t.Errorf("run did not finish within 10s")
	}
	return out.String(), err
}

// makeBets returns n valid bets whose names are name plus the bet's index.
func makeBets(n int, name string) []domain.Bet {
	bets := make([]domain.Bet, n)
	for i := range bets {
		bets[i] = domain.Bet{
			FirstName: name + "N",
			LastName:  name + "A" + strconv.Itoa(i),
			Document:  strconv.Itoa(30000000 + i),
			Birthdate: "1990-01-02",
			Number:    i % 10000,
		}
	}
	return bets
}

// writeBets writes bets as an agency file and returns its path.
func writeBets(t *testing.T, bets []domain.Bet) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, bet := range bets {
		w.Write([]string{bet.FirstName, bet.LastName, bet.Document, bet.Birthdate, strconv.Itoa(bet.Number)})
	}
	w.Flush()
	return writeFile(t, b.String())
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agency.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write data file: %v", err)
	}
	return path
}

// checkSent checks that the batches hold exactly want, in order, with
// contiguous positions from first, none above max bets or MaxFrameSize.
func checkSent(t *testing.T, got []batch, want []domain.Bet, first uint64, max int) {
	t.Helper()
	var sent []domain.Bet
	pos := first
	for i, b := range got {
		if b.first != pos {
			t.Errorf("batch %d starts at %d, want %d", i, b.first, pos)
		}
		if len(b.bets) == 0 || len(b.bets) > max {
			t.Errorf("batch %d has %d bets, want 1..%d", i, len(b.bets), max)
		}
		if b.frame > wire.MaxFrameSize {
			t.Errorf("batch %d is a frame of %d bytes, over %d", i, b.frame, wire.MaxFrameSize)
		}
		sent = append(sent, b.bets...)
		pos += uint64(len(b.bets))
	}
	if !slices.Equal(sent, want) {
		t.Errorf("sent %d bets, want %d; first differing: %v", len(sent), len(want), firstDiff(sent, want))
	}
}

func firstDiff(a, b []domain.Bet) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d: %+v, want %+v", i, a[i], b[i])
		}
	}
	return "none (lengths differ)"
}

// wantLine fails the test unless out has exactly one line of action and
// that line is want (from "action:" on).
func wantLine(t *testing.T, out, action, want string) {
	t.Helper()
	if ls := lines(out, action); len(ls) != 1 || ls[0] != want {
		t.Errorf("%s lines = %q, want [%q]\noutput:\n%s", action, ls, want, out)
	}
}

// closedAddr returns an address on which nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRun(t *testing.T) {
	bets := makeBets(50, "Ana")
	s := &fakeServer{winners: []string{"30000001", "30000007", "30000042"}}
	addr := s.start(t)
	out, err := runAgency(t, nil, testEnv(addr, writeBets(t, bets), "CLI_BATCH_MAXAMOUNT=7"))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	got := s.received()
	checkSent(t, got, bets, 0, 7)
	if len(got) != 8 {
		t.Errorf("%d batches, want 8 (50 bets, 7 a batch)", len(got))
	}
	if first, _, _ := strings.Cut(out, "\n"); !strings.Contains(first, "action: config | result: success") {
		t.Errorf("first line = %q, want the config line", first)
	}
	if n := len(lines(out, "batch_enviado")); n != len(got) {
		t.Errorf("%d batch_enviado lines, want %d", n, len(got))
	}
	if !slices.Equal(s.doneTotals(), []uint64{50}) {
		t.Errorf("done totals = %v, want [50]", s.doneTotals())
	}
	wantLine(t, out, "done", "action: done | result: success | total: 50")
	wantLine(t, out, "consulta_ganadores", "action: consulta_ganadores | result: success | cant_ganadores: 3")
	wantLine(t, out, "shutdown", "action: shutdown | result: success")
	if ls := strings.Split(strings.TrimSpace(out), "\n"); !strings.HasSuffix(ls[len(ls)-1], "action: shutdown | result: success") {
		t.Errorf("last line = %q, want the shutdown line", ls[len(ls)-1])
	}
}

func TestRunProgress(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	s := &fakeServer{}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(10, "Ana")), "CLI_BATCH_MAXAMOUNT=4"))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	ls := lines(out, "progreso")
	for i, want := range []string{"4", "8", "10"} {
		// The small file is read whole at once: 100% from the first line.
		if i >= len(ls) || !strings.HasPrefix(ls[i], "action: progreso | result: in_progress | enviadas: "+want+" | porcentaje: 100 | bets_per_s: ") {
			t.Errorf("progress lines = %q, want one per batch, enviadas 4, 8, 10", ls)
			break
		}
	}
}

func TestRunFrameLimit(t *testing.T) {
	// 100 runes of two bytes a name: a bet takes about 420 bytes.
	name := strings.Repeat("ñ", 98)
	bets := makeBets(100, name)
	for i := range bets {
		bets[i].FirstName = name + "Nx"
		bets[i].LastName = name + fmt.Sprintf("%02d", i)
		bets[i].Document = strconv.Itoa(10000000 + i)
	}
	s := &fakeServer{}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets)))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	got := s.received()
	checkSent(t, got, bets, 0, defaultBatchMaxAmount)
	per := wire.MaxBatchBytes / wire.BetSize(bets[0])
	for i, b := range got[:len(got)-1] {
		if len(b.bets) != per {
			t.Errorf("batch %d has %d bets, want %d (a full frame)", i, len(b.bets), per)
		}
	}
}

func TestRunInvalidRows(t *testing.T) {
	data := writeFile(t, "Ana,Pérez,30111222,1990-01-02,7574\n"+
		"Bad,Row,abc,1990-01-02,1\n"+
		"Luis,Gómez,123,1980-12-31,1\n"+
		"Only,Four,Fields,1990-01-01\n"+
		"\"multi\nline\",X,1,1990-01-01,99999\n"+
		"Eva,Ruiz,5,2000-02-29,0\r\n")
	s := &fakeServer{}
	out, err := runAgency(t, nil, testEnv(s.start(t), data))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	want := []domain.Bet{
		{FirstName: "Ana", LastName: "Pérez", Document: "30111222", Birthdate: "1990-01-02", Number: 7574},
		{FirstName: "Luis", LastName: "Gómez", Document: "123", Birthdate: "1980-12-31", Number: 1},
		{FirstName: "Eva", LastName: "Ruiz", Document: "5", Birthdate: "2000-02-29", Number: 0},
	}
	checkSent(t, s.received(), want, 0, defaultBatchMaxAmount)
	var lineNos []string
	for _, l := range lines(out, "leer_apuesta") {
		if !strings.HasPrefix(l, "action: leer_apuesta | result: fail | line: ") {
			t.Errorf("bad row line %q", l)
			continue
		}
		n, _, _ := strings.Cut(strings.TrimPrefix(l, "action: leer_apuesta | result: fail | line: "), " ")
		lineNos = append(lineNos, n)
	}
	// Each physical line is a row: the quoted field broken across lines 5
	// and 6 spoils both, and nothing after them.
	if want := []string{"2", "4", "5", "6"}; !slices.Equal(lineNos, want) {
		t.Errorf("bad rows logged at lines %v, want %v\noutput:\n%s", lineNos, want, out)
	}
	wantLine(t, out, "done", "action: done | result: success | total: 3")
}

func TestRunResume(t *testing.T) {
	bets := makeBets(50, "Ana")
	s := &fakeServer{welcome: wire.Welcome{Stored: 20, Digest: digestOf(bets[:20]...)}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), "CLI_BATCH_MAXAMOUNT=8"))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	got := s.received()
	if len(got) == 0 || got[0].first != 20 {
		t.Fatalf("batches %v, want the first at 20", got)
	}
	checkSent(t, got, bets[20:], 20, 8)
	wantLine(t, out, "done", "action: done | result: success | total: 50")
}

func TestRunFinished(t *testing.T) {
	bets := makeBets(50, "Ana")
	s := &fakeServer{welcome: wire.Welcome{Stored: 50, Finished: true, Digest: digestOf(bets...)}, winners: []string{"1"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets)))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	if got := s.received(); len(got) != 0 || len(s.doneTotals()) != 0 {
		t.Errorf("sent %d batches and %v done to a finished agency, want none", len(got), s.doneTotals())
	}
	wantLine(t, out, "consulta_ganadores", "action: consulta_ganadores | result: success | cant_ganadores: 1")
}

func TestRunServerDown(t *testing.T) {
	start := time.Now()
	out, err := runAgency(t, nil, testEnv(closedAddr(t), writeBets(t, makeBets(3, "Ana")),
		"CLI_RETRY_DEADLINE=300ms"))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	var retries int
	for _, l := range lines(out, "connect") {
		if strings.HasPrefix(l, "action: connect | result: in_progress | attempt: ") &&
			strings.Contains(l, " | retry_in: ") && strings.Contains(l, " | error: ") {
			retries++
		}
	}
	if retries < 2 {
		t.Errorf("%d connect retry lines, want at least 2\noutput:\n%s", retries, out)
	}
	if fails := lines(out, "connect")[retries:]; len(fails) != 1 ||
		!strings.HasPrefix(fails[0], "action: connect | result: fail | error: ") {
		t.Errorf("connect lines after the retries = %q, want one fail", fails)
	}
	if elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("gave up after %v, want just after 300ms", elapsed)
	}
}

func TestRunSingleBet(t *testing.T) {
	env := []string{"NOMBRE=Santiago Lionel", "APELLIDO=Lorca", "DOCUMENTO=30904465",
		"NACIMIENTO=1999-03-17", "NUMERO=7574"}
	want := domain.Bet{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465",
		Birthdate: "1999-03-17", Number: 7574}

	t.Run("NoFile", func(t *testing.T) {
		s := &fakeServer{}
		missing := filepath.Join(t.TempDir(), "missing.csv")
		out, err := runAgency(t, nil, testEnv(s.start(t), missing, env...))
		if err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out)
		}
		checkSent(t, s.received(), []domain.Bet{want}, 0, 1)
		wantLine(t, out, "apuesta_enviada", "action: apuesta_enviada | result: success | dni: 30904465 | numero: 7574")
		wantLine(t, out, "done", "action: done | result: success | total: 1")
		if ls := lines(out, "leer_apuesta"); len(ls) != 0 {
			t.Errorf("missing file logged: %q", ls)
		}
	})
	t.Run("AndFile", func(t *testing.T) {
		bets := makeBets(5, "Ana")
		s := &fakeServer{}
		out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), env...))
		if err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out)
		}
		got := s.received()
		if len(got) != 2 || len(got[0].bets) != 1 {
			t.Errorf("batches %v, want the single bet alone then the file", got)
		}
		checkSent(t, got, append([]domain.Bet{want}, bets...), 0, defaultBatchMaxAmount)
		wantLine(t, out, "done", "action: done | result: success | total: 6")
	})
	t.Run("Resumed", func(t *testing.T) {
		bets := makeBets(5, "Ana")
		s := &fakeServer{welcome: wire.Welcome{Stored: 3, Digest: digestOf(append([]domain.Bet{want}, bets[:2]...)...)}}
		out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), env...))
		if err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out)
		}
		checkSent(t, s.received(), bets[2:], 3, defaultBatchMaxAmount)
		if ls := lines(out, "apuesta_enviada"); len(ls) != 0 {
			t.Errorf("single bet already stored but logged as sent: %q", ls)
		}
	})
}

func TestRunMissingFile(t *testing.T) {
	s := &fakeServer{}
	out, err := runAgency(t, nil, testEnv(s.start(t), filepath.Join(t.TempDir(), "missing.csv")))
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	if ls := lines(out, "leer_apuesta"); len(ls) != 1 || !strings.HasPrefix(ls[0], "action: leer_apuesta | result: fail | error: ") {
		t.Errorf("leer_apuesta lines = %q, want one fail", ls)
	}
}

func TestRunReject(t *testing.T) {
	s := &fakeServer{reject: &wire.Reject{Index: 2, Code: wire.CodeInvalidBet, Reason: "document: bad"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(5, "Ana"))))
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	wantLine(t, out, "apuesta_enviada",
		"action: apuesta_enviada | result: fail | code: invalid_bet | first: 0 | index: 2 | error: document: bad")
	if len(s.doneTotals()) != 0 {
		t.Errorf("went on after a reject\noutput:\n%s", out)
	}
	if ex := lines(out, "shutdown"); len(ex) != 1 || !strings.HasPrefix(ex[0], "action: shutdown | result: fail") {
		t.Errorf("shutdown lines %q, want one fail", ex)
	}
}

// TestRunFatal: an error that reconnecting cannot cure ends the run at
// once, after one try, with one fail line for the stage it hit.
func TestRunFatal(t *testing.T) {
	hello, batch1, done1 := at{wire.TypeHello, 1}, at{wire.TypeBatch, 1}, at{wire.TypeDone, 1}
	refuse := func(c wire.Code) wire.Message { return wire.Error{Code: c, Reason: "no way"} }
	tests := []struct {
		name   string
		at     at
		send   wire.Message
		action string
		want   string // the fail line
	}{
		{"Unauthorized", hello, wire.Error{Code: wire.CodeUnauthorized, Reason: "bad secret"},
			"connect", "action: connect | result: fail | code: unauthorized | error: bad secret"},
		{"UnknownAgency", hello, refuse(wire.CodeUnknownAgency),
			"connect", "action: connect | result: fail | code: unknown_agency | error: no way"},
		{"UnsupportedVersion", hello, refuse(wire.CodeUnsupportedVersion),
			"connect", "action: connect | result: fail | code: unsupported_version | error: no way"},
		{"WrongReply", hello, wire.Pong{},
			"connect", "action: connect | result: fail | error: hello: unexpected reply: got pong, want welcome"},
		{"Malformed", batch1, refuse(wire.CodeMalformed),
			"apuesta_enviada", "action: apuesta_enviada | result: fail | code: malformed | error: no way"},
		{"OutOfOrder", batch1, wire.Reject{Code: wire.CodeOutOfOrder, Reason: "gap"},
			"apuesta_enviada", "action: apuesta_enviada | result: fail | code: out_of_order | error: gap"},
		{"Closed", batch1, wire.Reject{Code: wire.CodeClosed, Reason: "drawn"},
			"apuesta_enviada", "action: apuesta_enviada | result: fail | code: closed | error: drawn"},
		{"Unexpected", done1, refuse(wire.CodeUnexpected),
			"done", "action: done | result: fail | code: unexpected | error: no way"},
		{"Incomplete", done1, wire.Reject{Code: wire.CodeIncomplete, Reason: "hold 2 of 3"},
			"done", "action: done | result: fail | code: incomplete | error: hold 2 of 3"},
		{"WinnersMalformed", at{wire.TypeWinnersQuery, 1}, refuse(wire.CodeMalformed),
			"consulta_ganadores", "action: consulta_ganadores | result: fail | code: malformed | error: no way"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{faults: map[at]fault{tt.at: {send: tt.send}}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana"))))
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			wantLine(t, out, tt.action, tt.want)
			if n := s.count(tt.at.t); n != 1 {
				t.Errorf("server got %d %s, want 1: not retried", n, tt.at.t)
			}
			if n := s.count(wire.TypeHello); n != 1 {
				t.Errorf("%d hellos, want 1", n)
			}
			if ex := lines(out, "shutdown"); len(ex) != 1 || !strings.HasPrefix(ex[0], "action: shutdown | result: fail | error: ") {
				t.Errorf("shutdown lines %q, want one fail", ex)
			}
		})
	}
}

func TestRunDoneIncomplete(t *testing.T) {
	s := &fakeServer{undone: &wire.Reject{Code: wire.CodeIncomplete, Reason: "hold 2 of 3"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana"))))
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	wantLine(t, out, "done", "action: done | result: fail | code: incomplete | error: hold 2 of 3")
}

func TestRunConfigError(t *testing.T) {
	out, err := runAgency(t, nil, []string{"CLI_ID=uno"})
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	if ls := lines(out, "config"); len(ls) != 1 || !strings.HasPrefix(ls[0], "action: config | result: fail | error: ") ||
		!strings.Contains(ls[0], "CLI_ID") {
		t.Errorf("output = %q, want one config fail line naming CLI_ID", out)
	}
}

func TestRunPing(t *testing.T) {
	s := &fakeServer{}
	out, err := runAgency(t, []string{"ping"}, testEnv(s.start(t), ""))
	if err != nil {
		t.Fatalf("ping: %v\noutput:\n%s", err, out)
	}
	wantLine(t, out, "ping", "action: ping | result: success")
	if s.pingCount() != 1 {
		t.Errorf("server got %d pings, want 1", s.pingCount())
	}

	out, err = runAgency(t, []string{"ping"}, testEnv(closedAddr(t), ""))
	if err == nil {
		t.Fatalf("ping to a closed port: no error\noutput:\n%s", out)
	}
	if ls := lines(out, "ping"); len(ls) != 1 || !strings.HasPrefix(ls[0], "action: ping | result: fail | error: ") {
		t.Errorf("ping lines = %q, want one fail", ls)
	}
}

// TestRunPingNeedsNoAgency: the echo validation pings from a throwaway
// container that is no agency.
func TestRunPingNeedsNoAgency(t *testing.T) {
	s := &fakeServer{}
	out, err := runAgency(t, []string{"ping"}, []string{"CLI_SERVER_ADDRESS=" + s.start(t)})
	if err != nil {
		t.Fatalf("ping without CLI_ID: %v\noutput:\n%s", err, out)
	}
	wantLine(t, out, "ping", "action: ping | result: success")
}

// TestRunMinUptime: with exit.min_uptime an agency that is done sooner
// stays up until then (compose reports only the exits it sees happen), and
// a signal still stops it at once.
func TestRunMinUptime(t *testing.T) {
	const uptime = 700 * time.Millisecond
	t.Run("Done", func(t *testing.T) {
		s := &fakeServer{}
		began := time.Now()
		out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana")), "CLI_MIN_UPTIME=700ms"))
		if err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out)
		}
		if took := time.Since(began); took < uptime {
			t.Errorf("exited after %v, want at least %v", took, uptime)
		}
		wantLine(t, out, "shutdown", "action: shutdown | result: success")
	})
	t.Run("Signal", func(t *testing.T) {
		s := &fakeServer{}
		env := testEnv(s.start(t), writeBets(t, makeBets(3, "Ana")), "CLI_MIN_UPTIME=1m")
		// Done already: the signal only cuts the wait short.
		signalWhen(t, env, "action: shutdown | result: success", func(out *syncBuffer) bool {
			return out.waitFor("action: consulta_ganadores | result: success", 5*time.Second)
		})
	})
}

func TestRunSignal(t *testing.T) {
	s := &fakeServer{park: true}
	addr := s.start(t)
	go func() {
		select {
		case <-s.query:
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
		case <-time.After(5 * time.Second):
		}
	}()
	out, err := runAgency(t, nil, testEnv(addr, writeBets(t, makeBets(3, "Ana"))))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	wantLine(t, out, "shutdown", "action: shutdown | result: success | reason: signal")
	if ls := lines(out, "consulta_ganadores"); len(ls) != 0 {
		t.Errorf("winners logged after the signal: %q", ls)
	}
}

func TestRunCancelled(t *testing.T) {
	s := &fakeServer{park: true}
	env := testEnv(s.start(t), writeBets(t, makeBets(3, "Ana")))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		select {
		case <-s.query:
		case <-time.After(5 * time.Second):
		}
		cancel()
	}()
	var out syncBuffer
	if err := run(ctx, nil, env, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	wantLine(t, out.String(), "shutdown", "action: shutdown | result: success | reason: cancelled")
}
