package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustFile(tb testing.TB, yaml string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "server.yaml")
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
		IP: "0.0.0.0", Port: 12345, ListenBacklog: 128, MaxConnections: 1024, Agencies: 5, StorePath: "bets.csv",
		StoreBackend: "file", NatsURL: "nats://127.0.0.1:4222", StoreReplicas: 1,
		LogLevel: "INFO", IdleTimeout: 60 * time.Second, WriteTimeout: 10 * time.Second, HelloTimeout: 5 * time.Second,
	}
	if got := mustLoad(t, nil, nil); got != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	unknown := []string{"PATH=/bin", "SERVER_PROT=1", "CLI_ID=3", "server.port=1", "NOEQUALS", "SERVER_PORT="}
	if got := mustLoad(t, nil, unknown); got != want {
		t.Errorf("unknown or empty variables changed the config:\n got %+v\nwant %+v", got, want)
	}
}

const fileYAML = `
# every key
server:
  ip: 127.0.0.1
  port: 4000
  listen_backlog: 16
  max_connections: 64
  agencies: 3
  idle_timeout: 2m
  write_timeout: 1.5s
  hello_timeout: 2s
lottery:
  date: 2026-12-01
auth:
  secrets: 1:s3cr3t-one,2:s3cr3t-two,3:s3cr3t-three
store:
  path: /data/bets.csv
log:
  level: debug
`

func TestConfigFileAndEnv(t *testing.T) {
	path := mustFile(t, fileYAML)
	fromFile := Config{
		IP: "127.0.0.1", Port: 4000, ListenBacklog: 16, MaxConnections: 64, Agencies: 3,
		Secrets: "1:s3cr3t-one,2:s3cr3t-two,3:s3cr3t-three", StorePath: "/data/bets.csv",
		StoreBackend: "file", NatsURL: "nats://127.0.0.1:4222", StoreReplicas: 1,
		LogLevel: "debug", IdleTimeout: 2 * time.Minute, WriteTimeout: 1500 * time.Millisecond,
		HelloTimeout: 2 * time.Second, LotteryDate: "2026-12-01",
	}
	if got := mustLoad(t, []string{"-config", path}, nil); got != fromFile {
		t.Errorf("file:\n got %+v\nwant %+v", got, fromFile)
	}
	var thousand []string
	for i := 1; i <= 1000; i++ {
		thousand = append(thousand, fmt.Sprintf("%d:secret-%d", i, i))
	}
	environ := []string{
		"SERVER_IP=::1", "SERVER_PORT=0", "SERVER_LISTEN_BACKLOG=1", "SERVER_MAX_CONNECTIONS=1",
		"SERVER_AGENCIES=1000", "SERVER_SECRETS=" + strings.Join(thousand, ","),
		"SERVER_STORE_PATH=x.csv", "SERVER_LOG_LEVEL=WARNING", "SERVER_IDLE_TIMEOUT=1h",
		"SERVER_WRITE_TIMEOUT=250ms", "SERVER_HELLO_TIMEOUT=1s", "SERVER_LOTTERY_DATE=2027-02-28",
		"SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL=nats://n1:4222,n2:4223", "SERVER_STORE_REPLICAS=3",
	}
	fromEnv := Config{
		IP: "::1", Port: 0, ListenBacklog: 1, MaxConnections: 1, Agencies: 1000,
		Secrets: strings.Join(thousand, ","), StorePath: "x.csv",
		StoreBackend: "jetstream", NatsURL: "nats://n1:4222,n2:4223", StoreReplicas: 3,
		LogLevel: "WARNING", IdleTimeout: time.Hour, WriteTimeout: 250 * time.Millisecond,
		HelloTimeout: time.Second, LotteryDate: "2027-02-28",
	}
	if got := mustLoad(t, []string{"-config", path}, environ); got != fromEnv {
		t.Errorf("env over file:\n got %+v\nwant %+v", got, fromEnv)
	}
	partial := fromFile
	partial.Port = 5000
	if got := mustLoad(t, []string{"-config=" + path}, []string{"SERVER_PORT=5000"}); got != partial {
		t.Errorf("one variable over file:\n got %+v\nwant %+v", got, partial)
	}
	empty := mustFile(t, "# all defaults\nserver:\n  # port: 1\n")
	if got, want := mustLoad(t, []string{"-config", empty}, nil), defaultConfig(); got != want {
		t.Errorf("commented-out file:\n got %+v\nwant %+v", got, want)
	}
}

// TestConfigNoAgencies: 0 agencies is a server without a lottery, and open.
func TestConfigNoAgencies(t *testing.T) {
	c := mustLoad(t, nil, []string{"SERVER_AGENCIES=0"})
	if c.Agencies != 0 || c.secrets() != nil {
		t.Errorf("config = %+v, secrets %v; want 0 agencies, none", c, c.secrets())
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		environ []string
		want    []string // substrings of the error
	}{
		{"MissingFile", []string{"-config", filepath.Join(t.TempDir(), "nope.yaml")}, nil, []string{"nope.yaml", "no such file"}},
		{"UnknownFlag", []string{"-port", "1"}, nil, []string{"parse flags", "-port"}},
		{"ExtraArgs", []string{"serve"}, nil, []string{"unexpected arguments"}},
		{"BadYAML", []string{"-config", mustFile(t, "server: [1,")}, nil, []string{"load config file"}},
		{"UnknownKey", []string{"-config", mustFile(t, "server:\n  prot: 1\n")}, nil, []string{`unknown key "server.prot"`}},
		{"KeyCase", []string{"-config", mustFile(t, "Server:\n  port: 1\n")}, nil, []string{`"Server.port"`, `"server.port"`}},
		{"BareDurationInFile", []string{"-config", mustFile(t, "server:\n  idle_timeout: 60\n")}, nil, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT)", "unit"}},
		{"IP", nil, []string{"SERVER_IP=localhost"}, []string{"server.ip (SERVER_IP): must be an IP address"}},
		{"PortNotNumber", nil, []string{"SERVER_PORT=abc"}, []string{"server.port (SERVER_PORT)", `"abc"`}},
		{"PortHigh", nil, []string{"SERVER_PORT=65536"}, []string{"server.port (SERVER_PORT): must be 0..65535, got 65536"}},
		{"PortNegative", nil, []string{"SERVER_PORT=-1"}, []string{"server.port (SERVER_PORT): must be 0..65535, got -1"}},
		{"PortLeadingZero", nil, []string{"SERVER_PORT=012345"}, []string{`server.port (SERVER_PORT): cannot use "012345": write it in decimal, without leading zeros`}}, // port 5349 before
		{"PortLeadingZeroInFile", []string{"-config", mustFile(t, "server:\n  port: 012345\n")}, nil, []string{`server.port (SERVER_PORT): cannot use "012345": write it in decimal, without leading zeros`}},
		{"PortOctalInFile", []string{"-config", mustFile(t, "server:\n  port: 0o12\n")}, nil, []string{`server.port (SERVER_PORT): cannot use "0o12": write it in decimal, without a 0x, 0o or 0b prefix`}}, // port 10
		{"PortHex", nil, []string{"SERVER_PORT=0x3039"}, []string{`server.port (SERVER_PORT): cannot use "0x3039": write it in decimal, without a 0x, 0o or 0b prefix`}},
		{"PortPlus", nil, []string{"SERVER_PORT=+12345"}, []string{`server.port (SERVER_PORT): cannot use "+12345": must be a whole number in decimal digits`}},
		{"PortUnderscore", nil, []string{"SERVER_PORT=12_345"}, []string{`server.port (SERVER_PORT): cannot use "12_345": must be a whole number in decimal digits`}},
		{"PortSpace", nil, []string{"SERVER_PORT= 12345"}, []string{`server.port (SERVER_PORT): cannot use " 12345": must be a whole number in decimal digits`}},
		{"PortFractionInFile", []string{"-config", mustFile(t, "server:\n  port: 1.5\n")}, nil, []string{`server.port (SERVER_PORT): cannot use "1.5": must be a whole number, without a fraction`}}, // port 1 before
		{"PortFraction", nil, []string{"SERVER_PORT=1.5"}, []string{`server.port (SERVER_PORT): cannot use "1.5": must be a whole number, without a fraction`}},
		{"PortExponent", nil, []string{"SERVER_PORT=1e3"}, []string{`server.port (SERVER_PORT): cannot use "1e3": must be a whole number, without a fraction or an exponent`}},
		{"PortEmptyInFile", []string{"-config", mustFile(t, "server:\n  port: ''\n")}, nil, []string{`server.port (SERVER_PORT): cannot use "": must be a whole number`}},          // port 0 before
		{"AgenciesLeadingZero", nil, []string{"SERVER_AGENCIES=010"}, []string{`server.agencies (SERVER_AGENCIES): cannot use "010": write it in decimal, without leading zeros`}}, // 8 agencies before
		{"Backlog", nil, []string{"SERVER_LISTEN_BACKLOG=0"}, []string{"server.listen_backlog (SERVER_LISTEN_BACKLOG): must be 1..65535, got 0"}},
		{"BacklogHigh", nil, []string{"SERVER_LISTEN_BACKLOG=65536"}, []string{"server.listen_backlog (SERVER_LISTEN_BACKLOG): must be 1..65535, got 65536"}},
		{"BacklogWraps", nil, []string{"SERVER_LISTEN_BACKLOG=4294967299"}, []string{"server.listen_backlog (SERVER_LISTEN_BACKLOG): must be 1..65535, got 4294967299"}}, // 3 in listen(2) before
		{"BacklogOutOfRange", nil, []string{"SERVER_LISTEN_BACKLOG=9223372036854775808"}, []string{`server.listen_backlog (SERVER_LISTEN_BACKLOG): cannot use "9223372036854775808": out of range`}},
		{"MaxConnections", nil, []string{"SERVER_MAX_CONNECTIONS=0"}, []string{"server.max_connections (SERVER_MAX_CONNECTIONS): must be 1..65535, got 0"}},
		{"MaxConnectionsHigh", nil, []string{"SERVER_MAX_CONNECTIONS=65536"}, []string{"server.max_connections (SERVER_MAX_CONNECTIONS): must be 1..65535, got 65536"}},
		{"SecretsMissing", nil, []string{"SERVER_AGENCIES=6", "SERVER_SECRETS=1:s3cr3t1,3:s3cr3t3"}, []string{"auth.secrets (SERVER_SECRETS): no secret for agencies 2, 4-6"}},
		{"SecretsOutOfRange", nil, []string{"SERVER_AGENCIES=2", "SERVER_SECRETS=1:s3cr3t1,2:s3cr3t2,3:s3cr3t3"}, []string{"auth.secrets (SERVER_SECRETS): entry 3: agency 3 is not in 1..2"}},
		{"SecretsAgencyZero", nil, []string{"SERVER_AGENCIES=1", "SERVER_SECRETS=0:s3cr3t0,1:s3cr3t1"}, []string{"entry 1: agency 0 is not in 1..1"}},
		{"SecretsDuplicate", nil, []string{"SERVER_AGENCIES=2", "SERVER_SECRETS=1:s3cr3t1,2:s3cr3t2,1:s3cr3tX"}, []string{"entry 3: agency 1 has a secret already"}},
		{"SecretsEmpty", nil, []string{"SERVER_AGENCIES=2", "SERVER_SECRETS=1:s3cr3t1,2:"}, []string{"entry 2: agency 2's secret is empty"}},
		{"SecretsSpace", nil, []string{"SERVER_AGENCIES=1", "SERVER_SECRETS=1:s3cr3t one"}, []string{"entry 1: agency 1's secret is empty or has spaces"}},
		{"SecretsNoColon", nil, []string{"SERVER_AGENCIES=2", "SERVER_SECRETS=1:s3cr3t1,s3cr3t2"}, []string{"entry 2: not agency:secret", "no secret for agencies 2:"}},
		{"SecretsNotNumber", nil, []string{"SERVER_AGENCIES=1", "SERVER_SECRETS=s3cr3t:1"}, []string{"entry 1: the agency is not a number"}},
		{"SecretsAgencyLeadingZero", nil, []string{"SERVER_AGENCIES=1", "SERVER_SECRETS=01:s3cr3t1"}, []string{"entry 1: the agency: write it in decimal, without leading zeros"}},
		{"SecretsAgencyPlus", nil, []string{"SERVER_AGENCIES=1", "SERVER_SECRETS=+1:s3cr3t1"}, []string{"entry 1: the agency is not a number in decimal"}},
		{"SecretsTrailingComma", nil, []string{"SERVER_AGENCIES=1", "SERVER_SECRETS=1:s3cr3t1,"}, []string{"entry 2: not agency:secret"}},
		{"SecretsYAMLList", []string{"-config", mustFile(t, "auth:\n  secrets: [s3cr3t1, s3cr3t2]\n")}, nil, []string{"auth.secrets (SERVER_SECRETS): must be text"}},
		{"AgenciesNegative", nil, []string{"SERVER_AGENCIES=-1"}, []string{"server.agencies (SERVER_AGENCIES): must be 0..1000, got -1"}},
		{"AgenciesHigh", nil, []string{"SERVER_AGENCIES=1001"}, []string{"server.agencies (SERVER_AGENCIES): must be 0..1000, got 1001"}},
		{"AgenciesZeroWithSecrets", nil, []string{"SERVER_AGENCIES=0", "SERVER_SECRETS=1:s3cr3t1"}, []string{"auth.secrets (SERVER_SECRETS): must be empty when server.agencies is 0"}},
		{"StorePath", []string{"-config", mustFile(t, "store:\n  path: ' '\n")}, nil, []string{"store.path (SERVER_STORE_PATH): must not be empty"}},
		{"StoreBackend", nil, []string{"SERVER_STORE_BACKEND=raft"}, []string{`store.backend (SERVER_STORE_BACKEND): must be "file" or "jetstream", got "raft"`}},
		{"StoreReplicas", nil, []string{"SERVER_STORE_BACKEND=jetstream", "SERVER_STORE_REPLICAS=2"}, []string{"store.replicas (SERVER_STORE_REPLICAS): must be 1 or 3, got 2"}},
		{"NatsURLEmptyEntry", nil, []string{"SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL=nats://a:1,,nats://b:2"}, []string{"store.nats_url (SERVER_NATS_URL): entry 2 is empty"}},
		{"NatsURLNoPort", nil, []string{"SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL=nats://a"}, []string{`store.nats_url (SERVER_NATS_URL): entry 1: want nats://host:port, got "nats://a"`}},
		{"NatsURLPort", nil, []string{"SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL=a:0"}, []string{`store.nats_url (SERVER_NATS_URL): entry 1: the port must be 1..65535, got "0"`}},
		{"NatsURLTwice", nil, []string{"SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL=nats://a:1,a:1"}, []string{"store.nats_url (SERVER_NATS_URL): entry 2: a:1 is given twice"}},
		{"LogLevel", nil, []string{"SERVER_LOG_LEVEL=LOUD"}, []string{"log.level (SERVER_LOG_LEVEL)", `"LOUD"`}},
		{"IdleNotDuration", nil, []string{"SERVER_IDLE_TIMEOUT=60"}, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT)", "missing unit"}},
		{"IdleZero", nil, []string{"SERVER_IDLE_TIMEOUT=0s"}, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT): must be 1ms..24h, got 0"}},
		{"IdleNanosecond", nil, []string{"SERVER_IDLE_TIMEOUT=1ns"}, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT): must be 1ms..24h, got 1ns"}},
		{"IdleLong", nil, []string{"SERVER_IDLE_TIMEOUT=24h0m0.001s"}, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT): must be 1ms..24h, got 24h0m0.001s"}},
		{"WriteNegative", nil, []string{"SERVER_WRITE_TIMEOUT=-1s"}, []string{"server.write_timeout (SERVER_WRITE_TIMEOUT): must be 1ms..24h, got -1s"}},
		{"WriteShort", nil, []string{"SERVER_WRITE_TIMEOUT=999us"}, []string{"server.write_timeout (SERVER_WRITE_TIMEOUT): must be 1ms..24h, got 999µs"}},
		{"WriteLong", nil, []string{"SERVER_WRITE_TIMEOUT=25h"}, []string{"server.write_timeout (SERVER_WRITE_TIMEOUT): must be 1ms..24h, got 25h"}},
		{"HelloNegative", nil, []string{"SERVER_HELLO_TIMEOUT=-1s"}, []string{"server.hello_timeout (SERVER_HELLO_TIMEOUT): must be 1ms..24h, got -1s"}},
		{"HelloNanosecond", nil, []string{"SERVER_HELLO_TIMEOUT=1ns"}, []string{"server.hello_timeout (SERVER_HELLO_TIMEOUT): must be 1ms..24h, got 1ns"}},
		{"HelloLong", nil, []string{"SERVER_HELLO_TIMEOUT=48h"}, []string{"server.hello_timeout (SERVER_HELLO_TIMEOUT): must be 1ms..24h, got 48h"}},
		{"TimeoutFraction", []string{"-config", mustFile(t, "server:\n  idle_timeout: 1.5\n")}, nil, []string{`server.idle_timeout (SERVER_IDLE_TIMEOUT): cannot use "1.5": must be a duration with a unit`}},
		{"LotteryDateNotADate", nil, []string{"SERVER_LOTTERY_DATE=2026-02-30"}, []string{"lottery.date (SERVER_LOTTERY_DATE): must be a real calendar date"}},
		{"Several", nil, []string{"SERVER_PORT=70000", "SERVER_AGENCIES=-2"}, []string{"server.port (SERVER_PORT)", "server.agencies (SERVER_AGENCIES)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(tt.args, tt.environ)
			if err == nil {
				t.Fatalf("loadConfig(%q, %q) succeeded, want an error", tt.args, tt.environ)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q quotes a secret", err)
			}
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
		{"SERVER_PORT=0", "server:\n  port: 0\n", func(c Config) any { return c.Port }, 0},
		{"SERVER_PORT=65535", "server:\n  port: 65535\n", func(c Config) any { return c.Port }, 65535},
		{"SERVER_LISTEN_BACKLOG=1", "server:\n  listen_backlog: 1\n", func(c Config) any { return c.ListenBacklog }, 1},
		{"SERVER_LISTEN_BACKLOG=65535", "server:\n  listen_backlog: 65535\n", func(c Config) any { return c.ListenBacklog }, 65535},
		{"SERVER_MAX_CONNECTIONS=1", "server:\n  max_connections: 1\n", func(c Config) any { return c.MaxConnections }, 1},
		{"SERVER_MAX_CONNECTIONS=65535", "server:\n  max_connections: 65535\n", func(c Config) any { return c.MaxConnections }, 65535},
		{"SERVER_AGENCIES=0", "server:\n  agencies: 0\n", func(c Config) any { return c.Agencies }, 0},
		{"SERVER_AGENCIES=1000", "server:\n  agencies: 1000\n", func(c Config) any { return c.Agencies }, 1000},
		{"SERVER_IDLE_TIMEOUT=1ms", "server:\n  idle_timeout: 1ms\n", func(c Config) any { return c.IdleTimeout }, time.Millisecond},
		{"SERVER_IDLE_TIMEOUT=24h", "server:\n  idle_timeout: 24h\n", func(c Config) any { return c.IdleTimeout }, 24 * time.Hour},
		{"SERVER_WRITE_TIMEOUT=1ms", "server:\n  write_timeout: 1ms\n", func(c Config) any { return c.WriteTimeout }, time.Millisecond},
		{"SERVER_WRITE_TIMEOUT=24h", "server:\n  write_timeout: 24h\n", func(c Config) any { return c.WriteTimeout }, 24 * time.Hour},
		{"SERVER_HELLO_TIMEOUT=1ms", "server:\n  hello_timeout: 1ms\n", func(c Config) any { return c.HelloTimeout }, time.Millisecond},
		{"SERVER_HELLO_TIMEOUT=24h", "server:\n  hello_timeout: 24h\n", func(c Config) any { return c.HelloTimeout }, 24 * time.Hour},
		{"SERVER_PORT=12345", "server:\n  port: '12345'\n", func(c Config) any { return c.Port }, 12345},
	} {
		if got := tt.got(mustLoad(t, nil, []string{tt.env})); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.env, got, tt.want)
		}
		if got := tt.got(mustLoad(t, []string{"-config", mustFile(t, tt.yaml)}, nil)); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.yaml, got, tt.want)
		}
	}
}

// TestConfigAgenciesOutOfRangeWithSecrets: too many agencies is one error,
// not a list of every agency without a secret, however many that is.
func TestConfigAgenciesOutOfRangeWithSecrets(t *testing.T) {
	_, err := loadConfig(nil, []string{"SERVER_AGENCIES=2000000", "SERVER_SECRETS=1:s3cr3t1"})
	if err == nil || err.Error() != "server.agencies (SERVER_AGENCIES): must be 0..1000, got 2000000" {
		t.Errorf("error %v, want only server.agencies out of range", err)
	}
}

func TestConfigLogAttrs(t *testing.T) {
	attrs := defaultConfig().logAttrs()
	var keys []string
	for i := 0; i < len(attrs); i += 2 {
		keys = append(keys, attrs[i].(string))
	}
	want := []string{"ip", "port", "listen_backlog", "max_connections", "agencies", "auth", "store_backend", "store_path", "nats_url", "store_replicas", "logging_level", "idle_timeout", "write_timeout", "hello_timeout", "lottery_date"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if n := reflect.TypeFor[Config]().NumField(); len(attrs) != 2*n {
		t.Errorf("%d attributes for %d settings", len(attrs)/2, n)
	}
	if len(envKeys) != reflect.TypeFor[Config]().NumField() {
		t.Errorf("%d environment variables for %d settings", len(envKeys), reflect.TypeFor[Config]().NumField())
	}
}

func TestConfigExampleFile(t *testing.T) {
	got := mustLoad(t, []string{"-config", filepath.Join("..", "..", "docker", "server.yaml")}, nil)
	if want := defaultConfig(); got != want {
		t.Errorf("docker/server.yaml does not list the defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseSecrets(t *testing.T) {
	got, errs := parseSecrets(" 2:b2 , 1:a1:with:colons,3:c3 ", 3)
	want := map[int]string{1: "a1:with:colons", 2: "b2", 3: "c3"}
	if len(errs) > 0 || !maps.Equal(got, want) {
		t.Errorf("parseSecrets = %v, %q; want %v", got, errs, want)
	}
	for _, empty := range []string{"", "  "} {
		if got, errs := parseSecrets(empty, 3); got != nil || errs != nil {
			t.Errorf("parseSecrets(%q) = %v, %q; want nil: open", empty, got, errs)
		}
	}
}

// TestRunNeverLogsSecrets runs the server, with secrets and with a bad
// secrets list: its output says whether auth is on, never a secret.
func TestRunNeverLogsSecrets(t *testing.T) {
	base := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=2"}
	tests := []struct {
		name    string
		secrets string
		want    []string
	}{
		{"Open", "", []string{"auth: false", "WARNING  action: auth | result: success | mode: open | warning: "}},
		{"Secrets", "1:s3cr3t-one,2:s3cr3t-two", []string{"auth: true", "action: shutdown | result: success"}},
		{"BadSecrets", "1:s3cr3t-one,1:s3cr3t-two", []string{"action: config | result: fail", "entry 2: agency 1 has a secret already"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // run starts, then shuts down at once
			env := append(base, "SERVER_STORE_PATH="+filepath.Join(t.TempDir(), "bets.csv"), "SERVER_SECRETS="+tt.secrets)
			var out strings.Builder
			run(ctx, nil, env, &out)
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output does not contain %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "s3cr3t") {
				t.Errorf("output shows a secret:\n%s", out.String())
			}
			if n := strings.Count(out.String(), "action: auth"); tt.name == "Open" && n != 1 || tt.name != "Open" && n != 0 {
				t.Errorf("%d auth lines, want one warning for an open server only:\n%s", n, out.String())
			}
		})
	}
}
