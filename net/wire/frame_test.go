package wire_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/tp0/loteria/net/wire"
)

func TestReadFrameErrors(t *testing.T) {
	tail := bytes.Repeat([]byte{0xAA}, 64) // bytes a refused frame must not consume
	tests := []struct {
		name   string
		stream []byte
		want   error
		unread int // bytes ReadFrame must leave in the stream
	}{
		{"ErrFrameTooLarge/MaxPayload+1", append(header(wire.TypePing, wire.MaxPayload+1), tail...), wire.ErrFrameTooLarge, len(tail)},
		{"ErrFrameTooLarge/0xFFFFFFFF", append(header(wire.TypeBatch, 0xFFFFFFFF), tail...), wire.ErrFrameTooLarge, len(tail)},
		{"ErrFrameTooLarge/0x80000000", append(header(wire.TypeBatch, 0x80000000), tail...), wire.ErrFrameTooLarge, len(tail)},
		{"EOF/empty", nil, io.EOF, 0},
		{"ErrUnexpectedEOF/header1", []byte{byte(wire.TypeDone)}, io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/header2", []byte{byte(wire.TypeDone), 0}, io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/header3", []byte{byte(wire.TypeDone), 0, 0}, io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/header4", []byte{byte(wire.TypeDone), 0, 0, 0}, io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/no_payload", header(wire.TypeDone, 8), io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/short_payload", append(header(wire.TypeDone, 8), 1, 2, 3), io.ErrUnexpectedEOF, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(tc.stream)
			f, err := wire.ReadFrame(r, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadFrame(%x) = %v, %v; want error %v", tc.stream, f, err, tc.want)
			}
			if r.Len() != tc.unread {
				t.Errorf("ReadFrame left %d bytes unread, want %d", r.Len(), tc.unread)
			}
		})
	}
}

// TestReadFrameMaxPayload: the largest frame a receiver accepts is exactly
// MaxFrameSize bytes, header included.
func TestReadFrameMaxPayload(t *testing.T) {
	payload := bytes.Repeat([]byte{0x55}, wire.MaxPayload)
	frame := mustAppend(t, nil, wire.Ping{Payload: payload})
	if len(frame) != wire.MaxFrameSize {
		t.Fatalf("frame of %d bytes, want MaxFrameSize = %d", len(frame), wire.MaxFrameSize)
	}
	f := mustReadFrame(t, bytes.NewReader(frame), nil)
	if f.Type != wire.TypePing || !bytes.Equal(f.Payload, payload) {
		t.Errorf("ReadFrame = type %s, %d bytes; want ping, %d bytes", f.Type, len(f.Payload), len(payload))
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		f    wire.Frame
		want error
	}{
		{"ErrUnknownType/0", wire.Frame{Type: 0}, wire.ErrUnknownType},
		{"ErrUnknownType/14", wire.Frame{Type: 14}, wire.ErrUnknownType},
		{"ErrUnknownType/255", wire.Frame{Type: 255, Payload: []byte{1}}, wire.ErrUnknownType},
		{"ErrMalformed/trailing_byte_done", wire.Frame{Type: wire.TypeDone, Payload: p(uint64(1), uint8(0))}, wire.ErrMalformed},
		{"ErrMalformed/trailing_byte_done_ack", wire.Frame{Type: wire.TypeDoneAck, Payload: p(uint8(0))}, wire.ErrMalformed},
		{"ErrMalformed/trailing_byte_winners_query", wire.Frame{Type: wire.TypeWinnersQuery, Payload: p(uint8(0))}, wire.ErrMalformed},
		{"ErrMalformed/trailing_bytes_batch", wire.Frame{Type: wire.TypeBatch, Payload: p(uint64(0), uint16(0), uint16(0))}, wire.ErrMalformed},
		{"ErrMalformed/short_ack", wire.Frame{Type: wire.TypeAck, Payload: p(uint64(1), uint16(1), uint32(0))}, wire.ErrMalformed},
		{"ErrMalformed/empty_done", wire.Frame{Type: wire.TypeDone}, wire.ErrMalformed},
		{"ErrMalformed/batch_count_too_big", wire.Frame{Type: wire.TypeBatch, Payload: p(uint64(0), uint16(2), "a", "b", "1", "2000-01-01", uint16(1))}, wire.ErrMalformed},
		{"ErrMalformed/batch_count_max", wire.Frame{Type: wire.TypeBatch, Payload: p(uint64(0), uint16(0xFFFF))}, wire.ErrMalformed},
		{"ErrMalformed/winners_count_max", wire.Frame{Type: wire.TypeWinners, Payload: p(uint8(1), uint16(0xFFFF))}, wire.ErrMalformed},
		{"ErrMalformed/string_past_end", wire.Frame{Type: wire.TypeHello, Payload: p(uint8(1), uint32(3), uint16(10), []byte("abc"))}, wire.ErrMalformed},
		{"ErrMalformed/string_length_cut", wire.Frame{Type: wire.TypeError, Payload: p(uint16(1), uint8(0))}, wire.ErrMalformed},
		{"ErrMalformed/invalid_utf8_name", wire.Frame{Type: wire.TypeBatch, Payload: p(uint64(0), uint16(1), "Jos\xe9", "Li", "1", "2000-01-01", uint16(1))}, wire.ErrMalformed},
		{"ErrMalformed/invalid_utf8_document", wire.Frame{Type: wire.TypeWinners, Payload: p(uint8(1), uint16(1), "\xff")}, wire.ErrMalformed},
		{"ErrMalformed/invalid_utf8_secret", wire.Frame{Type: wire.TypeHello, Payload: p(uint8(1), uint32(3), "\xc3")}, wire.ErrMalformed},
		{"ErrMalformed/invalid_utf8_echo", wire.Frame{Type: wire.TypeEcho, Payload: []byte("ok \xff")}, wire.ErrMalformed},
		{"ErrMalformed/invalid_utf8_echo_cut_rune", wire.Frame{Type: wire.TypeEcho, Payload: []byte("N\xc2")}, wire.ErrMalformed},
		{"ErrMalformed/welcome_bool_2", wire.Frame{Type: wire.TypeWelcome, Payload: p(uint64(0), uint8(2))}, wire.ErrMalformed},
		{"ErrMalformed/winners_bool_2", wire.Frame{Type: wire.TypeWinners, Payload: p(uint8(2), uint16(0))}, wire.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := wire.Decode(tc.f)
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode(%s %x) = %#v, %v; want error %v", tc.f.Type, tc.f.Payload, m, err, tc.want)
			}
		})
	}
}

// TestEchoFrameIsHeaderAndText: an echo's frame is the header and the
// text's bytes, nothing else, so a plain echo server returns a valid echo.
func TestEchoFrameIsHeaderAndText(t *testing.T) {
	const text = "[CLIENT 7] Message N°12"
	frame := mustAppend(t, nil, wire.Echo{Text: text})
	want := append(header(wire.TypeEcho, uint32(len(text))), text...)
	if !bytes.Equal(frame, want) {
		t.Fatalf("echo frame %x, want %x", frame, want)
	}
	assertEqual(t, mustDecode(t, frame), wire.Echo{Text: text})
}

// TestReadMessageUnknownTypeKeepsSync: an unknown type is refused after its
// payload is read, so the next frame on the stream still decodes.
func TestReadMessageUnknownTypeKeepsSync(t *testing.T) {
	stream := append(header(200, 3), 1, 2, 3)
	stream = mustAppend(t, stream, wire.Done{Total: 9})
	r := bytes.NewReader(stream)
	if _, err := wire.ReadMessage(r, nil); !errors.Is(err, wire.ErrUnknownType) {
		t.Fatalf("ReadMessage = %v, want ErrUnknownType", err)
	}
	m, err := wire.ReadMessage(r, nil)
	if err != nil {
		t.Fatalf("ReadMessage after unknown type: %v", err)
	}
	assertEqual(t, m, wire.Done{Total: 9})
}

// TestDecodeHostileCountDoesNotAllocate: a count of 65535 in a payload with
// no room for the elements is refused before the slice is made (65535 bets
// would be ~5 MB).
func TestDecodeHostileCountDoesNotAllocate(t *testing.T) {
	frames := []wire.Frame{
		{Type: wire.TypeBatch, Payload: p(uint64(0), uint16(0xFFFF), "a", "b", "1", "2000-01-01", uint16(1))},
		{Type: wire.TypeWinners, Payload: p(uint8(0), uint16(0xFFFF), "1")},
	}
	for _, f := range frames {
		var err error
		n := allocatedBytes(func() { _, err = wire.Decode(f) })
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("Decode(%s with count 65535) = %v, want ErrMalformed", f.Type, err)
		}
		if n > 16<<10 {
			t.Errorf("Decode(%s with count 65535) allocated %d bytes", f.Type, n)
		}
	}
}

// allocatedBytes reports how many heap bytes f allocates.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
