package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustFile(tb testing.TB, yaml string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "client.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func mustLoad(tb testing.TB, args, environ []string) Config {
	tb.Helper()
	c, err := loadConfig(args, environ)
	if err != nil {
		tb.Fatalf("loadConfig(%q, %q): %v", args, environ, err)
	}
	return c
}

func TestConfigDefaults(t *testing.T) {
	want := Config{
		ID: 3, ServerAddress: "localhost:12345", BatchMaxAmount: defaultBatchMaxAmount, BatchWindow: defaultBatchWindow,
		DataPath: filepath.Join(".data", "agency-3.csv"), LogLevel: "INFO", LoopPeriod: time.Second,
		Timeout: 10 * time.Second, RetryDeadline: 30 * time.Second, WinnersTimeout: 10 * time.Minute,
	}
	if got := mustLoad(t, nil, []string{"CLI_ID=3"}); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	unknown := []string{"CLI_ID=3", "PATH=/bin", "CLI_LOOP=5", "CLI_LOOP_AMOUNT=", "SERVER_PORT=1", "id=9", "NOEQUALS", "CLI_DATA_PATH=", "NOMBRE="}
	if got := mustLoad(t, nil, unknown); !reflect.DeepEqual(got, want) {
		t.Errorf("unknown or empty variables changed the config:\n got %+v\nwant %+v", got, want)
	}
}

const fileYAML = `
id: 2
server:
  address: server:12345
  timeout: 5s
loop:
  amount: 5
  period: "100ms"
batch:
  maxAmount: 64
  window: 8
data:
  path: /data/bets.csv
log:
  level: DEBUG
retry:
  deadline: 1m
winners:
  timeout: 30m
secret: from-file
`

func TestConfigFileAndEnv(t *testing.T) {
	path := mustFile(t, fileYAML)
	fromFile := Config{
		ID: 2, ServerAddress: "server:12345", BatchMaxAmount: 64, BatchWindow: 8, DataPath: "/data/bets.csv", LogLevel: "DEBUG",
		LoopAmount: 5, LoopPeriod: 100 * time.Millisecond, Timeout: 5 * time.Second, RetryDeadline: time.Minute, WinnersTimeout: 30 * time.Minute,
		Secret: "from-file",
	}
	if got := mustLoad(t, []string{"-config", path}, nil); !reflect.DeepEqual(got, fromFile) {
		t.Errorf("file:\n got %+v\nwant %+v", got, fromFile)
	}
	environ := []string{
		"CLI_ID=7", "CLI_SERVER_ADDRESS=[::1]:9000", "CLI_BATCH_MAXAMOUNT=10000", "CLI_BATCH_WINDOW=256", "CLI_DATA_PATH=x.csv",
		"CLI_LOG_LEVEL=error", "CLI_TIMEOUT=1s", "CLI_RETRY_DEADLINE=2s", "CLI_WINNERS_TIMEOUT=3s",
		"CLI_SECRET=from-env", "CLI_LOOP_AMOUNT=0", "CLI_LOOP_PERIOD=1m",
	}
	fromEnv := Config{
		ID: 7, ServerAddress: "[::1]:9000", BatchMaxAmount: 10000, BatchWindow: 256, DataPath: "x.csv", LogLevel: "error",
		LoopPeriod: time.Minute, Timeout: time.Second, RetryDeadline: 2 * time.Second, WinnersTimeout: 3 * time.Second,
		Secret: "from-env",
	}
	if got := mustLoad(t, []string{"-config", path}, environ); !reflect.DeepEqual(got, fromEnv) {
		t.Errorf("env over file:\n got %+v\nwant %+v", got, fromEnv)
	}
	t.Run("MaxAmountFromEnvOverFile", func(t *testing.T) {
		got := mustLoad(t, []string{"-config", path}, []string{"CLI_BATCH_MAXAMOUNT=5"})
		if got.BatchMaxAmount != 5 {
			t.Errorf("BatchMaxAmount = %d, want 5", got.BatchMaxAmount)
		}
	})
	t.Run("MaxAmountFromEnv", func(t *testing.T) {
		got := mustLoad(t, nil, []string{"CLI_ID=1", "CLI_BATCH_MAXAMOUNT=33"})
		if got.BatchMaxAmount != 33 {
			t.Errorf("BatchMaxAmount = %d, want 33", got.BatchMaxAmount)
		}
	})
	t.Run("DataPathFollowsID", func(t *testing.T) {
		got := mustLoad(t, []string{"-config", mustFile(t, "server:\n  address: server:12345\n")}, []string{"CLI_ID=4"})
		if want := filepath.Join(".data", "agency-4.csv"); got.DataPath != want {
			t.Errorf("DataPath = %q, want %q", got.DataPath, want)
		}
	})
}

var betVars = []string{"NOMBRE=Santiago Lionel", "APELLIDO=Lorca", "DOCUMENTO=30904465", "NACIMIENTO=1999-03-17", "NUMERO=7574"}

func TestConfigSingleBet(t *testing.T) {
	c := mustLoad(t, nil, append([]string{"CLI_ID=1"}, betVars...))
	want := &SingleBet{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574}
	if !reflect.DeepEqual(c.Bet, want) {
		t.Errorf("Bet = %+v, want %+v", c.Bet, want)
	}
	attrs := c.logAttrs()
	if attrs[len(attrs)-2] != "single_bet" || attrs[len(attrs)-1] != true {
		t.Errorf("logAttrs ends with %v, want single_bet true", attrs[len(attrs)-2:])
	}
	for _, a := range attrs {
		if s, ok := a.(string); ok && (strings.Contains(s, "Lorca") || strings.Contains(s, "30904465")) {
			t.Errorf("logAttrs shows personal data: %v", attrs)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	id := []string{"CLI_ID=1"}
	withBet := func(repl ...string) []string {
		env := append(append([]string{}, id...), betVars...)
		for _, r := range repl {
			name, _, _ := strings.Cut(r, "=")
			for i, kv := range env {
				if strings.HasPrefix(kv, name+"=") {
					env[i] = r
				}
			}
		}
		return env
	}
	tests := []struct {
		name    string
		args    []string
		environ []string
		want    []string // substrings of the error
	}{
		{"NoID", nil, nil, []string{"id (CLI_ID): required"}},
		{"IDZero", nil, []string{"CLI_ID=0"}, []string{"id (CLI_ID): required, must be at least 1, got 0"}},
		{"IDNotNumber", nil, []string{"CLI_ID=uno"}, []string{"id (CLI_ID)", `"uno"`}},
		{"MissingFile", []string{"-config", filepath.Join(t.TempDir(), "nope.yaml")}, id, []string{"nope.yaml", "no such file"}},
		{"UnknownFlag", []string{"-id", "1"}, id, []string{"parse flags", "-id"}},
		{"UnknownKey", []string{"-config", mustFile(t, "server:\n  adress: x:1\n")}, id, []string{`unknown key "server.adress"`}},
		{"MaxAmountCase", []string{"-config", mustFile(t, "batch:\n  maxamount: 5\n")}, id, []string{`"batch.maxamount"`, `"batch.maxAmount"`}},
		{"Address", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server"}, []string{"server.address (CLI_SERVER_ADDRESS): must be host:port"}},
		{"MaxAmountZero", nil, []string{"CLI_ID=1", "CLI_BATCH_MAXAMOUNT=0"}, []string{"batch.maxAmount (CLI_BATCH_MAXAMOUNT): must be 1..10000, got 0"}},
		{"MaxAmountHigh", nil, []string{"CLI_ID=1", "CLI_BATCH_MAXAMOUNT=10001"}, []string{"batch.maxAmount (CLI_BATCH_MAXAMOUNT): must be 1..10000, got 10001"}},
		{"WindowZero", nil, []string{"CLI_ID=1", "CLI_BATCH_WINDOW=0"}, []string{"batch.window (CLI_BATCH_WINDOW): must be 1..256, got 0"}},
		{"WindowHigh", nil, []string{"CLI_ID=1", "CLI_BATCH_WINDOW=257"}, []string{"batch.window (CLI_BATCH_WINDOW): must be 1..256, got 257"}},
		{"WindowNotNumber", nil, []string{"CLI_ID=1", "CLI_BATCH_WINDOW=many"}, []string{"batch.window (CLI_BATCH_WINDOW)", `"many"`}},
		{"WindowCase", []string{"-config", mustFile(t, "batch:\n  Window: 5\n")}, id, []string{`"batch.Window"`, `"batch.window"`}},
		{"LoopAmountNegative", nil, []string{"CLI_ID=1", "CLI_LOOP_AMOUNT=-1"}, []string{"loop.amount (CLI_LOOP_AMOUNT): must be 0 or more, got -1"}},
		{"LoopAmountNotNumber", nil, []string{"CLI_ID=1", "CLI_LOOP_AMOUNT=five"}, []string{"loop.amount (CLI_LOOP_AMOUNT)", `"five"`}},
		{"LoopPeriodNegative", nil, []string{"CLI_ID=1", "CLI_LOOP_PERIOD=-1s"}, []string{"loop.period (CLI_LOOP_PERIOD): must not be negative, got -1s"}},
		{"LoopPeriodNoUnit", []string{"-config", mustFile(t, "loop:\n  period: 100\n")}, id, []string{"loop.period (CLI_LOOP_PERIOD)", "unit"}},
		{"DataPathBlank", nil, []string{"CLI_ID=1", "CLI_DATA_PATH= "}, []string{"data.path (CLI_DATA_PATH): must not be blank"}},
		{"LogLevel", nil, []string{"CLI_ID=1", "CLI_LOG_LEVEL=TRACE"}, []string{"log.level (CLI_LOG_LEVEL)", `"TRACE"`}},
		{"Timeout", nil, []string{"CLI_ID=1", "CLI_TIMEOUT=0s"}, []string{"server.timeout (CLI_TIMEOUT): must be positive"}},
		{"TimeoutNoUnit", nil, []string{"CLI_ID=1", "CLI_TIMEOUT=10"}, []string{"server.timeout (CLI_TIMEOUT)", "missing unit"}},
		{"RetryDeadline", nil, []string{"CLI_ID=1", "CLI_RETRY_DEADLINE=-1m"}, []string{"retry.deadline (CLI_RETRY_DEADLINE): must be positive"}},
		{"WinnersTimeout", nil, []string{"CLI_ID=1", "CLI_WINNERS_TIMEOUT=0s"}, []string{"winners.timeout (CLI_WINNERS_TIMEOUT): must be positive"}},
		{"WinnersTimeoutInFile", []string{"-config", mustFile(t, "winners:\n  timeout: 600\n")}, id, []string{"winners.timeout (CLI_WINNERS_TIMEOUT)", "unit"}},
		{"BetPartial", nil, []string{"CLI_ID=1", "NOMBRE=Ana", "NUMERO=1"}, []string{"single bet: missing APELLIDO, DOCUMENTO, NACIMIENTO"}},
		{"BetNumber", nil, withBet("NUMERO=10000"), []string{"single bet: NUMERO"}},
		{"BetDocument", nil, withBet("DOCUMENTO=30.904.465"), []string{"single bet: DOCUMENTO: document"}},
		{"BetBirthdate", nil, withBet("NACIMIENTO=1999-02-30"), []string{"single bet: NACIMIENTO: birthdate"}},
		{"BetName", nil, withBet("NOMBRE=a\x01b"), []string{"single bet: NOMBRE: first_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(tt.args, tt.environ)
			if err == nil {
				t.Fatalf("loadConfig(%q, %q) succeeded, want an error", tt.args, tt.environ)
			}
			t.Log(err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigLogAttrs(t *testing.T) {
	attrs := mustLoad(t, nil, []string{"CLI_ID=1"}).logAttrs()
	var keys []string
	for i := 0; i < len(attrs); i += 2 {
		keys = append(keys, attrs[i].(string))
	}
	want := []string{"client_id", "server_address", "loop_amount", "loop_period", "batch_max_amount", "batch_window", "data_path", "log_level", "timeout", "retry_deadline", "winners_timeout", "auth"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if len(envKeys) != len(want) {
		t.Errorf("%d environment variables for %d settings", len(envKeys), len(want))
	}
}

func TestConfigSecret(t *testing.T) {
	const secret = "s3cr3t-value"
	for _, tt := range []struct {
		environ []string
		auth    bool
	}{
		{[]string{"CLI_ID=1"}, false},
		{[]string{"CLI_ID=1", "CLI_SECRET="}, false},
		{[]string{"CLI_ID=1", "CLI_SECRET=" + secret}, true},
	} {
		c := mustLoad(t, nil, tt.environ)
		attrs := c.logAttrs()
		i := slices.Index(attrs, any("auth"))
		if i < 0 || attrs[i+1] != tt.auth {
			t.Errorf("%q: logAttrs = %v, want auth %v", tt.environ, attrs, tt.auth)
		}
		if got := fmt.Sprint(attrs...); strings.Contains(got, secret) {
			t.Errorf("logAttrs show the secret: %s", got)
		}
	}
}

func TestConfigExampleFile(t *testing.T) {
	got := mustLoad(t, []string{"-config", filepath.Join("..", "..", "docker", "client.yaml")}, []string{"CLI_ID=1"})
	want := mustLoad(t, nil, []string{"CLI_ID=1"})
	want.ServerAddress = "server:12345"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("docker/client.yaml does not list the defaults:\n got %+v\nwant %+v", got, want)
	}
}
