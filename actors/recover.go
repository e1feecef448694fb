package actors

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tp0/loteria/domain"
)

// Recovery is what OpenStore found in the store's files.
type Recovery struct {
	Stored   []uint64 // bets per agency, at index agency-1
	Finished []int    // agencies recorded as done, in increasing order
	TornBets int64    // bytes of a torn final row cut from the bets file
	TornDone int64    // bytes of a torn final line cut from the done file
}

// Bets returns the bets recovered, all agencies together.
func (r Recovery) Bets() uint64 {
	var n uint64
	for _, c := range r.Stored {
		n += c
	}
	return n
}

// DonePath returns the path of the done file that the store keeps beside the
// bets file at path: a line "agency,total" for each agency that has
// finished, so that the bets file holds bets and nothing else.
func DonePath(path string) string { return path + ".done" }

// Recovered returns what OpenStore recovered from the files. It is meant for
// use before Run, to start the Coordinator with the agencies already done
// and to log the recovery: it describes the files as OpenStore found them,
// whatever Run has done since. The slices are the caller's.
func (s *Store) Recovered() Recovery {
	r := s.rec
	r.Stored = slices.Clone(r.Stored)
	r.Finished = slices.Clone(r.Finished)
	return r
}

// recover cuts the torn tail of each file, counts the stored bets per
// agency, marks finished the agencies in the done file, and notes it all in
// s.rec.
func (s *Store) recover() error {
	size, torn, err := cutTorn(s.f)
	if err == nil {
		s.rec.TornBets = torn
		err = s.countBets(size)
	}
	if err != nil {
		return fmt.Errorf("recover bets file: %w", err)
	}
	size, torn, err = cutTorn(s.donef)
	if err == nil {
		s.rec.TornDone = torn
		err = s.readDone(size)
	}
	if err != nil {
		return fmt.Errorf("recover done file: %w", err)
	}
	// What a killed server wrote but never fsync'd is now counted and will
	// be acknowledged (a resend is answered from these counts): make it
	// durable first.
	if err := errors.Join(s.f.Sync(), s.donef.Sync()); err != nil {
		return fmt.Errorf("sync recovered files: %w", err)
	}
	s.rec.Stored = slices.Clone(s.stored)
	for i, fin := range s.finished {
		if fin {
			s.rec.Finished = append(s.rec.Finished, i+1)
		}
	}
	return nil
}

// countBets counts the bets per agency in the first size bytes of the bets
// file.
func (s *Store) countBets(size int64) error {
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, size), readSize)
	return domain.ReadBets(r, func(b domain.Bet) error {
		if !s.known(b.Agency) {
			return fmt.Errorf("%w: %d in the bets file", ErrUnknownAgency, b.Agency)
		}
		s.stored[b.Agency-1]++
		s.keepWinner(b.Agency, b)
		return nil
	})
}

// readDone marks finished each agency in the first size bytes of the done
// file, once it has checked that the agency's total is the bets the bets
// file holds for it.
func (s *Store) readDone(size int64) error {
	sc := bufio.NewScanner(io.NewSectionReader(s.donef, 0, size))
	for line := 1; sc.Scan(); line++ {
		a, total, err := parseDone(sc.Text())
		switch {
		case err != nil:
			return fmt.Errorf("%w: line %d: %w", ErrCorrupt, line, err)
		case !s.known(a):
			return fmt.Errorf("%w: %d in the done file", ErrUnknownAgency, a)
		case total != s.stored[a-1]:
			return fmt.Errorf("%w: agency %d done with %d bets, the bets file holds %d",
				ErrCorrupt, a, total, s.stored[a-1])
		}
		s.finished[a-1] = true
	}
	return sc.Err()
}

// doneLine returns the done file's line for agency, done with total bets.
func doneLine(agency int, total uint64) []byte {
	b := strconv.AppendInt(nil, int64(agency), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, total, 10)
	return append(b, '\n')
}

// parseDone parses a line of the done file, without its newline.
func parseDone(line string) (agency int, total uint64, err error) {
	a, t, _ := strings.Cut(line, ",")
	agency, aerr := strconv.Atoi(a)
	total, terr := strconv.ParseUint(t, 10, 64)
	if aerr != nil || terr != nil {
		return 0, 0, fmt.Errorf("want agency,total, got %.40q", line)
	}
	return agency, total, nil
}

// cutTorn truncates f just after its last newline, dropping a final line
// torn by a crash mid-write, and returns the resulting size and the bytes
// cut.
func cutTorn(f *os.File) (size, cut int64, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	end, err := lastLineEnd(f, fi.Size())
	if err != nil || end == fi.Size() {
		return end, 0, err
	}
	if err := f.Truncate(end); err != nil {
		return 0, 0, err
	}
	return end, fi.Size() - end, f.Sync()
}

// lastLineEnd returns the offset just after the last '\n' in the first size
// bytes of r, or 0 if there is none.
func lastLineEnd(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, min(size, readSize))
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := r.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}
