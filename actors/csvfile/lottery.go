package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tp0/loteria/domain"
)

// openLottery reads the lottery file of the store at path or, for a store
// that holds nothing yet (empty says so), creates it for fresh.
func openLottery(path string, fresh domain.Lottery, empty bool) (domain.Lottery, error) {
	lpath := LotteryPath(path)
	b, err := os.ReadFile(lpath)
	if errors.Is(err, fs.ErrNotExist) {
		if !empty {
			return domain.Lottery{}, fmt.Errorf("%w: %s holds bets but there is no %s (a store of an older version, or damaged)",
				domain.ErrCorrupt, path, filepath.Base(lpath))
		}
		return fresh, createLottery(lpath, fresh)
	}
	if err != nil {
		return domain.Lottery{}, fmt.Errorf("read lottery file: %w", err)
	}
	l, err := parseLottery(b)
	if err != nil {
		return domain.Lottery{}, fmt.Errorf("%w: %s: %w", domain.ErrCorrupt, lpath, err)
	}
	return l, nil
}

// createLottery writes the lottery file at path whole: to a temporary
// file, fsync'd, renamed into place (Open fsyncs the directory), so the
// file is there complete or not at all.
func createLottery(path string, l domain.Lottery) error {
	tmp := path + ".tmp"
	err := writeSynced(tmp, fmt.Appendf(nil, "%s,%s,%d\n", l.IDText(), l.DateText(), l.Agencies))
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("create lottery file: %w", err)
	}
	return nil
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
func parseLottery(b []byte) (domain.Lottery, error) {
	line, ok := bytes.CutSuffix(b, []byte("\n"))
	f := strings.Split(string(line), ",")
	bad := fmt.Errorf("want one line id,date,agencies, got %.60q", b)
	if !ok || len(f) != 3 || len(f[0]) != 16 {
		return domain.Lottery{}, bad
	}
	id, err1 := strconv.ParseUint(f[0], 16, 64)
	date, err2 := domain.ParseDate(f[1])
	n, err3 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || err3 != nil || n < 0 || strconv.Itoa(n) != f[2] {
		return domain.Lottery{}, bad
	}
	return domain.Lottery{ID: id, Date: date, Agencies: n}, nil
}
