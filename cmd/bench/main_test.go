package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

func TestParseBackends(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{in: "file", want: []string{"file"}},
		{in: "file,jetstream-r1,jetstream-r3", want: []string{"file", "jetstream-r1", "jetstream-r3"}},
		{in: " jetstream-r3 , file", want: []string{"jetstream-r3", "file"}},
		{in: "jetstream", err: `bad backend "jetstream"`},
		{in: "file,", err: `bad backend ""`},
		{in: "file,file", err: "named twice"},
	} {
		got, err := parseBackends(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseBackends(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		var names []string
		for _, b := range got {
			names = append(names, b.name)
		}
		if err != nil || !reflect.DeepEqual(names, tc.want) {
			t.Errorf("parseBackends(%q) = %v, %v; want %v", tc.in, names, err, tc.want)
		}
	}
}

func TestVariantsAlternate(t *testing.T) {
	backends, _ := parseBackends("file,jetstream-r1")
	var got []string
	for _, v := range variantsOf([]string{"new", "old"}, backends) {
		got = append(got, v.String())
	}
	want := []string{"new on file", "new on jetstream-r1", "old on file", "old on jetstream-r1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("variants = %q, want %q", got, want)
	}
}

// TestRunRefusesEarly: bad flags, and a jetstream backend without a NATS
// server, fail before anything runs; the missing server's error says how
// to build it.
func TestRunRefusesEarly(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nats-server")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-backends", "file,sqlite"}, `bad backend "sqlite"`},
		{[]string{"-scales", "1,0"}, `bad scale "0"`},
		{[]string{"-backends", "jetstream-r1", "-nats", missing}, "go build -trimpath -ldflags '-s -w' -o bin/nats-server github.com/nats-io/nats-server/v2"},
	} {
		err := run(context.Background(), tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %q = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}

// TestNATSConfig reads the configuration the bench writes with
// nats-server's own parser: JetStream syncing every write into the run's
// store, and for a cluster the routes to all three.
func TestNATSConfig(t *testing.T) {
	for _, clustered := range []bool{false, true} {
		dir := t.TempDir()
		conf := filepath.Join(dir, "nats2.conf")
		text := natsConfig("nats2", filepath.Join(dir, "nats2"), 4001, 8001, 6002, []int{6001, 6002, 6003}, clustered)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		o, err := server.ProcessConfigFile(conf)
		if err != nil {
			t.Fatalf("clustered %v: %v\n%s", clustered, err, text)
		}
		if !o.JetStream || !o.SyncAlways || o.StoreDir != filepath.Join(dir, "nats2") || o.Port != 4001 || o.HTTPPort != 8001 || o.ServerName != "nats2" {
			t.Errorf("clustered %v: options %+v from\n%s", clustered, o, text)
		}
		routes := len(o.Routes)
		if clustered && (o.Cluster.Name != "loteria" || o.Cluster.Port != 6002 || routes != 3) || !clustered && (o.Cluster.Port != 0 || routes != 0) {
			t.Errorf("clustered %v: cluster %+v, %d routes, from\n%s", clustered, o.Cluster, routes, text)
		}
	}
}
