// Package logline is the log format of the lottery's binaries, the one the
// course's black-box tests parse:
//
//	2006-01-02 15:04:05 INFO     action: X | result: Y | key: value | key2: value2
//
// New returns the slog.Handler that writes it; Success, InProgress, Fail,
// Debug and Log log one action with its result. Every record is one line: a
// key or value that could break the line or its " | " separators is
// Go-quoted, its '|' written \x7c, so every '|' of a line is in a " | "
// separator. Parse reads a line back, unquoted.
//
// The course's own parser splits a line on '|' and takes what follows the
// last colon of each pair as its value, so it reads a value holding a
// colon, or a quoted one, otherwise than it was logged; Parse reads back
// exactly what was.
package logline

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// TimeLayout is the layout of the time that starts every line.
const TimeLayout = "2006-01-02 15:04:05"

const resultKey = "result"

type handler struct {
	mu     *sync.Mutex // shared by the handlers derived from one New
	w      io.Writer
	level  slog.Leveler
	result []byte // formatted result from WithAttrs, if any
	attrs  []byte // formatted " | key: value" pairs from WithAttrs
	prefix string // open groups, as "a.b."
}

// New returns a handler that writes records at or above level to w, one
// line and one w.Write call per record. The line starts with the record's
// time in its own location (slog.Logger stamps local time), then the level
// as Python logging names it padded to 8 characters, then the message as
// the action. An attribute named "result", given to the record or to
// WithAttrs, follows the action whatever its position and whatever groups
// are open (the record's wins); the others follow in order, their keys
// prefixed by the open groups as "group.key".
// Handlers derived with WithAttrs and WithGroup share New's lock, so lines
// never interleave. A nil level means INFO.
func New(w io.Writer, level slog.Leveler) slog.Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &handler{mu: new(sync.Mutex), w: w, level: level}
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = h.attrs[:len(h.attrs):len(h.attrs)]
	for _, a := range as {
		if a.Key == resultKey {
			h2.result = appendValue(nil, a.Value.Resolve())
			continue
		}
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			bufPool.Put(bp)
		}
	}()
	b := h.format((*bp)[:0], r)
	*bp = b
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

func (h *handler) format(b []byte, r slog.Record) []byte {
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b = t.AppendFormat(b, TimeLayout)
	b = append(b, ' ')
	b = appendLevel(b, r.Level)
	b = append(b, " action: "...)
	b = appendString(b, r.Message)
	result := h.result
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == resultKey {
			result = appendValue(nil, a.Value.Resolve())
			return false
		}
		return true
	})
	if result != nil {
		b = append(b, " | result: "...)
		b = append(b, result...)
	}
	b = append(b, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != resultKey {
			b = appendAttr(b, h.prefix, a)
		}
		return true
	})
	return append(b, '\n')
}

// appendLevel writes the Python logging name of l padded to 8 characters.
// Levels between the named ones take the name below them.
func appendLevel(b []byte, l slog.Level) []byte {
	var name string
	switch {
	case l < slog.LevelInfo:
		name = "DEBUG   "
	case l < slog.LevelWarn:
		name = "INFO    "
	case l < slog.LevelError:
		name = "WARNING "
	default:
		name = "ERROR   "
	}
	return append(b, name...)
}

// appendAttr writes " | key: value" for a, or one such pair per member of a
// group, following slog's rules: empty attributes and groups are dropped and
// a group without a key is inlined.
func appendAttr(b []byte, prefix string, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range v.Group() {
			b = appendAttr(b, prefix, ga)
		}
		return b
	}
	if a.Equal(slog.Attr{}) {
		return b
	}
	b = append(b, " | "...)
	b = appendKey(b, prefix+a.Key)
	b = append(b, ": "...)
	return appendValue(b, v)
}

func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindDuration:
		return appendString(b, v.Duration().String())
	case slog.KindTime:
		return appendString(b, v.Time().Format(time.RFC3339Nano))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok && err != nil {
			return appendString(b, err.Error())
		}
	}
	return appendString(b, v.String())
}

// appendKey writes a key raw unless it needs quoting: keys also quote
// colons and spaces, so "key: value" splits at the first ": ".
func appendKey(b []byte, k string) []byte {
	if keyNeedsQuote(k) {
		return appendQuoted(b, k)
	}
	return append(b, k...)
}

// keyNeedsQuote reports whether the key k is written quoted.
func keyNeedsQuote(k string) bool {
	return strings.ContainsAny(k, ": ") || needsQuote(k)
}

// appendString writes s raw unless it needs quoting.
func appendString(b []byte, s string) []byte {
	if needsQuote(s) {
		return appendQuoted(b, s)
	}
	return append(b, s...)
}

func appendQuoted(b []byte, s string) []byte {
	q := strconv.Quote(s)
	return append(b, strings.ReplaceAll(q, "|", `\x7c`)...)
}

// needsQuote reports whether s, written raw, could be misread: it is empty,
// starts with a quote, has spaces at either end, or contains '|', invalid
// UTF-8, or a character that is neither graphic nor a plain space (control
// characters, line separators, zero-width formatting).
func needsQuote(s string) bool {
	if s == "" || s[0] == '"' {
		return true
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return true
	}
	for _, r := range s {
		if r == '|' || r == utf8.RuneError || !unicode.IsGraphic(r) {
			return true
		}
	}
	return false
}
