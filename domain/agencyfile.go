package domain

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"
)

// An agency file lists one agency's bets, one CSV row per bet:
// first_name,last_name,document,birthdate,number. Lines end in LF or CRLF;
// a leading UTF-8 byte order mark is ignored.

const agencyFileFields = 5

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

// AgencyReader streams the bets of an agency file without loading it whole.
type AgencyReader struct {
	agency int
	cr     *csv.Reader
	now    time.Time // birthdates are checked against the day the reader was made
}

// NewAgencyReader returns a reader of agency's bets from r.
func NewAgencyReader(r io.Reader, agency int) *AgencyReader {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = agencyFileFields
	cr.ReuseRecord = true
	return &AgencyReader{agency: agency, cr: cr, now: time.Now()}
}

// Next returns the next valid bet and its line number. A row that is not a
// valid bet yields a *RowError, after which Next may be called again; the end
// of the file yields io.EOF; any other error is from the underlying reader.
func (ar *AgencyReader) Next() (Bet, int, error) {
	rec, err := ar.cr.Read()
	if err == io.EOF {
		return Bet{}, 0, io.EOF
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return Bet{}, perr.StartLine, &RowError{Line: perr.StartLine, Err: perr.Err}
	}
	if err != nil {
		return Bet{}, 0, err
	}
	line, _ := ar.cr.FieldPos(0)
	n, err := ParseNumber(rec[4])
	if err != nil {
		return Bet{}, line, &RowError{Line: line, Err: err}
	}
	b := Bet{
		Agency:    ar.agency,
		FirstName: rec[0],
		LastName:  rec[1],
		Document:  rec[2],
		Birthdate: rec[3],
		Number:    n,
	}
	if err := b.ValidateOn(ar.now); err != nil {
		return Bet{}, line, &RowError{Line: line, Err: err}
	}
	return b, line, nil
}
