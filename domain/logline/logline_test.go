package logline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tp0/loteria/domain/logline"
)

var at = time.Date(2024, 3, 5, 7, 8, 9, 0, time.Local)

const stamp = "2024-03-05 07:08:09 "

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestHandleFormat(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		msg   string
		attrs []slog.Attr
		want  string // after the time stamp
	}{
		{"Info", slog.LevelInfo, "config", []slog.Attr{slog.String("result", "success"), slog.Int("port", 12345)},
			"INFO     action: config | result: success | port: 12345"},
		{"Debug", slog.LevelDebug, "apuesta_almacenada", []slog.Attr{slog.String("result", "success"), slog.String("dni", "30904465")},
			"DEBUG    action: apuesta_almacenada | result: success | dni: 30904465"},
		{"Warn", slog.LevelWarn, "x", []slog.Attr{slog.String("result", "fail")},
			"WARNING  action: x | result: fail"},
		{"Error", slog.LevelError, "x", []slog.Attr{slog.String("result", "fail"), slog.Any("error", errors.New("read header: EOF"))},
			"ERROR    action: x | result: fail | error: read header: EOF"},
		{"BetweenLevels", slog.LevelInfo + 2, "x", nil, "INFO     action: x"},
		{"AboveError", slog.LevelError + 4, "x", nil, "ERROR    action: x"},
		{"ResultMovedFirst", slog.LevelInfo, "x", []slog.Attr{slog.Int("a", 1), slog.String("result", "in_progress"), slog.Int("b", 2)},
			"INFO     action: x | result: in_progress | a: 1 | b: 2"},
		{"NoResult", slog.LevelInfo, "x", []slog.Attr{slog.Int("a", 1)}, "INFO     action: x | a: 1"},
		{"Kinds", slog.LevelInfo, "x", []slog.Attr{
			slog.Duration("d", 1500*time.Millisecond), slog.Bool("ok", true), slog.Float64("f", 0.5),
			slog.Uint64("u", 7), slog.Any("nil", nil), slog.Any("v", valuer{}),
			slog.Time("t", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)),
		}, "INFO     action: x | d: 1.5s | ok: true | f: 0.5 | u: 7 | nil: <nil> | v: resolved | t: 2024-01-02T03:04:05Z"},
		{"Groups", slog.LevelInfo, "x", []slog.Attr{
			slog.Group("conn", "peer", "127.0.0.1:5000", slog.Group("tls", "on", false)),
			slog.Group("empty"), slog.Group("", "inlined", 1), {},
		}, "INFO     action: x | conn.peer: 127.0.0.1:5000 | conn.tls.on: false | inlined: 1"},
		{"RawUnicode", slog.LevelInfo, "x", []slog.Attr{slog.String("name", "Nicolás Saldaña 李 😀"), slog.String("s", "a b:c")},
			"INFO     action: x | name: Nicolás Saldaña 李 😀 | s: a b:c"},
		{"QuotePipe", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "a|b")}, `INFO     action: x | v: "a\x7cb"`},
		{"QuoteNewline", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "a\nb")}, `INFO     action: x | v: "a\nb"`},
		{"QuoteLeadingSpace", slog.LevelInfo, "x", []slog.Attr{slog.String("v", " a")}, `INFO     action: x | v: " a"`},
		{"QuoteTrailingSpace", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "a ")}, `INFO     action: x | v: "a "`},
		{"QuoteEmpty", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "")}, `INFO     action: x | v: ""`},
		{"QuoteLeadingQuote", slog.LevelInfo, "x", []slog.Attr{slog.String("v", `"a" b`)}, `INFO     action: x | v: "\"a\" b"`},
		{"QuoteControl", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "a\tb\x00")}, `INFO     action: x | v: "a\tb\x00"`},
		{"QuoteLineSeparator", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "a\u2028b")}, `INFO     action: x | v: "a\u2028b"`},
		{"QuoteInvalidUTF8", slog.LevelInfo, "x", []slog.Attr{slog.String("v", "a\xffb")}, `INFO     action: x | v: "a\xffb"`},
		{"QuoteError", slog.LevelInfo, "x", []slog.Attr{slog.Any("error", errors.New("bad | worse\n"))}, `INFO     action: x | error: "bad \x7c worse\n"`},
		{"QuoteMessage", slog.LevelInfo, "a|b", nil, `INFO     action: "a\x7cb"`},
		{"QuoteKey", slog.LevelInfo, "x", []slog.Attr{slog.Int("a: b", 1), slog.Int("c d", 2), slog.Int("e|f", 3)},
			`INFO     action: x | "a: b": 1 | "c d": 2 | "e\x7cf": 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := logline.New(&buf, slog.LevelDebug)
			r := slog.NewRecord(at, tt.level, tt.msg, 0)
			r.AddAttrs(tt.attrs...)
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if got, want := buf.String(), stamp+tt.want+"\n"; got != want {
				t.Errorf("line:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// mustLines splits buf into lines, checks each starts with a time in
// TimeLayout and returns them without it.
func mustLines(tb testing.TB, buf *bytes.Buffer) []string {
	tb.Helper()
	var out []string
	for _, l := range strings.SplitAfter(buf.String(), "\n") {
		if l == "" {
			continue
		}
		if !strings.HasSuffix(l, "\n") || len(l) < 20 || l[19] != ' ' {
			tb.Fatalf("malformed line %q", l)
		}
		if _, err := time.ParseInLocation(logline.TimeLayout, l[:19], time.Local); err != nil {
			tb.Fatalf("line %q: time: %v", l, err)
		}
		out = append(out, strings.TrimSuffix(l[20:], "\n"))
	}
	return out
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		name string
		log  func(*slog.Logger, string, ...any)
		want string
	}{
		{"Success", logline.Success, "INFO     action: a | result: success | k: v"},
		{"InProgress", logline.InProgress, "INFO     action: a | result: in_progress | k: v"},
		{"Fail", logline.Fail, "ERROR    action: a | result: fail | k: v"},
		{"Debug", logline.Debug, "DEBUG    action: a | result: success | k: v"},
		{"LogWarn", func(l *slog.Logger, action string, args ...any) {
			logline.Log(l, slog.LevelWarn, action, logline.ResultInProgress, args...)
		}, "WARNING  action: a | result: in_progress | k: v"},
		{"LogLevelDisabled", func(l *slog.Logger, action string, args ...any) {
			logline.Log(l, slog.LevelDebug-1, action, logline.ResultFail, args...)
			logline.Log(l, slog.LevelInfo, action, logline.ResultFail, args...)
		}, "INFO     action: a | result: fail | k: v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(slog.New(logline.New(&buf, slog.LevelDebug)), "a", "k", "v")
			got := mustLines(t, &buf)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %q, want [%q]", got, tt.want)
			}
		})
	}
}

func TestWithAttrsWithGroup(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(logline.New(&buf, slog.LevelInfo))
	conn := base.With("client_id", 3).WithGroup("conn").With("peer", "a|b")
	logline.Success(conn, "batch", "bets", 190)
	logline.Fail(base, "plain")
	conn.WithGroup("").With().Info("x", "result", "fail")
	base.With("result", "in_progress", "n", 1).Info("y", "m", 2)
	base.With("result", "in_progress").Info("z", "result", "fail")
	want := []string{
		`INFO     action: batch | result: success | client_id: 3 | conn.peer: "a\x7cb" | conn.bets: 190`,
		`ERROR    action: plain | result: fail`,
		`INFO     action: x | result: fail | client_id: 3 | conn.peer: "a\x7cb"`,
		`INFO     action: y | result: in_progress | n: 1 | m: 2`,
		`INFO     action: z | result: fail`,
	}
	got := mustLines(t, &buf)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n got %q\nwant %q", got, want)
	}
}

func TestLevelFiltering(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  []string
	}{
		{slog.LevelDebug, []string{"DEBUG", "INFO", "WARNING", "ERROR"}},
		{slog.LevelInfo, []string{"INFO", "WARNING", "ERROR"}},
		{slog.LevelWarn, []string{"WARNING", "ERROR"}},
		{slog.LevelError, []string{"ERROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(logline.New(&buf, tt.level))
			logline.Debug(l, "a")
			l.Info("a")
			l.Warn("a")
			l.Error("a")
			var got []string
			for _, line := range mustLines(t, &buf) {
				got = append(got, strings.Fields(line)[0])
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("levels written %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("LevelVar", func(t *testing.T) {
		var buf bytes.Buffer
		var lv slog.LevelVar
		l := slog.New(logline.New(&buf, &lv))
		logline.Debug(l, "hidden")
		lv.Set(slog.LevelDebug)
		logline.Debug(l, "shown")
		if got := mustLines(t, &buf); len(got) != 1 || !strings.Contains(got[0], "shown") {
			t.Errorf("got %q, want only the line after lowering the level", got)
		}
	})
	t.Run("NilIsInfo", func(t *testing.T) {
		h := logline.New(&bytes.Buffer{}, nil)
		if h.Enabled(context.Background(), slog.LevelDebug) || !h.Enabled(context.Background(), slog.LevelInfo) {
			t.Error("nil level should enable INFO and above only")
		}
	})
}

// writeRecorder keeps each Write call apart; it relies on the handler's
// lock for safety, which the race detector checks.
type writeRecorder struct{ writes []string }

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestConcurrent(t *testing.T) {
	const goroutines, lines = 8, 200
	var w writeRecorder
	base := slog.New(logline.New(&w, slog.LevelDebug))
	var wg sync.WaitGroup
	for g := range goroutines {
		l := base.With("g", g)
		if g%2 == 0 {
			l = l.WithGroup("even")
		}
		wg.Go(func() {
			for i := range lines {
				logline.Debug(l, "bet", "i", i, "name", strings.Repeat("ñ", 50+i%50))
			}
		})
	}
	wg.Wait()
	if len(w.writes) != goroutines*lines {
		t.Fatalf("%d writes, want %d", len(w.writes), goroutines*lines)
	}
	seen := make(map[string]bool)
	for _, s := range w.writes {
		if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
			t.Fatalf("write is not one line: %q", s)
		}
		l, err := logline.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := l.Value("g")
		i, _ := l.Value("i")
		even, _ := l.Value("even.i")
		id := g + "/" + i + even
		if seen[id] {
			t.Fatalf("line %s twice", id)
		}
		seen[id] = true
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteError(t *testing.T) {
	errDisk := errors.New("disk full")
	h := logline.New(failWriter{errDisk}, slog.LevelInfo)
	err := h.Handle(context.Background(), slog.NewRecord(at, slog.LevelInfo, "x", 0))
	if !errors.Is(err, errDisk) {
		t.Errorf("Handle error = %v, want %v", err, errDisk)
	}
}

func TestParseLevel(t *testing.T) {
	good := []struct {
		in   string
		want slog.Level
	}{
		{"DEBUG", slog.LevelDebug}, {"debug", slog.LevelDebug}, {"Info", slog.LevelInfo},
		{"INFO", slog.LevelInfo}, {"WARN", slog.LevelWarn}, {"warning", slog.LevelWarn},
		{"WARNING", slog.LevelWarn}, {"error", slog.LevelError},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := logline.ParseLevel(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, in := range []string{"", "LOUD", " INFO", "info ", "WARN+1", "4"} {
		t.Run("Err"+in, func(t *testing.T) {
			_, err := logline.ParseLevel(in)
			if err == nil || !strings.Contains(err.Error(), strconv.Quote(in)) {
				t.Errorf("ParseLevel(%q) error = %v, want one naming the value", in, err)
			}
		})
	}
}

func ExampleParseLevel() {
	for _, s := range []string{"warn", "verbose"} {
		l, err := logline.ParseLevel(s)
		fmt.Println(l, err)
	}
	// Output:
	// WARN <nil>
	// INFO unknown log level "verbose", want DEBUG, INFO, WARNING or ERROR
}
