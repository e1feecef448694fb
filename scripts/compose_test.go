// Package scripts_test checks the shell entry points that need no Docker
// engine: the compose generator's output and its argument checks.
package scripts_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func generate(t *testing.T, script string, args ...string) (string, []byte, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "docker-compose-dev.yaml")
	cmd := exec.Command("bash", append([]string{script, out}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return out, stderr.Bytes(), err
	}
	return out, stderr.Bytes(), nil
}

func TestGeneratedComposeFiles(t *testing.T) {
	for _, n := range []string{"1", "3", "05"} {
		for _, script := range []string{"generar-compose.sh", "../generar-compose.sh"} {
			t.Run(n+"/"+script, func(t *testing.T) {
				out, stderr, err := generate(t, script, n)
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", script, n, err, stderr)
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", "compose-"+strings.TrimLeft(n, "0")+".golden.yaml")
				if *update {
					os.WriteFile(golden, got, 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %s differs from %s; run go test ./scripts -update and review the diff\n%s", script, n, golden, got)
				}
				validate(t, out)
			})
		}
	}
}

// validate runs the compose tools that are installed over the file: both
// must accept it (docker-compose 1.29 rejects, for one, a top-level name).
func validate(t *testing.T, file string) {
	t.Helper()
	tools := [][]string{{"docker-compose"}, {"docker", "compose"}}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool[0]); err != nil {
			continue
		}
		if tool[0] == "docker" && exec.Command("docker", "compose", "version").Run() != nil {
			continue
		}
		args := append(tool[1:], "-f", file, "config", "-q")
		if out, err := exec.Command(tool[0], args...).CombinedOutput(); err != nil {
			t.Errorf("%s rejects the file: %v\n%s", strings.Join(tool, " "), err, out)
		}
	}
}

func TestGeneratorRefusesBadArguments(t *testing.T) {
	for name, args := range map[string][]string{
		"no count":     nil,
		"not a number": {"five"},
		"zero":         {"0"},
		"negative":     {"-1"},
		"too many":     {"1001"},
		"extra":        {"2", "3"},
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := generate(t, "generar-compose.sh", args...)
			if err == nil {
				t.Fatalf("generar-compose.sh %v succeeded", args)
			}
			if !strings.Contains(string(stderr), "usage:") {
				t.Errorf("stderr %q does not show the usage", stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a file was written despite the bad arguments")
			}
		})
	}
}
