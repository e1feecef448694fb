package wire

import (
	"fmt"

	"github.com/tp0/loteria/domain"
)

// The bets: the batches an agency sends and the server's reply to each
// (Ack or Reject), then its done and the server's DoneAck.

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

// Type returns the message's type; likewise for every message.
func (Batch) Type() Type   { return TypeBatch }
func (Ack) Type() Type     { return TypeAck }
func (Reject) Type() Type  { return TypeReject }
func (Done) Type() Type    { return TypeDone }
func (DoneAck) Type() Type { return TypeDoneAck }

// Error makes a Reject usable as a Go error on the agency's side.
func (m Reject) Error() string {
	return fmt.Sprintf("batch at %d rejected (%s, bet %d): %s", m.First, m.Code, m.Index, m.Reason)
}

// Sizes used to pack batches into frames.
const (
	batchOverhead = 8 + 2   // first, count
	minBetSize    = 4*2 + 2 // four empty strings and a number
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

// decodeBatch decodes a batch. It is the server's hottest path, so it
// keeps the unread bytes in a local while it reads the bets (the decoder's
// cut reads their strings); the checks are those of the decoder's field
// methods. Its strings share one copy of the payload: one allocation for a
// frame of up to hundreds of bets.
func decodeBatch(d *decoder) Batch {
	d.share()
	m := Batch{First: d.u64()}
	n := d.count(minBetSize)
	if d.err != nil || n == 0 {
		return m
	}
	m.Bets = make([]domain.Bet, n)
	p := d.b
	for i := range m.Bets {
		b := &m.Bets[i]
		var ok1, ok2, ok3, ok4 bool
		b.FirstName, p, ok1 = d.cut(p)
		b.LastName, p, ok2 = d.cut(p)
		b.Document, p, ok3 = d.cut(p)
		b.Birthdate, p, ok4 = d.cut(p)
		if !(ok1 && ok2 && ok3 && ok4) || len(p) < 2 {
			d.fail("bet %d: truncated or not valid UTF-8", i)
			return m
		}
		b.Number = int(p[0])<<8 | int(p[1])
		p = p[2:]
	}
	d.b = p
	return m
}

func (m Ack) encode(e *encoder) {
	e.u64(m.First)
	e.u16(m.Count)
	e.u64(m.Stored)
	e.u32(uint32(m.Digest))
}

func decodeAck(d *decoder) Ack {
	return Ack{First: d.u64(), Count: d.u16(), Stored: d.u64(), Digest: domain.Digest(d.u32())}
}

func (m Reject) encode(e *encoder) {
	e.u64(m.First)
	e.u16(m.Index)
	e.u16(uint16(m.Code))
	e.str(m.Reason)
}

func decodeReject(d *decoder) Reject {
	return Reject{First: d.u64(), Index: d.u16(), Code: Code(d.u16()), Reason: d.str()}
}

func (m Done) encode(e *encoder) { e.u64(m.Total); e.u32(uint32(m.Digest)) }

func decodeDone(d *decoder) Done { return Done{Total: d.u64(), Digest: domain.Digest(d.u32())} }

func (DoneAck) encode(*encoder) {}
