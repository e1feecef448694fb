package main

import (
	"os"
	"testing"

	"github.com/tp0/loteria/cmd/internal/coursetest"
)

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
			path := coursetest.Write(t, "write_server", tc.args)
			c, err := loadConfig([]string{"-config", path}, nil)
			if err != nil {
				text, _ := os.ReadFile(path)
				t.Fatalf("the adapter's server.yaml is refused: %v\n%s", err, text)
			}
			attrs := coursetest.Attrs(c.logAttrs())
			for k, v := range tc.want {
				if attrs[k] != v {
					t.Errorf("config line %s: %q, want %q (all: %v)", k, attrs[k], v, attrs)
				}
			}
		})
	}
}
