package domain

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"
)

// An agency file lists one agency's bets, one CSV row per line:
// first_name,last_name,document,birthdate,number. Lines end in LF or CRLF;
// a leading UTF-8 byte order mark is ignored, and so are empty lines.
//
// Each line is one row. A quoted field cannot span lines: no valid bet
// holds a line break, and a stray quote then spoils one row, not the rest
// of the file. A line without quotes is split at its commas; a line with
// quotes is parsed by encoding/csv, so quoting follows RFC 4180.
//
// A line is at most MaxLineLen bytes. A longer one is reported and skipped,
// and the reader never holds more than MaxLineLen and a few bytes of it, so
// its memory stays bounded whatever the file (a file without line breaks,
// /dev/zero, included).

const agencyFileFields = 5

// MaxLineLen is the longest line of an agency file, in bytes, its end (LF
// or CRLF) not counted: 64 KiB. A valid bet takes far less (two names of at
// most 100 characters, a document, a date, a number: under 1 KiB).
const MaxLineLen = 64 << 10

// RowError is a row of an agency file that is not a valid bet. Reading can
// go on after it.
type RowError struct {
	Line int
	Err  error
}

// Error says which line is at fault and why.
func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns why the row is invalid.
func (e *RowError) Unwrap() error { return e.Err }

// Errors of a row.
var (
	ErrFieldCount  = errors.New("wrong number of fields: want first_name,last_name,document,birthdate,number")
	ErrLineTooLong = fmt.Errorf("the line is longer than %d KiB", MaxLineLen>>10)
)

// AgencyReader streams the bets of an agency file without loading it whole.
type AgencyReader struct {
	agency int
	br     *bufio.Reader
	line   int // lines read so far
	day    Day // birthdates are checked against this day
	fields [agencyFileFields]string
	skip   bool // the rest of a line too long to read is still to be skipped
}

// NewAgencyReader returns a reader of agency's bets from r, birthdates
// checked against today.
func NewAgencyReader(r io.Reader, agency int) *AgencyReader {
	return NewAgencyReaderOn(r, agency, time.Now())
}

// NewAgencyReaderOn is NewAgencyReader with birthdates checked against the
// date of now. An agency numbers its valid bets, so it reads its file
// against one date for the whole run: a row dated tomorrow must not turn
// valid after midnight and shift the positions of every row after it.
func NewAgencyReaderOn(r io.Reader, agency int, now time.Time) *AgencyReader {
	br := bufio.NewReaderSize(r, MaxLineLen+len("\r\n")) // a longest line and its end
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	return &AgencyReader{agency: agency, br: br, day: DayOf(now)}
}

// Next returns the next valid bet and its line number. A row that is not a
// valid bet yields a *RowError, after which Next may be called again; so
// does a line longer than MaxLineLen (ErrLineTooLong), whose rest the next
// call skips. The end of the file yields io.EOF; any other error is from
// the underlying reader.
func (ar *AgencyReader) Next() (Bet, int, error) {
	for {
		raw, err := ar.readLine()
		if err != nil && err != ErrLineTooLong {
			return Bet{}, 0, err
		}
		ar.line++
		raw = bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte("\n")), []byte("\r"))
		if err == ErrLineTooLong || len(raw) > MaxLineLen { // too long to read whole, or read whole
			return Bet{}, ar.line, &RowError{Line: ar.line, Err: ErrLineTooLong}
		}
		if len(raw) == 0 {
			continue
		}
		b, err := ar.parse(raw)
		if err != nil {
			return Bet{}, ar.line, &RowError{Line: ar.line, Err: err}
		}
		return b, ar.line, nil
	}
}

// readLine returns the next line, its end included, or io.EOF. The bytes
// are valid until the next call. A line that does not fit in br's buffer,
// and so is longer than MaxLineLen, is ErrLineTooLong as soon as the
// buffer is full, without reading on; the next call first skips the rest
// of it, a buffer at a time, keeping none of it.
func (ar *AgencyReader) readLine() ([]byte, error) {
	if ar.skip {
		ar.skip = false
		_, err := ar.br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			_, err = ar.br.ReadSlice('\n')
		}
		if err != nil {
			return nil, err // io.EOF: the long line was the last
		}
	}
	raw, err := ar.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		ar.skip = true
		return nil, ErrLineTooLong
	case err == io.EOF && len(raw) > 0:
		err = nil // a last line without its end
	}
	return raw, err
}

// parse turns one line into a valid bet.
func (ar *AgencyReader) parse(raw []byte) (Bet, error) {
	f := &ar.fields
	if bytes.IndexByte(raw, '"') >= 0 {
		if err := quotedFields(raw, f); err != nil {
			return Bet{}, err
		}
	} else if err := plainFields(string(raw), f); err != nil {
		return Bet{}, err
	}
	n, err := ParseNumber(f[4])
	if err != nil {
		return Bet{}, err
	}
	b := Bet{Agency: ar.agency, FirstName: f[0], LastName: f[1], Document: f[2], Birthdate: f[3], Number: n}
	return b, b.ValidateBy(ar.day)
}

// plainFields splits a line without quotes at its commas, in one pass: one
// string for the line, the fields slices of it.
func plainFields(line string, f *[agencyFileFields]string) error {
	n, start := 0, 0
	for i := 0; i < len(line); i++ {
		if line[i] != ',' {
			continue
		}
		if n == agencyFileFields-1 {
			return ErrFieldCount
		}
		f[n], start = line[start:i], i+1
		n++
	}
	if n != agencyFileFields-1 {
		return ErrFieldCount
	}
	f[n] = line[start:]
	return nil
}

// quotedFields parses a line with quotes with encoding/csv.
func quotedFields(line []byte, f *[agencyFileFields]string) error {
	cr := csv.NewReader(bytes.NewReader(line))
	cr.FieldsPerRecord = agencyFileFields
	rec, err := cr.Read()
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		if errors.Is(perr.Err, csv.ErrFieldCount) {
			return ErrFieldCount
		}
		return perr.Err
	}
	if err != nil {
		return err
	}
	copy(f[:], rec)
	return nil
}
