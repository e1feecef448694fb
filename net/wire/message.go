package wire

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/tp0/loteria/domain"
)

// Version is the protocol version an agency announces in its hello. Version
// 2 added the digests, the lottery's id and date, and fencing.
const Version = 2

// Message is one protocol message. The concrete types are the structs below;
// a type switch on the result of Decode or ReadMessage tells them apart.
type Message interface {
	Type() Type
	encode(e *encoder)
}

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

// Batch carries bets at positions First, First+1, … of the agency's stream.
// The position of its first bet is the batch's idempotency key: the server
// stores each position once, however often a batch is sent. The agency
// comes from the hello; the Agency field of each bet is not sent.
type Batch struct {
	First uint64
	Bets  []domain.Bet
}

// Ack says the batch starting at First with Count bets is stored and
// fsync'd; Stored is how many of the agency's bets the server now holds and
// Digest their digest.
type Ack struct {
	First  uint64
	Count  uint16
	Stored uint64
	Digest domain.Digest
}

// Reject refuses the batch starting at First. Index is the position in the
// batch of the bet at fault, when Code is CodeInvalidBet. The connection
// stays open.
type Reject struct {
	First  uint64
	Index  uint16
	Code   Code
	Reason string
}

// Done says the agency has sent all its bets, Total of them, whose digest
// is Digest: the server accepts it only if it holds exactly those.
type Done struct {
	Total  uint64
	Digest domain.Digest
}

// DoneAck confirms a Done.
type DoneAck struct{}

// WinnersQuery asks for the agency's winners. The server answers after the
// draw, which happens once every agency has reported done.
type WinnersQuery struct{}

// Winners carries documents of the agency's winners. A long list spans
// several frames; Last marks the final one.
type Winners struct {
	Last      bool
	Documents []string
}

// Ping asks the peer to echo Payload in a Pong.
type Ping struct{ Payload []byte }

// Pong echoes a Ping's payload.
type Pong struct{ Payload []byte }

// Error reports a fatal error; the server closes the connection after it.
type Error struct {
	Code   Code
	Reason string
}

// Echo carries a text that the server sends back in an identical frame,
// before or after hello. Its payload is the text's bytes, raw (no length
// prefix: the frame's length is the text's), and must be valid UTF-8. So
// the frame the server returns is byte for byte the one it received, and a
// plain TCP echo server returns the same bytes: one exchange checks either.
type Echo struct{ Text string }

// Type returns the message's type; likewise for every message below.
func (Hello) Type() Type        { return TypeHello }
func (Welcome) Type() Type      { return TypeWelcome }
func (Batch) Type() Type        { return TypeBatch }
func (Ack) Type() Type          { return TypeAck }
func (Reject) Type() Type       { return TypeReject }
func (Done) Type() Type         { return TypeDone }
func (DoneAck) Type() Type      { return TypeDoneAck }
func (WinnersQuery) Type() Type { return TypeWinnersQuery }
func (Winners) Type() Type      { return TypeWinners }
func (Ping) Type() Type         { return TypePing }
func (Pong) Type() Type         { return TypePong }
func (Error) Type() Type        { return TypeError }
func (Echo) Type() Type         { return TypeEcho }

func (m Hello) encode(e *encoder) {
	e.u8(m.Version)
	e.u32(m.Agency)
	e.str(m.Secret)
	e.u64(m.Started)
	e.u32(m.Attempt)
}

func (m Welcome) encode(e *encoder) {
	e.u64(m.Stored)
	e.bool(m.Finished)
	e.u32(uint32(m.Digest))
	e.u64(m.Lottery)
	e.str(m.Date)
}

func (m Batch) encode(e *encoder) {
	e.u64(m.First)
	if len(m.Bets) > MaxPayload/minBetSize {
		e.err = fmt.Errorf("%w: %d bets", ErrFrameTooLarge, len(m.Bets))
		return
	}
	e.u16(uint16(len(m.Bets)))
	for _, b := range m.Bets {
		e.str(b.FirstName)
		e.str(b.LastName)
		e.str(b.Document)
		e.str(b.Birthdate)
		if b.Number < 0 || b.Number > 0xFFFF {
			e.err = fmt.Errorf("%w: number %d does not fit", ErrMalformed, b.Number)
		}
		e.u16(uint16(b.Number))
	}
}

func (m Ack) encode(e *encoder) {
	e.u64(m.First)
	e.u16(m.Count)
	e.u64(m.Stored)
	e.u32(uint32(m.Digest))
}

func (m Reject) encode(e *encoder) {
	e.u64(m.First)
	e.u16(m.Index)
	e.u16(uint16(m.Code))
	e.str(m.Reason)
}

func (m Done) encode(e *encoder)     { e.u64(m.Total); e.u32(uint32(m.Digest)) }
func (DoneAck) encode(*encoder)      {}
func (WinnersQuery) encode(*encoder) {}
func (m Ping) encode(e *encoder)     { e.b = append(e.b, m.Payload...) }
func (m Pong) encode(e *encoder)     { e.b = append(e.b, m.Payload...) }
func (m Error) encode(e *encoder)    { e.u16(uint16(m.Code)); e.str(m.Reason) }
func (m Echo) encode(e *encoder)     { e.text(m.Text) }
func (m Winners) encode(e *encoder) {
	e.bool(m.Last)
	if len(m.Documents) > MaxPayload/2 {
		e.err = fmt.Errorf("%w: %d documents", ErrFrameTooLarge, len(m.Documents))
		return
	}
	e.u16(uint16(len(m.Documents)))
	for _, d := range m.Documents {
		e.str(d)
	}
}

// Sizes used to pack batches and winners lists into frames.
const (
	batchOverhead   = 8 + 2   // first, count
	minBetSize      = 4*2 + 2 // four empty strings and a number
	winnersOverhead = 1 + 2   // last, count
	// MaxBatchBytes is the room for bets in one batch frame, as counted by BetSize.
	MaxBatchBytes = MaxPayload - batchOverhead
)

// BatchBets returns the bytes of the bets in a batch's payload (a frame
// without its header), which are the bets' canonical bytes one after the
// other (domain.AppendCanonical): bet i takes the BetSize of bet i bytes.
func BatchBets(payload []byte) []byte { return payload[batchOverhead:] }

// BetSize is the number of bytes a bet takes in a batch frame. A batch fits
// in one frame while the BetSize of its bets add up to at most MaxBatchBytes.
func BetSize(b domain.Bet) int {
	return minBetSize + len(b.FirstName) + len(b.LastName) + len(b.Document) + len(b.Birthdate)
}

// SplitWinners packs documents into as few Winners messages as fit in
// frames, in order, the last one marked Last. It returns one empty final
// message for an empty list.
func SplitWinners(docs []string) []Winners {
	var out []Winners
	start, size := 0, winnersOverhead
	for i, d := range docs {
		n := 2 + len(d)
		if size+n > MaxPayload && i > start {
			out = append(out, Winners{Documents: docs[start:i]})
			start, size = i, winnersOverhead
		}
		size += n
	}
	return append(out, Winners{Last: true, Documents: docs[start:]})
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
		m = Hello{Version: d.u8(), Agency: d.u32(), Secret: d.str(), Started: d.u64(), Attempt: d.u32()}
	case TypeWelcome:
		m = Welcome{Stored: d.u64(), Finished: d.bool(), Digest: domain.Digest(d.u32()), Lottery: d.u64(), Date: d.str()}
	case TypeBatch:
		m = decodeBatch(d)
	case TypeAck:
		m = Ack{First: d.u64(), Count: d.u16(), Stored: d.u64(), Digest: domain.Digest(d.u32())}
	case TypeReject:
		m = Reject{First: d.u64(), Index: d.u16(), Code: Code(d.u16()), Reason: d.str()}
	case TypeDone:
		m = Done{Total: d.u64(), Digest: domain.Digest(d.u32())}
	case TypeDoneAck:
		m = DoneAck{}
	case TypeWinnersQuery:
		m = WinnersQuery{}
	case TypeWinners:
		m = decodeWinners(d)
	case TypePing:
		m = Ping{Payload: d.rest()}
	case TypePong:
		m = Pong{Payload: d.rest()}
	case TypeError:
		m = Error{Code: Code(d.u16()), Reason: d.str()}
	case TypeEcho:
		m = Echo{Text: d.text()}
	default:
		return nil, fmt.Errorf("%w: %d", ErrUnknownType, uint8(f.Type))
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("decode %s: %w", f.Type, err)
	}
	return m, nil
}

// decodeBatch decodes a batch. It is the server's hottest path, so it
// reads the bets with a loop of its own rather than the decoder's field
// methods; the checks are the same. Its strings share one copy of the
// payload: one allocation for a frame of up to hundreds of bets.
func decodeBatch(d *decoder) Batch {
	d.share()
	m := Batch{First: d.u64()}
	n := d.count(minBetSize)
	if d.err != nil || n == 0 {
		return m
	}
	m.Bets = make([]domain.Bet, n)
	p, off := d.b, d.size-len(d.b) // the unread bytes, and where they start in d.shared
	str := func() (string, bool) {
		if len(p) < 2 {
			return "", false
		}
		l := int(p[0])<<8 | int(p[1])
		if len(p) < 2+l || !utf8.Valid(p[2:2+l]) {
			return "", false
		}
		s := d.shared[off+2 : off+2+l]
		p, off = p[2+l:], off+2+l
		return s, true
	}
	for i := range m.Bets {
		b := &m.Bets[i]
		var ok1, ok2, ok3, ok4 bool
		b.FirstName, ok1 = str()
		b.LastName, ok2 = str()
		b.Document, ok3 = str()
		b.Birthdate, ok4 = str()
		if !(ok1 && ok2 && ok3 && ok4) || len(p) < 2 {
			d.fail("bet %d: truncated or not valid UTF-8", i)
			return m
		}
		b.Number = int(p[0])<<8 | int(p[1])
		p, off = p[2:], off+2
	}
	d.b = p
	return m
}

func decodeWinners(d *decoder) Winners {
	m := Winners{Last: d.bool()}
	if n := d.count(2); n > 0 {
		m.Documents = make([]string, n)
	}
	for i := range m.Documents {
		m.Documents[i] = d.str()
	}
	return m
}
