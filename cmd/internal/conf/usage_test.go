package conf_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/conf"
)

type testConfig struct {
	ID      int           `koanf:"id"`
	Address string        `koanf:"server.address"`
	Path    string        `koanf:"data.path"`
	Period  time.Duration `koanf:"loop.period"`
	Hidden  string        `koanf:"-"`
}

var testSpec = conf.Spec{Name: "test", Env: map[string]string{
	"T_ID": "id", "T_ADDRESS": "server.address", "T_PATH": "data.path", "T_PERIOD": "loop.period",
}}

func TestWantsHelp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{"-h"}, true},
		{[]string{"-help"}, true},
		{[]string{"--help"}, true},
		{[]string{"help"}, true},
		{[]string{"-config", "x.yaml", "-h"}, true},
		{nil, false},
		{[]string{"-config", "x.yaml"}, false},
		{[]string{"-config", "-h"}, false}, // a file named -h
		{[]string{"-x", "-h"}, false},      // a bad flag first: Load reports it
		{[]string{"x", "help"}, false},
	} {
		if got := testSpec.WantsHelp(tt.args); got != tt.want {
			t.Errorf("WantsHelp(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestUsage(t *testing.T) {
	var b strings.Builder
	defaults := testConfig{Address: "localhost:1", Period: 1500 * time.Millisecond, Hidden: "x"}
	if err := testSpec.Usage(&b, "Usage: test [flags]\n", defaults, map[string]string{"id": "(required)"}); err != nil {
		t.Fatal(err)
	}
	want := `Usage: test [flags]

Flags:
  -config file       YAML configuration file; without it no file is read
  -h, -help, --help  print this help and exit

Environment (over the -config file; a variable set to "" counts as unset):
  VARIABLE   KEY             DEFAULT
  T_ID       id              (required)
  T_ADDRESS  server.address  localhost:1
  T_PATH     data.path       ""
  T_PERIOD   loop.period     1.5s
`
	if got := b.String(); got != want {
		t.Errorf("usage:\n%s\nwant:\n%s", got, want)
	}
}
