//go:build docker

// The Docker suite: the course's black-box scenarios (tp0-tests, ej1–ej8)
// run the way its harness runs them, then our own faults and the NODES=3
// stack's kills, against the images of `make images nats-image
// echomock-image`, with `make e2e` (COMPOSE picks `docker compose` or
// docker-compose). The scenarios run in order on one checkout and one
// project name, tp0, with `stop` and `down` without -v between them, so
// state that leaks from one scenario into the next fails the next.
// Container names are fixed: one suite at a time on a machine.

package e2e_test

import (
	"archive/zip"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDocker runs every scenario in order, as the course's pytest.ini
// orders its files.
func TestDocker(t *testing.T) {
	c := newCheckout(t)
	for _, s := range []struct {
		name string
		run  func(*testing.T, *checkout)
	}{
		{"Ej1EchoPhase", ej1},
		{"Ej2ConfigLines", ej2},
		{"Ej3EchoServer", ej3},
		{"Ej4SIGTERM", ej4},
		{"Ej5SingleBet", ej5},
		{"Ej6Batches", ej6},
		{"Ej7Ej8Winners", ej7},
		{"CourseDataset", courseDataset},
		{"RecreatedIsFresh", recreatedIsFresh},
		{"Faults", faults},
		{"Cluster", clusterKills},
	} {
		t.Run(s.name, func(t *testing.T) { s.run(t, c) })
	}
}

// courseLoop is the client's configuration for ej5–ej8. The course writes
// loop.amount 500 and loop.period 150ms there, an echo phase of 75 s per
// agency before its bets. What the harness needs from it is that every
// agency is still running when logs -f attaches: compose v2 prints no
// exit event for a container that exited before, and the course's loops
// end at exit events. 20 messages keep an agency running for 3 s, well
// past that, at 1/25 of the time.
var courseLoop = clientConf{LoopAmount: 20, LoopPeriod: "150ms", LogLevel: "INFO", MaxAmount: 10}

// ej4Loop is ej4's client configuration, as the course writes it: an echo
// phase long enough to be interrupted.
var ej4Loop = clientConf{LoopAmount: 500, LoopPeriod: "150ms", LogLevel: "INFO", MaxAmount: 10}

// serverDebug is the server's configuration in ej4–ej8.
var serverDebug = serverConf{ListenBacklog: 5, LogLevel: "DEBUG"}

// clients returns client1 … clientN.
func clients(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("client%d", i+1)
	}
	return names
}

// ej1: each agency exchanges loop.amount echo messages with the server,
// one every loop.period, logs each reply and then loop_finished; nothing
// fails and the server never exits.
func ej1(t *testing.T, c *checkout) {
	for _, tc := range []struct {
		clients, messages int
		period            string
	}{
		{1, 1, "50ms"},
		{5, 3, "50ms"},
		{5, 5, "1ms"},
	} {
		t.Run(fmt.Sprintf("%dClients%dMessagesEvery%s", tc.clients, tc.messages, tc.period), func(t *testing.T) {
			sc := c.start(t)
			sc.server(courseServer)
			cc := courseClient
			cc.LoopAmount, cc.LoopPeriod = tc.messages, tc.period
			sc.client(cc)
			sc.generate(tc.clients)
			began := time.Now()
			sc.up()
			logs := sc.follow(time.Minute)
			got := map[string][]string{}
			finished := map[string]bool{}
			for ev := range logs.events("loop_finished from every agency") {
				switch ev.Action {
				case "receive_message":
					if ev.Source != "server" {
						got[ev.Source] = append(got[ev.Source], ev.Details["msg"])
					}
				case "exit":
					if ev.Source == "server" {
						t.Fatalf("the server exited: %q", ev.Line)
					}
				case "loop_finished":
					finished[ev.Source] = true
				}
				if len(finished) == tc.clients {
					break
				}
			}
			t.Logf("up → every loop_finished: %s", time.Since(began).Round(time.Millisecond))
			for i, name := range clients(tc.clients) {
				var want []string
				for k := 1; k <= tc.messages; k++ {
					want = append(want, fmt.Sprintf("[CLIENT %d] Message N°%d", i+1, k))
				}
				if !slices.Equal(got[name], want) {
					t.Errorf("%s's replies %q, want %q", name, got[name], want)
				}
			}
			sc.exitedClean(clients(tc.clients)...)
			n := 0
			for _, ev := range sc.containerLog("server") {
				if ev.Action == "receive_message" && strings.HasPrefix(ev.Details["msg"], "[CLIENT ") && ev.Details["ip"] != "" {
					n++
				}
			}
			if want := tc.clients * tc.messages; n != want {
				t.Errorf("the server logged %d receive_message lines with ip and msg, want %d", n, want)
			}
		})
	}
}

// ej2: the config lines show the values as written in the configuration.
func ej2(t *testing.T, c *checkout) {
	for _, tc := range []struct {
		name   string
		client *clientConf
		server *serverConf
		source string
		want   map[string]string
	}{
		{"ClientA", &clientConf{5, "100ms", "DEBUG", 10}, nil, "client1",
			map[string]string{"loop_amount": "5", "loop_period": "100ms", "log_level": "DEBUG"}},
		{"ClientB", &clientConf{2, "250ms", "INFO", 10}, nil, "client1",
			map[string]string{"loop_amount": "2", "loop_period": "250ms", "log_level": "INFO"}},
		{"ServerA", nil, &serverConf{8, "DEBUG"}, "server",
			map[string]string{"listen_backlog": "8", "logging_level": "DEBUG"}},
		{"ServerB", nil, &serverConf{16, "INFO"}, "server",
			map[string]string{"listen_backlog": "16", "logging_level": "INFO"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := c.start(t)
			sc.server(*cmpOr(tc.server, &courseServer))
			sc.client(*cmpOr(tc.client, &courseClient))
			sc.generate(1)
			sc.up()
			logs := sc.follow(time.Minute)
			var config *composeEvent
			finished := false
			// The course's loop ends at loop_finished; this one also waits
			// for the config line it checks, which compose v2 may print
			// later (it prints each container's past lines apart).
			for ev := range logs.events("client1's loop_finished and " + tc.source + "'s config line") {
				switch ev.Action {
				case "config":
					if ev.Source == tc.source {
						config = &ev
					}
				case "exit":
					if ev.Source == "server" {
						t.Fatalf("the server exited: %q", ev.Line)
					}
				case "loop_finished":
					finished = true
				}
				if finished && config != nil {
					break
				}
			}
			if config == nil {
				t.Fatalf("the stream ended without %s's config line", tc.source)
			}
			for k, v := range tc.want {
				if got, ok := config.Details[k]; got != v {
					t.Errorf("%s's config line has %s: %q (present: %v), want %q: %q", tc.source, k, got, ok, v, config.Line)
				}
			}
			sc.exitedClean("client1")
		})
	}
}

// cmpOr returns p, or def when p is nil.
func cmpOr[T any](p, def *T) *T {
	if p != nil {
		return p
	}
	return def
}

// ej3: `sh validar-echo-server.sh` says success against this server (with
// no agencies) and against a plain TCP echo server, fail against one that
// answers something else; the server logs the message it echoed.
func ej3(t *testing.T, c *checkout) {
	t.Run("OurServer", func(t *testing.T) {
		sc := c.start(t)
		sc.generate(0)
		sc.up()
		assertValidation(t, sc.validate(), resultSuccess)
		logs := sc.follow(time.Minute)
		for ev := range logs.events("the server's receive_message") {
			if ev.Source == "server" && ev.Action == "receive_message" && ev.Result == resultSuccess {
				if !strings.HasPrefix(ev.Details["msg"], "test_echo_server ") || ev.Details["ip"] == "" {
					t.Errorf("the server's receive_message line has no ip or not the script's message: %q", ev.Line)
				}
				break
			}
		}
	})
	t.Run("HealthyMock", func(t *testing.T) {
		sc := c.start(t)
		sc.mockUp("healthy")
		assertValidation(t, sc.validate(), resultSuccess)
	})
	t.Run("UnhealthyMock", func(t *testing.T) {
		sc := c.start(t)
		sc.mockUp("unhealthy")
		assertValidation(t, sc.validate(), resultFail)
	})
}

// assertValidation checks the script printed the one line of result,
// exited 0 for success and 1 for fail, and said why on stderr when it
// failed.
func assertValidation(t *testing.T, v validation, result string) {
	t.Helper()
	t.Logf("sh validar-echo-server.sh: %s, exit %d, %s; stderr: %q", strings.TrimSpace(v.stdout), v.code, v.took.Round(time.Millisecond), v.stderr)
	want, code := "action: test_echo_server | result: "+result+"\n", 0
	if result == resultFail {
		code = 1
	}
	if v.stdout != want || v.code != code {
		t.Errorf("validar-echo-server.sh printed %q and exited %d, want %q and %d", v.stdout, v.code, want, code)
	}
	if result == resultFail && strings.TrimSpace(v.stderr) == "" {
		t.Error("validar-echo-server.sh failed without saying why on stderr")
	}
}

// ej4: SIGTERM ends a container cleanly, exit code 0, whatever it is doing:
// an agency in its echo phase, the server serving it, the server alone,
// or all of them with `stop -t 10`.
func ej4(t *testing.T, c *checkout) {
	// setup is the course's beforeEach for ej4.
	setup := func(t *testing.T, agencies int) (*scenario, *follower) {
		sc := c.start(t)
		sc.generate(agencies)
		sc.server(serverDebug)
		sc.client(ej4Loop)
		sc.up()
		return sc, sc.follow(time.Minute)
	}
	t.Run("Client1", func(t *testing.T) {
		sc, logs := setup(t, 1)
		awaitEchoes(logs, "client1", 3)
		took := sc.stopContainer("client1", 20)
		logs.strict = false // the course checks nothing more but the exit
		assertExitEvent(t, logs, "client1")
		t.Logf("docker stop client1 -t 20, during its echo phase: %s", took.Round(time.Millisecond))
		sc.assertCleanLog("client1")
		for _, ev := range sc.containerLog("client1") {
			if ev.Action == "loop_finished" {
				t.Errorf("client1 finished its echo phase of %d messages before SIGTERM: %q", ej4Loop.LoopAmount, ev.Line)
			}
		}
	})
	t.Run("Server", func(t *testing.T) {
		sc, logs := setup(t, 1)
		awaitEchoes(logs, "client1", 3)
		took := sc.stopContainer("server", 20)
		logs.strict = false
		assertExitEvent(t, logs, "server")
		t.Logf("docker stop server -t 20, serving client1's echo phase: %s", took.Round(time.Millisecond))
		sc.assertCleanLog("server")
		assertShutdownOrder(sc)
	})
	t.Run("ServerWithoutClients", func(t *testing.T) {
		sc := c.start(t)
		sc.generate(1)
		sc.server(serverDebug)
		sc.client(ej4Loop)
		sc.generate(0)
		sc.up()
		logs := sc.follow(time.Minute)
		for ev := range logs.events("the server's listen line") {
			if ev.Source == "server" && ev.Action == "listen" {
				break
			}
		}
		took := sc.stopContainer("server", 20)
		logs.strict = false
		assertExitEvent(t, logs, "server")
		t.Logf("docker stop server -t 20, no agencies: %s", took.Round(time.Millisecond))
		sc.assertCleanLog("server")
		assertShutdownOrder(sc)
	})
	t.Run("ParkedAgency", func(t *testing.T) {
		// Not the course's: an agency parked on its winners query (agency
		// 2 is never started, so no draw comes) stops cleanly too.
		sc := c.start(t)
		sc.generate(2)
		sc.server(serverDebug)
		sc.client(courseLoop)
		sc.compose("up", "-d", "server", "client1")
		logs := sc.follow(time.Minute)
		for ev := range logs.events("client1's done line") {
			if ev.Source == "client1" && ev.Action == "done" {
				break
			}
		}
		took := sc.stopContainer("client1", 20)
		assertExitEvent(t, logs, "client1")
		t.Logf("docker stop client1 -t 20, parked on its winners query: %s", took.Round(time.Millisecond))
		sc.assertCleanLog("client1")
	})
	t.Run("All", func(t *testing.T) {
		sc, logs := setup(t, 1)
		awaitEchoes(logs, "client1", 3)
		began := time.Now()
		sc.compose("stop", "-t", "10")
		logs.drain("the stream's end once every container has stopped")
		t.Logf("compose stop -t 10, client1 in its echo phase: %s", time.Since(began).Round(time.Millisecond))
		// The course's loop ends at the first exit event of result
		// success: compose v2's logs -f may end before it prints the
		// second container's `exited with code` (the course's comment
		// allows for it), so what each container did is read from Docker.
		if logs.exits["client1"]+logs.exits["server"] == 0 {
			t.Errorf("the stream ended without an exit event; its last lines:\n%s", logs.tail(20))
		}
		sc.exitedClean("client1", "server")
		sc.compose("down")
	})
}

// awaitEchoes reads the stream until name has logged n echo replies.
func awaitEchoes(f *follower, name string, n int) {
	f.t.Helper()
	for ev := range f.events(fmt.Sprintf("%d receive_message lines from %s", n, name)) {
		if ev.Source == name && ev.Action == "receive_message" {
			if n--; n == 0 {
				return
			}
		}
	}
	f.t.Fatalf("the stream ended before %s logged its echo replies", name)
}

// assertExitEvent reads the stream until name's first exit event, which
// must be compose's, with code 0.
func assertExitEvent(t *testing.T, f *follower, name string) {
	t.Helper()
	for ev := range f.events(name + "'s exit event") {
		if ev.Action != "exit" || ev.Source != name {
			continue
		}
		if ev.Code < 0 {
			t.Fatalf("%s's first exit event is its own log line %q, not compose's `exited with code`", name, ev.Line)
		}
		if ev.Code != 0 {
			t.Fatalf("%s exited with code %d after SIGTERM, want 0", name, ev.Code)
		}
		return
	}
	t.Fatalf("the stream ended without %s's exit event", name)
}

// assertShutdownOrder checks the stopped server's documented shutdown
// order.
func assertShutdownOrder(sc *scenario) {
	sc.t.Helper()
	want := []string{"listener_close", "connections_close", "coordinator_stop", "store_close", "shutdown"}
	var got []string
	for _, ev := range sc.containerLog("server") {
		if slices.Contains(want, ev.Action) {
			got = append(got, ev.Action)
		}
	}
	if !slices.Equal(got, want) {
		sc.t.Errorf("the server's shutdown actions %v, want %v", got, want)
	}
}

// ej5: the bet given to generar-compose.sh in BET= is sent by client1 and
// stored by the server: apuesta_enviada's dni is apuesta_almacenada's.
func ej5(t *testing.T, c *checkout) {
	sc := c.start(t)
	sc.generate(1, "BET=Santiago Lionel,Lorca,30904465,1999-03-17,7574")
	sc.server(serverDebug)
	sc.client(courseLoop)
	// As the course's ej5 client, the agency sends the one bet: with the
	// bets of a file too, apuesta_almacenada lines of the server follow the
	// single bet's so closely that the course's "last one seen" would race
	// with the agency's apuesta_enviada line.
	sc.agency(1, func(io.Writer) error { return nil })
	sc.up()
	logs := sc.follow(time.Minute)
	var sent, stored composeEvent
	for ev := range logs.events("apuesta_enviada and apuesta_almacenada") {
		switch ev.Action {
		case "apuesta_enviada":
			sent = ev
		case "apuesta_almacenada":
			stored = ev
		}
		if sent.Line != "" && stored.Line != "" {
			break
		}
	}
	if sent.Source != "client1" || stored.Source != "server" {
		t.Errorf("apuesta_enviada from %q, apuesta_almacenada from %q; want client1 and server", sent.Source, stored.Source)
	}
	if d := sent.Details["dni"]; d != "30904465" || stored.Details["dni"] != d {
		t.Errorf("sent dni %q (%q), stored dni %q (%q); want both 30904465", d, sent.Line, stored.Details["dni"], stored.Line)
	}
	sc.exitedClean("client1")
}

// courseBets writes n bets as the course's ej6 writes an agency file.
func courseBets(n int) func(io.Writer) error {
	return func(w io.Writer) error {
		for i := range n {
			if _, err := fmt.Fprintf(w, "A,B,%08d,2000-01-01,%d\n", i, i); err != nil {
				return err
			}
		}
		return nil
	}
}

// courseWinners writes n bets as the course's ej7 writes an agency file:
// the rows winners play the winning number 7574, the others numbers that
// skip it.
func courseWinners(n int, winners ...int) func(io.Writer) error {
	return func(w io.Writer) error {
		for i := range n {
			number := i
			switch {
			case slices.Contains(winners, i):
				number = 7574
			case i >= 7574:
				number = i + 1
			}
			if _, err := fmt.Fprintf(w, "Name,Surname,%08d,2000-01-01,%d\n", i, number); err != nil {
				return err
			}
		}
		return nil
	}
}

// outcome is what a stream showed of a lottery up to its exit events.
type outcome struct {
	batches  []composeEvent          // the server's apuesta_recibida lines, in order
	winners  map[string]int          // each agency's cant_ganadores
	configs  map[string]composeEvent // each container's config line
	recovers []composeEvent          // the server's recover lines
	took     time.Duration           // from the first event to the last exit
}

// untilExits reads the stream until n exit events that count (nil: every
// exit event, as the course's loops count them), collecting the outcome.
func untilExits(f *follower, n int, count func(composeEvent) bool) outcome {
	f.t.Helper()
	o := outcome{winners: map[string]int{}, configs: map[string]composeEvent{}}
	var first time.Time
	for ev := range f.events(fmt.Sprintf("%d exit events", n)) {
		if first.IsZero() {
			first = time.Now()
		}
		switch ev.Action {
		case "apuesta_recibida":
			o.batches = append(o.batches, ev)
		case "consulta_ganadores":
			if ev.Result == resultSuccess && ev.Source != "server" {
				o.winners[ev.Source] = mustAtoi(f.t, ev.Details["cant_ganadores"])
			}
		case "config":
			o.configs[ev.Source] = ev
		case "recover":
			o.recovers = append(o.recovers, ev)
		case "exit":
			if count == nil || count(ev) {
				n--
			}
		}
		if n == 0 {
			o.took = time.Since(first)
			return o
		}
	}
	f.t.Fatalf("the stream ended %d exit events short", n)
	return o
}

// amounts returns the cantidad of each batch, checking each line is
// exactly action, result and cantidad, as the course's tests parse it.
func (o outcome) amounts(tb testing.TB) []int {
	tb.Helper()
	var got []int
	for _, ev := range o.batches {
		if len(ev.Details) != 1 || ev.Result != resultSuccess {
			tb.Errorf("apuesta_recibida line %q, want only result: success and cantidad", ev.Line)
		}
		got = append(got, mustAtoi(tb, ev.Details["cantidad"]))
	}
	return got
}

// winnersOf returns the winners of client1 … clientN, in order.
func (o outcome) winnersOf(n int) []int {
	got := make([]int, n)
	for i, name := range clients(n) {
		got[i] = -1
		if w, ok := o.winners[name]; ok {
			got[i] = w
		}
	}
	return got
}

// ej6: every bet of an agency file is received, in batches of
// batch.maxAmount but the last.
func ej6(t *testing.T, c *checkout) {
	for _, tc := range []struct {
		bets, max int
		loop      clientConf
		late      time.Duration // how long after up -d logs -f starts
	}{
		{64, courseLoop.MaxAmount, courseLoop, 0}, {99, courseLoop.MaxAmount, courseLoop, 0}, // test_bet_amount_A and _B
		// The batch grouping tests write the course's client defaults,
		// 3 echoes 50 ms apart: the agency is done within a second. It
		// stays up for exit.min_uptime (3 s in the image), or compose,
		// which reports only the exits it sees happen, would never show
		// its exit to a logs -f started after it (the course's test then
		// waits out its 300 s). The last case starts logs -f 1.5 s late,
		// as a loaded machine does, so it fails without the uptime.
		{16, 64, courseClient, 0}, {21, 99, courseClient, 0},
		{250, 64, courseClient, 1500 * time.Millisecond}, // several batches
	} {
		t.Run(fmt.Sprintf("%dBetsBy%d", tc.bets, tc.max), func(t *testing.T) {
			sc := c.start(t)
			sc.generate(1)
			sc.server(serverDebug)
			cc := tc.loop
			cc.MaxAmount = tc.max
			sc.client(cc)
			sc.agency(1, courseBets(tc.bets))
			sc.up()
			if tc.late > 0 {
				time.Sleep(tc.late) // not synchronisation: a harness that is late
			}
			o := untilExits(sc.follow(2*time.Minute), 1, nil)
			got := o.amounts(t)
			var want []int
			for left := tc.bets; left > 0; left -= tc.max {
				want = append(want, min(left, tc.max))
			}
			if !slices.Equal(got, want) {
				t.Errorf("batches of %v, want %v", got, want)
			}
			sc.exitedClean("client1")
		})
	}
}

// ej7 (and ej8, the same tests): each agency is told exactly its own
// winners; the loop ends at as many exit events as agencies, so one
// container's second exit event fails it.
func ej7(t *testing.T, c *checkout) {
	for _, tc := range []struct {
		bets    int
		winners [][]int
	}{
		{100, [][]int{{0, 99}, {50}, {}}},
		{60, [][]int{{1}, {1, 2}, {1, 2, 3}, {1, 2, 3, 4}, {1, 2, 3, 4, 5}}},
	} {
		n := len(tc.winners)
		t.Run(fmt.Sprintf("%dAgencies", n), func(t *testing.T) {
			sc := c.start(t)
			sc.server(serverDebug)
			sc.client(courseLoop)
			sc.generate(n)
			var want []int
			for i, w := range tc.winners {
				sc.agency(i+1, courseWinners(tc.bets, w...))
				want = append(want, len(w))
			}
			sc.up()
			o := untilExits(sc.follow(2*time.Minute), n, nil)
			assertDraw(t, o, n*tc.bets, want)
			sc.exitedClean(clients(n)...)
		})
	}
}

// assertDraw checks the bets received in all and each agency's winners.
func assertDraw(t *testing.T, o outcome, bets int, winners []int) {
	t.Helper()
	if got := sum(o.amounts(t)); got != bets {
		t.Errorf("apuesta_recibida amounts sum to %d, sent %d", got, bets)
	}
	if got := o.winnersOf(len(winners)); !slices.Equal(got, winners) {
		t.Errorf("cant_ganadores per agency %v, want %v (-1: none logged)", got, winners)
	}
}

// courseDataset: the course's dataset, 5 agencies, ej7's configuration
// but the server at INFO. At DEBUG it logs each of the 78,697 bets, some
// 17 MB of JSON log, past a json-file log's rotation (max-size 10m on
// this project's CI engine), and Docker 20.10 follows a rotating log with
// lines twice: the stream summed 105,085 received bets.
func courseDataset(t *testing.T, c *checkout) {
	path := filepath.Join(repoRoot, "..", "shared", "datasets", "dataset.zip")
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Skipf("the course dataset is not at %s (it is not part of the project): %v", path, err)
	}
	defer z.Close()
	sc := c.start(t)
	sc.server(courseServer)
	sc.client(courseLoop)
	sc.generate(5)
	for i := 1; i <= 5; i++ {
		sc.agency(i, func(w io.Writer) error {
			r, err := z.Open(fmt.Sprintf("agency-%d.csv", i))
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(w, r)
			return err
		})
	}
	began := time.Now()
	sc.up()
	o := untilExits(sc.follow(5*time.Minute), 5, nil)
	t.Logf("course dataset, 78,697 bets, 5 agencies: up → 5 exit events: %s",
		time.Since(began).Round(time.Millisecond))
	assertDraw(t, o, 78697, []int{2, 3, 3, 2, 0})
	sc.exitedClean(clients(5)...)
}

// recreatedIsFresh: after a lottery, a configuration edit and `up -d
// --force-recreate` (the README's ej2 demo) run a fresh lottery with the
// new configuration and the same images.
func recreatedIsFresh(t *testing.T, c *checkout) {
	sc := c.start(t)
	sc.server(courseServer)
	sc.client(courseLoop)
	sc.generate(1)
	sc.agency(1, courseWinners(100, 3))
	sc.up()
	logs := sc.follow(2 * time.Minute)
	o := untilExits(logs, 1, nil)
	assertDraw(t, o, 100, []int{1})
	before := imageIDs(t, "server", "client1")
	logs.stop()

	cc := courseLoop
	cc.MaxAmount = 33
	sc.client(cc)
	sc.server(serverConf{ListenBacklog: 77, LogLevel: "DEBUG"})
	sc.up("--force-recreate")
	o = untilExits(sc.follow(2*time.Minute), 1, nil)
	for who, want := range map[string]map[string]string{
		"server":  {"listen_backlog": "77", "logging_level": "DEBUG"},
		"client1": {"batch_max_amount": "33"},
	} {
		got := o.configs[who].Details
		if !subset(want, got) {
			t.Errorf("%s's config line after recreating: %q, want %v", who, o.configs[who].Line, want)
		}
	}
	if len(o.recovers) != 1 || o.recovers[0].value(t, "bets") != "0" {
		t.Errorf("the recreated server recovered %v, want one recover line of bets: 0 (a fresh lottery)", o.recovers)
	}
	if got := o.amounts(t); !slices.Equal(got, []int{33, 33, 33, 1}) {
		t.Errorf("batches %v after recreating, want [33 33 33 1]: the recreated lottery must be fresh", got)
	}
	if got := o.winnersOf(1); !slices.Equal(got, []int{1}) {
		t.Errorf("cant_ganadores %v after recreating, want [1]", got)
	}
	if after := imageIDs(t, "server", "client1"); !slices.Equal(after, before) {
		t.Errorf("image ids %v after recreating, %v before", after, before)
	}
	sc.exitedClean("client1")
}

// subset tells whether every pair of want is in got.
func subset(want, got map[string]string) bool {
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			return false
		}
	}
	return true
}

// imageIDs returns the image id of each container, and checks it is the
// one tagged tp0-server:latest or tp0-client:latest.
func imageIDs(t *testing.T, names ...string) []string {
	t.Helper()
	var ids []string
	for _, name := range names {
		image := "tp0-client:latest"
		if name == "server" {
			image = "tp0-server:latest"
		}
		tagged := strings.TrimSpace(mustDocker(t, "image", "inspect", "-f", "{{.Id}}", image))
		id := strings.TrimSpace(mustDocker(t, "inspect", "-f", "{{.Image}}", name))
		if id != tagged {
			t.Errorf("%s runs image %s, not the tagged %s", name, id, tagged)
		}
		ids = append(ids, id)
	}
	return ids
}

// mustAtoi is strconv.Atoi failing tb on error.
func mustAtoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("not a number: %q", s)
	}
	return n
}

// sum returns the sum of xs.
func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
