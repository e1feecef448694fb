package main

import (
	"context"
	"strings"
	"testing"
)

// TestRunConfigLine: the config line shows loop.amount, loop.period and
// log.level as the course's configuration writes them, and every other
// setting.
func TestRunConfigLine(t *testing.T) {
	s := &fakeServer{}
	// The course's client/config.yaml, with the keys it writes.
	file := mustFile(t, "server:\n  address: \""+s.start(t)+"\"\nloop:\n  amount: 2\n  period: \"100ms\"\nlog:\n  level: \"DEBUG\"\nbatch:\n  maxAmount: 10\n")
	out, err := runAgency(t, []string{"-config", file}, []string{"CLI_ID=1", "CLI_DATA_PATH=" + writeBets(t, makeBets(3, "Ana"))})
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	ls := lines(out, "config")
	if len(ls) != 1 {
		t.Fatalf("config lines %q, want one", ls)
	}
	for _, want := range []string{" | loop_amount: 2 | loop_period: 100ms | ", " | log_level: DEBUG | ", " | batch_max_amount: 10 | ", " | client_id: 1 | "} {
		if !strings.Contains(ls[0], want) {
			t.Errorf("config line %q does not contain %q", ls[0], want)
		}
	}
	if n := len(lines(out, "receive_message")); n != 2 {
		t.Errorf("%d receive_message lines, want loop.amount = 2", n)
	}
}

// TestRunHelp: -h, -help, --help and help print the usage on stdout, with
// every variable the agency reads, and succeed without logging.
func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}, {"ping", "-h"}, {"echo", "--help"}, {"-config", "x.yaml", "-h"}} {
		var out strings.Builder
		if err := run(context.Background(), args, []string{"CLI_ID=nope"}, &out); err != nil {
			t.Errorf("run %q = %v, want nil", args, err)
		}
		got := out.String()
		if !strings.HasPrefix(got, "client is a lottery agency.") || strings.Contains(got, "action:") {
			t.Errorf("run %q printed\n%s\nwant the usage only", args, got)
			continue
		}
		for _, want := range []string{"client ping [-config file]", "client echo [-config file]", "-config file", "-h, -help, --help"} {
			if !strings.Contains(got, want) {
				t.Errorf("usage does not mention %q", want)
			}
		}
		for name, key := range envKeys {
			if !strings.Contains(got, "  "+name+" ") || !strings.Contains(got, " "+key+" ") {
				t.Errorf("usage does not list %s (%s):\n%s", name, key, got)
			}
		}
		for _, e := range betEnv {
			if !strings.Contains(got, e.name) {
				t.Errorf("usage does not list %s", e.name)
			}
		}
	}
	var out strings.Builder
	run(context.Background(), nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=x"}, &out)
	if strings.Contains(out.String(), "Usage:") {
		t.Errorf("usage printed without -h:\n%s", out.String())
	}
}

func TestUsageDefaults(t *testing.T) {
	var out strings.Builder
	if err := usage(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CLI_LOOP_AMOUNT      loop.amount      0\n",
		"CLI_LOOP_PERIOD      loop.period      1s\n",
		"CLI_ID               id               none: required, 1..1000\n",
		"CLI_SERVER_ADDRESS   server.address   localhost:12345\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage does not contain %q:\n%s", want, out.String())
		}
	}
	for key := range usageNotes {
		if !strings.Contains(spec.KeyName(key), "(") {
			t.Errorf("usage note for %q, which no variable sets", key)
		}
	}
}
