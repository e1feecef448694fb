package scripts_test

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestCourseTestsWithoutTestsDir: with no argument the adapter says where
// the course's tests are (both repositories, the fork's commit) and how to
// run them, and exits 0.
func TestCourseTestsWithoutTestsDir(t *testing.T) {
	for _, args := range [][]string{nil, {"-h"}, {"--help"}} {
		out, err := exec.Command("bash", append([]string{"course-tests.sh"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("course-tests.sh %v: %v\n%s", args, err, out)
		}
		for _, want := range []string{
			"usage: scripts/course-tests.sh TESTS_DIR",
			"https://github.com/PMNaza/tp0-tests",
			"checkout 0c44cb1d",
			"ej1–ej8",
			"https://github.com/7574-sistemas-distribuidos/tp0-tests",
			"ej1–ej4",
			"committed HEAD",
			"stop every running container",
			`BET="Santiago Lionel,Lorca,30904465,1999-03-17,7574" scripts/course-tests.sh ../tp0-tests -k ej5`,
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("course-tests.sh %v does not say %q:\n%s", args, want, out)
			}
		}
	}
}

// TestCourseTestsRefusesANonCheckout: a directory that is not a checkout
// of tp0-tests is refused before anything is cloned or run (exit 2), with
// what is missing.
func TestCourseTestsRefusesANonCheckout(t *testing.T) {
	for name, dir := range map[string]string{
		"empty":   t.TempDir(),
		"missing": t.TempDir() + "/nothing-here",
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command("bash", "course-tests.sh", dir)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("course-tests.sh %s: %v, want exit status 2\n%s%s", dir, err, &stdout, &stderr)
			}
			if !strings.Contains(stderr.String(), dir) || stdout.Len() != 0 {
				t.Errorf("stdout %q, stderr %q: want only an error naming %s", &stdout, &stderr, dir)
			}
		})
	}
}

// TestCourseMockCompose: the mock echo servers' compose file is valid for
// each of its profiles (docker compose v2, which the course's tests use).
func TestCourseMockCompose(t *testing.T) {
	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Skip("docker compose (v2) is not installed")
	}
	for _, profile := range []string{"healthy", "unhealthy"} {
		out, err := exec.Command("docker", "compose", "-f", "course/docker-compose-mock.yaml",
			"--profile", profile, "config").CombinedOutput()
		if err != nil {
			t.Fatalf("docker compose rejects the %s profile: %v\n%s", profile, err, out)
		}
		for _, want := range []string{"container_name: server", "image: tp0-echomock:latest", "subnet: 172.25.125.0/24", "name: tp0"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the %s profile lacks %q:\n%s", profile, want, out)
			}
		}
	}
}

// TestCourseTestsShellcheck: the adapter passes shellcheck, when installed.
func TestCourseTestsShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed")
	}
	if out, err := exec.Command("shellcheck", "course-tests.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck course-tests.sh: %v\n%s", err, out)
	}
}
