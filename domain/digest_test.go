package domain_test

import (
	"hash/crc32"
	"testing"

	"github.com/tp0/loteria/domain"
)

func TestDigestIsCRC32COfTheCanonicalBytes(t *testing.T) {
	bets := []domain.Bet{
		{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574},
		{FirstName: "Ñandú, \"el\" | 🐦", LastName: "Pérez", Document: "0001", Birthdate: "2000-02-29", Number: 0},
		{FirstName: "a", LastName: "b", Document: "1", Birthdate: "1900-01-01", Number: 9999},
	}
	var all []byte
	for _, b := range bets {
		all = domain.AppendCanonical(all, b)
	}
	want := domain.Digest(crc32.Checksum(all, crc32.MakeTable(crc32.Castagnoli)))
	var h domain.Digester
	if got := h.Add(0, bets...); got != want {
		t.Errorf("Add of the whole stream = %v, want %v", got, want)
	}
	// Chained a bet at a time, or split anywhere: the same digest.
	for split := range len(bets) + 1 {
		d := h.Add(0, bets[:split]...)
		if got := h.Add(d, bets[split:]...); got != want {
			t.Errorf("split at %d: %v, want %v", split, got, want)
		}
	}
	if got := h.Add(0); got != 0 {
		t.Errorf("the empty stream's digest = %v, want 0", got)
	}
	// Bets that differ in one field, or only in where a field ends, differ.
	moved := bets[0]
	moved.FirstName, moved.LastName = "Santiago LionelL", "orca"
	for _, b := range []domain.Bet{moved, {FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7575}} {
		if h.Add(0, b) == h.Add(0, bets[0]) {
			t.Errorf("%+v has the digest of %+v", b, bets[0])
		}
	}
}

func TestDigestCastagnoliCheckValue(t *testing.T) {
	// The standard check value of CRC-32C: the digest is that CRC.
	if got := domain.Digest(crc32.Checksum([]byte("123456789"), crc32.MakeTable(crc32.Castagnoli))); got.String() != "e3069283" {
		t.Errorf("CRC-32C(123456789) = %v, want e3069283", got)
	}
}

func TestDigestText(t *testing.T) {
	for _, d := range []domain.Digest{0, 1, 0xe3069283, 0xffffffff} {
		got, err := domain.ParseDigest(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDigest(%q) = %v, %v; want %v", d.String(), got, err, d)
		}
	}
	if s := domain.Digest(0xab).String(); s != "000000ab" {
		t.Errorf("String = %q, want 000000ab", s)
	}
	for _, s := range []string{"", "abc", "0000000g", "E3069283", "+3069283", "e30692830", " e306928"} {
		if _, err := domain.ParseDigest(s); err == nil {
			t.Errorf("ParseDigest(%q) succeeded", s)
		}
	}
}

func BenchmarkDigestBatch(b *testing.B) {
	bet := domain.Bet{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574}
	batch := make([]domain.Bet, 175)
	for i := range batch {
		batch[i] = bet
	}
	var h domain.Digester
	var d domain.Digest
	b.ReportAllocs()
	for b.Loop() {
		d = h.Add(d, batch...)
	}
}

func BenchmarkDigestPerBet(b *testing.B) {
	bet := domain.Bet{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574}
	var h domain.Digester
	var d domain.Digest
	b.ReportAllocs()
	for b.Loop() {
		d = h.Add(d, bet)
	}
}

// TestDigestExtendsByCanonicalBytes: extending a digest by bets' canonical
// bytes, as they come in a frame, is adding the bets.
func TestDigestExtendsByCanonicalBytes(t *testing.T) {
	bets := []domain.Bet{
		{FirstName: "Ñandú, \"el\" | 🐦", LastName: "Pérez", Document: "0001", Birthdate: "2000-02-29", Number: 0},
		{FirstName: "a", LastName: "b", Document: "1", Birthdate: "1900-01-01", Number: 9999},
	}
	var h domain.Digester
	var raw []byte
	for _, b := range bets {
		raw = domain.AppendCanonical(raw, b)
	}
	for _, from := range []domain.Digest{0, 0xe3069283} {
		if got, want := from.Extend(raw), h.Add(from, bets...); got != want {
			t.Errorf("Extend from %v = %v, Add = %v", from, got, want)
		}
	}
}
