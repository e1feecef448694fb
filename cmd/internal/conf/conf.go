// Package conf loads a binary's configuration with koanf: the defaults
// already in the struct, then an optional YAML file named by -config, then
// the environment variables of a fixed table. A value means the same text
// in the file as in a variable, decoded strictly by the type of its field
// (see decode.go). Every error names the key and its variable, so a user
// knows what to fix.
package conf

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// Spec describes one binary's settings.
type Spec struct {
	Name string            // the program, for the flag set
	Env  map[string]string // each environment variable read, to its key
}

// Load fills dst, a pointer to a struct with `koanf:"key"` tags holding the
// defaults, from the -config file in args (if given; it must then exist)
// and then environ ("NAME=value"). Variables not in the table are ignored,
// and so is one set to "". Keys in the file that the table does not know
// are errors, so a typo does not go unnoticed.
func (s Spec) Load(dst any, args, environ []string) error {
	fl, path := s.flags()
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("parse flags: unexpected arguments %q", fl.Args())
	}
	ko, err := s.load(*path, environ)
	if err != nil {
		return err
	}
	if err := ko.UnmarshalWithConf("", dst, koanf.UnmarshalConf{FlatPaths: true, DecoderConfig: decoderConfig()}); err != nil {
		return s.decodeError(ko, err)
	}
	return nil
}

// flags returns the flag set of the binary and where it puts -config.
func (s Spec) flags() (*flag.FlagSet, *string) {
	fl := flag.NewFlagSet(s.Name, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	path := fl.String("config", "", "YAML configuration `file`; without it no file is read")
	return fl, path
}

func (s Spec) load(path string, environ []string) (*koanf.Koanf, error) {
	ko := koanf.New(".")
	if path != "" {
		if err := ko.Load(textFile{file.Provider(path)}, yaml.Parser()); err != nil {
			return nil, fmt.Errorf("load config file: %w", err)
		}
		if err := s.checkKeys(ko); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	ev := env.Provider(".", env.Opt{
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(k, v string) (string, any) {
			if v == "" {
				return "", nil
			}
			return s.Env[k], v
		},
	})
	if err := ko.Load(ev, nil); err != nil {
		return nil, fmt.Errorf("load environment: %w", err)
	}
	return ko, nil
}

// checkKeys rejects keys the configuration does not have, such as typos.
func (s Spec) checkKeys(ko *koanf.Koanf) error {
	known := make(map[string]bool, len(s.Env))
	for _, k := range s.Env {
		known[k] = true
	}
	var errs []error
	for _, k := range ko.Keys() {
		if known[k] || ko.Get(k) == nil {
			continue
		}
		err := fmt.Errorf("unknown key %q", k)
		for kk := range known {
			if strings.EqualFold(k, kk) {
				err = fmt.Errorf("unknown key %q (keys are case-sensitive: %q)", k, kk)
			}
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// KeyName returns "key (ENV_VAR)" for a key.
func (s Spec) KeyName(key string) string {
	for e, k := range s.Env {
		if k == key {
			return key + " (" + e + ")"
		}
	}
	return key
}

// decodeError rewrites a decoding error to name the key, its variable and
// the value that did not fit.
func (s Spec) decodeError(ko *koanf.Koanf, err error) error {
	var de interface {
		Name() string
		Unwrap() error
	}
	if !errors.As(err, &de) {
		return fmt.Errorf("decode config: %w", err)
	}
	return fmt.Errorf("%s: cannot use %q: %w", s.KeyName(de.Name()), fmt.Sprint(ko.Get(de.Name())), de.Unwrap())
}

// Checker gathers validation errors, each naming its key and variable.
type Checker struct {
	spec Spec
	errs []error
}

// Check returns a Checker for s.
func (s Spec) Check() *Checker { return &Checker{spec: s} }

// Timeouts are at least MinTimeout and at most MaxTimeout: a shorter one
// fails every exchange at once, a longer one looks like a hang.
const (
	MinTimeout = time.Millisecond
	MaxTimeout = 24 * time.Hour
)

// That records an error for key unless ok.
func (c *Checker) That(ok bool, key, format string, args ...any) {
	if !ok {
		c.errs = append(c.errs, fmt.Errorf("%s: %s", c.spec.KeyName(key), fmt.Sprintf(format, args...)))
	}
}

// Int records an error for key unless lo <= v <= hi.
func (c *Checker) Int(key string, v, lo, hi int) {
	c.That(v >= lo && v <= hi, key, "must be %d..%d, got %d", lo, hi, v)
}

// Duration records an error for key unless lo <= d <= hi.
func (c *Checker) Duration(key string, d, lo, hi time.Duration) {
	c.That(d >= lo && d <= hi, key, "must be %s..%s, got %s", short(lo), short(hi), short(d))
}

// short writes a duration as a user would: 24h, 1m, 1ms, 0.
func short(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Add records err, if not nil.
func (c *Checker) Add(err error) {
	if err != nil {
		c.errs = append(c.errs, err)
	}
}

// Err returns every error recorded, joined, or nil.
func (c *Checker) Err() error { return errors.Join(c.errs...) }
