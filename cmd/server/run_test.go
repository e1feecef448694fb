package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"iter"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/client"
	"github.com/tp0/loteria/net/wire"
)

// startRun runs the server in-process on a free port and returns the
// address it listens on, a channel of every log line, and run's result.
func startRun(t *testing.T, env []string) (ctx context.Context, cancel func(), addr string, lines <-chan string, errc <-chan error) {
	t.Helper()
	p := launch(t, env)
	return p.ctx, p.stop, p.addr, p.lines, p.errc
}

// proc is a server run in-process by launch.
type proc struct {
	ctx   context.Context // run's
	stop  func()          // cancels ctx: run shuts down
	addr  string          // where it listens
	head  []string        // the lines logged before the listen line
	lines <-chan string   // every later line, closed when run returns
	errc  <-chan error    // run's result
}

// launch runs the server in-process and returns once it listens.
func launch(t *testing.T, env []string) *proc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	ec := make(chan error, 1)
	go func() {
		err := run(ctx, nil, env, pw)
		pw.Close()
		ec <- err
	}()
	lc := make(chan string, 1024)
	go func() {
		defer close(lc)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lc <- sc.Text()
		}
	}()
	var head []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lc:
			if !ok {
				t.Fatalf("server stopped before listening: %v", <-ec)
			}
			if _, a, found := strings.Cut(l, "action: listen | result: success | address: "); found {
				return &proc{ctx, cancel, a, head, lc, ec}
			}
			head = append(head, l)
		case <-timeout:
			t.Fatal("server did not listen within 10s")
		}
	}
}

// TestRunShutsDownInOrder stops a server holding a parked winners query:
// the query gets a shutting-down error, and the log shows each resource
// closed in the documented order, with no fail line.
func TestRunShutsDownInOrder(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bets.csv")
	_, cancel, addr, lines, errc := startRun(t, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_STORE_PATH=" + store})
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	c, err := client.Dial(ctx, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Hello(ctx, 1, ""); err != nil {
		t.Fatal(err)
	}
	parked := make(chan error, 1)
	go func() {
		_, err := c.Winners(ctx, 10*time.Second)
		parked <- err
	}()
	cancel() // whether the query is parked yet or not, it gets the same answer
	var e wire.Error
	if err := receive(t, parked); !errors.As(err, &e) || e.Code != wire.CodeShuttingDown {
		t.Fatalf("parked winners query got %v, want a %s error", err, wire.CodeShuttingDown)
	}
	var actions []string
	for l := range bounded(t, lines) {
		if strings.Contains(l, "result: fail") {
			t.Errorf("fail line during a clean shutdown: %s", l)
		}
		a, _, _ := strings.Cut(strings.SplitN(l, "action: ", 2)[1], " |")
		actions = append(actions, a)
	}
	if err := receive(t, errc); err != nil {
		t.Fatalf("run = %v, want nil after a shutdown", err)
	}
	want := "listener_close,conexion,connections_close,coordinator_stop,store_close,shutdown"
	if got := strings.Join(actions, ","); got != want {
		t.Fatalf("shutdown logged %s, want %s", got, want)
	}
}

// TestRunRecoversAFinishedLottery runs a lottery of two agencies to its
// draw, stops the server and starts it again on the same store path, once
// as it was left and once with half a row appended to the bets file, as a
// crash mid-write leaves it. The recover line counts what was found; a new
// connection's Welcome says finished, with every bet stored; the winners
// query is answered with the same documents though no agency says done
// again; and the bets file holds exactly the bets acknowledged.
func TestRunRecoversAFinishedLottery(t *testing.T) {
	win := domain.WinningNumber
	sent := map[uint32][]domain.Bet{
		1: {testBet(1, "11", win), testBet(1, "12", 1), testBet(1, "13", win)},
		2: {testBet(2, "21", 9), testBet(2, "22", win)},
	}
	want := map[uint32][]string{1: {"11", "13"}, 2: {"22"}}
	for name, torn := range map[string]string{"stopped": "", "torn bets tail": "1,Ana,Gó"} {
		t.Run(name, func(t *testing.T) {
			store := filepath.Join(t.TempDir(), "bets.csv")
			env := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=2", "SERVER_STORE_PATH=" + store}
			p := launch(t, env)
			mustRecoverLine(t, p.head, "bets: 0 | finished: 0 | repairs: 0")
			if got := playLottery(t, p.addr, sent); !reflect.DeepEqual(got, want) {
				t.Fatalf("winners = %v, want %v", got, want)
			}
			mustStopRun(t, p)
			mustAppendFile(t, store, torn)

			p = launch(t, env)
			line := "bets: 5 | finished: 2 | repairs: 0"
			if torn != "" {
				line = "bets: 5 | finished: 2 | repairs: 1 | repaired: cut a torn final line of " + strconv.Itoa(len(torn)) + " bytes off the bets file"
			}
			mustRecoverLine(t, p.head, line)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for a, bets := range sent {
				c := mustDialRun(t, ctx, p.addr)
				w, err := c.Hello(ctx, a, "")
				if err != nil || w.Stored != uint64(len(bets)) || !w.Finished || w.Digest != new(domain.Digester).Add(0, bets...) {
					t.Fatalf("agency %d: welcome after the restart = %+v, %v; want stored %d, finished", a, w, err, len(bets))
				}
				docs, err := c.Winners(ctx, 5*time.Second)
				if err != nil || !slices.Equal(docs, want[a]) {
					t.Errorf("agency %d: winners after the restart = %v, %v; want %v", a, docs, err, want[a])
				}
			}
			var sorteos int
			for _, l := range mustStopRun(t, p) {
				if strings.Contains(l, "action: done ") {
					t.Errorf("an agency reported done after the restart: %s", l)
				}
				if strings.Contains(l, "action: sorteo | result: success") {
					sorteos++
				}
			}
			if sorteos != 1 {
				t.Errorf("the restart logged %d sorteo lines, want 1", sorteos)
			}
			if got, wantRows := mustReadBets(t, store), append(slices.Clone(sent[1]), sent[2]...); !reflect.DeepEqual(got, wantRows) {
				t.Errorf("bets file holds\n%+v\nwant\n%+v", got, wantRows)
			}
		})
	}
}

// playLottery sends every agency's bets in one batch and reports it done,
// agency 1 first, then asks each agency's winners.
func playLottery(t *testing.T, addr string, sent map[uint32][]domain.Bet) map[uint32][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conns := make(map[uint32]*client.Conn)
	for a := uint32(1); a <= uint32(len(sent)); a++ {
		c := mustDialRun(t, ctx, addr)
		if _, err := c.Hello(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Send(ctx, wire.Batch{First: 0, Bets: sent[a]}); err != nil {
			t.Fatal(err)
		}
		if err := c.Done(ctx, uint64(len(sent[a])), new(domain.Digester).Add(0, sent[a]...)); err != nil {
			t.Fatal(err)
		}
		conns[a] = c
	}
	got := make(map[uint32][]string)
	for a, c := range conns {
		docs, err := c.Winners(ctx, 5*time.Second)
		if err != nil {
			t.Fatalf("agency %d winners: %v", a, err)
		}
		got[a] = docs
		c.Close()
	}
	return got
}

// mustRecoverLine checks the one recover line among lines.
// recoverHead is how the recover line starts: the store's lottery.
var recoverHead = regexp.MustCompile(`^lottery: [0-9a-f]{16} \| date: \d{4}-\d{2}-\d{2} \| `)

func mustRecoverLine(t *testing.T, lines []string, want string) {
	t.Helper()
	const prefix = "action: recover | result: success | "
	var got []string
	for _, l := range lines {
		if _, rest, ok := strings.Cut(l, prefix); ok {
			got = append(got, rest)
		}
	}
	if len(got) != 1 || !strings.HasSuffix(got[0], want) || !recoverHead.MatchString(got[0]) {
		t.Fatalf("recover lines %q, want one naming the lottery and its date and ending %q", got, want)
	}
}

// mustStopRun stops the server and returns the lines it logged since it
// listened, failing if run failed.
func mustStopRun(t *testing.T, p *proc) []string {
	t.Helper()
	p.stop()
	var lines []string
	for l := range bounded(t, p.lines) {
		lines = append(lines, l)
	}
	if err := receive(t, p.errc); err != nil {
		t.Fatalf("run = %v, want nil after a shutdown", err)
	}
	return lines
}

func mustDialRun(t *testing.T, ctx context.Context, addr string) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctx, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testBet(agency int, doc string, number int) domain.Bet {
	return domain.Bet{Agency: agency, FirstName: "Ana", LastName: "Lorca", Document: doc, Birthdate: "1999-03-17", Number: number}
}

func mustAppendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func mustReadBets(t *testing.T, path string) []domain.Bet {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bets []domain.Bet
	if err := domain.ReadBets(f, func(b domain.Bet) error {
		bets = append(bets, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return bets
}

func TestRunRefusesBadConfig(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), nil, []string{"SERVER_PORT=70000"}, &out)
	if err == nil {
		t.Fatal("run with port 70000 succeeded")
	}
	if !strings.Contains(out.String(), "action: config | result: fail") || !strings.Contains(out.String(), "SERVER_PORT") {
		t.Fatalf("log %q does not say which setting is wrong", out.String())
	}
}

// TestRunPing is the container's health check: "server ping" succeeds
// against a running server and fails, without hanging, when none answers.
func TestRunPing(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bets.csv")
	_, _, addr, _, _ := startRun(t, []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_STORE_PATH=" + store})
	_, port, _ := strings.Cut(addr, ":")
	var out strings.Builder
	if err := run(context.Background(), []string{"ping"}, []string{"SERVER_PORT=" + port}, &out); err != nil {
		t.Fatalf("ping a running server: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "action: ping | result: success") {
		t.Fatalf("ping logged %q", out.String())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closed, _ := strings.Cut(ln.Addr().String(), ":")
	ln.Close()
	out.Reset()
	if err := run(context.Background(), []string{"ping"}, []string{"SERVER_PORT=" + closed, "SERVER_WRITE_TIMEOUT=2s"}, &out); err == nil {
		t.Fatalf("ping with no server succeeded: %s", out.String())
	}
	if !strings.Contains(out.String(), "action: ping | result: fail") {
		t.Fatalf("ping logged %q", out.String())
	}
}

// receive waits at most 10 s for a value from c.
func receive[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received within 10s")
		var zero T
		return zero
	}
}

// bounded yields the lines until the channel closes, failing the test if
// that takes more than 10 s.
func bounded(t *testing.T, lines <-chan string) iter.Seq[string] {
	return func(yield func(string) bool) {
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok || !yield(l) {
					return
				}
			case <-timeout:
				t.Fatal("the log did not end within 10s")
				return
			}
		}
	}
}
