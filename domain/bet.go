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
func (b Bet) Validate() error {
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
	if err := validateBirthdate(b.Birthdate, time.Now().UTC()); err != nil {
		return err
	}
	if b.Number < 0 || b.Number > MaxNumber {
		return &FieldError{FieldNumber, fmt.Sprintf("must be 0..%d, got %d", MaxNumber, b.Number)}
	}
	return nil
}

func validateName(f Field, s string) error {
	switch {
	case s == "":
		return &FieldError{f, "must not be empty"}
	case !utf8.ValidString(s):
		return &FieldError{f, "must be valid UTF-8"}
	case utf8.RuneCountInString(s) > MaxNameLen:
		return &FieldError{f, fmt.Sprintf("must be at most %d characters", MaxNameLen)}
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return &FieldError{f, fmt.Sprintf("must not contain control character %U", r)}
		}
	}
	return nil
}

func validateDocument(s string) error {
	if s == "" || len(s) > MaxDocumentLen || !isDigits(s) {
		return &FieldError{FieldDocument, fmt.Sprintf("must be 1 to %d ASCII digits", MaxDocumentLen)}
	}
	return nil
}

func validateBirthdate(s string, now time.Time) error {
	if len(s) != len(DateLayout) {
		return &FieldError{FieldBirthdate, "must be a date YYYY-MM-DD"}
	}
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return &FieldError{FieldBirthdate, "must be a real calendar date YYYY-MM-DD"}
	}
	if d.After(now) {
		return &FieldError{FieldBirthdate, "must not be in the future"}
	}
	return nil
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
