package main

import (
	"os"
	"testing"

	"github.com/tp0/loteria/cmd/internal/coursetest"
)

// TestCourseAdapterConfig: for the course's config.client(...) calls, the
// course adapter writes a client.yaml that this loader accepts, and every
// value reaches the config line the course's tests read. A key of ours
// renamed or removed makes the loader refuse the file (unknown key) or
// leaves a value at its default: the mapping cannot drift unnoticed.
func TestCourseAdapterConfig(t *testing.T) {
	for name, tc := range map[string]struct {
		args string
		want map[string]string // config line attribute → value
	}{
		"ej2 A": {`address="server:12345", loop_amount=5, loop_period="100ms", log_level="DEBUG", max_amount=10`,
			map[string]string{"server_address": "server:12345", "loop_amount": "5", "loop_period": "100ms", "log_level": "DEBUG", "batch_max_amount": "10"}},
		"ej2 B": {`address="server:12345", loop_amount=2, loop_period="250ms", log_level="INFO", max_amount=10`,
			map[string]string{"loop_amount": "2", "loop_period": "250ms", "log_level": "INFO"}},
		"ej6 batch": {`address="server:12345", loop_amount=500, loop_period="150ms", log_level="INFO", max_amount=64`,
			map[string]string{"loop_amount": "500", "loop_period": "150ms", "batch_max_amount": "64"}},
		"another server": {`address="lottery.example:9000", loop_amount=0, loop_period="1s", log_level="WARNING", max_amount=1`,
			map[string]string{"server_address": "lottery.example:9000", "loop_amount": "0", "loop_period": "1s", "log_level": "WARNING", "batch_max_amount": "1"}},
	} {
		t.Run(name, func(t *testing.T) {
			path := coursetest.Write(t, "write_client", tc.args)
			c, err := loadConfig([]string{"-config", path}, []string{"CLI_ID=1"})
			if err != nil {
				text, _ := os.ReadFile(path)
				t.Fatalf("the adapter's client.yaml is refused: %v\n%s", err, text)
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
