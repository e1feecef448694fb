package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// writes records every Write it gets, each as its own slice.
type writes struct {
	got [][]byte
	err error // returned by every Write, when set
}

func (w *writes) Write(p []byte) (int, error) {
	w.got = append(w.got, bytes.Clone(p))
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// mustQueue queues m on fr, failing the test if it cannot.
func mustQueue(tb testing.TB, fr *wire.Framer, m wire.Message) []byte {
	tb.Helper()
	frame, err := fr.Queue(m)
	if err != nil {
		tb.Fatalf("Queue(%#v): %v", m, err)
	}
	return frame
}

// TestFramerRoundTrip: every golden message queued on one Framer goes out
// in a single Write, as the golden bytes back to back, and a Framer reading
// them returns the messages, then io.EOF. The messages are compared only
// at the end, so one aliasing the read buffer would show up corrupted.
func TestFramerRoundTrip(t *testing.T) {
	var w writes
	out := wire.NewFramer(&w, nil)
	var want []byte
	for _, tc := range goldenCases {
		frame := mustQueue(t, out, tc.msg)
		golden := mustReadFile(t, goldenPath(tc.name))
		if !bytes.Equal(frame, golden) {
			t.Errorf("Queue(%s) returned %x, want %x", tc.name, frame, golden)
		}
		want = append(want, golden...)
	}
	if out.Buffered() != len(want) {
		t.Errorf("Buffered() = %d, want %d", out.Buffered(), len(want))
	}
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(w.got) != 1 || !bytes.Equal(w.got[0], want) {
		t.Fatalf("Flush made %d writes, want one of the golden frames", len(w.got))
	}
	if out.Buffered() != 0 {
		t.Errorf("Buffered() = %d after Flush, want 0", out.Buffered())
	}

	in := wire.NewFramer(nil, bytes.NewReader(w.got[0]))
	var got []wire.Message
	for {
		m, err := in.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ReadMessage after %d messages: %v", len(got), err)
		}
		got = append(got, m)
	}
	if len(got) != len(goldenCases) {
		t.Fatalf("read %d messages, queued %d", len(got), len(goldenCases))
	}
	for i, tc := range goldenCases {
		assertEqual(t, got[i], tc.msg)
	}
}

// TestFramerReadErrors: a Framer refuses what ReadFrame refuses, and a
// header announcing too much is refused before the Framer allocates.
func TestFramerReadErrors(t *testing.T) {
	tail := bytes.Repeat([]byte{0xAA}, 64) // bytes a refused frame must not consume
	tests := []struct {
		name   string
		stream []byte
		want   error
		unread int // bytes the read must leave in the stream
	}{
		{"ErrFrameTooLarge/MaxPayload+1", append(header(wire.TypePing, wire.MaxPayload+1), tail...), wire.ErrFrameTooLarge, len(tail)},
		{"ErrFrameTooLarge/0xFFFFFFFF", append(header(wire.TypeBatch, 0xFFFFFFFF), tail...), wire.ErrFrameTooLarge, len(tail)},
		{"EOF/empty", nil, io.EOF, 0},
		{"ErrUnexpectedEOF/header", []byte{byte(wire.TypeDone), 0, 0}, io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/no_payload", header(wire.TypeDone, 8), io.ErrUnexpectedEOF, 0},
		{"ErrUnexpectedEOF/short_payload", append(header(wire.TypeDone, 8), 1, 2, 3), io.ErrUnexpectedEOF, 0},
		{"ErrMalformed/short_done", append(header(wire.TypeDone, 3), 1, 2, 3), wire.ErrMalformed, 0},
		{"ErrUnknownType", append(header(200, 1), 1), wire.ErrUnknownType, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(tc.stream)
			fr := wire.NewFramer(nil, r)
			var err error
			n := allocatedBytes(func() { _, err = fr.ReadMessage() })
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadMessage(%x) = %v, want %v", tc.stream, err, tc.want)
			}
			if r.Len() != tc.unread {
				t.Errorf("ReadMessage left %d bytes unread, want %d", r.Len(), tc.unread)
			}
			if errors.Is(err, wire.ErrFrameTooLarge) && n > 4<<10 {
				t.Errorf("refusing the header allocated %d bytes", n)
			}
		})
	}
}

// TestFramerReusesBuffers: the read buffer grows to the largest payload
// read and is then reused; the write buffer is made once, with room for
// any frame, and reused by every Flush.
func TestFramerReusesBuffers(t *testing.T) {
	sizes := []int{10, wire.MaxPayload, 100, 0, wire.MaxPayload, 1}
	var stream []byte
	for _, n := range sizes {
		stream = mustAppend(t, stream, wire.Ping{Payload: bytes.Repeat([]byte{'x'}, n)})
	}
	fr := wire.NewFramer(io.Discard, bytes.NewReader(stream))
	var rbuf, wbuf *byte
	for i, n := range sizes {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Payload) != n || cap(f.Payload) > wire.MaxPayload {
			t.Fatalf("frame %d: payload of %d bytes in a buffer of %d, want %d in at most MaxPayload", i, len(f.Payload), cap(f.Payload), n)
		}
		frame := mustQueue(t, fr, wire.Pong{Payload: f.Payload})
		if cap(frame) != wire.MaxFrameSize {
			t.Fatalf("frame %d: write buffer of %d bytes, want MaxFrameSize", i, cap(frame))
		}
		if err := fr.Flush(); err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 0:
			wbuf = &frame[0]
		case &frame[0] != wbuf:
			t.Fatalf("frame %d: a write buffer was made again", i)
		}
		switch {
		case i == 1:
			rbuf = &f.Payload[0]
		case i > 1 && &f.Payload[:1][0] != rbuf:
			t.Fatalf("frame %d: a read buffer was made again", i)
		}
	}
}

// TestFramerAllocs: once its buffers are grown, a Framer reads and flushes
// without allocating, and queues with no allocation beyond AppendFrame's.
func TestFramerAllocs(t *testing.T) {
	frame := mustAppend(t, nil, fullBatch())
	r := bytes.NewReader(frame)
	fr := wire.NewFramer(io.Discard, r)
	ack := wire.Ack{First: 1, Count: 2, Stored: 3, Digest: 4}
	read := func() {
		r.Reset(frame)
		if _, err := fr.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	}
	write := func() {
		for range 32 {
			mustQueue(t, fr, ack)
		}
		if err := fr.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	read()
	write()
	if n := testing.AllocsPerRun(100, read); n != 0 {
		t.Errorf("ReadFrame: %v allocations, want 0", n)
	}
	buf := make([]byte, 0, wire.MaxFrameSize)
	base := testing.AllocsPerRun(100, func() {
		b := buf[:0]
		for range 32 {
			b, _ = wire.AppendFrame(b, ack)
		}
	})
	if n := testing.AllocsPerRun(100, write); n > base {
		t.Errorf("32 Queue and a Flush: %v allocations, AppendFrame alone %v", n, base)
	}
}

// TestFramerQueueRefuses: a message that cannot be sent yields an error
// and leaves the frames queued before as they were.
func TestFramerQueueRefuses(t *testing.T) {
	tests := []struct {
		name string
		msg  wire.Message
		want error
	}{
		{"ErrFrameTooLarge/ping", wire.Ping{Payload: make([]byte, wire.MaxPayload+1)}, wire.ErrFrameTooLarge},
		{"ErrFrameTooLarge/batch", wire.Batch{Bets: exactBatch(wire.MaxBatchBytes + 1)}, wire.ErrFrameTooLarge},
		{"ErrMalformed/utf8_echo", wire.Echo{Text: "ok \xff"}, wire.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w writes
			fr := wire.NewFramer(&w, nil)
			done := mustQueue(t, fr, wire.Done{Total: 9})
			want := bytes.Clone(done)
			frame, err := fr.Queue(tc.msg)
			if !errors.Is(err, tc.want) || frame != nil {
				t.Fatalf("Queue = %x, %v; want nothing and %v", frame, err, tc.want)
			}
			if fr.Buffered() != len(want) {
				t.Errorf("Buffered() = %d after a refused Queue, want %d", fr.Buffered(), len(want))
			}
			if err := fr.Flush(); err != nil {
				t.Fatal(err)
			}
			if len(w.got) != 1 || !bytes.Equal(w.got[0], want) {
				t.Errorf("Flush wrote %x, want only the done frame %x", w.got, want)
			}
		})
	}
}

// TestFramerFlush: a Flush with nothing queued writes nothing; a failed
// Write empties the buffer all the same, so the next Flush does not send a
// frame the peer may have had in part.
func TestFramerFlush(t *testing.T) {
	w := writes{err: errors.New("broken pipe")}
	fr := wire.NewFramer(&w, nil)
	if err := fr.Flush(); err != nil || len(w.got) != 0 {
		t.Fatalf("Flush of nothing = %v after %d writes, want nil and none", err, len(w.got))
	}
	mustQueue(t, fr, wire.Done{Total: 1})
	if err := fr.Flush(); !errors.Is(err, w.err) {
		t.Fatalf("Flush = %v, want %v", err, w.err)
	}
	if fr.Buffered() != 0 {
		t.Errorf("Buffered() = %d after a failed Flush, want 0", fr.Buffered())
	}
	w.err = nil
	want := mustQueue(t, fr, wire.DoneAck{})
	want = bytes.Clone(want)
	if err := fr.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(w.got) != 2 || !bytes.Equal(w.got[1], want) {
		t.Errorf("writes %x, want the done_ack frame %x last", w.got, want)
	}
}

// TestFramerReadsWhileWriting: one goroutine may read from a Framer while
// another writes to it. The peer echoes each ping back as a pong.
func TestFramerReadsWhileWriting(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	deadline := time.Now().Add(5 * time.Second)
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	const n = 100
	peer := make(chan error, 1)
	go func() {
		defer b.Close()
		fr := wire.NewFramer(b, b)
		for range n {
			m, err := fr.ReadMessage()
			if err != nil {
				peer <- err
				return
			}
			ping, ok := m.(wire.Ping)
			if !ok {
				peer <- fmt.Errorf("got %s, want ping", m.Type())
				return
			}
			if _, err := fr.Queue(wire.Pong(ping)); err != nil {
				peer <- err
				return
			}
			if err := fr.Flush(); err != nil {
				peer <- err
				return
			}
		}
		peer <- nil
	}()
	fr := wire.NewFramer(a, a)
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := fr.Queue(wire.Ping{Payload: []byte{byte(i)}}); err != nil {
				sent <- err
				return
			}
			if err := fr.Flush(); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for i := range n {
		m, err := fr.ReadMessage()
		if err != nil {
			t.Fatalf("pong %d: %v", i, err)
		}
		assertEqual(t, m, wire.Pong{Payload: []byte{byte(i)}})
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if err := <-peer; err != nil {
		t.Fatal(err)
	}
}
