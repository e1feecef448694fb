package actors

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tp0/loteria/domain"
)

// Lottery is the identity of the lottery a store belongs to, fixed when the
// store is created and kept in the lottery file beside the bets file.
type Lottery struct {
	ID       uint64    // random, made with the store
	Date     time.Time // the lottery's day (midnight UTC): no birthdate may be after it
	Agencies int       // N: agencies 1..N take part
}

// DateText returns the lottery's date as YYYY-MM-DD.
func (l Lottery) DateText() string { return l.Date.Format(time.DateOnly) }

// IDText returns the lottery's id as 16 hex digits, as logged.
func (l Lottery) IDText() string { return fmt.Sprintf("%016x", l.ID) }

// LotteryPath returns the path of the lottery file beside the bets file at
// path: one line "id,date,agencies".
func LotteryPath(path string) string { return path + ".lottery" }

// openLottery reads the lottery file of the store at path or, for a store
// that holds nothing yet (empty says so), creates it for cfg. A lottery
// other than cfg's (other agencies, or another date when cfg names one) is
// ErrOtherLottery: the store is refused rather than mixed with another
// lottery.
func openLottery(cfg StoreConfig, empty bool) (Lottery, error) {
	path := LotteryPath(cfg.Path)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !empty {
			return Lottery{}, fmt.Errorf("%w: %s holds bets but there is no %s (a store of an older version, or damaged)",
				ErrCorrupt, cfg.Path, filepath.Base(path))
		}
		return createLottery(cfg)
	}
	if err != nil {
		return Lottery{}, fmt.Errorf("read lottery file: %w", err)
	}
	l, err := parseLottery(b)
	if err != nil {
		return Lottery{}, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	switch {
	case l.Agencies != cfg.Agencies:
		return Lottery{}, fmt.Errorf("%w: the store at %s is lottery %s of %s for %d agencies, not %d",
			ErrOtherLottery, cfg.Path, l.IDText(), l.DateText(), l.Agencies, cfg.Agencies)
	case cfg.Date != "" && cfg.Date != l.DateText():
		return Lottery{}, fmt.Errorf("%w: the store at %s is lottery %s of %s, not of %s",
			ErrOtherLottery, cfg.Path, l.IDText(), l.DateText(), cfg.Date)
	}
	return l, nil
}

// createLottery makes a new lottery for cfg and writes its file whole: to
// a temporary file, fsync'd, renamed into place (the caller fsyncs the
// directory), so the file is there complete or not at all.
func createLottery(cfg StoreConfig) (Lottery, error) {
	date := cfg.Date
	if date == "" {
		date = time.Now().UTC().Format(time.DateOnly)
	}
	d, err := domain.ParseDate(date)
	if err != nil {
		return Lottery{}, fmt.Errorf("lottery date: %w", err)
	}
	var id [8]byte
	rand.Read(id[:]) // never fails (crypto/rand)
	l := Lottery{ID: binary.BigEndian.Uint64(id[:]), Date: d, Agencies: cfg.Agencies}
	path := LotteryPath(cfg.Path)
	tmp := path + ".tmp"
	err = writeSynced(tmp, fmt.Appendf(nil, "%s,%s,%d\n", l.IDText(), l.DateText(), l.Agencies))
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return Lottery{}, fmt.Errorf("create lottery file: %w", err)
	}
	return l, nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// parseLottery parses the lottery file: "id,date,agencies\n".
func parseLottery(b []byte) (Lottery, error) {
	line, ok := bytes.CutSuffix(b, []byte("\n"))
	f := strings.Split(string(line), ",")
	bad := fmt.Errorf("want one line id,date,agencies, got %.60q", b)
	if !ok || len(f) != 3 || len(f[0]) != 16 {
		return Lottery{}, bad
	}
	id, err1 := strconv.ParseUint(f[0], 16, 64)
	date, err2 := domain.ParseDate(f[1])
	n, err3 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || err3 != nil || n < 0 || strconv.Itoa(n) != f[2] {
		return Lottery{}, bad
	}
	return Lottery{ID: id, Date: date, Agencies: n}, nil
}
