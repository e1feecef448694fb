//go:build unix

package actors_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// TestOpenStoreLocksThePath: one store per path. A second OpenStore of a
// store that is open — running or not — fails with ErrInUse naming the
// path, and touches nothing; once the first store's Run has returned, the
// path opens again, with every bet.
func TestOpenStoreLocksThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bets.csv")
	s := mustOpen(t, path, 2)
	mustBeInUse(t, path)
	mustBeInUse(t, path) // a refused open does not release the first's lock
	stop := start(t, s)
	mustAppend(t, mustSession(t, s, 1), 0, batch(0, 3))
	file := mustReadFile(t, path)
	mustBeInUse(t, path)
	mustHaveFile(t, path, file)
	mustStop(t, stop)

	s = mustOpen(t, path, 2)
	if got := s.Recovered().Bets(); got != 3 {
		t.Errorf("reopened after Run returned: %d bets, want 3", got)
	}
	mustBeInUse(t, path)
	start(t, s)
}

func mustBeInUse(tb testing.TB, path string) {
	tb.Helper()
	s, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 2})
	if !errors.Is(err, domain.ErrInUse) || !strings.Contains(err.Error(), path) {
		tb.Fatalf("second OpenStore(%s) = %v, %v; want ErrInUse naming the path", path, s, err)
	}
}
