package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame limits.
const (
	HeaderSize   = 5
	MaxFrameSize = 8192
	MaxPayload   = MaxFrameSize - HeaderSize
)

// Errors of the codec.
var (
	ErrFrameTooLarge = errors.New("frame too large")
	ErrUnknownType   = errors.New("unknown message type")
	ErrMalformed     = errors.New("malformed payload")
)

// Type identifies a message.
type Type uint8

// The message types. The comment says who sends each one.
const (
	TypeHello        Type = 1  // agency → server: first message on a connection
	TypeWelcome      Type = 2  // server → agency: hello accepted
	TypeBatch        Type = 3  // agency → server: bets
	TypeAck          Type = 4  // server → agency: batch stored
	TypeReject       Type = 5  // server → agency: batch refused, connection stays open
	TypeDone         Type = 6  // agency → server: all bets sent
	TypeDoneAck      Type = 7  // server → agency: done recorded
	TypeWinnersQuery Type = 8  // agency → server: ask for own winners
	TypeWinners      Type = 9  // server → agency: winners (one or more frames)
	TypePing         Type = 10 // either way: echo request
	TypePong         Type = 11 // reply to ping, same payload
	TypeError        Type = 12 // server → agency: fatal error, then close
	TypeEcho         Type = 13 // either way: text the server sends back in an identical frame
)

var typeNames = [...]string{
	TypeHello: "hello", TypeWelcome: "welcome", TypeBatch: "batch", TypeAck: "ack",
	TypeReject: "reject", TypeDone: "done", TypeDoneAck: "done_ack",
	TypeWinnersQuery: "winners_query", TypeWinners: "winners", TypePing: "ping",
	TypePong: "pong", TypeError: "error", TypeEcho: "echo",
}

// String returns the type's protocol name, like "batch".
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Frame is a message type and its raw payload.
type Frame struct {
	Type    Type
	Payload []byte
}

// ReadFrame reads one frame from r. The payload is read into buf when it is
// large enough (buf may be nil), so a caller can reuse one buffer; the frame
// is only valid until the next call with that buffer. A header announcing
// more than MaxFrameSize yields ErrFrameTooLarge without reading further; a
// frame cut short yields io.ErrUnexpectedEOF; a clean close before any
// header byte yields io.EOF.
func ReadFrame(r io.Reader, buf []byte) (Frame, error) {
	var h [HeaderSize]byte
	return readFrame(r, &h, buf)
}

// readFrame is ReadFrame reading the header into h, which a Framer owns so
// that no read allocates one.
func readFrame(r io.Reader, h *[HeaderSize]byte, buf []byte) (Frame, error) {
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > MaxPayload {
		return Frame{}, fmt.Errorf("%w: payload of %d bytes, at most %d", ErrFrameTooLarge, n, MaxPayload)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return Frame{Type: Type(h[0]), Payload: buf}, nil
}

// appendHeader appends a header with a zero length, to be patched by
// finishFrame once the payload is appended.
func appendHeader(dst []byte, t Type) []byte {
	return append(dst, byte(t), 0, 0, 0, 0)
}

// finishFrame patches the length of the frame starting at start.
func finishFrame(b []byte, start int) ([]byte, error) {
	n := len(b) - start
	if n > MaxFrameSize {
		return b[:start], fmt.Errorf("%w: %d bytes, at most %d", ErrFrameTooLarge, n, MaxFrameSize)
	}
	binary.BigEndian.PutUint32(b[start+1:], uint32(n-HeaderSize))
	return b, nil
}
