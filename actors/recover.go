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
// bets file at path: a line "agency,total,digest" for each agency that has
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

// recover cuts the torn tail of each file, checks and counts the stored
// bets per agency, marks finished the agencies in the done file, and notes
// it all in s.rec.
func (s *Store) recover() error {
	size, torn, err := cutTorn(s.f)
	if err == nil {
		s.rec.TornBets = torn
		err = s.readBets(size)
	}
	if err != nil {
		return fmt.Errorf("recover bets file: %w", err)
	}
	s.bw = domain.NewBetsWriter(s.f, size) // it buffers: no bufio between
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
	for i, st := range s.streams {
		s.rec.Stored = append(s.rec.Stored, st.stored)
		if st.finished {
			s.rec.Finished = append(s.rec.Finished, i+1)
		}
	}
	return nil
}

// readBets reads the first size bytes of the bets file and checks every
// row as the store wrote it: an agency of the lottery, a valid bet on the
// lottery's date, and a digest that extends the agency's stream by the
// row's bet. It counts the bets, keeps the digests, the index and the
// winners. A row that fails is ErrCorrupt, naming its line.
func (s *Store) readBets(size int64) error {
	br := domain.NewBetsReader(bufioReader(s.f, 0, size), 0)
	day := domain.DayOf(s.lottery.Date)
	for {
		row, err := br.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		a := row.Agency
		if !s.known(a) {
			return fmt.Errorf("%w: line %d: agency %d, the lottery has agencies 1..%d", ErrCorrupt, br.Line(), a, s.cfg.Agencies)
		}
		if err := row.ValidateBy(day); err != nil {
			return fmt.Errorf("%w: line %d: not a valid bet on the lottery's date %s: %w", ErrCorrupt, br.Line(), s.lottery.DateText(), err)
		}
		st := &s.streams[a-1]
		if want := s.digester.Add(st.digest, row.Bet); row.Digest != want {
			return fmt.Errorf("%w: line %d: agency %d's bet %d has digest %v, its stream makes %v (a row changed, moved, added or removed)",
				ErrCorrupt, br.Line(), a, st.stored, row.Digest, want)
		}
		if st.stored%indexEvery == 0 {
			st.index = append(st.index, br.Offset())
		}
		st.stored++
		st.digest = row.Digest
		s.keepWinner(a, row.Bet)
	}
}

// bufioReader reads f from off to end, buffered.
func bufioReader(f *os.File, off, end int64) *bufio.Reader {
	return bufio.NewReaderSize(io.NewSectionReader(f, off, end-off), readSize)
}

// readDone marks finished each agency in the first size bytes of the done
// file, once it has checked that the agency's total and digest are those of
// the bets the bets file holds for it.
func (s *Store) readDone(size int64) error {
	sc := bufio.NewScanner(io.NewSectionReader(s.donef, 0, size))
	line := 1
	for ; sc.Scan(); line++ {
		a, total, digest, err := parseDone(sc.Text())
		switch {
		case err != nil:
			return fmt.Errorf("%w: line %d: %w", ErrCorrupt, line, err)
		case !s.known(a):
			return fmt.Errorf("%w: line %d: agency %d, the lottery has agencies 1..%d", ErrCorrupt, line, a, s.cfg.Agencies)
		}
		st := &s.streams[a-1]
		if total != st.stored || digest != st.digest {
			return fmt.Errorf("%w: line %d: agency %d done with %d bets of digest %v, the bets file holds %d of digest %v",
				ErrCorrupt, line, a, total, digest, st.stored, st.digest)
		}
		st.finished = true
	}
	err := sc.Err()
	if errors.Is(err, bufio.ErrTooLong) { // a line longer than any done line
		err = fmt.Errorf("%w: line %d: %w", ErrCorrupt, line, err)
	}
	return err
}

// doneLine returns the done file's line for agency, done with total bets
// of digest.
func doneLine(agency int, total uint64, digest domain.Digest) []byte {
	b := strconv.AppendInt(nil, int64(agency), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, total, 10)
	b = digest.AppendText(append(b, ','))
	return append(b, '\n')
}

// parseDone parses a line of the done file, without its newline.
func parseDone(line string) (agency int, total uint64, digest domain.Digest, err error) {
	f := strings.Split(line, ",")
	bad := fmt.Errorf("want agency,total,digest, got %.60q", line)
	if len(f) != 3 {
		return 0, 0, 0, bad
	}
	agency, aerr := strconv.Atoi(f[0])
	total, terr := strconv.ParseUint(f[1], 10, 64)
	digest, derr := domain.ParseDigest(f[2])
	if aerr != nil || terr != nil || derr != nil {
		return 0, 0, 0, bad
	}
	return agency, total, digest, nil
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
