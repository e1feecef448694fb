package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// encoder appends big-endian fields to a buffer and remembers the first
// error, so message encoders read as a plain list of fields.
type encoder struct {
	b   []byte
	err error
}

// appendFrame is AppendFrame with e as the encoder: a Framer's own, so that
// no frame it queues allocates one. e keeps nothing of dst.
func (e *encoder) appendFrame(dst []byte, m Message) ([]byte, error) {
	start := len(dst)
	*e = encoder{b: appendHeader(dst, m.Type())}
	m.encode(e)
	b, err := e.b, e.err
	*e = encoder{}
	if err != nil {
		return dst[:start], fmt.Errorf("encode %s: %w", m.Type(), err)
	}
	return finishFrame(b, start)
}

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16) { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }

func (e *encoder) bool(v bool) {
	if v {
		e.u8(1)
	} else {
		e.u8(0)
	}
}

func (e *encoder) str(s string) {
	if e.err == nil && len(s) > math.MaxUint16 {
		e.err = fmt.Errorf("%w: string of %d bytes", ErrFrameTooLarge, len(s))
	}
	if e.err == nil && !utf8.ValidString(s) {
		e.err = fmt.Errorf("%w: string is not valid UTF-8", ErrMalformed)
	}
	e.u16(uint16(len(s)))
	e.b = append(e.b, s...)
}

// text appends s raw, without a length prefix: the rest of the payload.
func (e *encoder) text(s string) {
	if e.err == nil && !utf8.ValidString(s) {
		e.err = fmt.Errorf("%w: text is not valid UTF-8", ErrMalformed)
	}
	e.b = append(e.b, s...)
}

// decoder reads big-endian fields from a payload. After the first error
// every read returns zero values, and finish reports that error, or one for
// bytes left over.
type decoder struct {
	b   []byte
	err error
	// shared, when set, is the whole payload as one string: str returns
	// slices of it, so a frame of many strings costs one allocation.
	shared string
	size   int // the payload's length, with shared
}

// share makes the strings read from now on slices of one copy of the
// payload.
func (d *decoder) share() {
	d.shared, d.size = string(d.b), len(d.b)
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("%w: need %d more bytes, have %d", ErrMalformed, n, len(d.b))
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) bool() bool {
	switch v := d.u8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail("boolean byte %d", v)
		return false
	}
}

// str reads the next string (see cut), or fails saying why it cannot.
func (d *decoder) str() string {
	if d.err != nil {
		return ""
	}
	s, rest, ok := d.cut(d.b)
	if !ok {
		d.strFailed()
		return ""
	}
	d.b = rest
	return s
}

// cut reads the string at the start of p, the payload's unread bytes or
// fewer: its length in bytes (16 bits), then those bytes, which must be
// valid UTF-8. It returns the string, a slice of the shared copy of the
// payload if there is one, and the bytes after it; or false, if p ends
// before the string does or the string is not valid UTF-8. Every
// length-prefixed string of every message is read here.
func (d *decoder) cut(p []byte) (s string, rest []byte, ok bool) {
	if len(p) < 2 {
		return "", p, false
	}
	n, b := int(p[0])<<8|int(p[1]), p[2:]
	if len(b) < n || !utf8.Valid(b[:n]) {
		return "", p, false
	}
	if d.shared != "" {
		off := d.size - len(b)
		return d.shared[off : off+n], b[n:], true
	}
	return string(b[:n]), b[n:], true
}

// strFailed sets the error for the string cut could not read: the payload
// ends before the string does, or the string is not valid UTF-8.
func (d *decoder) strFailed() {
	if p := d.take(int(d.u16())); d.err == nil && !utf8.Valid(p) {
		d.fail("string is not valid UTF-8")
	}
}

// rest returns a copy of the bytes not yet read.
func (d *decoder) rest() []byte {
	p := d.take(len(d.b))
	return append([]byte(nil), p...)
}

// text reads the bytes not yet read as a string, which must be valid
// UTF-8.
func (d *decoder) text() string {
	p := d.take(len(d.b))
	if d.err == nil && !utf8.Valid(p) {
		d.fail("text is not valid UTF-8")
		return ""
	}
	return string(p)
}

// count reads a 16-bit element count and checks that the remaining payload
// could hold that many elements of at least min bytes each, so a hostile
// count cannot make the caller allocate.
func (d *decoder) count(min int) int {
	n := int(d.u16())
	if d.err == nil && n*min > len(d.b) {
		d.fail("count %d does not fit in %d bytes", n, len(d.b))
		return 0
	}
	return n
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (d *decoder) finish() error {
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d bytes left over", len(d.b))
	}
	return d.err
}
