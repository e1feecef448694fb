// Package scripts_test checks the shell entry points that need no Docker
// engine: the compose generator's output, its secrets and its argument
// checks, and the other scripts' arguments and output.
package scripts_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// generate runs script with a fresh output file in a temporary directory,
// with env ("KEY=value") added to the environment.
func generate(t *testing.T, script string, env []string, args ...string) (string, []byte, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "docker-compose-dev.yaml")
	stderr, err := generateTo(out, script, env, args...)
	return out, stderr, err
}

// generateTo runs script to write out, with env added to the environment
// (and BET, DATA_DIR and NODES unset unless env sets them).
func generateTo(out, script string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("bash", append([]string{script, out}, args...)...)
	cmd.Env = append(withoutVars(os.Environ(), "BET", "DATA_DIR", "NODES"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.Bytes(), err
}

// withoutVars returns env without the variables named.
func withoutVars(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) {
			out = append(out, kv)
		}
	}
	return out
}

// ej5Bet is the course's ej5 bet, as BET gives it.
const ej5Bet = "Santiago Lionel,Lorca,30904465,1999-03-17,7574"

func TestGeneratedComposeFiles(t *testing.T) {
	tests := []struct {
		n, golden string
		env       []string
	}{
		{"0", "compose-0", nil},
		{"1", "compose-1", nil},
		{"3", "compose-3", nil},
		{"05", "compose-5", nil},
		{"1", "compose-1-bet", []string{"BET=" + ej5Bet}},
		{"2", "compose-2-course", []string{"DATA_DIR=.data/course/"}},
		{"5", "compose-5-nodes-3", []string{"NODES=3"}},
		{"0", "compose-0-nodes-3", []string{"NODES=3"}},
		{"1", "compose-1-bet-nodes-3", []string{"NODES=3", "BET=" + ej5Bet}},
	}
	for _, tc := range tests {
		for _, script := range []string{"generar-compose.sh", "../generar-compose.sh"} {
			t.Run(tc.golden+"/"+script, func(t *testing.T) {
				out, stderr, err := generate(t, script, tc.env, tc.n)
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", script, tc.n, err, stderr)
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", tc.golden+".golden.yaml")
				if *update {
					os.WriteFile(golden, got, 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %s differs from %s; run go test ./scripts -update and review the diff\n%s", script, tc.n, golden, got)
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
	for name, tc := range map[string]struct {
		args, env []string
		why       string // in the error
	}{
		"NoCount":            {nil, nil, "want 2 arguments"},
		"NotANumber":         {[]string{"five"}, nil, "whole number"},
		"Negative":           {[]string{"-1"}, nil, "whole number"},
		"TooMany":            {[]string{"1001"}, nil, "at most 1000"},
		"Extra":              {[]string{"2", "3"}, nil, "want 2 arguments"},
		"BetFourFields":      {[]string{"1"}, []string{"BET=Ana,Pérez,30904465,1999-03-17"}, "five comma-separated fields"},
		"BetSixFields":       {[]string{"1"}, []string{"BET=" + ej5Bet + ",1"}, "five comma-separated fields"},
		"BetEmptyField":      {[]string{"1"}, []string{"BET=Ana, ,30904465,1999-03-17,7574"}, "field 2 is empty"},
		"BetTrailingComma":   {[]string{"1"}, []string{"BET=Ana,Pérez,30904465,1999-03-17,"}, "field 5 is empty"},
		"BetTwoLines":        {[]string{"1"}, []string{"BET=Ana\nB,Pérez,30904465,1999-03-17,7574"}, "one line"},
		"BetWithoutAgencies": {[]string{"0"}, []string{"BET=" + ej5Bet}, "AGENCIES is 0"},
		"DataDirColon":       {[]string{"1"}, []string{"DATA_DIR=a:b"}, "DATA_DIR"},
		"DataDirDollar":      {[]string{"1"}, []string{"DATA_DIR=$HOME"}, "DATA_DIR"},
		"NodesTwo":           {[]string{"1"}, []string{"NODES=2"}, "NODES must be 1 or 3"},
		"NodesZero":          {[]string{"1"}, []string{"NODES=0"}, "NODES must be 1 or 3"},
		"NodesPadded":        {[]string{"1"}, []string{"NODES= 3"}, "NODES must be 1 or 3"},
		"NodesWord":          {[]string{"1"}, []string{"NODES=three"}, "NODES must be 1 or 3"},
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := generate(t, "generar-compose.sh", tc.env, tc.args...)
			if code := exitCode(err); code != 2 {
				t.Fatalf("generar-compose.sh %v with %q: exit %d (%v), want 2 (usage)", tc.args, tc.env, code, err)
			}
			if !strings.Contains(string(stderr), "usage:") || !strings.Contains(string(stderr), tc.why) {
				t.Errorf("stderr %q does not show the usage and %q", stderr, tc.why)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a file was written despite the bad arguments")
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(out), ".secrets")); err == nil {
				t.Errorf("secrets were written despite the bad arguments")
			}
		})
	}
}

// exitCode is the exit status in err from exec, 0 for nil, -1 for another
// error.
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// TestGeneratorServerAlone: with 0 agencies the file has the server alone,
// told it has no agencies, with no secrets; an existing .secrets/ is left
// as it was.
func TestGeneratorServerAlone(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	if stderr, err := generateTo(out, "generar-compose.sh", nil, "0"); err != nil || len(stderr) != 0 {
		t.Fatalf("generar-compose.sh 0: %v, stderr %q", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".secrets")); !os.IsNotExist(err) {
		t.Errorf("with 0 agencies a .secrets directory was made: %v", err)
	}
	services := mustServices(t, out)
	if names := slices.Sorted(maps.Keys(services)); !slices.Equal(names, []string{"server"}) {
		t.Errorf("services %v, want the server alone", names)
	}
	if env := services["server"]; env["SERVER_AGENCIES"] != "0" || env["SERVER_SECRETS"] != "" {
		t.Errorf("server environment %v, want SERVER_AGENCIES=0 and no secrets", env)
	}

	mustGenerate(t, out, "2")
	before := mustRead0600(t, filepath.Join(dir, ".secrets", "server.env"))
	mustGenerate(t, out, "0")
	if after := mustRead0600(t, filepath.Join(dir, ".secrets", "server.env")); after != before {
		t.Errorf("generating 0 agencies changed server.env from %q to %q", before, after)
	}
}

// TestGeneratorBet: BET's five fields reach client1's environment as
// NOMBRE … NUMERO, verbatim but for the spaces around them, through both
// compose tools: no YAML or compose interpolation touches them. No other
// agency gets them.
func TestGeneratorBet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	bet := ` Ana María $HOME "x" \ , O'Brien: #1 ,30904465,1999-03-17,7574`
	if stderr, err := generateTo(out, "generar-compose.sh", []string{"BET=" + bet}, "2"); err != nil {
		t.Fatalf("generar-compose.sh 2: %v\n%s", err, stderr)
	}
	want := map[string]string{
		"NOMBRE":     `Ana María $HOME "x" \`,
		"APELLIDO":   "O'Brien: #1",
		"DOCUMENTO":  "30904465",
		"NACIMIENTO": "1999-03-17",
		"NUMERO":     "7574",
	}
	for _, tool := range installedTools() {
		services := mustToolServices(t, tool, out)
		for k, v := range want {
			if got := services["client1"][k]; got != v {
				t.Errorf("%s: client1's %s is %q, want %q", strings.Join(tool, " "), k, got, v)
			}
			if got, ok := services["client2"][k]; ok {
				t.Errorf("%s: client2 has %s=%q too", strings.Join(tool, " "), k, got)
			}
		}
	}
}

// TestGeneratorDataDir: agency i mounts DATA_DIR/agency-i.csv, relative to
// the output's directory, and a missing file is warned about on stderr
// (compose would mount an empty directory in its place), not refused: the
// course's tests write the files after generating.
func TestGeneratorDataDir(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	mustWrite(t, filepath.Join(dir, "course", "agency-1.csv"), "Ana,Pérez,30904465,1999-03-17,7574\n")
	stderr, err := generateTo(out, "generar-compose.sh", []string{"DATA_DIR=course"}, "2")
	if err != nil {
		t.Fatalf("generar-compose.sh 2: %v\n%s", err, stderr)
	}
	if !strings.Contains(string(stderr), "1 agency file(s) missing, e.g. ./course/agency-2.csv") {
		t.Errorf("stderr %q does not warn that ./course/agency-2.csv is missing", stderr)
	}
	for _, tool := range installedTools() {
		cfg := mustToolConfig(t, tool, out)
		for i := 1; i <= 2; i++ {
			src := filepath.Join(dir, "course", fmt.Sprintf("agency-%d.csv", i))
			if !strings.Contains(cfg, src+":/data/agency.csv:ro") && !strings.Contains(cfg, "source: "+src+"\n") {
				t.Errorf("%s config does not mount %s for agency %d:\n%s", strings.Join(tool, " "), src, i, cfg)
			}
		}
	}
	mustWrite(t, filepath.Join(dir, "course", "agency-2.csv"), "Ana,Pérez,30904466,1999-03-17,7574\n")
	if stderr, err := generateTo(out, "generar-compose.sh", []string{"DATA_DIR=course"}, "2"); err != nil || len(stderr) != 0 {
		t.Errorf("with every file present: %v, stderr %q", err, stderr)
	}
}

// TestGeneratorServerRestart: the server restarts on failure, at most 3
// times; the agencies do not restart.
func TestGeneratorServerRestart(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	mustGenerate(t, out, "1")
	for _, tool := range installedTools() {
		var cfg struct {
			Services map[string]struct{ Restart string }
		}
		if err := yaml.Unmarshal([]byte(mustToolConfig(t, tool, out)), &cfg); err != nil {
			t.Fatal(err)
		}
		if got := cfg.Services["server"].Restart; got != "on-failure:3" {
			t.Errorf("%s: the server's restart policy is %q, want on-failure:3", strings.Join(tool, " "), got)
		}
		if got := cfg.Services["client1"].Restart; got != "" && got != "no" {
			t.Errorf("%s: client1's restart policy is %q, want none", strings.Join(tool, " "), got)
		}
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
	stderr, err := generateTo(out, "generar-compose.sh", nil, "2")
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
	if stderr, err := generateTo(out, "generar-compose.sh", nil, n); err != nil {
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

// mustToolConfig returns what tool's config prints for file.
func mustToolConfig(t *testing.T, tool []string, file string) string {
	t.Helper()
	args := append(slices.Clone(tool[1:]), "-f", file, "config")
	out, err := exec.Command(tool[0], args...).Output()
	if err != nil {
		t.Fatalf("%s config: %v\n%s", strings.Join(tool, " "), err, out)
	}
	return string(out)
}

// mustToolServices returns each service's environment as tool's config
// resolves it (with the $$ of its output read back as $).
func mustToolServices(t *testing.T, tool []string, file string) map[string]map[string]string {
	t.Helper()
	var cfg struct {
		Services map[string]struct{ Environment map[string]string }
	}
	if err := yaml.Unmarshal([]byte(mustToolConfig(t, tool, file)), &cfg); err != nil {
		t.Fatalf("%s config: %v", strings.Join(tool, " "), err)
	}
	out := map[string]map[string]string{}
	for name, svc := range cfg.Services {
		out[name] = map[string]string{}
		for k, v := range svc.Environment {
			out[name][k] = strings.ReplaceAll(v, "$$", "$")
		}
	}
	return out
}

// mustServices returns each service's environment as the first installed
// compose tool resolves it, or, with none installed, as the file lists it.
func mustServices(t *testing.T, file string) map[string]map[string]string {
	t.Helper()
	if tools := installedTools(); len(tools) > 0 {
		return mustToolServices(t, tools[0], file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Services map[string]struct{ Environment []string }
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for name, svc := range cfg.Services {
		out[name] = map[string]string{}
		for _, kv := range svc.Environment {
			k, v, _ := strings.Cut(kv, "=")
			out[name][k] = v
		}
	}
	return out
}
