package wire_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/tp0/loteria/net/wire"
)

// FuzzDecode: Decode never panics, fails only with the codec's errors, and
// what it accepts re-encodes to the same bytes and decodes to the same
// message. The message must not alias the payload.
func FuzzDecode(f *testing.F) {
	for _, tc := range goldenCases {
		b := mustReadFile(f, goldenPath(tc.name))
		f.Add(b[0], b[wire.HeaderSize:])
	}
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		scratch := bytes.Clone(payload)
		m, err := wire.Decode(wire.Frame{Type: wire.Type(typ), Payload: scratch})
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrUnknownType) {
				t.Fatalf("Decode error %v is neither ErrMalformed nor ErrUnknownType", err)
			}
			return
		}
		if m.Type() != wire.Type(typ) {
			t.Fatalf("Decode of a %s frame returned a %s", wire.Type(typ), m.Type())
		}
		if len(payload) > wire.MaxPayload {
			return // ReadFrame never hands such a frame over
		}
		clear(scratch) // a message aliasing the payload would change now
		frame := mustAppend(t, nil, m)
		if !bytes.Equal(frame[wire.HeaderSize:], payload) {
			t.Fatalf("%#v decoded from %x re-encodes to %x", m, payload, frame[wire.HeaderSize:])
		}
		assertEqual(t, mustDecode(t, frame), m)
	})
}

// FuzzReadFrame: on any stream ReadFrame never panics, never returns a
// payload over MaxPayload, returns the bytes as sent, and consumes exactly
// one frame, or only the header of a frame it refuses.
func FuzzReadFrame(f *testing.F) {
	var all []byte
	for _, tc := range goldenCases {
		b := mustReadFile(f, goldenPath(tc.name))
		f.Add(b)
		all = append(all, b...)
	}
	f.Add(all)
	f.Add(append(all, header(wire.TypePing, wire.MaxPayload+1)...))
	f.Add(header(wire.TypeBatch, 0xFFFFFFFF))
	f.Add([]byte{byte(wire.TypeDone), 0, 0})
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := bytes.NewReader(stream)
		buf := make([]byte, 0, 32)
		for {
			off := len(stream) - r.Len()
			fr, err := wire.ReadFrame(r, buf)
			if err != nil {
				checkReadFrameError(t, stream[off:], r.Len(), err)
				return
			}
			n := len(fr.Payload)
			if n > wire.MaxPayload {
				t.Fatalf("ReadFrame returned a payload of %d bytes", n)
			}
			if want := stream[off : off+wire.HeaderSize+n]; fr.Type != wire.Type(want[0]) || !bytes.Equal(fr.Payload, want[wire.HeaderSize:]) {
				t.Fatalf("ReadFrame = %s %x, stream holds %x", fr.Type, fr.Payload, want)
			}
			if consumed := len(stream) - r.Len() - off; consumed != wire.HeaderSize+n {
				t.Fatalf("ReadFrame consumed %d bytes for a %d-byte payload", consumed, n)
			}
		}
	})
}

// checkReadFrameError checks why ReadFrame failed on rest, the stream from
// the frame it was reading, leaving unread bytes.
func checkReadFrameError(t *testing.T, rest []byte, unread int, err error) {
	t.Helper()
	switch {
	case errors.Is(err, io.EOF):
		if len(rest) != 0 {
			t.Fatalf("io.EOF with %d bytes left", len(rest))
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		if len(rest) == 0 || unread != 0 {
			t.Fatalf("io.ErrUnexpectedEOF on %d bytes, %d unread", len(rest), unread)
		}
	case errors.Is(err, wire.ErrFrameTooLarge):
		if len(rest)-unread != wire.HeaderSize {
			t.Fatalf("refused frame consumed %d bytes, want only the header", len(rest)-unread)
		}
	default:
		t.Fatalf("unexpected error %v", err)
	}
}
