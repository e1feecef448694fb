package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tp0/loteria/cmd/internal/gen"
	"github.com/tp0/loteria/domain"
)

func mustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	var out bytes.Buffer
	if err := run(args, &out); err != nil {
		tb.Fatalf("run %q: %v", args, err)
	}
	return out.String()
}

func mustWinners(tb testing.TB, path string, agency int) (rows, winners int) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ar := domain.NewAgencyReader(f, agency)
	for {
		b, _, err := ar.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return rows, winners
			}
			tb.Fatalf("%s: %v", path, err)
		}
		rows++
		if b.Wins() {
			winners++
		}
	}
}

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out := mustRun(t, "-out", dir, "-agencies", "3", "-rows", "50", "-seed", "5")
	if n := strings.Count(out, "wrote "); n != 3 {
		t.Errorf("output has %d wrote lines, want 3:\n%s", n, out)
	}
	for i := 1; i <= 3; i++ {
		path := filepath.Join(dir, fmt.Sprintf("agency-%d.csv", i))
		if rows, winners := mustWinners(t, path, i); rows != 50 || winners != i {
			t.Errorf("%s: %d rows, %d winners; want 50, %d", path, rows, winners, i)
		}
		var want bytes.Buffer
		if err := gen.Write(&want, gen.Spec{Agency: i, Rows: 50, Winners: gen.Spread(50, i), Seed: 5}); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s differs from gen.Write", path)
		}
	}
}

func TestRunWinnersPerAgency(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "-out", dir, "-agencies", "2", "-rows", "10", "-winners-per-agency", "0")
	for i := 1; i <= 2; i++ {
		path := filepath.Join(dir, fmt.Sprintf("agency-%d.csv", i))
		if rows, winners := mustWinners(t, path, i); rows != 10 || winners != 0 {
			t.Errorf("%s: %d rows, %d winners; want 10, 0", path, rows, winners)
		}
	}
}

func TestRunKeep(t *testing.T) {
	dir := t.TempDir()
	kept := filepath.Join(dir, "agency-1.csv")
	if err := os.WriteFile(kept, []byte("hand-made\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "-out", dir, "-agencies", "2", "-rows", "5", "-keep")
	if got, _ := os.ReadFile(kept); string(got) != "hand-made\n" {
		t.Errorf("-keep overwrote %s: %q", kept, got)
	}
	if !strings.Contains(out, "kept "+kept) || !strings.Contains(out, "wrote "+filepath.Join(dir, "agency-2.csv")) {
		t.Errorf("output does not say what was kept and written:\n%s", out)
	}
	mustRun(t, "-out", dir, "-agencies", "1", "-rows", "5")
	if got, _ := os.ReadFile(kept); string(got) == "hand-made\n" {
		t.Error("without -keep the file was not rewritten")
	}
}

// TestRunReplacesEmptyDirectory: an empty directory at a file's path, as a
// bind mount of a missing file leaves, counts as missing, with -keep too: it
// is replaced by the file. A directory with something in it is an error.
func TestRunReplacesEmptyDirectory(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "agency-2.csv")
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"-out", dir, "-agencies", "2", "-rows", "5"}
			if keep {
				args = append(args, "-keep")
			}
			out := mustRun(t, args...)
			if rows, _ := mustWinners(t, path, 2); rows != 5 {
				t.Errorf("%s: %d rows, want 5", path, rows)
			}
			if !strings.Contains(out, "removed the empty directory "+path) || !strings.Contains(out, "wrote "+path) {
				t.Errorf("output does not say the directory was replaced:\n%s", out)
			}
		})
	}
	t.Run("NotEmpty", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "agency-1.csv")
		if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
			t.Fatal(err)
		}
		err := run([]string{"-out", dir, "-agencies", "1", "-rows", "5", "-keep"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), path+" is a directory") {
			t.Errorf("run: %v; want an error saying %s is a directory", err, path)
		}
		if _, err := os.Stat(filepath.Join(path, "inside")); err != nil {
			t.Errorf("the directory's contents are gone: %v", err)
		}
	})
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	tests := map[string][]string{
		"UnknownFlag":   {"-out", dir, "-nope"},
		"NoAgencies":    {"-out", dir, "-agencies", "0"},
		"NegativeRows":  {"-out", dir, "-rows", "-1"},
		"TooManyWinner": {"-out", dir, "-rows", "3", "-winners-per-agency", "4"},
		"ExtraArgs":     {"-out", dir, "extra"},
		"OutIsAFile":    {"-out", filepath.Join(dir, "file")},
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(args, &out); err == nil {
				t.Errorf("run %q succeeded, want an error", args)
			}
		})
	}
}
