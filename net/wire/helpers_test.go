package wire_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// mustAppend encodes m as one frame, failing the test if it cannot.
func mustAppend(tb testing.TB, dst []byte, m wire.Message) []byte {
	tb.Helper()
	b, err := wire.AppendFrame(dst, m)
	if err != nil {
		tb.Fatalf("AppendFrame(%#v): %v", m, err)
	}
	return b
}

// mustDecode reads exactly one message from frame, failing the test if it
// cannot or if bytes are left over.
func mustDecode(tb testing.TB, frame []byte) wire.Message {
	tb.Helper()
	r := bytes.NewReader(frame)
	m, err := wire.ReadMessage(r, nil)
	if err != nil {
		tb.Fatalf("ReadMessage(%x): %v", frame, err)
	}
	if r.Len() != 0 {
		tb.Fatalf("ReadMessage(%x) left %d bytes unread", frame, r.Len())
	}
	return m
}

// assertEqual fails the test unless got and want are deep-equal.
func assertEqual(tb testing.TB, got, want any) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("got  %#v\nwant %#v", got, want)
	}
}

// p builds a payload from big-endian integers, 16-bit length-prefixed
// strings and raw bytes, so malformed payloads read like the layout they break.
func p(fields ...any) []byte {
	var b []byte
	for _, f := range fields {
		switch v := f.(type) {
		case uint8:
			b = append(b, v)
		case uint16:
			b = binary.BigEndian.AppendUint16(b, v)
		case uint32:
			b = binary.BigEndian.AppendUint32(b, v)
		case uint64:
			b = binary.BigEndian.AppendUint64(b, v)
		case string:
			b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("p: unsupported field %T", f))
		}
	}
	return b
}

// header is a frame header announcing n payload bytes of type t.
func header(t wire.Type, n uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{byte(t)}, n)
}

// courseBet is bet i shaped like the course's data: 5 to 7-byte first
// names, 6 to 8-byte last names, 8-digit documents, 10-byte dates.
func courseBet(i int) domain.Bet {
	firsts := []string{"Santiago", "Lorenzo", "Camila", "Mateo", "Sofía"}
	lasts := []string{"Soto", "Fernández", "Gómez", "Benítez", "Álvarez"}
	return domain.Bet{
		FirstName: firsts[i%len(firsts)],
		LastName:  lasts[i%len(lasts)],
		Document:  fmt.Sprintf("%08d", 30904465+i),
		Birthdate: fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28),
		Number:    i % 10000,
	}
}

// courseBatch packs course-shaped bets while their BetSize adds up to at
// most budget.
func courseBatch(budget int) []domain.Bet {
	var bets []domain.Bet
	for i := 0; ; i++ {
		b := courseBet(i)
		if budget < wire.BetSize(b) {
			return bets
		}
		budget -= wire.BetSize(b)
		bets = append(bets, b)
	}
}

// exactBatch returns course-shaped bets whose BetSize adds up to exactly
// total, padding the last bet's first name.
func exactBatch(total int) []domain.Bet {
	bets := courseBatch(total)
	sum := 0
	for _, b := range bets {
		sum += wire.BetSize(b)
	}
	last := &bets[len(bets)-1]
	last.FirstName += strings.Repeat("x", total-sum)
	return bets
}
