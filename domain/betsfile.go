package domain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The bets file is the server's record of stored bets: one CSV row per bet,
// agency,first_name,last_name,document,birthdate,number, written with
// encoding/csv so that any name (commas, quotes, emoji) round-trips exactly.
// Neither BetsWriter nor ReadBets is safe for concurrent use: only the store
// actor calls them.

const betsFileFields = 6

// BetsWriter appends bets to a bets file. It buffers; call Flush to push the
// rows to the underlying writer.
type BetsWriter struct {
	w      *csv.Writer
	record [betsFileFields]string
}

// NewBetsWriter returns a BetsWriter that writes to w.
func NewBetsWriter(w io.Writer) *BetsWriter {
	return &BetsWriter{w: csv.NewWriter(w)}
}

// Write appends one bet row.
func (bw *BetsWriter) Write(b Bet) error {
	r := &bw.record
	r[0] = strconv.Itoa(b.Agency)
	r[1] = b.FirstName
	r[2] = b.LastName
	r[3] = b.Document
	r[4] = b.Birthdate
	r[5] = strconv.Itoa(b.Number)
	return bw.w.Write(r[:])
}

// Flush writes any buffered rows to the underlying writer.
func (bw *BetsWriter) Flush() error {
	bw.w.Flush()
	return bw.w.Error()
}

// ErrBadRow is wrapped by the errors ReadBets returns for a row that does not
// parse as a bet.
var ErrBadRow = errors.New("bad bets file row")

// ReadBets streams the bets file from r, calling fn for each row in order.
// It stops at the first error, from a malformed row (wrapping ErrBadRow, with
// its line number) or from fn. The Bet handed to fn is not retained.
func ReadBets(r io.Reader, fn func(Bet) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = betsFileFields
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadRow, err)
		}
		line, _ := cr.FieldPos(0)
		b, err := parseBetsRow(rec)
		if err != nil {
			return fmt.Errorf("%w: line %d: %w", ErrBadRow, line, err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}

func parseBetsRow(rec []string) (Bet, error) {
	agency, err := strconv.Atoi(rec[0])
	if err != nil || agency < 1 {
		return Bet{}, &FieldError{FieldAgency, "must be a positive integer"}
	}
	n, err := ParseNumber(rec[5])
	if err != nil {
		return Bet{}, err
	}
	return Bet{
		Agency:    agency,
		FirstName: rec[1],
		LastName:  rec[2],
		Document:  rec[3],
		Birthdate: rec[4],
		Number:    n,
	}, nil
}
