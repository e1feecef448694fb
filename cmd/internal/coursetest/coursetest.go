// Package coursetest runs the course adapter's configuration writers
// (scripts/course/course_adapter.py, which scripts/course-tests.sh loads in
// place of the course's utils.config functions) for the binaries' tests, so
// that the mapping from the course's values to our keys cannot drift.
package coursetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Write runs the adapter's writer fn ("write_client" or "write_server")
// with the Python keyword arguments args, and returns the file it wrote.
// It skips the test when python3 is missing.
func Write(tb testing.TB, fn, args string) string {
	tb.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		tb.Skip("python3 is not installed (scripts/course-tests.sh needs it too)")
	}
	_, here, _, _ := runtime.Caller(0)
	adapter := filepath.Join(filepath.Dir(here), "..", "..", "..", "scripts", "course")
	path := filepath.Join(tb.TempDir(), "written.yaml")
	cmd := exec.Command(python, "-c", "import sys, course_adapter as a; a."+fn+"(sys.argv[1], "+args+")", path)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+adapter, "PYTHONDONTWRITEBYTECODE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s(%s): %v\n%s", fn, args, err, out)
	}
	return path
}

// Attrs returns a config line's key/value pairs (as a logAttrs method
// returns them) as text, as the course's parser reads them.
func Attrs(kv []any) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = fmt.Sprint(kv[i+1])
	}
	return m
}
