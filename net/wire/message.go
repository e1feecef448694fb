package wire

import (
	"fmt"
	"io"
)

// Version is the protocol version an agency announces in its hello. Version
// 2 added the digests, the lottery's id and date, and fencing.
const Version = 2

// Message is one protocol message. The concrete types come in three kinds,
// each in a file of its own with its encoding and decoding: control
// (Hello, Welcome, Error, Ping, Pong, Echo), bets (Batch, Ack, Reject,
// Done, DoneAck) and winners (WinnersQuery, Winners). A type switch on the
// result of Decode or ReadMessage tells them apart.
type Message interface {
	Type() Type
	encode(e *encoder)
}

// AppendFrame appends m as one frame to dst. It fails, leaving dst as it
// was, when the frame would exceed MaxFrameSize or a string is not UTF-8.
func AppendFrame(dst []byte, m Message) ([]byte, error) {
	var e encoder
	return e.appendFrame(dst, m)
}

// WriteMessage writes m to w as one frame in a single Write.
func WriteMessage(w io.Writer, m Message) error {
	b, err := AppendFrame(nil, m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ReadMessage reads and decodes one message from r; buf is as for ReadFrame.
func ReadMessage(r io.Reader, buf []byte) (Message, error) {
	f, err := ReadFrame(r, buf)
	if err != nil {
		return nil, err
	}
	return Decode(f)
}

// Decode decodes a frame into its message. The message does not alias the
// frame's payload. Unknown types yield ErrUnknownType, bad payloads
// ErrMalformed.
func Decode(f Frame) (Message, error) {
	d := &decoder{b: f.Payload}
	var m Message
	switch f.Type {
	case TypeHello:
		m = decodeHello(d)
	case TypeWelcome:
		m = decodeWelcome(d)
	case TypeBatch:
		m = decodeBatch(d)
	case TypeAck:
		m = decodeAck(d)
	case TypeReject:
		m = decodeReject(d)
	case TypeDone:
		m = decodeDone(d)
	case TypeDoneAck:
		m = DoneAck{}
	case TypeWinnersQuery:
		m = WinnersQuery{}
	case TypeWinners:
		m = decodeWinners(d)
	case TypePing:
		m = decodePing(d)
	case TypePong:
		m = decodePong(d)
	case TypeError:
		m = decodeError(d)
	case TypeEcho:
		m = decodeEcho(d)
	default:
		return nil, fmt.Errorf("%w: %d", ErrUnknownType, uint8(f.Type))
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("decode %s: %w", f.Type, err)
	}
	return m, nil
}
