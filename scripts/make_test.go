package scripts_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// withoutMake drops what an outer make (the README's make test) passes to
// the makes it starts: its flags, variables given on its command line and
// its depth, which prints "Entering directory" lines.
func withoutMake(environ []string) []string {
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// TestMakeChecksAgenciesFirst: a goal that uses AGENCIES refuses a value
// that is not a whole number from 0 to 1000 in one line, before any
// recipe runs (make -n: the check is made while the Makefile is read).
// makeN runs make -n (print the recipes, run none) with args in the
// repository, NODES unset unless args set it.
func makeN(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	cmd := exec.Command("make", append([]string{"-n"}, args...)...)
	cmd.Dir = ".."
	cmd.Env = withoutVars(withoutMake(os.Environ()), "NODES")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func TestMakeChecksAgenciesFirst(t *testing.T) {
	mk := func(args ...string) (string, string, error) { return makeN(t, args...) }
	for _, goal := range []string{"up", "docker-compose-up", "compose", "data", "run"} {
		for _, bad := range []string{"abc", "-3", "", "1001", "05", "1 2", "2'"} {
			t.Run(goal+"/"+bad, func(t *testing.T) {
				stdout, stderr, err := mk(goal, "AGENCIES="+bad)
				if err == nil {
					t.Fatalf("make %s AGENCIES=%q succeeded", goal, bad)
				}
				want := "AGENCIES=" + bad + ": want a whole number from 0 to 1000"
				if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) || stdout != "" {
					t.Errorf("make %s AGENCIES=%q: stdout %q, stderr %q; want only the line %q", goal, bad, stdout, stderr, want)
				}
			})
		}
	}
	for _, good := range []string{"0", "1", "1000"} {
		if _, stderr, err := mk("compose", "AGENCIES="+good); err != nil {
			t.Errorf("make -n compose AGENCIES=%s: %v\n%s", good, err, stderr)
		}
	}
}

// TestMakeChecksNodesFirst: a goal that uses NODES refuses anything but 1
// or 3 in one line, before any recipe runs.
func TestMakeChecksNodesFirst(t *testing.T) {
	for _, goal := range []string{"up", "docker-compose-up", "compose", "images", "run"} {
		for _, bad := range []string{"2", "0", "", "01", "1 3", "three", "3'"} {
			t.Run(goal+"/"+bad, func(t *testing.T) {
				stdout, stderr, err := makeN(t, goal, "NODES="+bad)
				if err == nil {
					t.Fatalf("make %s NODES=%q succeeded", goal, bad)
				}
				want := "NODES=" + bad + ": want 1 (one server and its bets file) or 3"
				if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) || stdout != "" {
					t.Errorf("make %s NODES=%q: stdout %q, stderr %q; want only the line %q", goal, bad, stdout, stderr, want)
				}
			})
		}
	}
}

// TestMakeUpNodes: make up builds and starts the three-node topology only
// when asked: by default it writes the single server's file and builds
// no NATS image, so the single server's lottery is as quick as ever.
func TestMakeUpNodes(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		nodes     string
		natsImage bool
	}{
		{[]string{"up", "AGENCIES=5"}, "1", false},
		{[]string{"up", "AGENCIES=5", "NODES=1"}, "1", false},
		{[]string{"up", "AGENCIES=5", "NODES=3"}, "3", true},
		{[]string{"docker-compose-up", "AGENCIES=2", "NODES=3"}, "3", true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, stderr, err := makeN(t, tc.args...)
			if err != nil {
				t.Fatalf("make -n %s: %v\n%s", strings.Join(tc.args, " "), err, stderr)
			}
			if want := "NODES='" + tc.nodes + "' scripts/generar-compose.sh docker-compose-dev.yaml"; !strings.Contains(stdout, want) {
				t.Errorf("make -n %s does not run %q:\n%s", strings.Join(tc.args, " "), want, stdout)
			}
			if got := strings.Contains(stdout, "-t tp0-nats:latest"); got != tc.natsImage {
				t.Errorf("make -n %s builds tp0-nats: %v, want %v\n%s", strings.Join(tc.args, " "), got, tc.natsImage, stdout)
			}
		})
	}
}

// TestMakeRunNodes: make run hands NODES to the native run, 1 unless given.
func TestMakeRunNodes(t *testing.T) {
	for nodes, args := range map[string][]string{
		"1": {"run", "AGENCIES=2"},
		"3": {"run", "AGENCIES=2", "NODES=3"},
	} {
		stdout, stderr, err := makeN(t, args...)
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		if want := "NODES='" + nodes + "' scripts/run-native.sh 2"; !strings.Contains(stdout, want) {
			t.Errorf("make -n %s does not run %q:\n%s", strings.Join(args, " "), want, stdout)
		}
	}
}
