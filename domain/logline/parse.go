package logline

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is what Parse's errors wrap: the line is not one the handler
// writes.
var ErrSyntax = errors.New("not a log line")

// Line is one log line read back by Parse.
type Line struct {
	Time   time.Time  // the time written, to the second, as a wall clock of time.Local
	Level  slog.Level // slog.LevelDebug, LevelInfo, LevelWarn or LevelError
	Action string     // the record's message
	Attrs  []Attr     // the pairs after the action, in order, the result first if any
}

// Attr is one "key: value" pair of a line, unquoted.
type Attr struct {
	Key, Value string
}

// Result returns the line's result (success, fail, in_progress): the
// value of the first pair when it is named result, as the handler writes
// it; "" when there is none.
func (l Line) Result() string {
	if len(l.Attrs) > 0 && l.Attrs[0].Key == resultKey {
		return l.Attrs[0].Value
	}
	return ""
}

// Value returns the value of the line's first pair named key, and whether
// there is one.
func (l Line) Value(key string) (string, bool) {
	for _, a := range l.Attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// The fixed-width start of every line: the time, a space, the level padded
// to levelWidth and actionMark.
const (
	levelWidth = 8
	actionMark = " action: "
	levelAt    = len(TimeLayout) + 1
	actionAt   = levelAt + levelWidth + len(actionMark)
)

// Parse reads one line as New's handler writes it, with or without its
// "\n": the time, the level, the action and the pairs, each quoted key
// and value unquoted. It is the handler's exact inverse: it accepts only
// what the handler can write (a token quoted that need not be, or raw that
// must be quoted, is an error wrapping ErrSyntax), and what it returns
// gives the line back. The time is read in time.Local, as
// time.ParseInLocation reads it: a line written in another zone, at a
// wall clock that time.Local skips, gives the time it normalises to.
func Parse(line string) (Line, error) {
	s := strings.TrimSuffix(line, "\n")
	if len(s) < actionAt || s[levelAt-1] != ' ' || s[levelAt+levelWidth:actionAt] != actionMark {
		return Line{}, fmt.Errorf("%w: %q does not start with a time, a level and %q", ErrSyntax, line, strings.TrimSpace(actionMark))
	}
	var l Line
	var err error
	stamp := s[:levelAt-1]
	if l.Time, err = time.ParseInLocation(TimeLayout, stamp, time.Local); err != nil {
		return Line{}, fmt.Errorf("%w: %q: time %q", ErrSyntax, line, stamp)
	}
	if l.Level, err = parseLevelName(s[levelAt : levelAt+levelWidth]); err != nil {
		return Line{}, fmt.Errorf("%w: %q: %w", ErrSyntax, line, err)
	}
	parts := strings.Split(s[actionAt:], " | ")
	if l.Action, err = value(parts[0]); err != nil {
		return Line{}, fmt.Errorf("%w: %q: action: %w", ErrSyntax, line, err)
	}
	for _, p := range parts[1:] {
		a, err := pair(p)
		if err != nil {
			return Line{}, fmt.Errorf("%w: %q: %w", ErrSyntax, line, err)
		}
		l.Attrs = append(l.Attrs, a)
	}
	return l, nil
}

// parseLevelName reads a level as appendLevel writes it.
func parseLevelName(s string) (slog.Level, error) {
	switch s {
	case "DEBUG   ":
		return slog.LevelDebug, nil
	case "INFO    ":
		return slog.LevelInfo, nil
	case "WARNING ":
		return slog.LevelWarn, nil
	case "ERROR   ":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("level %q", s)
}

// pair reads "key: value", each raw or quoted as appendAttr writes it.
func pair(p string) (Attr, error) {
	k, rest, err := key(p)
	if err != nil {
		return Attr{}, err
	}
	v, err := value(rest)
	if err != nil {
		return Attr{}, fmt.Errorf("value of %s: %w", k, err)
	}
	return Attr{Key: k, Value: v}, nil
}

// key reads the key that starts p, as appendKey writes it, and returns it
// with what follows its ": ".
func key(p string) (k, rest string, err error) {
	if !strings.HasPrefix(p, `"`) {
		k, rest, ok := strings.Cut(p, ": ")
		if !ok || keyNeedsQuote(k) {
			return "", "", fmt.Errorf("no key before \": \" in %q", p)
		}
		return k, rest, nil
	}
	q, err := strconv.QuotedPrefix(p)
	if err != nil {
		return "", "", fmt.Errorf("key in %q: %w", p, err)
	}
	if k, err = unquote(q, keyNeedsQuote); err != nil {
		return "", "", fmt.Errorf("key: %w", err)
	}
	rest, ok := strings.CutPrefix(p[len(q):], ": ")
	if !ok {
		return "", "", fmt.Errorf("no \": \" after the key in %q", p)
	}
	return k, rest, nil
}

// value reads a value as appendString writes it: all of s, raw or quoted.
func value(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		return unquote(s, needsQuote)
	}
	if needsQuote(s) {
		return "", fmt.Errorf("raw value %q needs quoting", s)
	}
	return s, nil
}

// unquote reads q, the whole of a quoted token, checking it is quoted as
// appendQuoted quotes it, and that the token had to be (needs).
func unquote(q string, needs func(string) bool) (string, error) {
	s, err := strconv.Unquote(q)
	if err != nil {
		return "", fmt.Errorf("quoted token %s: %w", q, err)
	}
	if !needs(s) || string(appendQuoted(nil, s)) != q {
		return "", fmt.Errorf("token %s is not quoted as the handler quotes", q)
	}
	return s, nil
}
