package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// wantStopped checks that the run failed at once, for good: one fail line
// of action, starting with want, then the shutdown fail line last; one
// hello (no retry); no done.
func wantStopped(t *testing.T, s *fakeServer, out string, err error, action, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("run: no error\noutput:\n%s", out)
	}
	var fails []string
	for _, l := range lines(out, action) {
		if strings.HasPrefix(l, "action: "+action+" | result: fail") {
			fails = append(fails, l)
		}
	}
	if len(fails) != 1 || !strings.HasPrefix(fails[0], want) {
		t.Errorf("%s fail lines %q, want one starting %q\noutput:\n%s", action, fails, want, out)
	}
	all := strings.Split(strings.TrimSpace(out), "\n")
	if last := all[len(all)-1]; !strings.Contains(last, "action: shutdown | result: fail | error: ") {
		t.Errorf("last line %q, want the shutdown fail line", last)
	}
	if n := s.count(wire.TypeHello); n != 1 {
		t.Errorf("%d hellos, want 1: a final failure is not retried", n)
	}
	if n := retryLines(t, out); n != 0 {
		t.Errorf("%d retry lines, want none", n)
	}
	if d := s.doneTotals(); len(d) != 0 {
		t.Errorf("done sent with totals %v after the failure", d)
	}
}

// TestRunResumeDiffers: an agency that resumes checks, before it sends
// anything, that the server holds its first bets: a server holding other
// bets (another file, an edited one, another agency's store), or more bets
// than the agency has, stops it with the position, and nothing is sent.
func TestRunResumeDiffers(t *testing.T) {
	bets := makeBets(50, "Ana")
	edited := slices.Delete(slices.Clone(bets), 0, 1) // its first row deleted
	const differs = "action: connect | result: fail | error: the agency file differs from the bets the server holds for agency 1: "
	tests := []struct {
		name    string
		file    []domain.Bet
		welcome wire.Welcome
		want    string
	}{
		{"OtherFile", makeBets(50, "Eva"), wire.Welcome{Stored: 20, Digest: digestOf(bets[:20]...)},
			fmt.Sprintf("their first 20 bets do not match (digest %s here, %s on the server)",
				digestOf(makeBets(20, "Eva")...), digestOf(bets[:20]...))},
		{"EditedFile", edited, wire.Welcome{Stored: 20, Digest: digestOf(bets[:20]...)},
			fmt.Sprintf("their first 20 bets do not match (digest %s here, %s on the server)",
				digestOf(edited[:20]...), digestOf(bets[:20]...))},
		{"AllStoredOther", makeBets(20, "Eva"), wire.Welcome{Stored: 20, Digest: digestOf(bets[:20]...)},
			"their first 20 bets do not match"},
		{"NothingStoredSomeDigest", bets, wire.Welcome{Stored: 0, Digest: 0x1a2b3c4d},
			"their first 0 bets do not match (digest 00000000 here, 1a2b3c4d on the server)"},
		{"ShorterFile", bets[:30], wire.Welcome{Stored: 40, Digest: digestOf(bets[:40]...)},
			"the server holds 40 bets, the agency has only 30 valid ones"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{welcome: tt.welcome}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, tt.file), "CLI_BATCH_MAXAMOUNT=7"))
			wantStopped(t, s, out, err, "connect", differs+tt.want)
			if got := s.received(); len(got) != 0 {
				t.Errorf("%d batches sent, want none", len(got))
			}
		})
	}
}

// TestRunFinishedDiffers: a welcome that says the agency is done is
// checked over the whole file before the winners query: a fresh agency
// never reports a stored lottery's winners for bets that are not its own.
func TestRunFinishedDiffers(t *testing.T) {
	bets := makeBets(50, "Ana")
	const differs = "action: connect | result: fail | error: the agency file differs from the bets the server holds for agency 1: "
	tests := []struct {
		name    string
		file    []domain.Bet
		welcome wire.Welcome
		want    string
	}{
		{"OtherFile", makeBets(50, "Eva"), wire.Welcome{Stored: 50, Finished: true, Digest: digestOf(bets...)},
			"their first 50 bets do not match"},
		{"LongerFile", bets, wire.Welcome{Stored: 40, Finished: true, Digest: digestOf(bets[:40]...)},
			"the server holds the agency's first 40 bets and its done, and the agency has 50 valid ones"},
		{"ShorterFile", bets[:40], wire.Welcome{Stored: 50, Finished: true, Digest: digestOf(bets...)},
			"the server holds 50 bets, the agency has only 40 valid ones"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{welcome: tt.welcome, winners: []string{"30000001"}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, tt.file)))
			wantStopped(t, s, out, err, "connect", differs+tt.want)
			if n := s.count(wire.TypeWinnersQuery); n != 0 {
				t.Errorf("%d winners queries, want none", n)
			}
			if ls := lines(out, "consulta_ganadores"); len(ls) != 0 {
				t.Errorf("winners reported: %q", ls)
			}
			if got := s.received(); len(got) != 0 {
				t.Errorf("%d batches sent, want none", len(got))
			}
		})
	}
}

// TestRunAckDiffers: every ack must say the server holds exactly what the
// agency sent up to that batch, in count and digest; one that does not
// stops the agency with the batch's position, and nothing is resent.
func TestRunAckDiffers(t *testing.T) {
	bets := makeBets(60, "Ana")
	const differs = "action: apuesta_enviada | result: fail | error: the server's bets differ from the agency's at position 7 (the batch of 7 bets there): "
	tests := []struct {
		name string
		ack  wire.Ack // the answer to the second batch
		want string
	}{
		{"Digest", wire.Ack{First: 7, Count: 7, Stored: 14, Digest: digestOf(makeBets(14, "Eva")...)},
			fmt.Sprintf("digest %s here after the batch, %s on the server", digestOf(bets[:14]...), digestOf(makeBets(14, "Eva")...))},
		{"Stored", wire.Ack{First: 7, Count: 7, Stored: 12, Digest: digestOf(bets[:12]...)},
			"the server holds 12 bets after the batch, the agency 14"},
		{"DigestAhead", wire.Ack{First: 7, Count: 7, Stored: 21, Digest: digestOf(makeBets(21, "Eva")...)},
			fmt.Sprintf("the server holds 21 bets, where a later batch ends: digest %s here there, %s on the server", digestOf(bets[:21]...), digestOf(makeBets(21, "Eva")...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{faults: map[at]fault{batchAt(2): {send: tt.ack, hang: true}}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), "CLI_BATCH_MAXAMOUNT=7"))
			wantStopped(t, s, out, err, "apuesta_enviada", differs+tt.want)
		})
	}
}

// TestRunAckAhead: with several servers on one log, a server may hold more
// of the agency's bets by the time it acks a batch (another server stored
// the next ones first). An ack saying it holds them up to where a later
// batch in flight ends, with the digest there, is progress; one past the
// batch where no batch in flight ends cannot be checked, so the agency
// connects again and the welcome checks it. Either way it finishes with
// every bet stored once.
func TestRunAckAhead(t *testing.T) {
	bets := makeBets(60, "Ana")
	for _, tt := range []struct {
		name  string
		ack   wire.Ack // the answer to the second batch, after which the server hangs up
		retry bool     // a lost session logged for the ack itself
	}{
		{"AtLaterBatch", wire.Ack{First: 7, Count: 7, Stored: 21, Digest: digestOf(bets[:21]...)}, false},
		{"MidBatch", wire.Ack{First: 7, Count: 7, Stored: 17, Digest: digestOf(bets[:17]...)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{faults: map[at]fault{batchAt(2): {send: tt.ack}}, winners: []string{"30000001"}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), "CLI_BATCH_MAXAMOUNT=7"))
			if err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out)
			}
			if got, dups := s.held(); !slices.Equal(got, bets) || dups != 0 {
				t.Errorf("server holds %d bets (%d sent twice), want the 60 once each", len(got), dups)
			}
			if n := s.count(wire.TypeHello); n != 2 {
				t.Errorf("%d hellos, want 2", n)
			}
			if got := strings.Contains(out, "past its end 14 where no batch in flight ends"); got != tt.retry {
				t.Errorf("logged the ack past the batch as a lost session: %v, want %v\noutput:\n%s", got, tt.retry, out)
			}
		})
	}
}

// TestRunConflict: a server that refuses a batch or the done because the
// bets it holds there differ (conflict) stops the agency: connecting again
// cannot cure it.
func TestRunConflict(t *testing.T) {
	bets := makeBets(20, "Ana")
	tests := []struct {
		name, action, want string
		fault              map[at]fault
	}{
		{"Batch", "apuesta_enviada", "action: apuesta_enviada | result: fail | code: conflict | first: 7 | error: other bets",
			map[at]fault{batchAt(2): {send: wire.Reject{First: 7, Code: wire.CodeConflict, Reason: "other bets"}, hang: true}}},
		{"Done", "done", "action: done | result: fail | code: conflict | first: 20 | error: another digest",
			map[at]fault{doneAt(1): {send: wire.Reject{First: 20, Code: wire.CodeConflict, Reason: "another digest"}, hang: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeServer{faults: tt.fault}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), "CLI_BATCH_MAXAMOUNT=7"))
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			wantLine(t, out, tt.action, tt.want)
			if n := s.count(wire.TypeHello); n != 1 {
				t.Errorf("%d hellos, want 1: a conflict is not retried", n)
			}
		})
	}
}

// TestRunDigestSent: the done carries the total and the digest of every
// valid bet, the single bet first, across sessions; the server accepts it
// only then (the fake server checks both).
func TestRunDigestSent(t *testing.T) {
	bets := makeBets(30, "Ana")
	single := domain.Bet{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574}
	s := &fakeServer{faults: map[at]fault{batchAt(3): {keep: true}}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, bets), append([]string{"CLI_BATCH_MAXAMOUNT=7"}, betVars...)...))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	if got := s.doneTotals(); !slices.Equal(got, []uint64{31}) {
		t.Errorf("done totals %v, want [31]", got)
	}
	s.mu.Lock()
	got := s.sums[len(s.sums)-1]
	s.mu.Unlock()
	if want := digestOf(append([]domain.Bet{single}, bets...)...); got != want {
		t.Errorf("server's digest %s, want %s", got, want)
	}
}
