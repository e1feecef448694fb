package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

func TestEachAgencyGetsExactlyItsWinners(t *testing.T) {
	l := mustStart(t, options{agencies: 5})
	ctx := testCtx(t)
	planted := map[int][]int{1: {0, 99}, 2: {50}, 3: {}, 4: {1, 2, 3, 4}, 5: {249}}
	got := make([][]string, 6)
	var g errgroup.Group
	for agency := 1; agency <= 5; agency++ {
		g.Go(func() error {
			c := mustHello(t, l, agency)
			all := bets(agency, 250, planted[agency]...)
			if err := sendAll(ctx, c, all, 64); err != nil {
				return err
			}
			if err := c.Done(ctx, uint64(len(all)), digestOf(all)); err != nil {
				return err
			}
			docs, err := c.Winners(ctx, 10*time.Second)
			got[agency] = docs
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for agency := 1; agency <= 5; agency++ {
		var want []string
		for _, i := range planted[agency] {
			want = append(want, bets(agency, 250)[i].Document)
		}
		if !slices.Equal(got[agency], want) {
			t.Errorf("agency %d winners %v, want %v", agency, got[agency], want)
		}
	}
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	stored := byAgency(mustStoredRows(t, l.store))
	for agency := 1; agency <= 5; agency++ {
		if !slices.Equal(stored[agency], bets(agency, 250, planted[agency]...)) {
			t.Errorf("agency %d: the bets file does not hold exactly the bets sent", agency)
		}
	}
}

func TestResentBatchIsAckedButStoredOnce(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	ctx := testCtx(t)
	c := mustHello(t, l, 1)
	all := bets(1, 10)
	for range 3 {
		ack, err := c.Send(ctx, wire.Batch{First: 0, Bets: all[:6]})
		if err != nil || ack.Stored != 6 {
			t.Fatalf("send = %+v, %v; want stored 6", ack, err)
		}
	}
	// Overlapping the stored ones: only the new suffix is stored.
	if ack, err := c.Send(ctx, wire.Batch{First: 4, Bets: all[4:]}); err != nil || ack.Stored != 10 {
		t.Fatalf("overlapping send = %+v, %v; want stored 10", ack, err)
	}
	// A new connection is told where to resume.
	if w, err := mustDial(t, l).Hello(ctx, 1, ""); err != nil || w.Stored != 10 {
		t.Fatalf("welcome = %+v, %v; want stored 10", w, err)
	}
	l.stop()
	if got := mustStoredRows(t, l.store); !slices.Equal(got, all) {
		t.Fatalf("stored %d rows, want the 10 sent once each", len(got))
	}
	// The log counts each bet once too: resends add nothing to cantidad.
	if n := loggedCantidad(l.logs.String()); n != 10 {
		t.Errorf("apuesta_recibida amounts sum to %d, want 10:\n%s", n, l.logs)
	}
}

func loggedCantidad(logs string) int {
	sum := 0
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "msg=apuesta_recibida result=success") {
			continue
		}
		_, v, _ := strings.Cut(line, "cantidad=")
		n, _ := strconv.Atoi(strings.Fields(v)[0])
		sum += n
	}
	return sum
}

func TestBatchRejections(t *testing.T) {
	l := mustStart(t, options{agencies: 2})
	ctx := testCtx(t)
	c := mustHello(t, l, 1)
	invalid := bets(1, 3)
	invalid[1].Birthdate = "2001-02-30"
	tests := []struct {
		name  string
		batch wire.Batch
		code  wire.Code
		index uint16
	}{
		{"CodeInvalidBet", wire.Batch{First: 0, Bets: invalid}, wire.CodeInvalidBet, 1},
		{"CodeOutOfOrder", wire.Batch{First: 5, Bets: bets(1, 2)}, wire.CodeOutOfOrder, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Send(ctx, tt.batch)
			var rej wire.Reject
			if !errors.As(err, &rej) || rej.Code != tt.code || rej.Index != tt.index {
				t.Fatalf("send = %v, want a reject %s at bet %d", err, tt.code, tt.index)
			}
		})
	}
	// The connection survives rejections and nothing rejected was stored.
	if ack, err := c.Send(ctx, wire.Batch{First: 0, Bets: bets(1, 2)}); err != nil || ack.Stored != 2 {
		t.Fatalf("send after rejects = %+v, %v", ack, err)
	}
	if !containsLine(l.logs.String(), "result=fail cantidad=3") {
		t.Errorf("no apuesta_recibida fail line for the invalid batch:\n%s", l.logs)
	}
}

func TestDoneChecksTotalAndIsIdempotent(t *testing.T) {
	l := mustStart(t, options{agencies: 2})
	ctx := testCtx(t)
	c := mustHello(t, l, 1)
	if err := sendAll(ctx, c, bets(1, 5), 5); err != nil {
		t.Fatal(err)
	}
	var rej wire.Reject
	if err := c.Done(ctx, 6, digestOf(bets(1, 6))); !errors.As(err, &rej) || rej.Code != wire.CodeIncomplete {
		t.Fatalf("done with a wrong total = %v, want %s", err, wire.CodeIncomplete)
	}
	for range 2 {
		if err := c.Done(ctx, 5, digestOf(bets(1, 5))); err != nil {
			t.Fatalf("done = %v", err)
		}
	}
	if _, err := c.Send(ctx, wire.Batch{First: 5, Bets: bets(1, 1)}); !errors.As(err, &rej) || rej.Code != wire.CodeClosed {
		t.Fatalf("bets after done = %v, want %s", err, wire.CodeClosed)
	}
	// Agency 1 twice does not make two agencies: the draw has not happened.
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.Winners(wctx, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("winners before every agency is done = %v, want to still be waiting", err)
	}
}

func TestBetsAfterTheDrawAreRefused(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	ctx := testCtx(t)
	c := mustHello(t, l, 1)
	if err := sendAll(ctx, c, bets(1, 3, 2), 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Done(ctx, 3, digestOf(bets(1, 3, 2))); err != nil {
		t.Fatal(err)
	}
	if docs, err := c.Winners(ctx, 5*time.Second); err != nil || len(docs) != 1 {
		t.Fatalf("winners = %v, %v", docs, err)
	}
	var rej wire.Reject
	if _, err := c.Send(ctx, wire.Batch{First: 3, Bets: bets(1, 1)}); !errors.As(err, &rej) || rej.Code != wire.CodeClosed {
		t.Fatalf("bets after the draw = %v, want %s", err, wire.CodeClosed)
	}
	// A resend of stored bets is still acknowledged (an agency retrying).
	if _, err := c.Send(ctx, wire.Batch{First: 0, Bets: bets(1, 3, 2)}); err != nil {
		t.Fatalf("resend after the draw = %v", err)
	}
}

func TestPingBeforeHello(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	got, err := mustDial(t, l).Ping(testCtx(t), []byte("health"))
	if err != nil || string(got) != "health" {
		t.Fatalf("ping = %q, %v", got, err)
	}
}

// TestEcho: an echo, before or after hello, comes back as the identical
// frame, byte for byte, and is logged with the peer's IP (no port) and its
// text — before hello only the connection's first, so that a stranger's
// echoes cannot flood the log. The connection stays open for more.
func TestEcho(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	c := rawConn(t, l)
	mustEcho(t, c, "[CLIENT 1] Message N°1")
	mustEcho(t, c, "")
	mustWelcome(t, c, c, frame(t, wire.Hello{Version: wire.Version, Agency: 1}))
	mustEcho(t, c, "after hello | with a bar")
	mustPing(t, c, c)
	for _, want := range []string{
		`msg=receive_message result=success ip=127.0.0.1 msg="[CLIENT 1] Message N°1"`,
		`msg=receive_message result=success ip=127.0.0.1 msg="after hello | with a bar"`,
	} {
		if !containsLine(l.logs.String(), want) {
			t.Errorf("no line %s in the log:\n%s", want, l.logs)
		}
	}
	if second := `msg=receive_message result=success ip=127.0.0.1 msg=""`; containsLine(l.logs.String(), second) {
		t.Errorf("a second echo before hello was logged:\n%s", l.logs)
	}
}

// TestEchoBetweenBatches: an echo sent behind pipelined batches is
// answered after their acks, in order.
func TestEchoBetweenBatches(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	c := rawConn(t, l)
	mustWelcome(t, c, c, frame(t, wire.Hello{Version: wire.Version, Agency: 1}))
	all := bets(1, 6)
	stream := slices.Concat(frame(t, wire.Batch{First: 0, Bets: all[:3]}), frame(t, wire.Batch{First: 3, Bets: all[3:]}),
		frame(t, wire.Echo{Text: "behind two batches"}))
	if _, err := c.Write(stream); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		m, err := wire.ReadMessage(c, nil)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, fmt.Sprintf("%+v", m))
	}
	want := []string{
		fmt.Sprintf("{First:0 Count:3 Stored:3 Digest:%v}", digestOf(bets(1, 3))),
		fmt.Sprintf("{First:3 Count:3 Stored:6 Digest:%v}", digestOf(bets(1, 6))),
		"{Text:behind two batches}",
	}
	if !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
}

// TestNoAgencies: a server with 0 agencies runs no lottery. It answers
// echo and ping, and refuses every hello with unknown_agency, saying why.
func TestNoAgencies(t *testing.T) {
	l := mustStart(t, options{agencies: 0})
	ctx := testCtx(t)
	if got, err := mustDial(t, l).Ping(ctx, []byte("health")); err != nil || string(got) != "health" {
		t.Fatalf("ping = %q, %v", got, err)
	}
	c := rawConn(t, l)
	mustEcho(t, c, "[CLIENT 1] Message N°1")
	for _, agency := range []uint32{1, 0} {
		_, err := mustDial(t, l).Hello(ctx, agency, "")
		var e wire.Error
		if !errors.As(err, &e) || e.Code != wire.CodeUnknownAgency || !strings.Contains(e.Reason, "no agencies (server.agencies is 0)") {
			t.Errorf("hello %d = %v, want unknown_agency saying the server has no agencies", agency, err)
		}
	}
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(l.logs.String(), "msg=sorteo") {
		t.Errorf("a draw with no agencies:\n%s", l.logs)
	}
}

// TestDoneLineCountsAgencies: each done line says how many distinct
// agencies are done, of how many.
func TestDoneLineCountsAgencies(t *testing.T) {
	l := mustStart(t, options{agencies: 3})
	ctx := testCtx(t)
	c1, c2 := mustHello(t, l, 1), mustHello(t, l, 2)
	if err := sendAll(ctx, c2, bets(2, 4), 4); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		c     *client.Conn
		total uint64
	}{{c1, 0}, {c1, 0}, {c2, 4}} {
		if err := step.c.Done(ctx, step.total, digestOf(bets(2, int(step.total)))); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, line := range strings.Split(l.logs.String(), "\n") {
		if _, rest, ok := strings.Cut(line, "msg=done result=success "); ok {
			got = append(got, rest)
		}
	}
	want := []string{
		"agency=1 total=0 finished=1 agencies=3",
		"agency=1 total=0 finished=1 agencies=3",
		"agency=2 total=4 finished=2 agencies=3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("done lines %q, want %q", got, want)
	}
}

// mustEcho sends an echo on c and checks the identical frame comes back.
func mustEcho(tb testing.TB, c net.Conn, text string) {
	tb.Helper()
	sent := frame(tb, wire.Echo{Text: text})
	if _, err := c.Write(sent); err != nil {
		tb.Fatal(err)
	}
	got := make([]byte, len(sent))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, sent) {
		tb.Fatalf("echo %q: got %x, %v; want %x", text, got, err, sent)
	}
}

func TestShutdownAnswersParkedQueriesAndKeepsAckedBets(t *testing.T) {
	l := mustStart(t, options{agencies: 2})
	ctx := testCtx(t)
	parked := mustHello(t, l, 2)
	errc := make(chan error, 1)
	go func() {
		_, err := parked.Winners(ctx, time.Minute)
		errc <- err
	}()
	// An agency streams until the server stops under it.
	c := mustHello(t, l, 1)
	all := bets(1, 5000)
	acked := 0
	for first := 0; first < len(all); first += 50 {
		if first == 1000 {
			go l.stop()
		}
		ack, err := c.Send(ctx, wire.Batch{First: uint64(first), Bets: all[first : first+50]})
		if err != nil {
			break
		}
		acked = int(ack.Stored)
	}
	var e wire.Error
	if err := <-errc; !errors.As(err, &e) || e.Code != wire.CodeShuttingDown {
		t.Fatalf("parked winners query got %v, want a %s error", err, wire.CodeShuttingDown)
	}
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	stored := mustStoredRows(t, l.store)
	if len(stored) < acked || !slices.Equal(stored, all[:len(stored)]) {
		t.Fatalf("bets file holds %d rows, %d were acked: acked bets lost or rows out of order", len(stored), acked)
	}
	if acked < 1000 {
		t.Fatalf("only %d bets acked before the shutdown", acked)
	}
}

// parkedCoordinator parks every winners query until its context ends, and
// reports that end.
type parkedCoordinator struct{ unparked chan error }

func (p parkedCoordinator) Done(context.Context, int, func(int)) error { return nil }

func (p parkedCoordinator) Winners(ctx context.Context, _ int) ([]string, error) {
	<-ctx.Done()
	p.unparked <- ctx.Err()
	return nil, ctx.Err()
}

// TestParkedQueryOfAGonePeerIsDropped: an agency that asks for its winners
// and then leaves must not hold a goroutine and a socket until the draw.
func TestParkedQueryOfAGonePeerIsDropped(t *testing.T) {
	coord := parkedCoordinator{make(chan error, 1)}
	l := mustStart(t, options{agencies: 1, coordinator: coord})
	c := rawConn(t, l)
	if _, err := c.Write(append(frame(t, wire.Hello{Version: wire.Version, Agency: 1}), frame(t, wire.WinnersQuery{})...)); err != nil {
		t.Fatal(err)
	}
	if _, err := wire.ReadMessage(c, nil); err != nil { // the welcome
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-coord.unparked:
	case <-time.After(5 * time.Second):
		t.Fatal("the query of a peer that left is still parked after 5s")
	}
}

// TestShutdownIsNotHeldByAPeerThatDoesNotRead: a peer that sends pings but
// never reads the pongs blocks the server's writes once the socket buffers
// are full; a shutdown must still end within a short grace, not wait out the
// write timeout.
func TestShutdownIsNotHeldByAPeerThatDoesNotRead(t *testing.T) {
	l := mustStart(t, options{agencies: 1, writeTimeout: time.Minute})
	c := rawConn(t, l)
	ping := frame(t, wire.Ping{Payload: make([]byte, 8000)})
	for sent := 0; ; sent++ {
		// A write that cannot finish in 300 ms means the server stopped
		// reading: it is blocked writing pongs nobody reads.
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := c.Write(ping); err != nil {
			break
		}
		if sent > 100_000 { // 800 MB: buffers that large are not loopback's
			t.Fatal("the server never stopped reading")
		}
	}
	began := time.Now()
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("shutdown took %s with a peer that does not read", took)
	}
}
