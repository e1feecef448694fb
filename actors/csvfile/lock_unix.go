//go:build unix

package csvfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/tp0/loteria/domain"
)

// lock takes an exclusive advisory lock on f (flock), held until f is
// closed, or fails with domain.ErrInUse if another open file holds it: one
// process writes a store at a time.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("%w: %s is locked by another process (another server on the same store.path?)", domain.ErrInUse, f.Name())
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}
