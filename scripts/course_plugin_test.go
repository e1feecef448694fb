package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pythonWithPytest returns an interpreter that has pytest, the way
// course-tests.sh looks for one, or skips the test.
func pythonWithPytest(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import pytest").Run() == nil {
			return path
		}
	}
	t.Skip("no Python with pytest")
	return ""
}

// A stand-in for the course's utils package: the functions the plugin
// replaces, with the course's parameter names but defaults of its own (so
// the test sees the plugin take the original's defaults), each failing if
// called unreplaced.
var fakeUtils = map[string]string{
	"utils/__init__.py": "",
	"utils/config.py": `
def client(address="server:12345", loop_amount=7, loop_period="70ms", log_level="INFO", max_amount=10):
    raise Exception("not replaced")

def server(port=12345, ip="server", listen_backlog=6, logging_level="INFO"):
    raise Exception("not replaced")
`,
	"utils/docker.py": `
class DockerException(Exception):
    pass

def build():
    raise Exception("not replaced")
`,
	"test_ej5.py": `
import os
from utils import config

def read(name):
    with open(os.path.join(os.environ["REPO_PATH"], "docker", name)) as f:
        return f.read()

def test_writers():
    config.client(max_amount=64)
    config.server(logging_level="DEBUG")
    assert "loop:\n  amount: 7\n  period: \"70ms\"\n" in read("client.yaml")
    assert "batch:\n  maxAmount: 64\n" in read("client.yaml")
    assert "listen_backlog: 6\n" in read("server.yaml") and "level: \"DEBUG\"" in read("server.yaml")
    assert "ip" not in read("server.yaml").split("\n", 1)[1]

def test_fails_after_a_shutdown():
    print("client1  | 2026-01-01 00:00:00 INFO     action: shutdown | result: success")
    assert False, "it timed out"
`,
}

// TestCoursePlugin runs pytest with the plugin over a stand-in for the
// course's tests: the config functions are replaced (the original's
// defaults kept, our keys written), each test gets its line in the results
// file, and a failure gets the hints the course's messages lack.
func TestCoursePlugin(t *testing.T) {
	python := pythonWithPytest(t)
	dir := t.TempDir()
	tests, repo, results := filepath.Join(dir, "tests"), filepath.Join(dir, "repo"), filepath.Join(dir, "results.tsv")
	for name, text := range fakeUtils {
		mustWrite(t, filepath.Join(tests, name), text)
	}
	if err := os.MkdirAll(filepath.Join(repo, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	plugin, err := filepath.Abs("course")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-m", "pytest", "-p", "course_adapter", "-p", "no:cacheprovider", "-q")
	cmd.Dir = tests
	cmd.Env = append(os.Environ(), "PYTHONPATH="+plugin, "PYTHONDONTWRITEBYTECODE=1",
		"REPO_PATH="+repo, "COURSE_RESULTS="+results)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("pytest passed, but one test fails on purpose:\n%s", out)
	}
	text, err := os.ReadFile(results)
	if err != nil {
		t.Fatalf("no results file: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if len(lines) != 2 {
		t.Fatalf("results file %q: want 2 lines\n%s", text, out)
	}
	if f := strings.Split(lines[0], "\t"); f[0] != "test_ej5.py::test_writers" || f[1] != "passed" {
		t.Errorf("first result %q, want test_writers passed\n%s", lines[0], out)
	}
	f := strings.Split(lines[1], "\t")
	if f[0] != "test_ej5.py::test_fails_after_a_shutdown" || f[1] != "failed" || len(f) != 4 {
		t.Fatalf("second result %q, want test_fails_after_a_shutdown failed with a reason", lines[1])
	}
	for _, want := range []string{"it timed out", "compose printed no 'client1 exited with code 0'", "no apuesta_enviada line"} {
		if !strings.Contains(f[3], want) {
			t.Errorf("reason %q lacks %q", f[3], want)
		}
	}
}
