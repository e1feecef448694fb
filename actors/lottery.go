package actors

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/tp0/loteria/domain"
)

// NewLottery returns a new lottery for cfg: a random id, cfg's date
// (today's in UTC if empty) and agencies. A backend creates its log for
// it when it holds none yet.
func NewLottery(cfg StoreConfig) (domain.Lottery, error) {
	date := cfg.Date
	if date == "" {
		date = time.Now().UTC().Format(time.DateOnly)
	}
	d, err := domain.ParseDate(date)
	if err != nil {
		return domain.Lottery{}, fmt.Errorf("lottery date: %w", err)
	}
	var id [8]byte
	rand.Read(id[:]) // never fails (crypto/rand)
	return domain.Lottery{ID: binary.BigEndian.Uint64(id[:]), Date: d, Agencies: cfg.Agencies}, nil
}

// checkLottery refuses, with domain.ErrOtherLottery, a store of a lottery
// other than cfg's: other agencies, or another date when cfg names one. A
// store is never mixed with another lottery.
func checkLottery(l domain.Lottery, cfg StoreConfig) error {
	switch {
	case l.Agencies != cfg.Agencies:
		return fmt.Errorf("%w: the store is lottery %s of %s for %d agencies, not %d",
			domain.ErrOtherLottery, l.IDText(), l.DateText(), l.Agencies, cfg.Agencies)
	case cfg.Date != "" && cfg.Date != l.DateText():
		return fmt.Errorf("%w: the store is lottery %s of %s, not of %s",
			domain.ErrOtherLottery, l.IDText(), l.DateText(), cfg.Date)
	}
	return nil
}
