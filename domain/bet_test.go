package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
)

func validBet() domain.Bet {
	return domain.Bet{Agency: 1, FirstName: "Nicolás", LastName: "Saldaña", Document: "30904465", Birthdate: "1999-03-17", Number: 7574}
}

func TestValidateAcceptsOddButValidNames(t *testing.T) {
	for _, name := range []string{
		"O'Brien, \"Jr.\"", "a+b*c:d|e;f", "😀 Smiley", "山田", " leading space", "trailing space ",
		strings.Repeat("ñ", domain.MaxNameLen),
	} {
		b := validBet()
		b.FirstName, b.LastName = name, name
		if err := b.Validate(); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", name, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tomorrow := time.Now().UTC().AddDate(0, 0, 2).Format(domain.DateLayout)
	tests := []struct {
		name  string
		edit  func(*domain.Bet)
		field domain.Field
	}{
		{"agency zero", func(b *domain.Bet) { b.Agency = 0 }, domain.FieldAgency},
		{"empty first name", func(b *domain.Bet) { b.FirstName = "" }, domain.FieldFirstName},
		{"empty last name", func(b *domain.Bet) { b.LastName = "" }, domain.FieldLastName},
		{"long name", func(b *domain.Bet) { b.FirstName = strings.Repeat("a", domain.MaxNameLen+1) }, domain.FieldFirstName},
		{"invalid UTF-8", func(b *domain.Bet) { b.LastName = "Sa\xffnchez" }, domain.FieldLastName},
		{"newline in name", func(b *domain.Bet) { b.FirstName = "Ana\nMaría" }, domain.FieldFirstName},
		{"carriage return", func(b *domain.Bet) { b.LastName = "Pérez\r" }, domain.FieldLastName},
		{"NUL in name", func(b *domain.Bet) { b.FirstName = "A\x00" }, domain.FieldFirstName},
		{"empty document", func(b *domain.Bet) { b.Document = "" }, domain.FieldDocument},
		{"letters in document", func(b *domain.Bet) { b.Document = "3090A465" }, domain.FieldDocument},
		{"document too long", func(b *domain.Bet) { b.Document = "12345678901" }, domain.FieldDocument},
		{"non-ASCII digits", func(b *domain.Bet) { b.Document = "١٢٣" }, domain.FieldDocument},
		{"date not padded", func(b *domain.Bet) { b.Birthdate = "1999-3-17" }, domain.FieldBirthdate},
		{"February 30", func(b *domain.Bet) { b.Birthdate = "2001-02-30" }, domain.FieldBirthdate},
		{"not a leap year", func(b *domain.Bet) { b.Birthdate = "1999-02-29" }, domain.FieldBirthdate},
		{"other layout", func(b *domain.Bet) { b.Birthdate = "17/03/1999" }, domain.FieldBirthdate},
		{"month 13", func(b *domain.Bet) { b.Birthdate = "1999-13-01" }, domain.FieldBirthdate},
		{"month 0", func(b *domain.Bet) { b.Birthdate = "1999-00-10" }, domain.FieldBirthdate},
		{"day 0", func(b *domain.Bet) { b.Birthdate = "1999-01-00" }, domain.FieldBirthdate},
		{"April 31", func(b *domain.Bet) { b.Birthdate = "1999-04-31" }, domain.FieldBirthdate},
		{"1900 not leap", func(b *domain.Bet) { b.Birthdate = "1900-02-29" }, domain.FieldBirthdate},
		{"sign in year", func(b *domain.Bet) { b.Birthdate = "+999-01-01" }, domain.FieldBirthdate},
		{"spaces", func(b *domain.Bet) { b.Birthdate = "1999-1-  1" }, domain.FieldBirthdate},
		{"future date", func(b *domain.Bet) { b.Birthdate = tomorrow }, domain.FieldBirthdate},
		{"negative number", func(b *domain.Bet) { b.Number = -1 }, domain.FieldNumber},
		{"number too big", func(b *domain.Bet) { b.Number = 10000 }, domain.FieldNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBet()
			tt.edit(&b)
			var fe *domain.FieldError
			if err := b.Validate(); !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Validate() = %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
}

func TestValidateKeepsLeapDayAndDocumentZeros(t *testing.T) {
	b := validBet()
	b.Birthdate, b.Document = "2000-02-29", "0000123"
	if err := b.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7574": 7574, "9999": 9999, "0042": 42} {
		if got, err := domain.ParseNumber(in); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10000", "-1", "+5", " 5", "5 ", "1e3", "٣"} {
		if _, err := domain.ParseNumber(in); err == nil {
			t.Errorf("ParseNumber(%q) succeeded, want an error", in)
		}
	}
}

func TestWins(t *testing.T) {
	b := validBet()
	b.Number = domain.WinningNumber
	if !b.Wins() {
		t.Errorf("a bet on %d does not win", domain.WinningNumber)
	}
	b.Number = domain.WinningNumber - 1
	if b.Wins() {
		t.Errorf("a bet on %d wins", b.Number)
	}
}

// TestBirthdateAgreesWithTimePackage checks the hand-written date rule
// against time.Parse over every day of four centuries and some non-dates.
func TestBirthdateAgreesWithTimePackage(t *testing.T) {
	b := validBet()
	for d := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2200; d = d.AddDate(0, 0, 1) {
		for _, s := range []string{d.Format(domain.DateLayout), d.Format("2006-01-") + "32", d.Format("2006-") + "00-15"} {
			b.Birthdate = s
			parsed, perr := time.Parse(domain.DateLayout, s)
			want := perr == nil && !parsed.After(time.Now())
			if got := b.Validate() == nil; got != want {
				t.Fatalf("Validate(%s) valid = %v, time package says %v", s, got, want)
			}
		}
	}
}
