// Package csvfile is the store's BetLog on local files, in the bets file's
// CSV format (domain.BetsWriter): the bets file at a path, and beside it
// the done file (a line "agency,total,digest" per finished agency) and the
// lottery file (one line "id,date,agencies"). Every write is fsync'd
// before it returns, the bets file is locked while the log is open, and
// Replay first cuts a final line torn by a crash mid-write off each file.
package csvfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tp0/loteria/domain"
)

// readSize is the buffer of every read of the files.
const readSize = 64 << 10

// DonePath returns the path of the done file beside the bets file at path.
func DonePath(path string) string { return path + ".done" }

// LotteryPath returns the path of the lottery file beside the bets file at
// path.
func LotteryPath(path string) string { return path + ".lottery" }

// Log is the bets, the dones and the lottery of one store, in its files.
// It implements actors.BetLog.
type Log struct {
	path     string
	f        *os.File           // the bets file
	donef    *os.File           // the done file
	bw       *domain.BetsWriter // made by Replay's repair
	size     int64              // of the bets file after the repair: what Replay reads
	doneSize int64              // of the done file, likewise
	lottery  domain.Lottery
	repairs  []string
}

// Open opens the store whose bets file is at path, creating its three
// files for the lottery fresh if none holds anything, and locks the bets
// file: a second Open fails with domain.ErrInUse until Close. It changes
// nothing in a store that exists: Replay repairs it. A store that holds
// bets or dones but no lottery file is domain.ErrCorrupt.
func Open(path string, fresh domain.Lottery) (*Log, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, fmt.Errorf("open bets file: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, err
	}
	donef, err := openAppend(DonePath(path))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open done file: %w", err)
	}
	l := &Log{path: path, f: f, donef: donef}
	if err := l.open(fresh); err != nil {
		l.closeFiles()
		return nil, err
	}
	return l, nil
}

func (l *Log) open(fresh domain.Lottery) error {
	empty, err := isEmpty(l.f, l.donef)
	if err != nil {
		return err
	}
	if l.lottery, err = openLottery(l.path, fresh, empty); err != nil {
		return err
	}
	// The files may have just been created: fsync their directory, so that
	// they survive a crash along with what is fsync'd into them.
	return syncDir(filepath.Dir(l.path))
}

// repair cuts a final line torn by a crash mid-write off the bets and done
// files, notes it in the repairs, and fsyncs both: what they hold is about
// to be replayed, and acknowledged.
func (l *Log) repair() error {
	var err error
	if l.size, err = l.cut(l.f, "bets file"); err != nil {
		return fmt.Errorf("recover bets file: %w", err)
	}
	if l.doneSize, err = l.cut(l.donef, "done file"); err != nil {
		return fmt.Errorf("recover done file: %w", err)
	}
	l.bw = domain.NewBetsWriter(l.f, l.size) // it buffers: no bufio between
	if err := errors.Join(l.f.Sync(), l.donef.Sync()); err != nil {
		return fmt.Errorf("sync recovered files: %w", err)
	}
	return nil
}

// cut cuts f's torn tail, notes it in the repairs, and returns f's size.
func (l *Log) cut(f *os.File, name string) (int64, error) {
	size, cut, err := cutTorn(f)
	if err == nil && cut > 0 {
		l.repairs = append(l.repairs, fmt.Sprintf("cut a torn final line of %d bytes off the %s", cut, name))
	}
	return size, err
}

// Repairs says what Replay repaired, a sentence per repair.
func (l *Log) Repairs() []string { return l.repairs }

// Lottery returns the lottery of the store's lottery file.
func (l *Log) Lottery() domain.Lottery { return l.lottery }

// Append writes rows to the bets file and fsyncs it.
func (l *Log) Append(rows []domain.Row) error {
	for _, r := range rows {
		if err := l.bw.Write(r); err != nil {
			return fmt.Errorf("write bets file: %w", err)
		}
	}
	return l.flush()
}

// Finish writes d's line to the done file and fsyncs it.
func (l *Log) Finish(d domain.Done) error {
	if _, err := l.donef.Write(doneLine(d)); err != nil {
		return fmt.Errorf("write done file: %w", err)
	}
	if err := l.donef.Sync(); err != nil {
		return fmt.Errorf("sync done file: %w", err)
	}
	return nil
}

// Close flushes and fsyncs the bets file, and closes both files, which
// releases the lock.
func (l *Log) Close() error {
	var err error
	if l.bw != nil { // else nothing was replayed, nor written
		err = l.flush()
	}
	if cerr := l.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

// flush pushes buffered rows to the bets file and fsyncs it.
func (l *Log) flush() error {
	if err := l.bw.Flush(); err != nil {
		return fmt.Errorf("write bets file: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync bets file: %w", err)
	}
	return nil
}

func (l *Log) closeFiles() error {
	ferr := l.f.Close()
	derr := l.donef.Close()
	switch {
	case ferr != nil:
		return fmt.Errorf("close bets file: %w", ferr)
	case derr != nil:
		return fmt.Errorf("close done file: %w", derr)
	}
	return nil
}

func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
}

// isEmpty reports whether every file is empty: a store that holds nothing.
func isEmpty(files ...*os.File) (bool, error) {
	for _, f := range files {
		fi, err := f.Stat()
		if err != nil {
			return false, err
		}
		if fi.Size() > 0 {
			return false, nil
		}
	}
	return true, nil
}

// syncDir fsyncs a directory, so that files just created in it survive a
// crash along with what is fsync'd into them.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync bets directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync bets directory: %w", err)
	}
	return nil
}
