package wire_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := wire.WriteMessage(&buf, tc.msg); err != nil {
				t.Fatalf("WriteMessage: %v", err)
			}
			got, err := wire.ReadMessage(&buf, nil)
			if err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			assertEqual(t, got, tc.msg)
			if buf.Len() != 0 {
				t.Errorf("ReadMessage left %d bytes unread", buf.Len())
			}
		})
	}
}

// TestStream writes every message back to back on one stream and reads them
// with one reused buffer. The messages are compared only at the end, so a
// message that aliased the buffer would show up as corrupted.
func TestStream(t *testing.T) {
	var stream bytes.Buffer
	for _, tc := range goldenCases {
		if err := wire.WriteMessage(&stream, tc.msg); err != nil {
			t.Fatalf("WriteMessage(%s): %v", tc.name, err)
		}
	}
	buf := make([]byte, 0, wire.MaxPayload)
	var got []wire.Message
	for {
		m, err := wire.ReadMessage(&stream, buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("ReadMessage after %d messages: %v", len(got), err)
		}
		got = append(got, m)
	}
	if len(got) != len(goldenCases) {
		t.Fatalf("read %d messages, wrote %d", len(got), len(goldenCases))
	}
	for i, tc := range goldenCases {
		assertEqual(t, got[i], tc.msg)
	}
}

func TestReadFrameReusesBuffer(t *testing.T) {
	stream := mustAppend(t, nil, wire.Ping{Payload: []byte("first")})
	stream = mustAppend(t, stream, wire.Ping{Payload: []byte("2nd")})
	stream = mustAppend(t, stream, wire.Ping{Payload: bytes.Repeat([]byte("x"), 100)})
	r := bytes.NewReader(stream)
	buf := make([]byte, 16)

	for _, want := range []string{"first", "2nd"} {
		f := mustReadFrame(t, r, buf)
		if string(f.Payload) != want {
			t.Errorf("payload %q, want %q", f.Payload, want)
		}
		if &f.Payload[0] != &buf[0] {
			t.Errorf("payload %q was not read into the caller's buffer", f.Payload)
		}
	}
	// A payload larger than the buffer gets a fresh one; buf is untouched.
	f := mustReadFrame(t, r, buf)
	if len(f.Payload) != 100 || &f.Payload[0] == &buf[0] {
		t.Errorf("100-byte payload read into a 16-byte buffer (len %d)", len(f.Payload))
	}
	if string(buf[:3]) != "2nd" {
		t.Errorf("buffer overwritten by a payload that did not fit: %q", buf)
	}
}

func mustReadFrame(tb testing.TB, r io.Reader, buf []byte) wire.Frame {
	tb.Helper()
	f, err := wire.ReadFrame(r, buf)
	if err != nil {
		tb.Fatalf("ReadFrame: %v", err)
	}
	return f
}

// TestBatchCarriesTheCanonicalBytes holds the digest's canonical form of a
// bet to its bytes in a batch frame: the payload after first and count is
// the bets' canonical bytes, one after the other.
func TestBatchCarriesTheCanonicalBytes(t *testing.T) {
	bets := []domain.Bet{
		{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574},
		{FirstName: "Ñandú | 🐦", LastName: "O'Neil, Jr.", Document: "0001", Birthdate: "2000-02-29", Number: 0},
	}
	f, err := wire.AppendFrame(nil, wire.Batch{First: 7, Bets: bets})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, b := range bets {
		want = domain.AppendCanonical(want, b)
	}
	if got := f[wire.HeaderSize+8+2:]; !bytes.Equal(got, want) {
		t.Errorf("batch bets bytes %x\nwant canonical %x", got, want)
	}
}
