package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
)

// TestRunWindow: the agency keeps batch.window batches in flight, never
// more: a server that holds its answers until that many have arrived sees
// exactly that many waiting. A connection lost with a full window in
// flight loses no bet and doubles none; the window is resent from where
// the welcome says.
func TestRunWindow(t *testing.T) {
	const rows, per = 100, 7 // 15 batches
	tests := []struct {
		name    string
		window  int
		faults  map[at]fault
		batches int // batches the server must receive, resends included
		dups    int // bets the server must receive again
	}{
		{"StopAndWait", 1, nil, 15, 0},
		{"Four", 4, nil, 15, 0},
		{"WholeStream", 32, nil, 15, 0},
		// The 8th batch arrives with the 5th, 6th and 7th waiting.
		{"WindowDropped", 4, map[at]fault{batchAt(8): {}}, 8 + 11, 0},
		{"WindowAcksLost", 4, map[at]fault{batchAt(8): {keep: true}}, 15, 0},
		{"WindowAcksLostStale", 4, map[at]fault{batchAt(8): {keep: true, stale: true}}, 16, per},
		{"WindowAckTimeout", 4, map[at]fault{batchAt(8): {keep: true, hang: true}}, 15, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bets := makeBets(rows, "Ana")
			s := &fakeServer{faults: tt.faults, hold: tt.window, end: rows}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets),
				fmt.Sprintf("CLI_BATCH_WINDOW=%d", tt.window), fmt.Sprintf("CLI_BATCH_MAXAMOUNT=%d", per), "CLI_TIMEOUT=1s"))
			if err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out)
			}
			if got, want := s.mostHeld(), min(tt.window, 15); got != want {
				t.Errorf("at most %d batches waited for their acks, want %d (the window)", got, want)
			}
			if n := len(s.received()); n != tt.batches {
				t.Errorf("server received %d batches, want %d", n, tt.batches)
			}
			stored, dups := s.held()
			if !slices.Equal(stored, bets) {
				t.Errorf("server holds %d bets, want the %d of the agency once each, in order; first differing: %s",
					len(stored), len(bets), firstDiff(stored, bets))
			}
			if dups != tt.dups {
				t.Errorf("server received %d bets again, want %d", dups, tt.dups)
			}
			if n := retryLines(t, out); n != len(tt.faults) {
				t.Errorf("%d retry lines, want one per fault, %d\noutput:\n%s", n, len(tt.faults), out)
			}
			wantLine(t, out, "done", fmt.Sprintf("action: done | result: success | total: %d", rows))
			wantLine(t, out, "shutdown", "action: shutdown | result: success")
		})
	}
}

// TestRunWindowAcks: each ack, not each post, is a batch_enviado line, in
// order, and a progress line.
func TestRunWindowAcks(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	s := &fakeServer{hold: 3, end: 10}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(10, "Ana")),
		"CLI_BATCH_WINDOW=3", "CLI_BATCH_MAXAMOUNT=2"))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	var got []string
	for _, l := range lines(out, "batch_enviado") {
		got = append(got, strings.TrimPrefix(l, "action: batch_enviado | result: success | "))
	}
	want := []string{"first: 0 | cantidad: 2", "first: 2 | cantidad: 2", "first: 4 | cantidad: 2",
		"first: 6 | cantidad: 2", "first: 8 | cantidad: 2"}
	if !slices.Equal(got, want) {
		t.Errorf("batch_enviado lines %q, want %q", got, want)
	}
	var sent []string
	for _, l := range lines(out, "progreso") {
		n, _, _ := strings.Cut(strings.TrimPrefix(l, "action: progreso | result: in_progress | enviadas: "), " ")
		sent = append(sent, n)
	}
	if want := []string{"2", "4", "6", "8", "10"}; !slices.Equal(sent, want) {
		t.Errorf("progress lines count %q, want %q", sent, want)
	}
}

// TestRunSingleFirst: with a window, the single bet still goes alone and is
// acked before any bet of the file is sent; its apuesta_enviada line
// follows its ack.
func TestRunSingleFirst(t *testing.T) {
	s := &fakeServer{}
	bets := makeBets(30, "Ana")
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), append([]string{"CLI_BATCH_MAXAMOUNT=7"}, betVars...)...))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	got := s.received()
	if len(got) < 2 || len(got[0].bets) != 1 || got[0].ahead {
		t.Errorf("first batch %+v, want the single bet, sent alone", got[0])
	}
	var order []string
	for l := range strings.Lines(out) {
		for _, a := range []string{"batch_enviado", "apuesta_enviada"} {
			if strings.Contains(l, "action: "+a+" ") {
				order = append(order, a)
			}
		}
	}
	if len(order) < 3 || !slices.Equal(order[:3], []string{"batch_enviado", "apuesta_enviada", "batch_enviado"}) {
		t.Errorf("lines in order %q, want the single bet's ack, its apuesta_enviada, then the file's", order)
	}
	checkSent(t, got, append([]domain.Bet{{FirstName: "Santiago Lionel", LastName: "Lorca",
		Document: "30904465", Birthdate: "1999-03-17", Number: 7574}}, bets...), 0, 7)
}
