package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// TestAppendFrameRefuses: a message that cannot be sent yields an error and
// leaves dst as it was, even when dst has spare capacity the encoder wrote into.
func TestAppendFrameRefuses(t *testing.T) {
	huge := strings.Repeat("x", 1<<16)
	tests := []struct {
		name string
		msg  wire.Message
		want error
	}{
		{"ErrFrameTooLarge/batch", wire.Batch{Bets: exactBatch(wire.MaxBatchBytes + 1)}, wire.ErrFrameTooLarge},
		{"ErrFrameTooLarge/batch_of_empty_bets", wire.Batch{Bets: make([]domain.Bet, 1000)}, wire.ErrFrameTooLarge},
		{"ErrFrameTooLarge/ping", wire.Ping{Payload: make([]byte, wire.MaxPayload+1)}, wire.ErrFrameTooLarge},
		{"ErrFrameTooLarge/string_over_64KiB", wire.Error{Reason: huge}, wire.ErrFrameTooLarge},
		{"ErrFrameTooLarge/echo", wire.Echo{Text: strings.Repeat("x", wire.MaxPayload+1)}, wire.ErrFrameTooLarge},
		{"ErrFrameTooLarge/winners", wire.Winners{Documents: make([]string, wire.MaxPayload)}, wire.ErrFrameTooLarge},
		{"ErrMalformed/utf8_secret", wire.Hello{Secret: "\xff"}, wire.ErrMalformed},
		{"ErrMalformed/utf8_first_name", wire.Batch{Bets: []domain.Bet{{FirstName: "Jos\xe9"}}}, wire.ErrMalformed},
		{"ErrMalformed/utf8_last_name", wire.Batch{Bets: []domain.Bet{{LastName: "\xc3"}}}, wire.ErrMalformed},
		{"ErrMalformed/utf8_reason", wire.Reject{Reason: "\x80"}, wire.ErrMalformed},
		{"ErrMalformed/utf8_document", wire.Winners{Documents: []string{"1", "\xfe"}}, wire.ErrMalformed},
		{"ErrMalformed/utf8_echo", wire.Echo{Text: "ok \xff"}, wire.ErrMalformed},
		{"ErrMalformed/number_negative", wire.Batch{Bets: []domain.Bet{{Number: -1}}}, wire.ErrMalformed},
		{"ErrMalformed/number_over_16_bits", wire.Batch{Bets: []domain.Bet{{Number: 1 << 16}}}, wire.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, 3, 64<<10)
			copy(dst, "abc")
			got, err := wire.AppendFrame(dst, tc.msg)
			if !errors.Is(err, tc.want) {
				t.Errorf("AppendFrame error = %v, want %v", err, tc.want)
			}
			if string(got) != "abc" || string(dst) != "abc" {
				t.Errorf("AppendFrame changed dst: got %q, dst %q", got, dst)
			}
			var w bytes.Buffer
			if err := wire.WriteMessage(&w, tc.msg); err == nil || w.Len() != 0 {
				t.Errorf("WriteMessage = %v and wrote %d bytes; want an error and nothing written", err, w.Len())
			}
		})
	}
}

// TestBatchFillsFrame: bets whose BetSize adds up to MaxBatchBytes make a
// frame of exactly MaxFrameSize; one byte more does not fit.
func TestBatchFillsFrame(t *testing.T) {
	full := wire.Batch{First: 1 << 50, Bets: exactBatch(wire.MaxBatchBytes)}
	frame := mustAppend(t, nil, full)
	if len(frame) != wire.MaxFrameSize {
		t.Errorf("full batch frame of %d bytes, want %d", len(frame), wire.MaxFrameSize)
	}
	assertEqual(t, mustDecode(t, frame), full)

	over := wire.Batch{First: 1 << 50, Bets: exactBatch(wire.MaxBatchBytes + 1)}
	if _, err := wire.AppendFrame(nil, over); !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Errorf("batch of MaxBatchBytes+1: error %v, want ErrFrameTooLarge", err)
	}
}

// TestBetSize: BetSize is what a bet adds to a batch frame.
func TestBetSize(t *testing.T) {
	for _, b := range oddBets {
		one := mustAppend(t, nil, wire.Batch{Bets: []domain.Bet{b}})
		two := mustAppend(t, nil, wire.Batch{Bets: []domain.Bet{b, b}})
		if got := len(two) - len(one); got != wire.BetSize(b) {
			t.Errorf("bet %q adds %d bytes to a frame, BetSize says %d", b.FirstName, got, wire.BetSize(b))
		}
	}
}

func TestSplitWinners(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name   string
		docs   []string
		frames int
	}{
		{"nil", nil, 1},
		{"empty", []string{}, 1},
		{"one", []string{"30904465"}, 1},
		{"one_full_frame", documents(682, 10), 1}, // 3 + 682*(2+10) = MaxPayload
		{"one_over_full_frame", documents(683, 10), 2},
		{"5000_ten_digit", documents(5000, 10), 8},
		{"empty_documents", make([]string, 10_000), 3},
		{"mixed_lengths", randomDocuments(rng, 20_000), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wire.SplitWinners(tc.docs)
			checkSplit(t, tc.docs, got)
			if tc.frames != 0 && len(got) != tc.frames {
				t.Errorf("split into %d frames, want %d", len(got), tc.frames)
			}
		})
	}
}

// checkSplit asserts what a receiver relies on: every frame encodes and
// fits, only the final one is Last, and the documents come back in order.
// It also checks no frame could have taken the next document.
func checkSplit(t *testing.T, docs []string, got []wire.Winners) {
	t.Helper()
	var all []string
	for i, w := range got {
		frame := mustAppend(t, nil, w)
		if len(frame) > wire.MaxFrameSize {
			t.Errorf("frame %d has %d bytes", i, len(frame))
		}
		if w.Last != (i == len(got)-1) {
			t.Errorf("frame %d of %d has Last = %v", i, len(got), w.Last)
		}
		if next := len(all) + len(w.Documents); !w.Last && len(frame)+2+len(docs[next]) <= wire.MaxFrameSize {
			t.Errorf("frame %d (%d bytes) had room for document %d", i, len(frame), next)
		}
		all = append(all, w.Documents...)
	}
	if !slices.Equal(all, docs) {
		t.Errorf("concatenated documents differ from the input (%d vs %d)", len(all), len(docs))
	}
}

// documents returns n distinct documents of width digits.
func documents(n, width int) []string {
	docs := make([]string, n)
	for i := range docs {
		docs[i] = fmt.Sprintf("%0*d", width, i)
	}
	return docs
}

func randomDocuments(rng *rand.Rand, n int) []string {
	docs := make([]string, n)
	for i := range docs {
		docs[i] = fmt.Sprintf("%010d", rng.Uint64N(1e10))[:rng.IntN(11)]
	}
	return docs
}
