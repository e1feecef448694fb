package main

import (
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
		IP: "0.0.0.0", Port: 12345, ListenBacklog: 128, Agencies: 5, StorePath: "bets.csv",
		LogLevel: "INFO", IdleTimeout: 60 * time.Second, WriteTimeout: 10 * time.Second,
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
  agencies: 3
  idle_timeout: 2m
  write_timeout: 1.5s
store:
  path: /data/bets.csv
log:
  level: debug
`

func TestConfigFileAndEnv(t *testing.T) {
	path := mustFile(t, fileYAML)
	fromFile := Config{
		IP: "127.0.0.1", Port: 4000, ListenBacklog: 16, Agencies: 3, StorePath: "/data/bets.csv",
		LogLevel: "debug", IdleTimeout: 2 * time.Minute, WriteTimeout: 1500 * time.Millisecond,
	}
	if got := mustLoad(t, []string{"-config", path}, nil); got != fromFile {
		t.Errorf("file:\n got %+v\nwant %+v", got, fromFile)
	}
	environ := []string{
		"SERVER_IP=::1", "SERVER_PORT=0", "SERVER_LISTEN_BACKLOG=1", "SERVER_AGENCIES=1000",
		"SERVER_STORE_PATH=x.csv", "SERVER_LOG_LEVEL=WARNING", "SERVER_IDLE_TIMEOUT=1h",
		"SERVER_WRITE_TIMEOUT=250ms",
	}
	fromEnv := Config{
		IP: "::1", Port: 0, ListenBacklog: 1, Agencies: 1000, StorePath: "x.csv",
		LogLevel: "WARNING", IdleTimeout: time.Hour, WriteTimeout: 250 * time.Millisecond,
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
		{"Backlog", nil, []string{"SERVER_LISTEN_BACKLOG=0"}, []string{"server.listen_backlog (SERVER_LISTEN_BACKLOG): must be at least 1, got 0"}},
		{"AgenciesZero", nil, []string{"SERVER_AGENCIES=0"}, []string{"server.agencies (SERVER_AGENCIES): must be 1..1000, got 0"}},
		{"AgenciesHigh", nil, []string{"SERVER_AGENCIES=1001"}, []string{"server.agencies (SERVER_AGENCIES): must be 1..1000, got 1001"}},
		{"StorePath", []string{"-config", mustFile(t, "store:\n  path: ' '\n")}, nil, []string{"store.path (SERVER_STORE_PATH): must not be empty"}},
		{"LogLevel", nil, []string{"SERVER_LOG_LEVEL=LOUD"}, []string{"log.level (SERVER_LOG_LEVEL)", `"LOUD"`}},
		{"IdleNotDuration", nil, []string{"SERVER_IDLE_TIMEOUT=60"}, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT)", "missing unit"}},
		{"IdleZero", nil, []string{"SERVER_IDLE_TIMEOUT=0s"}, []string{"server.idle_timeout (SERVER_IDLE_TIMEOUT): must be positive"}},
		{"WriteNegative", nil, []string{"SERVER_WRITE_TIMEOUT=-1s"}, []string{"server.write_timeout (SERVER_WRITE_TIMEOUT): must be positive"}},
		{"Several", nil, []string{"SERVER_PORT=70000", "SERVER_AGENCIES=0"}, []string{"server.port (SERVER_PORT)", "server.agencies (SERVER_AGENCIES)"}},
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
	attrs := defaultConfig().logAttrs()
	var keys []string
	for i := 0; i < len(attrs); i += 2 {
		keys = append(keys, attrs[i].(string))
	}
	want := []string{"ip", "port", "listen_backlog", "agencies", "store_path", "logging_level", "idle_timeout", "write_timeout"}
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
