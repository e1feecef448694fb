package domain

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of a valid bet.
const (
	MaxNameLen     = 100  // characters (runes) in a first or last name
	MaxDocumentLen = 10   // ASCII digits in a document
	MaxNumber      = 9999 // largest number a bet can play
	DateLayout     = "2006-01-02"
)

// MaxAgencies is the most agencies a lottery may have. Agencies are
// numbered from 1, so it bounds both the server's number of agencies and
// an agency's own number.
const MaxAgencies = 1000

// Field names a part of a bet, as used in validation errors.
type Field string

// The fields of a bet.
const (
	FieldAgency    Field = "agency"
	FieldFirstName Field = "first_name"
	FieldLastName  Field = "last_name"
	FieldDocument  Field = "document"
	FieldBirthdate Field = "birthdate"
	FieldNumber    Field = "number"
)

// Bet is one bet placed at an agency. Every text field is kept exactly as
// written: names are never trimmed and the document keeps its leading zeros.
type Bet struct {
	Agency    int
	FirstName string
	LastName  string
	Document  string
	Birthdate string // YYYY-MM-DD
	Number    int
}

// FieldError says which field of a bet breaks which rule.
type FieldError struct {
	Field  Field
	Reason string
}

// Error says which field breaks which rule.
func (e *FieldError) Error() string { return string(e.Field) + ": " + e.Reason }

// Validate reports the first rule the bet breaks as a *FieldError, or nil.
// The agency is checked only to be positive; the upper bound (the number of
// agencies) belongs to the server's configuration. Birthdates are compared
// with today's date in UTC.
func (b Bet) Validate() error { return b.ValidateOn(time.Now()) }

// ValidateOn is Validate with the birthdate compared to the UTC date of
// now: a caller validating many bets reads the clock once.
func (b Bet) ValidateOn(now time.Time) error { return b.ValidateBy(DayOf(now)) }

// Day is a calendar day, the last on which a valid bet's holder may be
// born: a lottery's date.
type Day struct{ y, m, d int }

// DayOf returns the UTC day of t.
func DayOf(t time.Time) Day {
	y, m, d := t.UTC().Date()
	return Day{y, int(m), d}
}

// ValidateBy is Validate with birthdates after day refused: a caller
// validating many bets against one day (a lottery's) works the day out
// once.
func (b Bet) ValidateBy(day Day) error {
	if b.Agency < 1 {
		return &FieldError{FieldAgency, fmt.Sprintf("must be at least 1, got %d", b.Agency)}
	}
	if err := validateName(FieldFirstName, b.FirstName); err != nil {
		return err
	}
	if err := validateName(FieldLastName, b.LastName); err != nil {
		return err
	}
	if err := validateDocument(b.Document); err != nil {
		return err
	}
	if err := validateBirthdate(b.Birthdate, day); err != nil {
		return err
	}
	if b.Number < 0 || b.Number > MaxNumber {
		return &FieldError{FieldNumber, fmt.Sprintf("must be 0..%d, got %d", MaxNumber, b.Number)}
	}
	return nil
}

// validateName checks a name in one pass over its bytes.
func validateName(f Field, s string) error {
	if s == "" {
		return &FieldError{f, "must not be empty"}
	}
	n := 0
	for i := 0; i < len(s); n++ {
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return &FieldError{f, fmt.Sprintf("must not contain control character %U", rune(c))}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return &FieldError{f, "must be valid UTF-8"}
		}
		if unicode.IsControl(r) {
			return &FieldError{f, fmt.Sprintf("must not contain control character %U", r)}
		}
		i += size
	}
	if n > MaxNameLen {
		return &FieldError{f, fmt.Sprintf("must be at most %d characters", MaxNameLen)}
	}
	return nil
}

func validateDocument(s string) error {
	if s == "" || len(s) > MaxDocumentLen || !isDigits(s) {
		return &FieldError{FieldDocument, fmt.Sprintf("must be 1 to %d ASCII digits", MaxDocumentLen)}
	}
	return nil
}

func validateBirthdate(s string, day Day) error {
	y, m, d, ok := parseDate(s)
	if !ok {
		return &FieldError{FieldBirthdate, "must be a real calendar date YYYY-MM-DD"}
	}
	if ty, tm, td := day.y, day.m, day.d; y > ty || y == ty && (m > tm || m == tm && d > td) {
		return &FieldError{FieldBirthdate, "must not be in the future"}
	}
	return nil
}

// ParseDate parses a date written YYYY-MM-DD, a real calendar date, as
// midnight UTC of that day: the form of a lottery's date, against which
// ValidateOn checks birthdates.
func ParseDate(s string) (time.Time, error) {
	y, m, d, ok := parseDate(s)
	if !ok {
		return time.Time{}, fmt.Errorf("want a real calendar date YYYY-MM-DD, got %.20q", s)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// parseDate parses YYYY-MM-DD, a real calendar date, without the cost of
// time.Parse: every bet has one.
func parseDate(s string) (y, m, d int, ok bool) {
	if len(s) != len(DateLayout) || s[4] != '-' || s[7] != '-' ||
		!isDigits(s[:4]) || !isDigits(s[5:7]) || !isDigits(s[8:]) {
		return 0, 0, 0, false
	}
	y = int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	m = int(s[5]-'0')*10 + int(s[6]-'0')
	d = int(s[8]-'0')*10 + int(s[9]-'0')
	return y, m, d, m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseNumber parses a bet's number as written in a file: 1 to 4 ASCII
// digits, nothing else (no sign, no spaces).
func ParseNumber(s string) (int, error) {
	if s == "" || len(s) > 4 || !isDigits(s) {
		return 0, &FieldError{FieldNumber, fmt.Sprintf("must be 0..%d written as 1 to 4 digits", MaxNumber)}
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
