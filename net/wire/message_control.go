package wire

import (
	"fmt"

	"github.com/tp0/loteria/domain"
)

// The control messages: the session's opening (Hello, Welcome), its fatal
// end (Error), and the exchanges that only check the peer is there (Ping,
// Pong, Echo).

// Hello opens a session: the protocol version, the agency's id and, when
// the server is configured with secrets, the agency's secret. Started (when
// the agency's process started, in Unix nanoseconds) and Attempt (the
// connection's number within that process, from 1) order the agency's
// hellos: a hello older than the agency's live session is refused instead
// of fencing it, so a stale hello — left in the server's backlog by a
// connection its process gave up on, or by a process since killed — cannot
// take the agency from the live one.
type Hello struct {
	Version uint8
	Agency  uint32
	Secret  string
	Started uint64
	Attempt uint32
}

// Welcome accepts a hello. Stored is how many of the agency's bets the
// server already holds (the position its next batch should start at),
// Finished whether the agency has already reported done, and Digest the
// digest of those Stored bets, which the agency checks against its own
// before it sends more. Lottery identifies the lottery the server's store
// belongs to, and Date is the lottery's date (YYYY-MM-DD): a bet whose
// birthdate is after it is invalid, on both sides, whatever day it is.
type Welcome struct {
	Stored   uint64
	Finished bool
	Digest   domain.Digest
	Lottery  uint64
	Date     string
}

// Error reports a fatal error; the server closes the connection after it.
type Error struct {
	Code   Code
	Reason string
}

// Ping asks the peer to echo Payload in a Pong.
type Ping struct{ Payload []byte }

// Pong echoes a Ping's payload.
type Pong struct{ Payload []byte }

// Echo carries a text that the server sends back in an identical frame,
// before or after hello. Its payload is the text's bytes, raw (no length
// prefix: the frame's length is the text's), and must be valid UTF-8. So
// the frame the server returns is byte for byte the one it received, and a
// plain TCP echo server returns the same bytes: one exchange checks either.
type Echo struct{ Text string }

// Type returns the message's type; likewise for every message.
func (Hello) Type() Type   { return TypeHello }
func (Welcome) Type() Type { return TypeWelcome }
func (Error) Type() Type   { return TypeError }
func (Ping) Type() Type    { return TypePing }
func (Pong) Type() Type    { return TypePong }
func (Echo) Type() Type    { return TypeEcho }

// Error makes an Error message usable as a Go error on the agency's side.
func (m Error) Error() string { return fmt.Sprintf("server error %s: %s", m.Code, m.Reason) }

func (m Hello) encode(e *encoder) {
	e.u8(m.Version)
	e.u32(m.Agency)
	e.str(m.Secret)
	e.u64(m.Started)
	e.u32(m.Attempt)
}

func decodeHello(d *decoder) Hello {
	return Hello{Version: d.u8(), Agency: d.u32(), Secret: d.str(), Started: d.u64(), Attempt: d.u32()}
}

func (m Welcome) encode(e *encoder) {
	e.u64(m.Stored)
	e.bool(m.Finished)
	e.u32(uint32(m.Digest))
	e.u64(m.Lottery)
	e.str(m.Date)
}

func decodeWelcome(d *decoder) Welcome {
	return Welcome{Stored: d.u64(), Finished: d.bool(), Digest: domain.Digest(d.u32()), Lottery: d.u64(), Date: d.str()}
}

func (m Error) encode(e *encoder) { e.u16(uint16(m.Code)); e.str(m.Reason) }

func decodeError(d *decoder) Error { return Error{Code: Code(d.u16()), Reason: d.str()} }

// A ping's payload, and a pong's, is its bytes as they are; an echo's is
// its text's.
func (m Ping) encode(e *encoder) { e.b = append(e.b, m.Payload...) }
func (m Pong) encode(e *encoder) { e.b = append(e.b, m.Payload...) }
func (m Echo) encode(e *encoder) { e.text(m.Text) }

func decodePing(d *decoder) Ping { return Ping{Payload: d.rest()} }
func decodePong(d *decoder) Pong { return Pong{Payload: d.rest()} }
func decodeEcho(d *decoder) Echo { return Echo{Text: d.text()} }
