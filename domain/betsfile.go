package domain

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// The bets file is the server's record of stored bets: one CSV row per bet,
// agency,first_name,last_name,document,birthdate,number, written with
// encoding/csv so that any name (commas, quotes, emoji) round-trips exactly.
// Neither BetsWriter nor ReadBets is safe for concurrent use: only the store
// actor calls them.

const betsFileFields = 6

// BetsWriter appends bets to a bets file. It buffers; call Flush to push the
// rows to the underlying writer. A row whose fields need no quoting (nearly
// every row) is formatted directly, byte for byte as encoding/csv would; any
// other row is formatted by encoding/csv itself.
type BetsWriter struct {
	w      io.Writer
	buf    []byte
	quoted bytes.Buffer // encoding/csv's output for a row that needs quotes
	csv    *csv.Writer  // writes into quoted
	record [betsFileFields]string
}

// NewBetsWriter returns a BetsWriter that writes to w.
func NewBetsWriter(w io.Writer) *BetsWriter {
	bw := &BetsWriter{w: w, buf: make([]byte, 0, 64<<10)}
	bw.csv = csv.NewWriter(&bw.quoted)
	return bw
}

// Write appends one bet row.
func (bw *BetsWriter) Write(b Bet) error {
	if plain(b.FirstName) && plain(b.LastName) && plain(b.Document) && plain(b.Birthdate) {
		bw.buf = appendPlainRow(bw.buf, b)
	} else if err := bw.writeQuoted(b); err != nil {
		return err
	}
	if len(bw.buf) >= 64<<10 {
		return bw.Flush()
	}
	return nil
}

func appendPlainRow(dst []byte, b Bet) []byte {
	dst = strconv.AppendInt(dst, int64(b.Agency), 10)
	for _, f := range [...]string{b.FirstName, b.LastName, b.Document, b.Birthdate} {
		dst = append(append(dst, ','), f...)
	}
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(b.Number), 10)
	return append(dst, '\n')
}

func (bw *BetsWriter) writeQuoted(b Bet) error {
	r := &bw.record
	r[0] = strconv.Itoa(b.Agency)
	r[1] = b.FirstName
	r[2] = b.LastName
	r[3] = b.Document
	r[4] = b.Birthdate
	r[5] = strconv.Itoa(b.Number)
	if err := bw.csv.Write(r[:]); err != nil {
		return err
	}
	bw.csv.Flush()
	if err := bw.csv.Error(); err != nil {
		return err
	}
	bw.buf = append(bw.buf, bw.quoted.Bytes()...)
	bw.quoted.Reset()
	return nil
}

// plain reports whether encoding/csv writes the field as it is, unquoted:
// the same test as its Writer's (comma ','), in one pass over a table.
func plain(f string) bool {
	if f == "" {
		return true
	}
	if f == `\.` {
		return false
	}
	for i := 0; i < len(f); i++ {
		if quotable[f[i]] {
			return false
		}
	}
	if c := f[0]; c < utf8.RuneSelf {
		return !asciiSpace[c]
	}
	r, _ := utf8.DecodeRuneInString(f)
	return !unicode.IsSpace(r)
}

// quotable marks the bytes that make encoding/csv quote a field, and
// asciiSpace the ASCII bytes unicode.IsSpace accepts.
var quotable, asciiSpace = func() (q, sp [256]bool) {
	for _, c := range "\n\r\"," {
		q[c] = true
	}
	for c := range utf8.RuneSelf {
		sp[c] = unicode.IsSpace(rune(c))
	}
	return q, sp
}()

// Flush writes any buffered rows to the underlying writer.
func (bw *BetsWriter) Flush() error {
	if len(bw.buf) == 0 {
		return nil
	}
	_, err := bw.w.Write(bw.buf)
	bw.buf = bw.buf[:0]
	return err
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
