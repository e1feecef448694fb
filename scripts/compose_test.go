// Package scripts_test checks the shell entry points that need no Docker
// engine: the compose generator's output, its secrets and its argument
// checks.
package scripts_test

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// generate runs script with a fresh output file in a temporary directory.
func generate(t *testing.T, script string, args ...string) (string, []byte, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "docker-compose-dev.yaml")
	stderr, err := generateTo(out, script, args...)
	return out, stderr, err
}

// generateTo runs script to write out.
func generateTo(out, script string, args ...string) ([]byte, error) {
	cmd := exec.Command("bash", append([]string{script, out}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.Bytes(), err
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
	for _, tool := range installedTools() {
		args := append(tool[1:], "-f", file, "config", "-q")
		if out, err := exec.Command(tool[0], args...).CombinedOutput(); err != nil {
			t.Errorf("%s rejects the file: %v\n%s", strings.Join(tool, " "), err, out)
		}
	}
}

// installedTools lists the compose tools installed: docker-compose and
// docker compose.
func installedTools() [][]string {
	var out [][]string
	for _, tool := range [][]string{{"docker-compose"}, {"docker", "compose"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			continue
		}
		if tool[0] == "docker" && exec.Command("docker", "compose", "version").Run() != nil {
			continue
		}
		out = append(out, tool)
	}
	return out
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

// TestGeneratorSecrets: next to the compose file, each agency gets a
// secret file, mode 0600, created once and then kept, and server.env lists
// exactly those secrets; both compose tools read them into the services'
// environment.
func TestGeneratorSecrets(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	secrets := filepath.Join(dir, ".secrets")
	mustWrite(t, filepath.Join(secrets, "agency-2.env"), "CLI_SECRET=set-by-hand.2\n") // kept as is
	mustGenerate(t, out, "3")
	first := mustSecrets(t, secrets, 3)
	if first[2] != "set-by-hand.2" {
		t.Errorf("agency 2's own secret became %q", first[2])
	}
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	if !generated.MatchString(first[1]) || !generated.MatchString(first[3]) || first[1] == first[3] {
		t.Errorf("generated secrets %q and %q, want two distinct sets of 32 hex digits", first[1], first[3])
	}
	if fi, err := os.Stat(secrets); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v, %v; want a directory of mode 0700", secrets, fi.Mode(), err)
	}
	validate(t, out)
	composeSees(t, out, first)

	// More agencies: the secrets so far are kept, and new ones added.
	mustGenerate(t, out, "5")
	second := mustSecrets(t, secrets, 5)
	for i := 1; i <= 3; i++ {
		if second[i] != first[i] {
			t.Errorf("agency %d's secret changed from %q to %q", i, first[i], second[i])
		}
	}
	// Fewer: server.env lists only those; the other files stay.
	mustGenerate(t, out, "2")
	mustSecrets(t, secrets, 2)
	if got := mustSecret(t, secrets, 5); got != second[5] {
		t.Errorf("agency 5's secret changed from %q to %q", second[5], got)
	}
	if _, err := os.Stat(".secrets"); !os.IsNotExist(err) {
		t.Errorf("a .secrets directory appeared in the working directory, not next to the output: %v", err)
	}
}

// TestGeneratorRefusesABrokenSecret: a hand-edited agency file whose secret
// could not travel in an env file or in the server's list stops the
// generator, naming the file but not the secret.
func TestGeneratorRefusesABrokenSecret(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	mustWrite(t, filepath.Join(dir, ".secrets", "agency-1.env"), "CLI_SECRET=not, a good secret\n")
	stderr, err := generateTo(out, "generar-compose.sh", "2")
	if err == nil {
		t.Fatal("generar-compose.sh accepted a secret with a comma and spaces")
	}
	if !strings.Contains(string(stderr), "agency-1.env") || strings.Contains(string(stderr), "good secret") {
		t.Errorf("stderr %q should name the file, not show the secret", stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a compose file was written")
	}
}

func mustGenerate(t *testing.T, out, n string) {
	t.Helper()
	if stderr, err := generateTo(out, "generar-compose.sh", n); err != nil {
		t.Fatalf("generar-compose.sh %s: %v\n%s", n, err, stderr)
	}
}

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// mustSecrets reads agencies 1..n's secrets and checks that server.env,
// mode 0600, lists exactly them.
func mustSecrets(t *testing.T, dir string, n int) map[int]string {
	t.Helper()
	got := map[int]string{}
	var list []string
	for i := 1; i <= n; i++ {
		got[i] = mustSecret(t, dir, i)
		list = append(list, fmt.Sprintf("%d:%s", i, got[i]))
	}
	want := "SERVER_SECRETS=" + strings.Join(list, ",") + "\n"
	if server := mustRead0600(t, filepath.Join(dir, "server.env")); server != want {
		t.Errorf("server.env holds %q, want %q", server, want)
	}
	return got
}

// mustSecret reads agency i's secret file, mode 0600, one line.
func mustSecret(t *testing.T, dir string, i int) string {
	t.Helper()
	text := mustRead0600(t, filepath.Join(dir, fmt.Sprintf("agency-%d.env", i)))
	s, ok := strings.CutPrefix(text, "CLI_SECRET=")
	s, nl := strings.CutSuffix(s, "\n")
	if !ok || !nl || s == "" || strings.Contains(s, "\n") {
		t.Fatalf("agency-%d.env holds %q, want one line CLI_SECRET=…", i, text)
	}
	return s
}

func mustRead0600(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != fs.FileMode(0o600) {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// composeSees checks that each installed compose tool puts the secrets in
// the services' environment: the env_file paths resolve.
func composeSees(t *testing.T, file string, secrets map[int]string) {
	t.Helper()
	for _, tool := range installedTools() {
		args := append(tool[1:], "-f", file, "config")
		out, err := exec.Command(tool[0], args...).CombinedOutput()
		if err != nil {
			t.Errorf("%s config: %v\n%s", strings.Join(tool, " "), err, out)
			continue
		}
		for i, s := range secrets {
			if !strings.Contains(string(out), "CLI_SECRET: "+s) || !strings.Contains(string(out), fmt.Sprintf("%d:%s", i, s)) {
				t.Errorf("%s config does not show agency %d's secret in CLI_SECRET and SERVER_SECRETS", strings.Join(tool, " "), i)
			}
		}
	}
}
