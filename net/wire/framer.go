package wire

import "io"

// Framer reads frames from an io.Reader and writes frames to an io.Writer,
// in buffers it owns and reuses: one for the payload of the frame read
// last, one for the frames queued and not written yet. Neither is made
// before a frame needs it: the read buffer then grows to the largest
// payload read (at most MaxPayload); the write buffer is made with room
// for one frame of any size and grows to the most bytes queued between
// two flushes.
//
// Reads (ReadFrame, ReadMessage) and writes (Queue, Buffered, Flush) share
// nothing, so one goroutine may read while another writes; reads must not
// run concurrently with reads, nor writes with writes. Deadlines are the
// caller's, set on the connection around these calls.
type Framer struct {
	r    io.Reader
	w    io.Writer
	hdr  [HeaderSize]byte // the header of the frame read last
	rbuf []byte           // the payload of the frame read last; reused
	wbuf []byte           // the frames queued, not written yet; reused
	enc  encoder          // encodes every frame queued
}

// NewFramer returns a Framer that writes to w and reads from r. It reads a
// header, then a payload: give it a buffered reader (a bufio.Reader of
// MaxFrameSize, say) rather than a bare connection.
func NewFramer(w io.Writer, r io.Reader) *Framer {
	return &Framer{r: r, w: w}
}

// ReadFrame reads the next frame, as the package's ReadFrame does, into the
// Framer's read buffer: the payload is valid only until the next read. A
// header announcing more than MaxFrameSize yields ErrFrameTooLarge before
// anything is allocated, a frame cut short io.ErrUnexpectedEOF, a clean
// close before any header byte io.EOF.
func (fr *Framer) ReadFrame() (Frame, error) {
	f, err := readFrame(fr.r, &fr.hdr, fr.rbuf)
	if cap(f.Payload) > cap(fr.rbuf) { // readFrame made a larger one
		fr.rbuf = f.Payload[:0]
	}
	return f, err
}

// ReadMessage reads the next frame and decodes it. The message does not
// alias the read buffer. Errors are ReadFrame's, or Decode's.
func (fr *Framer) ReadMessage() (Message, error) {
	f, err := fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	return Decode(f)
}

// Queue appends m as one frame to the write buffer, to be written by the
// next Flush, and returns the frame's bytes, valid until then. A message
// AppendFrame refuses yields its error, and the frames queued before stay
// as they were.
func (fr *Framer) Queue(m Message) ([]byte, error) {
	if fr.wbuf == nil {
		fr.wbuf = make([]byte, 0, MaxFrameSize) // room for any one frame
	}
	start := len(fr.wbuf)
	b, err := fr.enc.appendFrame(fr.wbuf, m)
	if err != nil {
		return nil, err
	}
	fr.wbuf = b
	return b[start:], nil
}

// Buffered returns how many bytes are queued for the next Flush.
func (fr *Framer) Buffered() int { return len(fr.wbuf) }

// Flush writes the frames queued, if any, in a single Write, and empties
// the write buffer, even if the Write fails: a frame written in part
// cannot be resent whole.
func (fr *Framer) Flush() error {
	if len(fr.wbuf) == 0 {
		return nil
	}
	_, err := fr.w.Write(fr.wbuf)
	fr.wbuf = fr.wbuf[:0]
	return err
}
