package csvfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/betlogtest"
	"github.com/tp0/loteria/actors/csvfile"
	"github.com/tp0/loteria/domain"
)

// TestContract: the file log passes the BetLog contract. Tear cuts the
// bets file in the middle of its last row, as a crash mid-write leaves it;
// Break closes the files under the log.
func TestContract(t *testing.T) {
	betlogtest.Test(t, func(t *testing.T) betlogtest.Target {
		path := filepath.Join(t.TempDir(), "bets.csv")
		return betlogtest.Target{
			Open: func(fresh domain.Lottery) (actors.BetLog, error) { return csvfile.Open(path, fresh) },
			Tear: func() error { return tearLastRow(path) },
			Break: func(l actors.BetLog) error {
				l.(*csvfile.Log).Break()
				return nil
			},
		}
	})
}

// tearLastRow cuts the file at path in the middle of its last line.
func tearLastRow(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	end := len(b) - 1 // the last line's newline
	start := end
	for start > 0 && b[start-1] != '\n' {
		start--
	}
	if start == end {
		return fmt.Errorf("%s: no last row to tear", path)
	}
	return os.Truncate(path, int64(start+(end-start)/2))
}
