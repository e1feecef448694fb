package scripts_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeServer prints a line, then waits (at most 10 s) for the file named
// in $GO_ON before printing another: it only goes on once the first line
// has come out of the script's pipe. It stops on SIGTERM.
const fakeServer = `#!/bin/sh
trap 'echo "action: shutdown | result: success"; exit 0' TERM
echo "action: listen | result: success"
i=0
while [ ! -e "$GO_ON" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -e "$GO_ON" ] && echo "action: went_on | result: success"
while :; do sleep 0.1; done
`

// fakeClient writes 2000 long lines as fast as it can, in writes that
// are not whole lines, and exits.
const fakeClient = `#!/bin/sh
long=$(printf '%0500d' 0)
i=0
while [ $i -lt 2000 ]; do
  printf 'action: line | result: success | client_id: %s | i: %s | pad: ' "$CLI_ID" $i
  printf '%s\n' "$long"
  i=$((i+1))
done
`

// TestRunNativeOutput: through a pipe, every line of every process comes
// out whole, after its prefix, and as it is written (the server's first
// line before the agencies are done).
func TestRunNativeOutput(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	mustWrite(t, filepath.Join(bin, "server"), fakeServer)
	mustWrite(t, filepath.Join(bin, "client"), fakeClient)
	for _, f := range []string{"server", "client"} {
		if err := os.Chmod(filepath.Join(bin, f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	goOn := filepath.Join(dir, "go-on")
	cmd := exec.Command("bash", "run-native.sh", "12")
	cmd.Env = append(withoutVars(os.Environ(), "NODES"), "BIN="+bin, "RUN_DIR="+filepath.Join(dir, "run"), "GO_ON="+goOn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	// Its own process group, killed whole if the script overruns: its
	// children hold the pipe too, and the read below ends only once they
	// have all gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() {
		t.Errorf("run-native.sh still running after a minute: killed")
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	defer timer.Stop()

	line := regexp.MustCompile(`^(server  |client[0-9] |client[0-9]{2}) \| action: [a-z_]+ \| result: success($| \| client_id: ([0-9]+) \| i: [0-9]+ \| pad: 0{500}$)`)
	counts := map[string]int{}
	var order []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "bets file: ") {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("broken line: %.120q", l)
			continue
		}
		who := strings.TrimSpace(m[1])
		if m[3] != "" && "client"+m[3] != who {
			t.Errorf("a line of client%s prefixed %s", m[3], who)
		}
		counts[who]++
		if strings.Contains(l, "action: listen") {
			mustWrite(t, goOn, "")
		}
		if who == "server" {
			order = append(order, l[strings.Index(l, "action: "):])
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("run-native.sh: %v", err)
	}
	for i := 1; i <= 12; i++ {
		if who := fmt.Sprintf("client%d", i); counts[who] != 2000 {
			t.Errorf("%s: %d lines, want 2000", who, counts[who])
		}
	}
	want := []string{"action: listen | result: success", "action: went_on | result: success", "action: shutdown | result: success"}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Errorf("server lines %q, want %q (went_on only once listen has come through the pipe)", order, want)
	}
}
