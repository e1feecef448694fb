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
// agency,first_name,last_name,document,birthdate,number,digest, written with
// encoding/csv so that any name (commas, quotes, emoji) round-trips exactly.
// The digest is the agency's stream digest up to and including the row's
// bet (8 hex digits, see Digest): each row extends the digest of the
// agency's row before it, so a row changed, removed, moved or added
// anywhere breaks the chain at that row. Neither BetsWriter nor BetsReader
// is safe for concurrent use: only the store actor calls them.

const betsFileFields = 7

// Row is one row of the bets file: a stored bet, and the digest of its
// agency's stream up to and including it.
type Row struct {
	Bet
	Digest Digest
}

// BetsWriter appends rows to a bets file. It buffers; call Flush to push the
// rows to the underlying writer. A row whose fields need no quoting (nearly
// every row) is formatted directly, byte for byte as encoding/csv would; any
// other row is formatted by encoding/csv itself.
type BetsWriter struct {
	w       io.Writer
	buf     []byte
	flushed int64        // bytes in w: its size at the start, and what Flush wrote
	quoted  bytes.Buffer // encoding/csv's output for a row that needs quotes
	csv     *csv.Writer  // writes into quoted
	record  [betsFileFields]string
}

// NewBetsWriter returns a BetsWriter that appends to w, which holds size
// bytes already (Offset counts from there).
func NewBetsWriter(w io.Writer, size int64) *BetsWriter {
	bw := &BetsWriter{w: w, buf: make([]byte, 0, 64<<10), flushed: size}
	bw.csv = csv.NewWriter(&bw.quoted)
	return bw
}

// Offset returns where the next row will start in the file: its size
// once every row written so far is flushed.
func (bw *BetsWriter) Offset() int64 { return bw.flushed + int64(len(bw.buf)) }

// Write appends one row.
func (bw *BetsWriter) Write(r Row) error {
	b := r.Bet
	if plain(b.FirstName) && plain(b.LastName) && plain(b.Document) && plain(b.Birthdate) {
		bw.buf = appendPlainRow(bw.buf, r)
	} else if err := bw.writeQuoted(r); err != nil {
		return err
	}
	if len(bw.buf) >= 64<<10 {
		return bw.Flush()
	}
	return nil
}

func appendPlainRow(dst []byte, r Row) []byte {
	dst = strconv.AppendInt(dst, int64(r.Agency), 10)
	for _, f := range [...]string{r.FirstName, r.LastName, r.Document, r.Birthdate} {
		dst = append(append(dst, ','), f...)
	}
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(r.Number), 10)
	dst = r.Digest.AppendText(append(dst, ','))
	return append(dst, '\n')
}

func (bw *BetsWriter) writeQuoted(row Row) error {
	r := &bw.record
	r[0] = strconv.Itoa(row.Agency)
	r[1] = row.FirstName
	r[2] = row.LastName
	r[3] = row.Document
	r[4] = row.Birthdate
	r[5] = strconv.Itoa(row.Number)
	r[6] = row.Digest.String()
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
	n, err := bw.w.Write(bw.buf)
	bw.flushed += int64(n)
	bw.buf = bw.buf[:0]
	return err
}

// ErrBadRow is wrapped by the errors a BetsReader returns for a row that
// does not parse as a row of the bets file.
var ErrBadRow = errors.New("bad bets file row")

// BetsReader reads a bets file a row at a time, from any row's start.
type BetsReader struct {
	cr    *csv.Reader
	base  int64 // where the reader's input starts in the file
	start int64 // where the row last returned starts in the file
}

// NewBetsReader returns a reader of the rows in r, which starts at offset
// in the bets file (0 for the whole file; Offset counts from there).
func NewBetsReader(r io.Reader, offset int64) *BetsReader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = betsFileFields
	cr.ReuseRecord = true
	return &BetsReader{cr: cr, base: offset}
}

// Next returns the next row, io.EOF after the last, or an error wrapping
// ErrBadRow, with the line number, for a row that does not parse (its
// fields are checked for form only: that the bet is valid is the caller's
// to check).
func (br *BetsReader) Next() (Row, error) {
	br.start = br.base + br.cr.InputOffset()
	rec, err := br.cr.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	if err != nil {
		return Row{}, fmt.Errorf("%w: %w", ErrBadRow, err)
	}
	r, err := parseBetsRow(rec)
	if err != nil {
		return Row{}, fmt.Errorf("%w: line %d: %w", ErrBadRow, br.Line(), err)
	}
	return r, nil
}

// Line returns the line number of the row last returned, counted from the
// reader's start.
func (br *BetsReader) Line() int {
	line, _ := br.cr.FieldPos(0)
	return line
}

// Offset returns where the row last returned starts in the file.
func (br *BetsReader) Offset() int64 { return br.start }

// ReadBets streams the bets file from r, calling fn for each row's bet in
// order. It stops at the first error, from a malformed row (wrapping
// ErrBadRow, with its line number) or from fn. The Bet handed to fn is not
// retained.
func ReadBets(r io.Reader, fn func(Bet) error) error {
	br := NewBetsReader(r, 0)
	for {
		row, err := br.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(row.Bet); err != nil {
			return err
		}
	}
}

func parseBetsRow(rec []string) (Row, error) {
	agency, err := strconv.Atoi(rec[0])
	if err != nil || agency < 1 || rec[0][0] == '0' || rec[0][0] == '+' {
		return Row{}, &FieldError{FieldAgency, "must be a positive integer"}
	}
	n, err := ParseNumber(rec[5])
	if err != nil {
		return Row{}, err
	}
	d, err := ParseDigest(rec[6])
	if err != nil {
		return Row{}, err
	}
	return Row{Bet: Bet{
		Agency:    agency,
		FirstName: rec[1],
		LastName:  rec[2],
		Document:  rec[3],
		Birthdate: rec[4],
		Number:    n,
	}, Digest: d}, nil
}
