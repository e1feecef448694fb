package wire

import "fmt"

// The winners: the agency's query, and the server's answer after the draw.

// WinnersQuery asks for the agency's winners. The server answers after the
// draw, which happens once every agency has reported done.
type WinnersQuery struct{}

// Winners carries documents of the agency's winners. A long list spans
// several frames; Last marks the final one.
type Winners struct {
	Last      bool
	Documents []string
}

// Type returns the message's type; likewise for every message.
func (WinnersQuery) Type() Type { return TypeWinnersQuery }
func (Winners) Type() Type      { return TypeWinners }

// winnersOverhead is what a winners frame's payload holds besides its
// documents: last, count.
const winnersOverhead = 1 + 2

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

func (WinnersQuery) encode(*encoder) {}

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
