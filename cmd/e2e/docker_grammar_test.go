// The grammar of the Docker suite, without Docker: how a line of `compose
// logs -f` reads as the course's parser reads it, and how the course's
// configuration values land on the keys of docker/*.yaml. No build tag, so
// these rules are tested by every `go test ./...`; the suite that uses
// them (docker_*_test.go, tag docker) needs an engine.

package e2e_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain/logline"
)

// composeEvent is one line of `COMPOSE logs -f` read as the course's parser
// reads it (tp0-tests, utils/line_parser.py): a log line with an action, or
// compose's own line saying a container exited, whose action is "exit".
// Log is the same log line after compose's prefix as logline.Parse reads
// it, which is how our own values are read: the course's parser takes a
// value as what follows its last colon, and does not unquote.
type composeEvent struct {
	Source  string            // the container, from compose's "name | " prefix
	Action  string            // the action; "exit" for compose's exit line
	Result  string            // success, fail or in_progress
	Details map[string]string // the pairs after the result, by name
	Code    int               // the exit code of compose's exit line; -1 for a log line
	Line    string            // the line as compose printed it, without its line end
	Log     logline.Line      // the line after compose's prefix, read by logline.Parse
	LogErr  error             // why Log is empty: not our grammar, or compose's exit line
}

// errExitLine is the LogErr of compose's exit line, which is compose's,
// not a line of ours.
var errExitLine = errors.New("compose's exit line")

// value returns the value of key in the event's line as logline.Parse
// reads it ("" when it has none), failing tb when the line is not in our
// grammar.
func (ev composeEvent) value(tb testing.TB, key string) string {
	tb.Helper()
	if ev.LogErr != nil {
		tb.Fatalf("%q, read for its %s: %v", ev.Line, key, ev.LogErr)
	}
	v, _ := ev.Log.Value(key)
	return v
}

// The results a line may have.
const (
	resultSuccess    = "success"
	resultFail       = "fail"
	resultInProgress = "in_progress"
)

// The marks that make a line an event, as the course's parser finds them.
const (
	actionMark = "action:"
	exitMark   = " exited with code "
)

// errGrammar is what every line that breaks the grammar wraps: the
// course's parser raises on it, which fails the test.
var errGrammar = errors.New("not the course's log grammar")

// ansiCode matches a terminal control sequence. docker-compose 1.29
// colours the "name |" prefix and the exit line (its reset code starts the
// next line); compose v2 starts its exit line with a carriage return and an
// erase-line code.
var ansiCode = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

// parseComposeLine reads one line of `COMPOSE logs -f`. A line holding
// "action:" must split on | into the source, the action, the result and
// any details, each of the last three with a colon: the value is what
// follows the last colon, trimmed, and the result is success, fail or
// in_progress. Otherwise a line holding " exited with code " is compose's
// exit event, of result success for code 0 and fail for any other. Any
// other line is no event (ok false). Terminal control codes are dropped
// first, so the source is the bare container name with either compose.
func parseComposeLine(line string) (ev composeEvent, ok bool, err error) {
	raw := strings.TrimRight(line, "\r\n")
	s := strings.TrimRightFunc(ansiCode.ReplaceAllString(raw, ""), isSpace)
	switch {
	case strings.Contains(s, actionMark):
		ev, err = parseAction(s)
	case strings.Contains(s, exitMark):
		ev, err = parseExit(s)
	default:
		return composeEvent{}, false, nil
	}
	if err != nil {
		return composeEvent{}, false, fmt.Errorf("%w: %w in %q", errGrammar, err, raw)
	}
	ev.Line = raw
	return ev, true, nil
}

func isSpace(r rune) bool { return strings.ContainsRune(" \t\r\n\v\f", r) }

// parseAction reads "source | … action: A | result: R | name: value …".
func parseAction(s string) (composeEvent, error) {
	fields := strings.Split(s, "|")
	if len(fields) < 3 {
		return composeEvent{}, fmt.Errorf("%d fields split on |, want at least source, action and result", len(fields))
	}
	ev := composeEvent{
		Source:  strings.TrimSpace(fields[0]),
		Action:  afterLastColon(fields[1]),
		Result:  afterLastColon(fields[2]),
		Details: map[string]string{},
		Code:    -1,
	}
	switch ev.Result {
	case resultSuccess, resultFail, resultInProgress:
	default:
		return composeEvent{}, fmt.Errorf("unknown result %q", ev.Result)
	}
	for _, d := range fields[3:] {
		i := strings.LastIndex(d, ":")
		if i < 0 {
			return composeEvent{}, fmt.Errorf("missing colon in detail %q", d)
		}
		name := strings.TrimSpace(d[:i])
		if name == "source" || name == "action" || name == "result" {
			return composeEvent{}, fmt.Errorf("detail named %q", name)
		}
		ev.Details[name] = strings.TrimSpace(d[i+1:])
	}
	_, line, _ := strings.Cut(s, "|")
	ev.Log, ev.LogErr = logline.Parse(strings.TrimPrefix(line, " "))
	return ev, nil
}

// afterLastColon is what follows the last colon of s, trimmed (all of s
// when it has none).
func afterLastColon(s string) string {
	return strings.TrimSpace(s[strings.LastIndex(s, ":")+1:])
}

// parseExit reads "NAME exited with code N".
func parseExit(s string) (composeEvent, error) {
	if n := strings.Count(s, exitMark); n != 1 {
		return composeEvent{}, fmt.Errorf("%q %d times", strings.TrimSpace(exitMark), n)
	}
	name, code, _ := strings.Cut(s, exitMark)
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil {
		return composeEvent{}, fmt.Errorf("exit code %q is not a number", code)
	}
	ev := composeEvent{Source: strings.TrimSpace(name), Action: "exit", Result: resultSuccess, Code: n, LogErr: errExitLine}
	if n != 0 {
		ev.Result = resultFail
	}
	return ev, nil
}

// setYAML sets key, "section.name", to value in doc, a YAML file of
// sections of scalars like docker/client.yaml: the value of a key that is
// there is replaced (its indentation and comment kept); a missing key is
// added first in its section, and a missing section at the end.
func setYAML(doc, key, value string) (string, error) {
	section, name, ok := strings.Cut(key, ".")
	if !ok || section == "" || name == "" || strings.Contains(name, ".") {
		return "", fmt.Errorf("key %q: want section.name", key)
	}
	lines := strings.Split(strings.TrimSuffix(doc, "\n"), "\n")
	head := -1
	for i, l := range lines {
		if keyOf(l) == section && !strings.HasPrefix(l, " ") {
			head = i
			break
		}
	}
	if head < 0 {
		lines = append(lines, "", section+":", "  "+name+": "+value)
		return strings.Join(lines, "\n") + "\n", nil
	}
	for i := head + 1; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if !strings.HasPrefix(l, " ") {
			break // the next section
		}
		if keyOf(l) != name {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
		comment := ""
		if j := strings.Index(l, " #"); j >= 0 {
			comment = "  " + strings.TrimLeft(l[j:], " ")
		}
		lines[i] = indent + name + ": " + value + comment
		return strings.Join(lines, "\n") + "\n", nil
	}
	lines = append(lines[:head+1], append([]string{"  " + name + ": " + value}, lines[head+1:]...)...)
	return strings.Join(lines, "\n") + "\n", nil
}

// keyOf is the key of a "key: value" YAML line, or "".
func keyOf(l string) string {
	k, _, ok := strings.Cut(strings.TrimSpace(l), ":")
	if !ok || strings.ContainsAny(k, " #") {
		return ""
	}
	return k
}

func TestComposeLineGrammar(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       composeEvent // Line, Log and LogErr are not compared (see TestComposeLineLog)
	}{
		{"V2LogLine", "client1  | 2026-12-01 21:40:16 INFO     action: consulta_ganadores | result: success | cant_ganadores: 2\n",
			composeEvent{Source: "client1", Action: "consulta_ganadores", Result: "success",
				Details: map[string]string{"cant_ganadores": "2"}, Code: -1}},
		{"V129ColouredPrefix", "\x1b[36mclient1    |\x1b[0m 2026-12-01 21:40:26 INFO     action: exit | result: success",
			composeEvent{Source: "client1", Action: "exit", Result: "success", Details: map[string]string{}, Code: -1}},
		{"ValueAfterTheLastColon", "server | action: listen | result: success | address: 0.0.0.0:12345 | duration: 6.059µs",
			composeEvent{Source: "server", Action: "listen", Result: "success",
				Details: map[string]string{"address: 0.0.0.0": "12345", "duration": "6.059µs"}, Code: -1}},
		{"MessageWithDegreeSign", "client3 | action: receive_message | result: success | client_id: 3 | msg: [CLIENT 3] Message N°5",
			composeEvent{Source: "client3", Action: "receive_message", Result: "success",
				Details: map[string]string{"client_id": "3", "msg": "[CLIENT 3] Message N°5"}, Code: -1}},
		{"V2Exit", "\r\x1b[Kclient1 exited with code 0\n",
			composeEvent{Source: "client1", Action: "exit", Result: "success", Code: 0}},
		{"V2ExitFailed", "\r\x1b[Kserver exited with code 137",
			composeEvent{Source: "server", Action: "exit", Result: "fail", Code: 137}},
		{"V129ExitAfterAResetCode", "\x1b[0m\x1b[33mclient2 exited with code 0\n",
			composeEvent{Source: "client2", Action: "exit", Result: "success", Code: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := parseComposeLine(tc.line)
			if err != nil || !ok {
				t.Fatalf("parseComposeLine(%q) = ok %v, %v", tc.line, ok, err)
			}
			got.Line, got.Log, got.LogErr = "", logline.Line{}, nil
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("parseComposeLine(%q)\n got %+v\nwant %+v", tc.line, got, tc.want)
			}
		})
	}
}

// TestComposeLineLog: after compose's prefix, a line of ours reads with
// logline.Parse as we wrote it, where the course's parser reads the value
// after the last colon and leaves quotes as they are.
func TestComposeLineLog(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		details    map[string]string // the course's reading
		log        []logline.Attr    // ours
	}{
		{"V2", "server  | 2026-12-01 21:40:16 INFO     action: listen | result: success | address: 0.0.0.0:12345\n",
			map[string]string{"address: 0.0.0.0": "12345"},
			[]logline.Attr{{Key: "result", Value: "success"}, {Key: "address", Value: "0.0.0.0:12345"}}},
		{"V129ColouredPrefix", "\x1b[36mclient1    |\x1b[0m 2026-12-01 21:40:26 INFO     action: shutdown | result: success",
			map[string]string{}, []logline.Attr{{Key: "result", Value: "success"}}},
		{"Quoted", `client1  | 2026-12-01 21:40:26 ERROR    action: send_batch | result: fail | error: "a \x7c b" | name: " Ana"`,
			map[string]string{"error": `"a \x7c b"`, "name": `" Ana"`},
			[]logline.Attr{{Key: "result", Value: "fail"}, {Key: "error", Value: "a | b"}, {Key: "name", Value: " Ana"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, ok, err := parseComposeLine(tc.line)
			if err != nil || !ok || ev.LogErr != nil {
				t.Fatalf("parseComposeLine(%q) = ok %v, %v; Parse: %v", tc.line, ok, err, ev.LogErr)
			}
			if fmt.Sprint(ev.Details) != fmt.Sprint(tc.details) {
				t.Errorf("the course's details %q, want %q", ev.Details, tc.details)
			}
			if ev.Log.Action != ev.Action || !slices.Equal(ev.Log.Attrs, tc.log) {
				t.Errorf("logline.Parse read %+v, want action %s and %q", ev.Log, ev.Action, tc.log)
			}
		})
	}
	for _, line := range []string{
		"server | action: listen | result: success", // no time, no level
		"\r\x1b[Kclient1 exited with code 0",
	} {
		if ev, ok, err := parseComposeLine(line); err != nil || !ok || ev.LogErr == nil {
			t.Errorf("parseComposeLine(%q) = %+v, %v, %v; want an event with a LogErr", line, ev, ok, err)
		}
	}
}

func TestComposeLineNoEvent(t *testing.T) {
	for _, line := range []string{
		"Attaching to client1, client2, server",
		"",
		"\x1b[0m",
		"server  | echomock listening on [::]:12345 (unhealthy: false)",
	} {
		if ev, ok, err := parseComposeLine(line); ok || err != nil {
			t.Errorf("parseComposeLine(%q) = %+v, %v, %v; want no event", line, ev, ok, err)
		}
	}
}

func TestComposeLineErrGrammar(t *testing.T) {
	for _, tc := range []struct{ name, line string }{
		{"DetailWithoutColon", "client1 | action: config | result: success | plain value"},
		{"UnknownResult", "server | action: done | result: maybe"},
		{"NoResult", "server | action: done"},
		{"NoSource", "action: done | result: success"}, // two fields
		{"DetailNamedResult", "server | action: done | result: success | result: fail"},
		{"DetailNamedSource", "server | action: done | result: success | source: x"},
		{"ExitCodeNotANumber", "client1 exited with code zero"},
		{"TwoExitMarks", "a exited with code b exited with code 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ev, _, err := parseComposeLine(tc.line); !errors.Is(err, errGrammar) {
				t.Errorf("parseComposeLine(%q) = %+v, %v; want errGrammar", tc.line, ev, err)
			}
		})
	}
}

func TestSetYAML(t *testing.T) {
	const doc = `# a comment
server:
  address: server:12345  # CLI_SERVER_ADDRESS: host:port
  timeout: 10s

log:
  # the level
  level: INFO            # CLI_LOG_LEVEL
`
	for _, tc := range []struct{ name, key, value, want string }{
		{"Replace", "log.level", `"DEBUG"`, strings.Replace(doc, "level: INFO            # CLI_LOG_LEVEL", `level: "DEBUG"  # CLI_LOG_LEVEL`, 1)},
		{"ReplaceKeepsTheComment", "server.address", `"server:12345"`,
			strings.Replace(doc, "address: server:12345  # CLI", `address: "server:12345"  # CLI`, 1)},
		{"AddToSection", "server.ip", `"x"`, strings.Replace(doc, "server:\n", "server:\n  ip: \"x\"\n", 1)},
		{"AddSection", "loop.amount", "3", doc + "\nloop:\n  amount: 3\n"},
		{"SameNameOtherSection", "log.timeout", "1s", strings.Replace(doc, "log:\n", "log:\n  timeout: 1s\n", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := setYAML(doc, tc.key, tc.value)
			if err != nil || got != tc.want {
				t.Errorf("setYAML(%s, %s) = %v\n%s\nwant\n%s", tc.key, tc.value, err, got, tc.want)
			}
		})
	}
	if _, err := setYAML(doc, "level", "x"); err == nil {
		t.Error("setYAML of a key without a section: no error")
	}
}
