package e2e_test

import (
	"context"
	"fmt"
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
)

// TestEchoPhaseThenLottery is the course's first exercises with the real
// binaries: each agency exchanges loop.amount echo messages with the server,
// then runs its lottery; the server logs each message with the agency's IP,
// and each done line counts the agencies done. "client echo" validates the
// server, and the last line of each binary is its shutdown line.
func TestEchoPhaseThenLottery(t *testing.T) {
	server, client := mustBuild(t)
	dir := t.TempDir()
	srv, addr := startServer(t, server, filepath.Join(dir, "bets.csv"), 2)
	const amount = 3
	var clients []*proc
	for agency := 1; agency <= 2; agency++ {
		data := filepath.Join(dir, fmt.Sprintf("agency-%d.csv", agency))
		f, err := os.Create(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := gen.Write(f, gen.Spec{Agency: agency, Rows: 50, Winners: gen.Spread(50, 1), Seed: 3}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		env := []string{"CLI_ID=" + strconv.Itoa(agency), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + data,
			"CLI_LOOP_AMOUNT=" + strconv.Itoa(amount), "CLI_LOOP_PERIOD=20ms"}
		clients = append(clients, start(t, client, env, nil))
	}
	for i, c := range clients {
		if err := c.wait(t, 60*time.Second); err != nil {
			t.Fatalf("client %d: %v\n%s", i+1, err, c.out)
		}
		lines := parseLog(c.out.String())
		assertNoFail(t, fmt.Sprintf("client %d", i+1), lines)
		var msgs []string
		for _, l := range find(lines, "receive_message") {
			msgs = append(msgs, l["msg"])
		}
		want := []string{}
		for k := 1; k <= amount; k++ {
			want = append(want, fmt.Sprintf("[CLIENT %d] Message N°%d", i+1, k))
		}
		if !slices.Equal(msgs, want) {
			t.Errorf("client %d logged messages %q, want %q", i+1, msgs, want)
		}
		if n := len(find(lines, "loop_finished")); n != 1 {
			t.Errorf("client %d logged %d loop_finished lines", i+1, n)
		}
		if last := lines[len(lines)-1]; last["action"] != "shutdown" || last["result"] != "success" {
			t.Errorf("client %d's last line is %v, want the shutdown", i+1, last)
		}
	}

	out, err := runBin(t, client, "echo", "CLI_SERVER_ADDRESS="+addr, "CLI_TIMEOUT=3s")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "action: echo | result: success") {
		t.Errorf("client echo = %v:\n%s", err, out)
	}

	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.wait(t, 10*time.Second); err != nil {
		t.Fatalf("server: %v\n%s", err, srv.out)
	}
	lines := parseLog(srv.out.String())
	assertNoFail(t, "server", lines)
	echoes := find(lines, "receive_message")
	if len(echoes) != 2*amount+1 {
		t.Errorf("server logged %d receive_message lines, want %d", len(echoes), 2*amount+1)
	}
	for _, l := range echoes {
		if l["ip"] != "127.0.0.1" || l["msg"] == "" {
			t.Errorf("receive_message line %v, want ip 127.0.0.1 and the message", l)
		}
	}
	var finished []string
	for _, l := range lines {
		switch l["action"] {
		case "done":
			finished = append(finished, l["finished"]+"/"+l["agencies"])
		case "sorteo":
			finished = append(finished, "sorteo")
		}
	}
	if !slices.Equal(finished, []string{"1/2", "2/2", "sorteo"}) {
		t.Errorf("done lines count %v, want 1/2 then 2/2, then the sorteo", finished)
	}
	if last := lines[len(lines)-1]; last["action"] != "shutdown" || last["result"] != "success" {
		t.Errorf("server's last line is %v, want the shutdown", last)
	}
}

// TestHelp: both binaries print their usage for -h and exit 0.
func TestHelp(t *testing.T) {
	server, client := mustBuild(t)
	for bin, head := range map[string]string{server: "server is the lottery's central server.", client: "client is a lottery agency."} {
		for _, arg := range []string{"-h", "--help", "help"} {
			out, err := runBin(t, bin, arg)
			if err != nil || !strings.HasPrefix(out, head) {
				t.Errorf("%s %s = %v:\n%s", filepath.Base(bin), arg, err, out)
			}
		}
	}
}

// runBin runs bin with one argument and env, at most 30s, and returns its
// output.
func runBin(t *testing.T, bin, arg string, env ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, arg)
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	return string(b), err
}
