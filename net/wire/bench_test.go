package wire_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/tp0/loteria/net/wire"
)

// fullBatch is a batch of course-shaped bets packed up to MaxBatchBytes.
func fullBatch() wire.Batch {
	return wire.Batch{First: 1_000_000, Bets: courseBatch(wire.MaxBatchBytes)}
}

func BenchmarkBatchEncode(b *testing.B) {
	m := fullBatch()
	buf := mustAppend(b, nil, m)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = wire.AppendFrame(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBatchDecode(b *testing.B) {
	frame := mustAppend(b, nil, fullBatch())
	buf := make([]byte, wire.MaxPayload)
	r := bytes.NewReader(frame)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(frame)
		if _, err := wire.ReadMessage(r, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFramerReadBatch is BenchmarkBatchDecode through a Framer, as
// the server reads: its buffers, header included, are reused.
func BenchmarkFramerReadBatch(b *testing.B) {
	frame := mustAppend(b, nil, fullBatch())
	r := bytes.NewReader(frame)
	fr := wire.NewFramer(nil, r)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(frame)
		if _, err := fr.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFramerAcks queues a window of acks and writes them in one
// Write, as the server's writer does when the store settles a group.
func BenchmarkFramerAcks(b *testing.B) {
	fr := wire.NewFramer(io.Discard, nil)
	ack := wire.Ack{First: 1_000_000, Count: 175, Stored: 1_000_175, Digest: 0xdeadbeef}
	b.ReportAllocs()
	for b.Loop() {
		for range 32 {
			if _, err := fr.Queue(ack); err != nil {
				b.Fatal(err)
			}
		}
		if err := fr.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
