package domain

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
)

// Digest is the running digest of an agency's stream of bets: the CRC-32C
// (Castagnoli) of the canonical bytes of its bets, in order (see
// AppendCanonical), so the digest after n bets is the digest after n-1
// extended by the n-th. The server keeps it for what it holds and the
// agency computes it over what it sends: equal digests mean the same bets
// in the same order. It detects accidents (another file, an edited one, a
// damaged store), not forgery: it is no MAC. The empty stream's is 0.
type Digest uint32

// String returns the digest as 8 lower-case hex digits, its form in the
// store's files and in logs.
func (d Digest) String() string {
	var b [8]byte
	return string(appendHex(b[:0], d))
}

// AppendText appends the digest's 8 hex digits to dst.
func (d Digest) AppendText(dst []byte) []byte { return appendHex(dst, d) }

func appendHex(dst []byte, d Digest) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, digits[uint32(d)>>shift&0xf])
	}
	return dst
}

// ParseDigest parses a digest written as String writes it: exactly 8
// lower-case hex digits.
func ParseDigest(s string) (Digest, error) {
	if len(s) != 8 {
		return 0, fmt.Errorf("digest: want 8 hex digits, got %.20q", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return 0, fmt.Errorf("digest: want 8 hex digits, got %.20q", s)
		}
	}
	v, _ := strconv.ParseUint(s, 16, 32) // cannot fail now
	return Digest(v), nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// AppendCanonical appends the canonical bytes of b to dst: its first name,
// last name, document and birthdate, each as a 2-byte big-endian length
// and its bytes, then its number as 2 bytes big-endian. They are the bet's
// bytes in a batch frame, and unambiguous: no two bets share them. The
// agency is not part of them (a stream is one agency's). b must be valid
// (Validate), so that every length fits.
func AppendCanonical(dst []byte, b Bet) []byte {
	for _, s := range [...]string{b.FirstName, b.LastName, b.Document, b.Birthdate} {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
		dst = append(dst, s...)
	}
	return binary.BigEndian.AppendUint16(dst, uint16(b.Number))
}

// Extend returns d extended by bets given as their canonical bytes, one
// after the other: the bytes of the bets of a batch frame, which it needs
// not encode again.
func (d Digest) Extend(canonical []byte) Digest {
	return Digest(crc32.Update(uint32(d), castagnoli, canonical))
}

// Digester extends digests by bets, reusing one buffer for their canonical
// bytes. Its zero value is ready to use; it is not safe for concurrent use.
type Digester struct{ buf []byte }

// Add returns d extended by bets, in order.
func (h *Digester) Add(d Digest, bets ...Bet) Digest {
	h.buf = h.buf[:0]
	for _, b := range bets {
		h.buf = AppendCanonical(h.buf, b)
	}
	return Digest(crc32.Update(uint32(d), castagnoli, h.buf))
}
