package wire_test

import (
	"bytes"
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
