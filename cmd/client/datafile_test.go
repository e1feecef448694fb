package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunDataIsADirectory: a data path that is a directory, as a bind mount
// of a missing file leaves, fails at once with a line that says so and what
// to do, before any connection.
func TestRunDataIsADirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "agency.csv")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := runAgency(t, nil, testEnv(closedAddr(t), dir))
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	want := "action: leer_apuesta | result: fail | error: " + dir + ": is a directory, not a bets file"
	if ls := lines(out, "leer_apuesta"); len(ls) != 1 || !strings.HasPrefix(ls[0], want) || !strings.Contains(ls[0], "make data") {
		t.Errorf("leer_apuesta lines = %q, want one starting %q that says to make data", ls, want)
	}
	if ls := lines(out, "connect"); len(ls) != 0 {
		t.Errorf("connect lines %q: the agency tried the server with no bets file", ls)
	}
}
