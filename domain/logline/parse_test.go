package logline_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain/logline"
)

// attrs builds the pairs of a Line from key, value, key, value….
func attrs(kv ...string) []logline.Attr {
	var as []logline.Attr
	for i := 0; i+1 < len(kv); i += 2 {
		as = append(as, logline.Attr{Key: kv[i], Value: kv[i+1]})
	}
	return as
}

func sameLine(a, b logline.Line) bool {
	return a.Time.Equal(b.Time) && a.Level == b.Level && a.Action == b.Action && slices.Equal(a.Attrs, b.Attrs)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string // after the time stamp
		want logline.Line
	}{
		{"Info", "INFO     action: config | result: success | port: 12345",
			logline.Line{Level: slog.LevelInfo, Action: "config", Attrs: attrs("result", "success", "port", "12345")}},
		{"LineEnd", "INFO     action: config | result: success\n",
			logline.Line{Level: slog.LevelInfo, Action: "config", Attrs: attrs("result", "success")}},
		{"Debug", "DEBUG    action: apuesta_almacenada | result: success | dni: 30904465",
			logline.Line{Level: slog.LevelDebug, Action: "apuesta_almacenada", Attrs: attrs("result", "success", "dni", "30904465")}},
		{"Warning", "WARNING  action: accept | result: in_progress | retry_in: 5ms",
			logline.Line{Level: slog.LevelWarn, Action: "accept", Attrs: attrs("result", "in_progress", "retry_in", "5ms")}},
		{"Error", "ERROR    action: x | result: fail | error: read header: EOF",
			logline.Line{Level: slog.LevelError, Action: "x", Attrs: attrs("result", "fail", "error", "read header: EOF")}},
		{"NoPairs", "INFO     action: x", logline.Line{Level: slog.LevelInfo, Action: "x"}},
		{"NoResult", "INFO     action: x | a: 1", logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("a", "1")}},
		{"ColonsInTheValue", "INFO     action: listen | result: success | address: 0.0.0.0:12345",
			logline.Line{Level: slog.LevelInfo, Action: "listen", Attrs: attrs("result", "success", "address", "0.0.0.0:12345")}},
		{"RawUnicode", "INFO     action: x | name: Nicolás Saldaña 李 😀 | s: a b:c",
			logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("name", "Nicolás Saldaña 李 😀", "s", "a b:c")}},
		{"QuotedPipe", `INFO     action: x | v: "a\x7cb"`, logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("v", "a|b")}},
		{"QuotedSeparator", `INFO     action: x | error: "bad \x7c worse\n" | n: 1`,
			logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("error", "bad | worse\n", "n", "1")}},
		{"QuotedEmpty", `INFO     action: x | v: ""`, logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("v", "")}},
		{"QuotedSpaces", `INFO     action: x | v: " a " | w: "\"a\" b"`,
			logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("v", " a ", "w", `"a" b`)}},
		{"QuotedBytes", `INFO     action: x | v: "a\tb\x00\xff\u2028"`,
			logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("v", "a\tb\x00\xff\u2028")}},
		{"QuotedAction", `INFO     action: "a\x7cb"`, logline.Line{Level: slog.LevelInfo, Action: "a|b"}},
		{"QuotedEmptyAction", `INFO     action: "" | result: success`,
			logline.Line{Level: slog.LevelInfo, Action: "", Attrs: attrs("result", "success")}},
		{"QuotedKeys", `INFO     action: x | "a: b": 1 | "c d": 2 | "e\x7cf": 3 | "": ""`,
			logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("a: b", "1", "c d", "2", "e|f", "3", "", "")}},
		{"GroupKey", "INFO     action: x | conn.peer: 127.0.0.1:5000",
			logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("conn.peer", "127.0.0.1:5000")}},
		{"PairNamedAction", "INFO     action: x | action: y", logline.Line{Level: slog.LevelInfo, Action: "x", Attrs: attrs("action", "y")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := logline.Parse(stamp + tt.line)
			tt.want.Time = at
			if err != nil || !sameLine(got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v, %v\nwant %+v", tt.line, got, err, tt.want)
			}
		})
	}
}

func TestLineResultValue(t *testing.T) {
	tests := []struct {
		name, line, result string
		has                bool // a pair named result
	}{
		{"Success", "INFO     action: x | result: success | a: 1", "success", true},
		{"Empty", `INFO     action: x | result: ""`, "", true},
		{"None", "INFO     action: x | a: 1", "", false},
		// An inlined group's "result" member is written where it is.
		{"NotFirst", "INFO     action: x | a: 1 | result: fail", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := logline.Parse(stamp + tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Result(); got != tt.result {
				t.Errorf("Result() = %q, want %q", got, tt.result)
			}
			if _, ok := l.Value("result"); ok != tt.has {
				t.Errorf("Value(result) present %v, want %v", ok, tt.has)
			}
		})
	}
	l, _ := logline.Parse(stamp + "INFO     action: x | a: 1 | b: 2 | a: 3")
	if v, ok := l.Value("a"); v != "1" || !ok {
		t.Errorf("Value(a) = %q, %v; want the first, 1", v, ok)
	}
	if v, ok := l.Value("c"); v != "" || ok {
		t.Errorf("Value(c) = %q, %v; want none", v, ok)
	}
}

func TestParseErrSyntax(t *testing.T) {
	tests := []struct{ name, line string }{
		{"Empty", ""},
		{"Short", "2024-03-05 07:08:09 INFO"},
		{"NoTime", "INFO     action: x | result: success"},
		{"ComposePrefix", "client1  | " + stamp + "INFO     action: x"},
		{"BadTime", "2024-13-05 07:08:09 INFO     action: x"},
		{"TimeNotPadded", "2024-03-05 7:08:09  INFO     action: x"},
		{"UnknownLevel", stamp + "LOUD     action: x"},
		{"LevelNotPadded", stamp + "INFO action: x"},
		{"LevelWarn", stamp + "WARN     action: x"},
		{"NoAction", stamp + "INFO     result: success"},
		{"TwoLineEnds", stamp + "INFO     action: x\n\n"},
		{"CRLF", stamp + "INFO     action: x\r\n"},
		{"LineEndInside", stamp + "INFO     action: x\n | a: 1"},
		{"EmptyPair", stamp + "INFO     action: x | "},
		{"TrailingBar", stamp + "INFO     action: x |"},
		{"PairWithoutColon", stamp + "INFO     action: x | plain value"},
		{"RawKeyWithSpace", stamp + "INFO     action: x | a b: 1"},
		{"RawKeyWithColon", stamp + "INFO     action: x | a:b: 1"},
		{"RawEmptyValue", stamp + "INFO     action: x | a: "},
		{"RawPipe", stamp + "INFO     action: x | a: b|c"},
		{"RawTrailingSpace", stamp + "INFO     action: x | a: b  | c: d"},
		{"RawLeadingSpace", stamp + "INFO     action: x | a:  b"},
		{"RawControl", stamp + "INFO     action: x | a: b\tc"},
		{"RawInvalidUTF8", stamp + "INFO     action: x | a: b\xff"},
		{"RawEmptyAction", stamp + "INFO     action:  | a: 1"},
		{"NeedlessQuotes", stamp + `INFO     action: x | a: "b"`},
		{"NeedlessKeyQuotes", stamp + `INFO     action: x | "a": b`},
		{"QuotedRawPipe", stamp + `INFO     action: x | a: "b|c"`},
		{"OtherEscape", stamp + `INFO     action: x | a: "\x41 "`},
		{"Unterminated", stamp + `INFO     action: x | a: "b`},
		{"AfterTheQuote", stamp + `INFO     action: x | a: "b " c`},
		{"QuotedKeyWithoutColon", stamp + `INFO     action: x | "a b" 1`},
		{"BadQuotedKey", stamp + `INFO     action: x | "a b: 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if l, err := logline.Parse(tt.line); !errors.Is(err, logline.ErrSyntax) {
				t.Errorf("Parse(%q) = %+v, %v; want ErrSyntax", tt.line, l, err)
			}
		})
	}
}

// format writes l back through the handler: each pair as a string
// attribute, a later pair named result as an inlined group's member, which
// the handler writes where it is.
func format(tb testing.TB, l logline.Line) string {
	tb.Helper()
	var buf bytes.Buffer
	r := slog.NewRecord(l.Time, l.Level, l.Action, 0)
	for i, a := range l.Attrs {
		if a.Key == "result" && i > 0 {
			r.AddAttrs(slog.Group("", slog.String(a.Key, a.Value)))
			continue
		}
		r.AddAttrs(slog.String(a.Key, a.Value))
	}
	if err := logline.New(&buf, slog.LevelDebug-4).Handle(context.Background(), r); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// named is the level a line names for l: the named level at or below it.
func named(l slog.Level) slog.Level {
	switch {
	case l < slog.LevelInfo:
		return slog.LevelDebug
	case l < slog.LevelWarn:
		return slog.LevelInfo
	case l < slog.LevelError:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// FuzzRoundTrip: any record of string attributes, with or without a
// result, written by the handler, is given back by Parse: its time, its
// level by name, its message and its pairs, the result first.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"plain", "a|b", " a", "a\nb", `"q"`, "", "ñ李😀", "a: b", "\x00\xff", "\u2028", `\x7c`, " | ", "result"} {
		f.Add(int8(0), "action", "k", s, "k2", "v", "success", true)
		f.Add(int8(4), s, s, "v", "v", s, s, false)
		f.Add(int8(-4), s, "k", "v", s, s, s, true)
	}
	f.Fuzz(func(t *testing.T, level int8, msg, k1, v1, k2, v2, result string, withResult bool) {
		rec := []slog.Attr{slog.String(k1, v1)}
		if withResult {
			rec = append(rec, slog.String("result", result))
		}
		rec = append(rec, slog.String(k2, v2))
		want := logline.Line{Time: at, Level: named(slog.Level(level)), Action: msg}
		var others []logline.Attr
		for _, a := range rec {
			if a.Key != "result" {
				others = append(others, logline.Attr{Key: a.Key, Value: a.Value.String()})
			} else if len(want.Attrs) == 0 {
				want.Attrs = append(want.Attrs, logline.Attr{Key: a.Key, Value: a.Value.String()})
			}
		}
		want.Attrs = append(want.Attrs, others...)

		var buf bytes.Buffer
		r := slog.NewRecord(at, slog.Level(level), msg, 0)
		r.AddAttrs(rec...)
		if err := logline.New(&buf, slog.Level(-128)).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		line := buf.String()
		if strings.Count(line, "\n") != 1 {
			t.Fatalf("not one line: %q", line)
		}
		got, err := logline.Parse(line)
		if err != nil || !sameLine(got, want) {
			t.Fatalf("Parse(%q)\n got %+v, %v\nwant %+v", line, got, err, want)
		}
	})
}

// FuzzParse: Parse never panics, and a line it reads is exactly the line
// the handler writes for what it returns.
func FuzzParse(f *testing.F) {
	for _, l := range []string{
		"INFO     action: config | result: success | port: 12345",
		`ERROR    action: x | result: fail | error: "bad \x7c worse\n" | "a: b": 1`,
		"DEBUG    action: x | a: 1 | result: fail",
		`WARNING  action: "" | "": ""`,
		"INFO     action: x | a: b|c",
	} {
		f.Add(stamp + l)
		f.Add(stamp + l + "\n")
	}
	f.Fuzz(func(t *testing.T, line string) {
		l, err := logline.Parse(line)
		if err != nil {
			if !errors.Is(err, logline.ErrSyntax) {
				t.Fatalf("Parse(%q) error %v, not ErrSyntax", line, err)
			}
			return
		}
		if l.Time.IsZero() || l.Time.Format(logline.TimeLayout) != line[:len(logline.TimeLayout)] {
			return // the handler stamps a record of no time with the present; a skipped wall clock is normalised
		}
		if got, want := format(t, l), strings.TrimSuffix(line, "\n")+"\n"; got != want {
			t.Fatalf("Parse(%q) = %+v, written back as %q", line, l, got)
		}
		if l.Time.Location() != time.Local {
			t.Fatalf("time %v not in time.Local", l.Time)
		}
	})
}
