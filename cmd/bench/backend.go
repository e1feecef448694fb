package main

import (
	"fmt"
	"slices"
	"strings"
)

// backend is a store backend the server runs on in a run.
type backend struct {
	name string
	// replicas is the JetStream stream's replicas, and the NATS servers
	// the run starts for it; 0 for the file backend.
	replicas int
}

// knownBackends are the backends -backends names.
var knownBackends = []backend{
	{name: "file"},
	{name: "jetstream-r1", replicas: 1},
	{name: "jetstream-r3", replicas: 3},
}

func backendNames() string {
	names := make([]string, len(knownBackends))
	for i, b := range knownBackends {
		names[i] = b.name
	}
	return strings.Join(names, ", ")
}

// parseBackends parses -backends: backends' names, comma-separated, each
// once.
func parseBackends(s string) ([]backend, error) {
	var backends []backend
	for _, f := range strings.Split(s, ",") {
		name := strings.TrimSpace(f)
		i := slices.IndexFunc(knownBackends, func(b backend) bool { return b.name == name })
		switch {
		case i < 0:
			return nil, fmt.Errorf("bad backend %q: want one of %s", f, backendNames())
		case slices.Contains(backends, knownBackends[i]):
			return nil, fmt.Errorf("backend %s is named twice", name)
		}
		backends = append(backends, knownBackends[i])
	}
	return backends, nil
}

// variant is what one run runs: a directory's binaries on a backend.
type variant struct {
	bin          string
	binIndex     int // in -bin, -base
	backend      backend
	backendIndex int // in -backends
}

// variantsOf returns every bin on every backend, in the order a round of
// runs takes them: each bin's backends in turn.
func variantsOf(bins []string, backends []backend) []variant {
	var vs []variant
	for i, bin := range bins {
		for j, b := range backends {
			vs = append(vs, variant{bin: bin, binIndex: i, backend: b, backendIndex: j})
		}
	}
	return vs
}

func (v variant) String() string { return v.bin + " on " + v.backend.name }
