package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// courseWrite runs the course adapter's writer fn (scripts/course, used by
// scripts/course-tests.sh in place of the course's utils.config functions)
// with the Python keyword arguments args, and returns the file it wrote.
func courseWrite(t *testing.T, fn, args string) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed (scripts/course-tests.sh needs it too)")
	}
	path := filepath.Join(t.TempDir(), "written.yaml")
	cmd := exec.Command(python, "-c", "import sys, course_adapter as a; a."+fn+"(sys.argv[1], "+args+")", path)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join("..", "..", "scripts", "course"), "PYTHONDONTWRITEBYTECODE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s(%s): %v\n%s", fn, args, err, out)
	}
	return path
}

// TestCourseAdapterConfig: for the course's config.server(...) calls, the
// course adapter writes a server.yaml that this loader accepts, and every
// value reaches the config line the course's tests read (listen_backlog,
// logging_level). The course's ip, the host name the agencies dial, is not
// a listen address: the server keeps listening on every address. A key of
// ours renamed or removed makes the loader refuse the file or leaves a
// value at its default.
func TestCourseAdapterConfig(t *testing.T) {
	for name, tc := range map[string]struct {
		args string
		want map[string]string // config line attribute → value
	}{
		"ej2 A": {`port=12345, ip="server", listen_backlog=8, logging_level="DEBUG"`,
			map[string]string{"ip": "0.0.0.0", "port": "12345", "listen_backlog": "8", "logging_level": "DEBUG"}},
		"ej2 B": {`port=12345, ip="server", listen_backlog=16, logging_level="INFO"`,
			map[string]string{"listen_backlog": "16", "logging_level": "INFO"}},
		"another port": {`port=4000, ip="server", listen_backlog=1, logging_level="ERROR"`,
			map[string]string{"ip": "0.0.0.0", "port": "4000", "listen_backlog": "1", "logging_level": "ERROR"}},
	} {
		t.Run(name, func(t *testing.T) {
			path := courseWrite(t, "write_server", tc.args)
			c, err := loadConfig([]string{"-config", path}, nil)
			if err != nil {
				text, _ := os.ReadFile(path)
				t.Fatalf("the adapter's server.yaml is refused: %v\n%s", err, text)
			}
			attrs := map[string]string{}
			kv := c.logAttrs()
			for i := 0; i+1 < len(kv); i += 2 {
				attrs[fmt.Sprint(kv[i])] = fmt.Sprint(kv[i+1])
			}
			for k, v := range tc.want {
				if attrs[k] != v {
					t.Errorf("config line %s: %q, want %q (all: %v)", k, attrs[k], v, attrs)
				}
			}
		})
	}
}
