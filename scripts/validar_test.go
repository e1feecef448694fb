package scripts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDocker is a docker command for validar-echo-server.sh that answers
// from files in its directory: state (one "status health" a line, the
// first popped on each inspect of the state, the last kept; "missing":
// no such container), network, image ("missing": none), run.out and
// run.code (what docker run prints and exits with); run.args records the
// arguments of docker run.
const fakeDocker = `#!/bin/sh
d=$(dirname "$0")
case "$1 $*" in
info*) exit 0 ;;
"image "*) [ "$(cat "$d/image")" != missing ] ;;
inspect*Networks*) cat "$d/network" ;;
inspect*) s=$(sed -n 1p "$d/state"); [ "$s" != missing ] || exit 1
  [ "$(wc -l <"$d/state")" -le 1 ] || sed -i 1d "$d/state"
  echo "$s" ;;
run*) echo "$*" >"$d/run.args"; cat "$d/run.out"; exit "$(cat "$d/run.code")" ;;
*) echo "fake docker: unexpected $*" >&2; exit 99 ;;
esac
`

// fake describes what the fake docker answers.
type fake struct {
	states  []string // "status health", in order
	network string
	image   string
	runOut  string
	runCode string
}

// validate runs the root validar-echo-server.sh with sh (as the course
// does) against f, and returns its stdout, stderr, exit code and the
// arguments docker run got.
func (f fake) validate(t *testing.T, env ...string) (stdout, stderr string, code int, runArgs string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"docker":   fakeDocker,
		"state":    strings.Join(f.states, "\n") + "\n",
		"network":  f.network + "\n",
		"image":    f.image + "\n",
		"run.out":  f.runOut,
		"run.code": f.runCode + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "validar-echo-server.sh")
	cmd.Dir = ".." // the course runs it from the repository's root
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("validar-echo-server.sh took %v", d)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "run.args"))
	return out.String(), errb.String(), exitCode(err), string(args)
}

func TestValidarEchoServer(t *testing.T) {
	const (
		success = "action: test_echo_server | result: success\n"
		fail    = "action: test_echo_server | result: fail\n"
	)
	up := fake{states: []string{"running healthy"}, network: "tp0_testing_net", image: "ok", runCode: "0",
		runOut: "action: echo | result: success\naction: shutdown | result: success\n"}
	for name, tc := range map[string]struct {
		f      fake
		env    []string
		stdout string
		reason string // on stderr; none on success
	}{
		"Ours":  {up, nil, success, ""},
		"Plain": {fake{states: []string{"running "}, network: "tp0_testing_net", image: "ok", runCode: "0"}, nil, success, ""},
		"WaitsWhileStarting": {fake{states: []string{"running starting", "running starting", "running starting", "running healthy"},
			network: "tp0_testing_net", image: "ok", runCode: "0"}, nil, success, ""},
		"StillStarting": {fake{states: []string{"running starting"}, network: "n", image: "ok", runCode: "0"},
			[]string{"WAIT=1"}, fail, "still starting after 1s"},
		"NoContainer": {fake{states: []string{"missing"}}, nil, fail, "no container named server"},
		"NotRunning":  {fake{states: []string{"exited "}}, nil, fail, "not running (status: exited)"},
		"NoNetwork":   {fake{states: []string{"running healthy"}, network: ""}, nil, fail, "on no network"},
		"NoImage":     {fake{states: []string{"running healthy"}, network: "n", image: "missing"}, nil, fail, "no image tp0-client:latest"},
		"DifferentReply": {fake{states: []string{"running "}, network: "n", image: "ok", runCode: "1",
			runOut: "2024-03-05 07:08:09 ERROR    action: echo | result: fail | error: the reply differs: got \"error reading data: \\r\"\naction: shutdown | result: fail\n"},
			nil, fail, `the reply differs: got "error reading data: \r"`},
		"NoReply": {fake{states: []string{"running unhealthy"}, network: "n", image: "ok", runCode: "1",
			runOut: "action: echo | result: fail | error: no reply within 3s\n"},
			nil, fail, "no reply within 3s (the server's health check says unhealthy)"},
		"ClientBroken": {fake{states: []string{"running "}, network: "n", image: "ok", runCode: "2", runOut: "exec format error\n"},
			nil, fail, "the echo container failed (exit 2): exec format error"},
	} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code, args := tc.f.validate(t, tc.env...)
			if stdout != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout, tc.stdout)
			}
			if want := map[string]int{success: 0, fail: 1}[tc.stdout]; code != want {
				t.Errorf("exit %d, want %d", code, want)
			}
			switch {
			case tc.reason == "" && stderr != "":
				t.Errorf("stderr %q, want nothing", stderr)
			case tc.reason != "" && !strings.Contains(stderr, tc.reason):
				t.Errorf("stderr %q does not give the reason %q", stderr, tc.reason)
			}
			if tc.stdout == success {
				want := "run --rm --network " + tc.f.network + " -e CLI_SERVER_ADDRESS=server:12345 -e CLI_TIMEOUT=3s tp0-client:latest echo"
				if strings.TrimSpace(args) != want {
					t.Errorf("docker %s, want docker %s", strings.TrimSpace(args), want)
				}
			}
		})
	}
}
