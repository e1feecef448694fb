package csvfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tp0/loteria/domain"
)

// Replay repairs the files (a final line torn by a crash mid-write is cut
// off each, and both are fsync'd: see Repairs), then reads the bets file,
// calling row for each row, then the done file, calling done for each
// line. A row or line that cannot be parsed is domain.ErrCorrupt; that and
// a callback's error are returned naming the file and the line.
func (l *Log) Replay(row func(domain.Row) error, done func(domain.Done) error) error {
	if err := l.repair(); err != nil {
		return err
	}
	if err := l.replayBets(row); err != nil {
		return fmt.Errorf("recover bets file: %w", err)
	}
	if err := l.replayDone(done); err != nil {
		return fmt.Errorf("recover done file: %w", err)
	}
	return nil
}

func (l *Log) replayBets(fn func(domain.Row) error) error {
	br := domain.NewBetsReader(sectionReader(l.f, l.size), 0)
	for {
		r, err := br.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", domain.ErrCorrupt, err)
		}
		if err := fn(r); err != nil {
			return fmt.Errorf("line %d: %w", br.Line(), err)
		}
	}
}

func (l *Log) replayDone(fn func(domain.Done) error) error {
	sc := bufio.NewScanner(sectionReader(l.donef, l.doneSize))
	line := 1
	for ; sc.Scan(); line++ {
		d, err := parseDone(sc.Text())
		if err == nil {
			err = fn(d)
		} else {
			err = fmt.Errorf("%w: %w", domain.ErrCorrupt, err)
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	err := sc.Err()
	if errors.Is(err, bufio.ErrTooLong) { // a line longer than any done line
		err = fmt.Errorf("%w: line %d: %w", domain.ErrCorrupt, line, err)
	}
	return err
}

// sectionReader reads the first size bytes of f, buffered.
func sectionReader(f *os.File, size int64) *bufio.Reader {
	return bufio.NewReaderSize(io.NewSectionReader(f, 0, size), readSize)
}
