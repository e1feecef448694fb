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
		{"IDZero", nil, []string{"CLI_ID=0"}, []string{"id (CLI_ID): required: the agency's number, 1..1000"}},
		{"IDNegative", nil, []string{"CLI_ID=-1"}, []string{"id (CLI_ID): must be 1..1000, got -1"}},
		{"IDHigh", nil, []string{"CLI_ID=1001"}, []string{"id (CLI_ID): must be 1..1000, got 1001"}},
		{"IDWraps", nil, []string{"CLI_ID=4294967301"}, []string{"id (CLI_ID): must be 1..1000, got 4294967301"}},                             // agency 5 in the hello before
		{"IDLeadingZero", nil, []string{"CLI_ID=010"}, []string{`id (CLI_ID): cannot use "010": write it in decimal, without leading zeros`}}, // agency 8 before
		{"IDLeadingZeroInFile", []string{"-config", mustFile(t, "id: 010\n")}, nil, []string{`id (CLI_ID): cannot use "010": write it in decimal, without leading zeros`}},
		{"IDHexInFile", []string{"-config", mustFile(t, "id: 0x10\n")}, nil, []string{`id (CLI_ID): cannot use "0x10": write it in decimal, without a 0x, 0o or 0b prefix`}},
		{"IDFractionInFile", []string{"-config", mustFile(t, "id: 1.5\n")}, nil, []string{`id (CLI_ID): cannot use "1.5": must be a whole number, without a fraction`}}, // agency 1 before
		{"IDFraction", nil, []string{"CLI_ID=2.0"}, []string{`id (CLI_ID): cannot use "2.0": must be a whole number, without a fraction`}},
		{"IDPlus", nil, []string{"CLI_ID=+3"}, []string{`id (CLI_ID): cannot use "+3": must be a whole number in decimal digits`}},
		{"IDNotNumber", nil, []string{"CLI_ID=uno"}, []string{"id (CLI_ID)", `"uno"`}},
		{"MissingFile", []string{"-config", filepath.Join(t.TempDir(), "nope.yaml")}, id, []string{"nope.yaml", "no such file"}},
		{"UnknownFlag", []string{"-id", "1"}, id, []string{"parse flags", "-id"}},
		{"UnknownKey", []string{"-config", mustFile(t, "server:\n  adress: x:1\n")}, id, []string{`unknown key "server.adress"`}},
		{"MaxAmountCase", []string{"-config", mustFile(t, "batch:\n  maxamount: 5\n")}, id, []string{`"batch.maxamount"`, `"batch.maxAmount"`}},
		{"Address", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server"}, []string{"server.address (CLI_SERVER_ADDRESS): must be host:port"}},
		{"AddressPortZero", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server:0"}, []string{"server.address (CLI_SERVER_ADDRESS): the port must be 1..65535, got 0"}},
		{"AddressPortHigh", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server:65536"}, []string{"server.address (CLI_SERVER_ADDRESS): the port must be 1..65535, got 65536"}},
		{"AddressPortLeadingZero", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server:012345"}, []string{`server.address (CLI_SERVER_ADDRESS): the port "012345": write it in decimal, without leading zeros`}},
		{"AddressPortName", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server:http"}, []string{`server.address (CLI_SERVER_ADDRESS): the port "http": must be a whole number in decimal digits`}},
		{"AddressPortEmpty", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=server:"}, []string{`server.address (CLI_SERVER_ADDRESS): the port "": must be a whole number in decimal digits`}},
		{"MaxAmountZero", nil, []string{"CLI_ID=1", "CLI_BATCH_MAXAMOUNT=0"}, []string{"batch.maxAmount (CLI_BATCH_MAXAMOUNT): must be 1..10000, got 0"}},
		{"MaxAmountHigh", nil, []string{"CLI_ID=1", "CLI_BATCH_MAXAMOUNT=10001"}, []string{"batch.maxAmount (CLI_BATCH_MAXAMOUNT): must be 1..10000, got 10001"}},
		{"WindowZero", nil, []string{"CLI_ID=1", "CLI_BATCH_WINDOW=0"}, []string{"batch.window (CLI_BATCH_WINDOW): must be 1..256, got 0"}},
		{"WindowHigh", nil, []string{"CLI_ID=1", "CLI_BATCH_WINDOW=257"}, []string{"batch.window (CLI_BATCH_WINDOW): must be 1..256, got 257"}},
		{"WindowNotNumber", nil, []string{"CLI_ID=1", "CLI_BATCH_WINDOW=many"}, []string{"batch.window (CLI_BATCH_WINDOW)", `"many"`}},
		{"WindowFractionInFile", []string{"-config", mustFile(t, "batch:\n  window: 1.5\n")}, id, []string{`batch.window (CLI_BATCH_WINDOW): cannot use "1.5": must be a whole number, without a fraction`}}, // 1 before
		{"MaxAmountLeadingZero", nil, []string{"CLI_ID=1", "CLI_BATCH_MAXAMOUNT=0175"}, []string{`batch.maxAmount (CLI_BATCH_MAXAMOUNT): cannot use "0175": write it in decimal, without leading zeros`}},    // 125 before
		{"WindowCase", []string{"-config", mustFile(t, "batch:\n  Window: 5\n")}, id, []string{`"batch.Window"`, `"batch.window"`}},
		{"LoopAmountNegative", nil, []string{"CLI_ID=1", "CLI_LOOP_AMOUNT=-1"}, []string{"loop.amount (CLI_LOOP_AMOUNT): must be 0..1000000, got -1"}},
		{"LoopAmountHigh", nil, []string{"CLI_ID=1", "CLI_LOOP_AMOUNT=1000001"}, []string{"loop.amount (CLI_LOOP_AMOUNT): must be 0..1000000, got 1000001"}},
		{"LoopAmountLeadingZero", nil, []string{"CLI_ID=1", "CLI_LOOP_AMOUNT=010"}, []string{`loop.amount (CLI_LOOP_AMOUNT): cannot use "010": write it in decimal, without leading zeros`}},
		{"LoopAmountNotNumber", nil, []string{"CLI_ID=1", "CLI_LOOP_AMOUNT=five"}, []string{"loop.amount (CLI_LOOP_AMOUNT)", `"five"`}},
		{"LoopPeriodNegative", nil, []string{"CLI_ID=1", "CLI_LOOP_PERIOD=-1s"}, []string{"loop.period (CLI_LOOP_PERIOD): must be 0..1h, got -1s"}},
		{"LoopPeriodLong", nil, []string{"CLI_ID=1", "CLI_LOOP_PERIOD=1h0m1s"}, []string{"loop.period (CLI_LOOP_PERIOD): must be 0..1h, got 1h0m1s"}},
		{"LoopPeriodNoUnit", []string{"-config", mustFile(t, "loop:\n  period: 100\n")}, id, []string{"loop.period (CLI_LOOP_PERIOD)", "unit"}},
		{"DataPathBlank", nil, []string{"CLI_ID=1", "CLI_DATA_PATH= "}, []string{"data.path (CLI_DATA_PATH): must not be blank"}},
		{"LogLevel", nil, []string{"CLI_ID=1", "CLI_LOG_LEVEL=TRACE"}, []string{"log.level (CLI_LOG_LEVEL)", `"TRACE"`}},
		{"Timeout", nil, []string{"CLI_ID=1", "CLI_TIMEOUT=0s"}, []string{"server.timeout (CLI_TIMEOUT): must be 1ms..24h, got 0"}},
		{"TimeoutNanosecond", nil, []string{"CLI_ID=1", "CLI_TIMEOUT=1ns"}, []string{"server.timeout (CLI_TIMEOUT): must be 1ms..24h, got 1ns"}},
		{"TimeoutLong", nil, []string{"CLI_ID=1", "CLI_TIMEOUT=25h"}, []string{"server.timeout (CLI_TIMEOUT): must be 1ms..24h, got 25h"}},
		{"TimeoutNoUnit", nil, []string{"CLI_ID=1", "CLI_TIMEOUT=10"}, []string{"server.timeout (CLI_TIMEOUT)", "missing unit"}},
		{"RetryDeadline", nil, []string{"CLI_ID=1", "CLI_RETRY_DEADLINE=-1m"}, []string{"retry.deadline (CLI_RETRY_DEADLINE): must be 1ms..24h, got -1m"}},
		{"RetryDeadlineShort", nil, []string{"CLI_ID=1", "CLI_RETRY_DEADLINE=999us"}, []string{"retry.deadline (CLI_RETRY_DEADLINE): must be 1ms..24h, got 999µs"}},
		{"RetryDeadlineLong", nil, []string{"CLI_ID=1", "CLI_RETRY_DEADLINE=48h"}, []string{"retry.deadline (CLI_RETRY_DEADLINE): must be 1ms..24h, got 48h"}},
		{"WinnersTimeout", nil, []string{"CLI_ID=1", "CLI_WINNERS_TIMEOUT=0s"}, []string{"winners.timeout (CLI_WINNERS_TIMEOUT): must be 1ms..24h, got 0"}},
		{"WinnersTimeoutNanosecond", nil, []string{"CLI_ID=1", "CLI_WINNERS_TIMEOUT=1ns"}, []string{"winners.timeout (CLI_WINNERS_TIMEOUT): must be 1ms..24h, got 1ns"}},
		{"WinnersTimeoutLong", nil, []string{"CLI_ID=1", "CLI_WINNERS_TIMEOUT=24h1m"}, []string{"winners.timeout (CLI_WINNERS_TIMEOUT): must be 1ms..24h, got 24h1m"}},
		{"MinUptimeNegative", nil, []string{"CLI_ID=1", "CLI_MIN_UPTIME=-1s"}, []string{"exit.min_uptime (CLI_MIN_UPTIME): must be 0..1m"}},
		{"MinUptimeLong", nil, []string{"CLI_ID=1", "CLI_MIN_UPTIME=2m"}, []string{"exit.min_uptime (CLI_MIN_UPTIME): must be 0..1m"}},
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

// TestConfigBounds: the edges of every bound are accepted, from the
// environment and from the file alike.
func TestConfigBounds(t *testing.T) {
	for _, tt := range []struct {
		env  string
		yaml string
		got  func(Config) any
		want any
	}{
		{"CLI_ID=1", "id: 1\n", func(c Config) any { return c.ID }, 1},
		{"CLI_ID=1000", "id: 1000\n", func(c Config) any { return c.ID }, 1000},
		{"CLI_SERVER_ADDRESS=server:1", "server:\n  address: server:1\n", func(c Config) any { return c.ServerAddress }, "server:1"},
		{"CLI_SERVER_ADDRESS=[::1]:65535", "server:\n  address: '[::1]:65535'\n", func(c Config) any { return c.ServerAddress }, "[::1]:65535"},
		{"CLI_LOOP_AMOUNT=0", "loop:\n  amount: 0\n", func(c Config) any { return c.LoopAmount }, 0},
		{"CLI_LOOP_AMOUNT=1000000", "loop:\n  amount: 1000000\n", func(c Config) any { return c.LoopAmount }, 1000000},
		{"CLI_LOOP_PERIOD=0s", "loop:\n  period: 0s\n", func(c Config) any { return c.LoopPeriod }, time.Duration(0)},
		{"CLI_LOOP_PERIOD=1h", "loop:\n  period: 1h\n", func(c Config) any { return c.LoopPeriod }, time.Hour},
		{"CLI_BATCH_MAXAMOUNT=1", "batch:\n  maxAmount: 1\n", func(c Config) any { return c.BatchMaxAmount }, 1},
		{"CLI_BATCH_MAXAMOUNT=10000", "batch:\n  maxAmount: 10000\n", func(c Config) any { return c.BatchMaxAmount }, 10000},
		{"CLI_BATCH_WINDOW=1", "batch:\n  window: 1\n", func(c Config) any { return c.BatchWindow }, 1},
		{"CLI_BATCH_WINDOW=256", "batch:\n  window: 256\n", func(c Config) any { return c.BatchWindow }, 256},
		{"CLI_TIMEOUT=1ms", "server:\n  timeout: 1ms\n", func(c Config) any { return c.Timeout }, time.Millisecond},
		{"CLI_TIMEOUT=24h", "server:\n  timeout: 24h\n", func(c Config) any { return c.Timeout }, 24 * time.Hour},
		{"CLI_RETRY_DEADLINE=1ms", "retry:\n  deadline: 1ms\n", func(c Config) any { return c.RetryDeadline }, time.Millisecond},
		{"CLI_RETRY_DEADLINE=24h", "retry:\n  deadline: 24h\n", func(c Config) any { return c.RetryDeadline }, 24 * time.Hour},
		{"CLI_WINNERS_TIMEOUT=1ms", "winners:\n  timeout: 1ms\n", func(c Config) any { return c.WinnersTimeout }, time.Millisecond},
		{"CLI_WINNERS_TIMEOUT=24h", "winners:\n  timeout: 24h\n", func(c Config) any { return c.WinnersTimeout }, 24 * time.Hour},
		{"CLI_MIN_UPTIME=0s", "exit:\n  min_uptime: 0s\n", func(c Config) any { return c.MinUptime }, time.Duration(0)},
		{"CLI_MIN_UPTIME=1m", "exit:\n  min_uptime: 1m\n", func(c Config) any { return c.MinUptime }, time.Minute},
	} {
		// CLI_ID first: an id in the case wins, as a later variable does.
		if got := tt.got(mustLoad(t, nil, []string{"CLI_ID=7", tt.env})); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.env, got, tt.want)
		}
		file := tt.yaml
		if !strings.HasPrefix(file, "id:") {
			file = "id: 7\n" + file
		}
		if got := tt.got(mustLoad(t, []string{"-config", mustFile(t, file)}, nil)); got != tt.want {
			t.Errorf("%q: %v, want %v", file, got, tt.want)
		}
	}
}

// TestConfigFileTextAsWritten: a text key in the file holds the text
// written, as the same text in a variable does, even when YAML would take
// it for a number or a bool.
func TestConfigFileTextAsWritten(t *testing.T) {
	for yaml, want := range map[string]string{
		"secret: 0123\n":   "0123", // octal 83, "83", before
		"secret: 1_000\n":  "1_000",
		"secret: 1.50\n":   "1.50",
		"secret: true\n":   "true", // "1" before
		"secret: 0x1F\n":   "0x1F",
		"secret: '0123'\n": "0123",
	} {
		if got := mustLoad(t, []string{"-config", mustFile(t, yaml)}, []string{"CLI_ID=1"}).Secret; got != want {
			t.Errorf("%q: secret %q, want %q", yaml, got, want)
		}
	}
}

func TestConfigLogAttrs(t *testing.T) {
	attrs := mustLoad(t, nil, []string{"CLI_ID=1"}).logAttrs()
	var keys []string
	for i := 0; i < len(attrs); i += 2 {
		keys = append(keys, attrs[i].(string))
	}
	want := []string{"client_id", "server_address", "loop_amount", "loop_period", "batch_max_amount", "batch_window", "data_path", "log_level", "timeout", "retry_deadline", "winners_timeout", "min_uptime", "auth"}
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
