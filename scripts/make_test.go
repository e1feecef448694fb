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
func TestMakeChecksAgenciesFirst(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	mk := func(args ...string) (string, string, error) {
		cmd := exec.Command("make", append([]string{"-n"}, args...)...)
		cmd.Dir = ".."
		cmd.Env = withoutMake(os.Environ())
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
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
