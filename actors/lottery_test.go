package actors_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/csvfile"
	"github.com/tp0/loteria/domain"
)

// TestStoreLottery: a store belongs to one lottery — an id, a date and its
// agencies — made with it and kept beside the bets. Reopened without a
// date it is the same lottery; a configuration of another lottery (other
// agencies, another date) is refused rather than mixed with it, so a new
// lottery is never told an old one's bets or winners.
func TestStoreLottery(t *testing.T) {
	t.Run("a new store takes the configured date", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bets.csv")
		s := mustOpenConfig(t, actors.StoreConfig{Path: path, Agencies: 5, Date: testDate})
		l := s.Lottery()
		if l.DateText() != testDate || l.Agencies != 5 || !l.Date.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Lottery = %+v, want of %s for 5 agencies", l, testDate)
		}
		mustHaveFile(t, csvfile.LotteryPath(path), l.IDText()+","+testDate+",5\n")
		mustCloseStore(t, s)
		other := mustOpenConfig(t, actors.StoreConfig{Path: filepath.Join(t.TempDir(), "bets.csv"), Agencies: 5, Date: testDate})
		if other.Lottery().ID == l.ID {
			t.Errorf("two new stores have the same lottery id %s", l.IDText())
		}
		mustCloseStore(t, other)
	})
	t.Run("a new store without a date is of today", func(t *testing.T) {
		before := time.Now().UTC().Format(time.DateOnly)
		s := mustOpen(t, filepath.Join(t.TempDir(), "bets.csv"), 5)
		after := time.Now().UTC().Format(time.DateOnly)
		if got := s.Lottery().DateText(); got != before && got != after {
			t.Errorf("Lottery().DateText() = %s, want today's (UTC) %s", got, after)
		}
		mustCloseStore(t, s)
	})
	t.Run("a bad date makes no lottery", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bets.csv")
		if s, err := actors.OpenStore(actors.StoreConfig{Path: path, Agencies: 5, Date: "2024-02-30"}); err == nil {
			t.Fatalf("OpenStore with date 2024-02-30 = %+v, nil; want an error", s.Lottery())
		}
		if _, err := os.Stat(csvfile.LotteryPath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("lottery file after the refusal: %v, want none", err)
		}
		s := mustOpenConfig(t, actors.StoreConfig{Path: path, Agencies: 5, Date: testDate})
		if got := s.Lottery().DateText(); got != testDate {
			t.Errorf("then with a good date: lottery of %s, want %s", got, testDate)
		}
		mustCloseStore(t, s)
	})

	// A lottery of 5 agencies, all finished: a stale store.
	path := filepath.Join(t.TempDir(), "bets.csv")
	s := mustOpenConfig(t, actors.StoreConfig{Path: path, Agencies: 5, Date: testDate})
	want := s.Lottery()
	stop := start(t, s)
	a1 := mustSession(t, s, 1)
	mustAppend(t, a1, 0, batch(0, 3))
	mustFinish(t, a1, batch(0, 3))
	for a := 2; a <= 5; a++ {
		mustFinish(t, mustSession(t, s, a), nil)
	}
	mustStop(t, stop)
	files := map[string]string{}
	for _, p := range []string{path, csvfile.DonePath(path), csvfile.LotteryPath(path)} {
		files[p] = mustReadFile(t, p)
	}

	t.Run("reopened without a date", func(t *testing.T) {
		s := mustOpenConfig(t, actors.StoreConfig{Path: path, Agencies: 5})
		if got := s.Lottery(); got != want {
			t.Errorf("Lottery after reopen = %+v, want %+v", got, want)
		}
		mustCloseStore(t, s)
	})
	t.Run("reopened with its date", func(t *testing.T) {
		s := mustOpenConfig(t, actors.StoreConfig{Path: path, Agencies: 5, Date: testDate})
		if got := s.Lottery(); got != want {
			t.Errorf("Lottery after reopen = %+v, want %+v", got, want)
		}
		mustCloseStore(t, s)
	})
	for _, tc := range []struct {
		name string
		cfg  actors.StoreConfig
		says []string
	}{
		{"ErrOtherLottery/more agencies", actors.StoreConfig{Path: path, Agencies: 6}, []string{path, want.IDText(), "for 5 agencies, not 6"}},
		{"ErrOtherLottery/fewer agencies", actors.StoreConfig{Path: path, Agencies: 4, Date: testDate}, []string{path, "for 5 agencies, not 4"}},
		{"ErrOtherLottery/another date", actors.StoreConfig{Path: path, Agencies: 5, Date: "2024-06-02"}, []string{path, want.IDText(), "of " + testDate + ", not of 2024-06-02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustRefuse(t, tc.cfg, domain.ErrOtherLottery, tc.says...)
			for p, content := range files {
				mustHaveFile(t, p, content)
			}
		})
	}
}
