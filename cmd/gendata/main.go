// Command gendata writes deterministic synthetic agency files:
//
//	gendata -out DIR -agencies N -rows R [-winners-per-agency K] [-seed S] [-keep]
//
// It writes DIR/agency-{i}.csv for i in 1..N, each with R bets. Agency i
// gets i winning bets spread evenly over its file, or K each with
// -winners-per-agency. With -keep, files that already exist are left alone.
//
// An empty directory where a file should be is taken for a missing file:
// it is removed and the file written. Docker leaves one, owned by root,
// when compose bind-mounts a host file that does not exist.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tp0/loteria/cmd/internal/gen"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(2)
	}
}

type options struct {
	out      string
	agencies int
	rows     int
	winners  int // per agency; -1 means agency i gets i
	seed     int64
	keep     bool
}

func run(args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	for i := 1; i <= o.agencies; i++ {
		k := o.winners
		if k < 0 {
			k = i
		}
		s := gen.Spec{Agency: i, Rows: o.rows, Winners: gen.Spread(o.rows, k), Seed: o.seed}
		path := filepath.Join(o.out, fmt.Sprintf("agency-%d.csv", i))
		switch removed, err := removeEmptyDir(path); {
		case err != nil:
			return err
		case removed:
			fmt.Fprintf(stdout, "removed the empty directory %s (a bind mount of a missing file leaves one)\n", path)
		}
		switch err := writeFile(path, s, o.keep); {
		case errors.Is(err, fs.ErrExist):
			fmt.Fprintf(stdout, "kept %s (exists)\n", path)
		case err != nil:
			return err
		default:
			fmt.Fprintf(stdout, "wrote %s rows=%d winners=%d\n", path, s.Rows, len(s.Winners))
		}
	}
	return nil
}

func parseFlags(args []string) (options, error) {
	var o options
	fl := flag.NewFlagSet("gendata", flag.ContinueOnError)
	fl.StringVar(&o.out, "out", ".data", "output `dir`ectory")
	fl.IntVar(&o.agencies, "agencies", 5, "number of agencies")
	fl.IntVar(&o.rows, "rows", 100, "bets per agency")
	fl.IntVar(&o.winners, "winners-per-agency", -1, "winning bets per agency (default: agency i gets i)")
	fl.Int64Var(&o.seed, "seed", 1, "random seed")
	fl.BoolVar(&o.keep, "keep", false, "leave existing files alone")
	if err := fl.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fl.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fl.Args())
	case o.agencies < 1:
		return o, fmt.Errorf("-agencies must be at least 1, got %d", o.agencies)
	case o.rows < 0:
		return o, fmt.Errorf("-rows must not be negative, got %d", o.rows)
	case o.winners < -1 || o.winners > o.rows:
		return o, fmt.Errorf("-winners-per-agency must be 0..%d (the rows), got %d", o.rows, o.winners)
	}
	return o, nil
}

// removeEmptyDir removes the directory at path, if there is one, and says
// whether it did. A directory that is not empty is an error: it is not ours
// to remove.
func removeEmptyDir(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.IsDir() {
		return false, nil // no directory there; writeFile reports any other trouble
	}
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("%s is a directory, not an agency file, and cannot be removed (remove it by hand): %w", path, err)
	}
	return true, nil
}

// writeFile writes the file of s to path. With keep, an existing file is
// left untouched and the error wraps fs.ErrExist. A failed write removes
// the partial file.
func writeFile(path string, s gen.Spec, keep bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if keep {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	err = gen.Write(f, s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
