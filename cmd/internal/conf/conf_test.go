package conf_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/conf"
)

type strictConfig struct {
	Port  int           `koanf:"a.port"`
	Other int           `koanf:"b.port"`
	Small int8          `koanf:"small"`
	Count uint16        `koanf:"count"`
	Name  string        `koanf:"name"`
	Day   string        `koanf:"day"`
	Wait  time.Duration `koanf:"wait"`
}

var strictSpec = conf.Spec{Name: "test", Env: map[string]string{
	"T_PORT": "a.port", "T_OTHER": "b.port", "T_SMALL": "small", "T_COUNT": "count",
	"T_NAME": "name", "T_DAY": "day", "T_WAIT": "wait",
}}

var strictDefaults = strictConfig{Port: 12345, Other: 1, Name: "default", Wait: time.Second}

func mustFile(tb testing.TB, yaml string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "test.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// load loads strictSpec from yaml (as a -config file, if not "") and
// environ, over strictDefaults.
func load(tb testing.TB, yaml string, environ ...string) (strictConfig, error) {
	tb.Helper()
	var args []string
	if yaml != "" {
		args = []string{"-config", mustFile(tb, yaml)}
	}
	c := strictDefaults
	err := strictSpec.Load(&c, args, environ)
	return c, err
}

// TestLoadWholeNumbers: a whole number is read in decimal, the same from
// the file as from a variable; everything else is refused with an error
// that names the key, its variable and how to write the number — never
// read as octal, hex or binary, never truncated.
func TestLoadWholeNumbers(t *testing.T) {
	for _, tt := range []struct {
		text string // as written, unquoted in the file
		want int    // when err is ""
		err  string
	}{
		{"12345", 12345, ""},
		{"0", 0, ""},
		{"-1", -1, ""},
		{"65535", 65535, ""},
		{"9223372036854775807", 1<<63 - 1, ""},
		{"012345", 0, "write it in decimal, without leading zeros"}, // octal 5349 in Go and YAML
		{"010", 0, "write it in decimal, without leading zeros"},
		{"00", 0, "write it in decimal, without leading zeros"},
		{"-010", 0, "write it in decimal, without leading zeros"},
		{"08", 0, "write it in decimal, without leading zeros"}, // a float 8 in YAML
		{"0o12", 0, "without a 0x, 0o or 0b prefix"},
		{"0x1f", 0, "without a 0x, 0o or 0b prefix"},
		{"0X1F", 0, "without a 0x, 0o or 0b prefix"},
		{"0b101", 0, "without a 0x, 0o or 0b prefix"},
		{"1_000", 0, "in decimal digits"},
		{"+12", 0, "in decimal digits"},
		{"1.5", 0, "without a fraction"}, // truncated to 1 before
		{"1.0", 0, "without a fraction"},
		{"12345.0", 0, "without a fraction"},
		{"1e3", 0, "without a fraction or an exponent"},
		{".5", 0, "without a fraction"},
		{"abc", 0, "in decimal digits"},
		{"true", 0, "in decimal digits"}, // 1 before, from the file
		{".inf", 0, "in decimal digits"},
		{"9223372036854775808", 0, "out of range"},
		{"99999999999999999999", 0, "out of range"}, // a float in YAML
	} {
		for _, from := range []string{"env", "file"} {
			t.Run(from+"/"+tt.text, func(t *testing.T) {
				var c strictConfig
				var err error
				if from == "env" {
					c, err = load(t, "", "T_PORT="+tt.text)
				} else {
					c, err = load(t, "a:\n  port: "+tt.text+"\n")
				}
				if tt.err == "" {
					if err != nil || c.Port != tt.want {
						t.Fatalf("a.port = %d, %v; want %d", c.Port, err, tt.want)
					}
					return
				}
				if err == nil {
					t.Fatalf("a.port = %d, want an error %q", c.Port, tt.err)
				}
				want := `a.port (T_PORT): cannot use "` + tt.text + `": `
				if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %q, want %q and %q", err, want, tt.err)
				}
			})
		}
	}
}

// TestLoadWholeNumbersInFile: what only a file can write — quoted text,
// spaces, an explicit tag, an empty value, a list — follows the same rule.
func TestLoadWholeNumbersInFile(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		want int // when err is ""
		err  string
	}{
		{"a:\n  port: '12345'\n", 12345, ""},
		{"a:\n  port:   12345   # spaces around a plain value are YAML's, not the value's\n", 12345, ""},
		{"a:\n  port: '012345'\n", 0, "without leading zeros"},
		{"a:\n  port: !!int 012345\n", 0, "without leading zeros"},
		{"a:\n  port: ' 12'\n", 0, "in decimal digits"},
		{"a:\n  port: \"\"\n", 0, "in decimal digits"}, // port 0 before
		{"a:\n  port: [1]\n", 0, "in decimal digits"},
		{"a:\n  port:\n", 12345, ""}, // null: the default, as an empty variable
		{"a:\n  port: ~\n", 12345, ""},
	} {
		t.Run(tt.yaml, func(t *testing.T) {
			c, err := load(t, tt.yaml)
			switch {
			case tt.err == "" && (err != nil || c.Port != tt.want):
				t.Errorf("a.port = %d, %v; want %d", c.Port, err, tt.want)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), "a.port (T_PORT): ") || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("a.port = %d, %v; want an error naming a.port (T_PORT): %s", c.Port, err, tt.err)
			}
		})
	}
}

// TestLoadNoWrapAround: a number too large for its field is refused, not
// wrapped: the uint32 of an agency's hello, a backlog the kernel takes as
// an int, a smaller field.
func TestLoadNoWrapAround(t *testing.T) {
	for _, tt := range []struct {
		env   string
		ok    bool
		small int8
		count uint16
	}{
		{"T_SMALL=127", true, 127, 0},
		{"T_SMALL=-128", true, -128, 0},
		{"T_SMALL=128", false, 0, 0},
		{"T_SMALL=-129", false, 0, 0},
		{"T_COUNT=65535", true, 0, 65535},
		{"T_COUNT=65536", false, 0, 0},
		{"T_COUNT=-1", false, 0, 0},
	} {
		c, err := load(t, "", tt.env)
		if tt.ok && (err != nil || c.Small != tt.small || c.Count != tt.count) {
			t.Errorf("%s: small %d, count %d, %v; want %d, %d", tt.env, c.Small, c.Count, err, tt.small, tt.count)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "out of range")) {
			t.Errorf("%s: small %d, count %d, %v; want out of range", tt.env, c.Small, c.Count, err)
		}
	}
}

// TestLoadFileTextAsWritten: a text key from the file holds the text
// written, whatever YAML would have typed it as; aliases and merge keys
// still work.
func TestLoadFileTextAsWritten(t *testing.T) {
	for _, tt := range []struct{ yaml, name, day string }{
		{"name: 0123\n", "0123", ""}, // "83" before
		{"name: 0x1f\n", "0x1f", ""}, // "31"
		{"name: 1.50\n", "1.50", ""}, // "1.5"
		{"name: true\n", "true", ""}, // "1"
		{"name: 1e3\n", "1e3", ""},   // "1000"
		{"name: '010'\n", "010", ""},
		{"day: 2026-12-01\n", "default", "2026-12-01"},
		{"day: 2026-12-01 10:00:00\n", "default", "2026-12-01 10:00:00"},
	} {
		c, err := load(t, tt.yaml)
		if err != nil || c.Name != tt.name || c.Day != tt.day {
			t.Errorf("%q: name %q, day %q, %v; want %q, %q", tt.yaml, c.Name, c.Day, err, tt.name, tt.day)
		}
	}
	c, err := load(t, "a: &base\n  port: 7\nb:\n  <<: *base\n")
	if err != nil || c.Port != 7 || c.Other != 7 {
		t.Errorf("merge key: a.port %d, b.port %d, %v; want 7, 7", c.Port, c.Other, err)
	}
	c, err = load(t, "# nothing but a comment\n")
	if err != nil || !reflect.DeepEqual(c, strictDefaults) {
		t.Errorf("a file of comments: %+v, %v; want the defaults", c, err)
	}
}

// TestLoadDurations: a duration needs a unit, in the file as in a variable.
func TestLoadDurations(t *testing.T) {
	for _, tt := range []struct {
		yaml, env string
		want      time.Duration // when err is ""
		err       string
	}{
		{"wait: 1.5s\n", "", 1500 * time.Millisecond, ""},
		{"", "T_WAIT=1h30m", 90 * time.Minute, ""},
		{"wait: 60\n", "", 0, "must be a duration with a unit, like 30s"},
		{"", "T_WAIT=60", 0, "missing unit"},
		{"wait: true\n", "", 0, "must be a duration with a unit"},
		{"wait: [1s]\n", "", 0, "must be a duration with a unit"},
	} {
		var env []string
		if tt.env != "" {
			env = []string{tt.env}
		}
		c, err := load(t, tt.yaml, env...)
		switch {
		case tt.err == "" && (err != nil || c.Wait != tt.want):
			t.Errorf("%q %q: wait %v, %v; want %v", tt.yaml, tt.env, c.Wait, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), "wait (T_WAIT): ") || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q %q: wait %v, %v; want an error naming wait (T_WAIT): %s", tt.yaml, tt.env, c.Wait, err, tt.err)
		}
	}
}

func TestParseInt(t *testing.T) {
	for s, want := range map[string]int64{"0": 0, "7": 7, "-7": -7, "65535": 65535, "-9223372036854775808": -1 << 63} {
		if n, err := conf.ParseInt(s); err != nil || n != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
	for s, want := range map[string]error{
		"012": conf.ErrLeadingZero, "-0": nil, "0x10": conf.ErrBasePrefix, "-0b1": conf.ErrBasePrefix,
		"1.5": conf.ErrFraction, "2e2": conf.ErrFraction, "": conf.ErrNotDecimal, "-": conf.ErrNotDecimal,
		"+1": conf.ErrNotDecimal, "1 ": conf.ErrNotDecimal, "1_0": conf.ErrNotDecimal, "١٢": conf.ErrNotDecimal,
		"1e": conf.ErrNotDecimal, "18446744073709551616": conf.ErrOutOfRange,
	} {
		if _, err := conf.ParseInt(s); err != want {
			t.Errorf("ParseInt(%q): error %v, want %v", s, err, want)
		}
	}
}

func TestCheckerBounds(t *testing.T) {
	ch := strictSpec.Check()
	ch.Int("a.port", 0, 0, 65535)
	ch.Int("a.port", 65536, 0, 65535)
	ch.Duration("wait", time.Millisecond, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("wait", 24*time.Hour, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("wait", time.Nanosecond, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("wait", 25*time.Hour, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("wait", 90*time.Second, 0, time.Minute)
	want := "a.port (T_PORT): must be 0..65535, got 65536\n" +
		"wait (T_WAIT): must be 1ms..24h, got 1ns\n" +
		"wait (T_WAIT): must be 1ms..24h, got 25h\n" +
		"wait (T_WAIT): must be 0..1m, got 1m30s"
	if err := ch.Err(); err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}
