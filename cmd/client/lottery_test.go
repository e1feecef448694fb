package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// TestRunConnectLine: each welcome is logged with the lottery's id, 16 hex
// digits, and its date.
func TestRunConnectLine(t *testing.T) {
	s := &fakeServer{welcome: wire.Welcome{Lottery: 0xfe, Date: "2027-03-04"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana"))))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	wantLine(t, out, "connect", "action: connect | result: success | lottery: 00000000000000fe | date: 2027-03-04 | stored: 0 | finished: false")
}

// TestRunWinnerDocuments: at DEBUG, each winner's document is logged, in
// the order the server sent them, before the count.
func TestRunWinnerDocuments(t *testing.T) {
	s := &fakeServer{winners: []string{"30000002", "30000001"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana"))))
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out)
	}
	got := lines(out, "ganador")
	want := []string{"action: ganador | result: success | dni: 30000002", "action: ganador | result: success | dni: 30000001"}
	if !slices.Equal(got, want) {
		t.Errorf("ganador lines %q, want %q", got, want)
	}
	if i, j := strings.Index(out, "action: ganador"), strings.Index(out, "action: consulta_ganadores | result: success"); i < 0 || j < i {
		t.Errorf("the documents are not logged before the count:\n%s", out)
	}
}

// TestRunLotteryDate: rows are judged against the lottery's date, from the
// welcome, not the agency's clock: a row dated after it is invalid (logged,
// skipped, not numbered), one dated on it is valid, in the past as in the
// future.
func TestRunLotteryDate(t *testing.T) {
	for _, date := range []string{"2001-05-10", "2099-12-31"} {
		t.Run(date, func(t *testing.T) {
			day, err := domain.ParseDate(date)
			if err != nil {
				t.Fatal(err)
			}
			after := day.AddDate(0, 0, 1).Format(domain.DateLayout)
			data := writeFile(t, "Ana,Pérez,30111222,1990-01-02,7574\n"+
				"Luis,Gómez,123,"+after+",1\n"+
				"Eva,Ruiz,5,"+date+",0\n")
			s := &fakeServer{welcome: wire.Welcome{Date: date}}
			out, err := runAgency(t, nil, testEnv(s.start(t), data))
			if err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, out)
			}
			checkSent(t, s.received(), []domain.Bet{
				{FirstName: "Ana", LastName: "Pérez", Document: "30111222", Birthdate: "1990-01-02", Number: 7574},
				{FirstName: "Eva", LastName: "Ruiz", Document: "5", Birthdate: date, Number: 0},
			}, 0, defaultBatchMaxAmount)
			wantLine(t, out, "leer_apuesta", "action: leer_apuesta | result: fail | line: 2 | error: birthdate: must not be in the future")
			wantLine(t, out, "done", "action: done | result: success | total: 2")
		})
	}
}

// TestRunLotteryDateMalformed: a welcome whose date is not a date stops the
// agency before it reads a row.
func TestRunLotteryDateMalformed(t *testing.T) {
	s := &fakeServer{welcome: wire.Welcome{Date: "2026-13-01"}}
	out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(3, "Ana"))))
	wantStopped(t, s, out, err, "connect", `action: connect | result: fail | error: the server sent no valid lottery date: `)
	if got := s.received(); len(got) != 0 {
		t.Errorf("%d batches sent, want none", len(got))
	}
}

// TestRunLotteryChanged: a server that comes back mid-run with another
// lottery (a fresh store, another date) stops the agency before it sends
// anything there: the bets must not go to a second lottery, renumbered.
func TestRunLotteryChanged(t *testing.T) {
	tests := map[string]struct {
		fresh wire.Welcome
		want  string
	}{
		"Id": {wire.Welcome{Lottery: 0xabc, Date: testDate},
			fmt.Sprintf("lottery %016x of %s at the run's first connection, now %016x of %s", testLottery, testDate, 0xabc, testDate)},
		"Date": {wire.Welcome{Lottery: testLottery, Date: "2026-11-30"},
			fmt.Sprintf("lottery %016x of %s at the run's first connection, now %016x of 2026-11-30", testLottery, testDate, testLottery)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := &fakeServer{faults: map[at]fault{batchAt(3): {fresh: &tt.fresh}}}
			out, err := runAgency(t, nil, testEnv(s.start(t), writeBets(t, makeBets(60, "Ana")), "CLI_BATCH_MAXAMOUNT=7"))
			if err == nil {
				t.Fatalf("run: no error\noutput:\n%s", out)
			}
			want := "action: connect | result: fail | error: the server's lottery changed: " + tt.want
			var fails []string
			for _, l := range lines(out, "connect") {
				if strings.HasPrefix(l, "action: connect | result: fail") {
					fails = append(fails, l)
				}
			}
			if len(fails) != 1 || !strings.HasPrefix(fails[0], want) {
				t.Errorf("connect fail lines %q, want one starting %q\noutput:\n%s", fails, want, out)
			}
			if n := s.count(wire.TypeHello); n != 2 {
				t.Errorf("%d hellos, want 2 (the second one welcomed to another lottery)", n)
			}
			if got := s.sinceRenewed(); len(got) != 0 {
				t.Errorf("%d batches sent to the new lottery, want none", len(got))
			}
		})
	}
}
