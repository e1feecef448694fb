package scripts_test

import (
	"os/exec"
	"testing"
)

// TestShellcheck: the compose generator and the native run pass
// shellcheck, when installed.
func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed")
	}
	for _, script := range []string{"generar-compose.sh", "run-native.sh"} {
		if out, err := exec.Command("shellcheck", script).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", script, err, out)
		}
	}
}
