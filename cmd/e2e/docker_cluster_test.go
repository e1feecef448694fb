//go:build docker

package e2e_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tp0/loteria/cmd/internal/gen"
)

// clusterAgencies is how many agencies the cluster scenarios run: one per
// server at the start (agency i's address list starts at server i). Agency
// i sends 30,000·i bets, 2·i of them winners, one batch of 100 at a time:
// an ingest of several seconds on three replicas, which the kills land in.
const clusterAgencies = 3

// clusterKills: the NODES=3 stack (nats1…nats3 in one JetStream cluster,
// server1…server3 on the stream with three replicas, the agencies given
// the three servers), from `NODES=3 generar-compose.sh`, run as the
// course's harness runs a stack. Once every agency is sending, `docker
// kill` of a lottery server that an agency still sending is on, or of the
// NATS node leading the lottery's stream, left dead or started again.
// Every time: each agency exits 0 with exactly its own winners, having
// failed over if its server died; one server, in all, logs the sorteo,
// counting every bet of every file; every server still running draws and
// stops cleanly; and the stream holds each file's rows exactly once, in
// order: 0 lost, 0 doubled. Each subtest prints its seed (the pause before
// the kill, the server killed); CHAOS_SEED=N replays it.
func clusterKills(t *testing.T, c *checkout) {
	dir := t.TempDir()
	files := make([]string, clusterAgencies)
	winners := make([]int, clusterAgencies)
	for i := range files {
		n := 30_000 * (i + 1)
		winners[i] = 2 * (i + 1)
		files[i] = filepath.Join(dir, fmt.Sprintf("agency-%d.csv", i+1))
		mustWriteFile(t, files[i], func(w io.Writer) error {
			return gen.Write(w, gen.Spec{Agency: i + 1, Rows: n, Winners: gen.Spread(n, winners[i]), Seed: 11})
		})
	}
	data := readLotteryData(t, files, winners)
	run := func(name string, faults func(st *stack, rng *rand.Rand)) {
		t.Run(name, func(t *testing.T) {
			rng := chaosSeed(t)
			st := startStack(t, c, data)
			st.awaitEverySending()
			pause(rng, 0, 500*time.Millisecond)
			faults(st, rng)
			st.finish()
		})
	}
	run("ServerKilled", func(st *stack, rng *rand.Rand) {
		st.kill(st.busyServer(rng))
	})
	run("ServerKilledAndStarted", func(st *stack, rng *rand.Rand) {
		name := st.busyServer(rng)
		st.kill(name)
		st.awaitFailover(name)
		st.start(name)
	})
	run("NATSNodeKilled", func(st *stack, rng *rand.Rand) {
		name := st.streamLeader("")
		st.kill(name)
		st.streamLeader(name) // another is elected
	})
	run("NATSNodeKilledAndStarted", func(st *stack, rng *rand.Rand) {
		name := st.streamLeader("")
		st.kill(name)
		st.streamLeader(name) // another is elected: the stream goes on without it
		st.start(name)
	})
}

// stack is one lottery on the NODES=3 stack, and what its logs -f stream
// has shown so far.
type stack struct {
	t       *testing.T
	sc      *scenario
	logs    *follower
	data    lotteryData
	began   time.Time
	faults  []fault
	dead    map[string]bool   // containers killed and not started again
	killed  map[string]bool   // containers killed at some point
	on      map[string]string // each agency's server address, from its latest connect line
	done    map[string]bool   // the agencies whose done line the stream showed
	exited  map[string]bool   // the agencies whose exit event the stream showed
	winners map[string]int    // each agency's cant_ganadores
}

// startStack starts the NODES=3 stack for data: the configuration as
// committed but for stop-and-wait batches of 100 and the agencies at DEBUG
// (each winner's document, each ack), the files in the checkout's .data/.
func startStack(t *testing.T, c *checkout, data lotteryData) *stack {
	t.Helper()
	sc := c.start(t)
	sc.generate(len(data.files), "NODES=3")
	sc.setYAML("client.yaml", map[string]string{
		"batch.window": "1", "batch.maxAmount": "100", "log.level": `"DEBUG"`,
	})
	for i, path := range data.files {
		sc.agency(i+1, func(w io.Writer) error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})
	}
	st := &stack{
		t: t, sc: sc, data: data, began: time.Now(),
		dead: map[string]bool{}, killed: map[string]bool{}, on: map[string]string{},
		done: map[string]bool{}, exited: map[string]bool{}, winners: map[string]int{},
	}
	sc.up()
	st.logs = sc.follow(4 * time.Minute)
	// A killed container's exit event (code 137) is what the test did.
	st.logs.tolerate = func(ev composeEvent) bool { return ev.Action == "exit" && st.killed[ev.Source] }
	return st
}

// await reads the stream until an event that ok accepts, keeping what
// every event tells on the way.
func (st *stack) await(what string, ok func(composeEvent) bool) composeEvent {
	st.t.Helper()
	for ev := range st.logs.events(what) {
		st.see(ev)
		if ok(ev) {
			return ev
		}
	}
	st.t.Fatalf("the stream ended before %s", what)
	return composeEvent{}
}

// see keeps what ev tells of the lottery.
func (st *stack) see(ev composeEvent) {
	switch {
	case !clientName.MatchString(ev.Source):
	case ev.Action == "connect" && ev.Result == resultSuccess:
		st.on[ev.Source] = ev.value(st.t, "server_address")
	case ev.Action == "done" && ev.Result == resultSuccess:
		st.done[ev.Source] = true
	case ev.Action == "consulta_ganadores" && ev.Result == resultSuccess:
		st.winners[ev.Source] = mustAtoi(st.t, ev.Details["cant_ganadores"])
	case ev.Action == "exit":
		st.exited[ev.Source] = true
	}
}

// awaitEverySending reads the stream until each agency has had a batch
// acknowledged: all of them are mid-ingest.
func (st *stack) awaitEverySending() {
	st.t.Helper()
	sending := map[string]bool{}
	st.await("a batch_enviado line from each agency", func(ev composeEvent) bool {
		if ev.Action == "batch_enviado" {
			sending[ev.Source] = true
		}
		return len(sending) == len(st.data.files)
	})
	st.t.Logf("+%v every agency sending, on %v", time.Since(st.began).Round(time.Millisecond), st.on)
}

// busyServer returns one of the servers an agency still sending is on,
// picked with rng. Agency i starts at server i, but may have moved on at
// once: a server not listening yet when its agency first dials is failed
// over.
func (st *stack) busyServer(rng *rand.Rand) string {
	var busy []string
	for a, addr := range st.on {
		if name, _, _ := strings.Cut(addr, ":"); !st.done[a] && !slices.Contains(busy, name) {
			busy = append(busy, name)
		}
	}
	if len(busy) == 0 {
		st.t.Fatalf("no agency is still sending (agencies on %v, done %v)", st.on, st.done)
	}
	slices.Sort(busy)
	return busy[rng.IntN(len(busy))]
}

// note records a fault that happened at at.
func (st *stack) note(what, name string, kill bool, at time.Time) {
	st.t.Helper()
	f := fault{at: at, what: what + " " + name, kill: kill, who: name}
	st.faults = append(st.faults, f)
	st.t.Logf("+%v %s", f.at.Sub(st.began).Round(time.Millisecond), f.what)
}

// kill runs `docker kill name` (SIGKILL; the restart policy leaves it
// dead), which must land while some agency is still running. The kill is
// noted at the moment the engine saw the container end, on the clock of
// the engine's log stamps, which the checks compare it with.
func (st *stack) kill(name string) {
	st.t.Helper()
	if len(st.exited) == len(st.data.files) {
		st.t.Fatalf("docker kill %s after every agency exited: not mid-run", name)
	}
	st.killed[name], st.dead[name] = true, true
	mustDocker(st.t, "kill", name)
	stamp := strings.TrimSpace(mustDocker(st.t, "inspect", "-f", "{{.State.FinishedAt}}", name))
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		st.t.Fatalf("%s's FinishedAt %q: %v", name, stamp, err)
	}
	st.note("docker kill", name, true, at)
}

// start runs `docker start name`: the same container, its store kept.
func (st *stack) start(name string) {
	st.t.Helper()
	mustDocker(st.t, "start", name)
	delete(st.dead, name)
	st.note("docker start", name, false, time.Now())
}

// awaitFailover reads the stream until an agency that was on server name
// connects to another server.
func (st *stack) awaitFailover(name string) {
	st.t.Helper()
	was := map[string]bool{}
	for a, addr := range st.on {
		if strings.HasPrefix(addr, name+":") {
			was[a] = true
		}
	}
	if len(was) == 0 {
		st.t.Fatalf("no agency was on %s (agencies on %v)", name, st.on)
	}
	ev := st.await("an agency of "+name+" connecting to another server", func(ev composeEvent) bool {
		return was[ev.Source] && ev.Action == "connect" && ev.Result == resultSuccess &&
			!strings.HasPrefix(st.on[ev.Source], name+":")
	})
	st.t.Logf("+%v %s failed over to %s", time.Since(st.began).Round(time.Millisecond), ev.Source, st.on[ev.Source])
}

// natsURLs returns the client URLs of the NATS nodes not dead, at their
// addresses on the project's network.
func (st *stack) natsURLs() []string {
	var urls []string
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("nats%d", i)
		if st.dead[name] {
			continue
		}
		ip := strings.TrimSpace(mustDocker(st.t, "inspect", "-f",
			`{{(index .NetworkSettings.Networks "`+project+`_testing_net").IPAddress}}`, name))
		urls = append(urls, "nats://"+ip+":4222")
	}
	return urls
}

// streamLeader returns the NATS node that leads the lottery's stream, once
// one other than not ("": any) leads it.
func (st *stack) streamLeader(not string) string {
	st.t.Helper()
	leader := streamLeaderOf(st.t, st.natsURLs(), st.streamName(), not)
	if not != "" {
		st.t.Logf("+%v %s leads the stream", time.Since(st.began).Round(time.Millisecond), leader)
	}
	return leader
}

// streamName returns the lottery's stream, from the store_connect line of
// a server's own log (docker-compose 1.29's logs -f may print a container's
// first lines after others' later ones).
func (st *stack) streamName() string {
	st.t.Helper()
	for j := 1; j <= 3; j++ {
		for _, l := range parseLog(mustDocker(st.t, "logs", fmt.Sprintf("server%d", j))) {
			if l["action"] == "store_connect" && l["result"] == resultSuccess {
				return l["stream"]
			}
		}
	}
	st.t.Fatal("no server has logged which stream it uses")
	return ""
}

// finish reads the stream until every agency's exit event and checks what
// the lottery must be: each agency exited 0, within afterFault of the last
// fault, told exactly its file's winners, and failed over if its server
// was killed under it; some agency was still sending after each kill; one
// sorteo in all, over every bet; every server not dead draws, then stops
// cleanly on compose stop; and the stream holds each file exactly once.
func (st *stack) finish() {
	t := st.t
	n := len(st.data.files)
	st.await(fmt.Sprintf("the exit events of the %d agencies", n), func(composeEvent) bool { return len(st.exited) == n })
	last := st.faults[len(st.faults)-1].at
	t.Logf("+%v every agency exited, %v after the last fault",
		time.Since(st.began).Round(time.Millisecond), time.Since(last).Round(time.Millisecond))
	if late := time.Since(last); late > afterFault {
		t.Errorf("the agencies took %v after the last fault to exit, want within %v", late.Round(time.Millisecond), afterFault)
	}

	agencies := make([][]stamped, n)
	for i, name := range clients(n) {
		st.sc.exitedClean(name)
		if got := st.winners[name]; got != st.data.winners[i] {
			t.Errorf("%s: cant_ganadores %d, want %d", name, got, st.data.winners[i])
		}
		agencies[i] = st.sc.stampedLog(name)
		var docs []string
		for _, s := range agencies[i] {
			if s.log["action"] == "ganador" {
				docs = append(docs, s.log["dni"])
			}
		}
		if !slices.Equal(docs, st.data.docs[i]) {
			t.Errorf("%s was told winners %v, want its file's %v", name, docs, st.data.docs[i])
		}
	}
	reportFailovers(t, st.faults, agencies)
	st.checkMidRun(agencies)

	lastDone := time.Time{}
	for _, lines := range agencies {
		for _, s := range lines {
			if s.log["action"] == "done" && s.at.After(lastDone) {
				lastDone = s.at
			}
		}
	}
	var runs []serverRun
	for j := 1; j <= 3; j++ {
		name := fmt.Sprintf("server%d", j)
		if !st.dead[name] {
			st.awaitDraw(name, lastDone)
		}
		runs = append(runs, serverRun{name + " (every run)", parseLog(mustDocker(t, "logs", name))})
	}
	assertOneDraw(t, runs, st.data)
	checking := time.Now()
	assertStreamHolds(t, st.natsURLs(), st.data)
	t.Logf("the stream read back in %v", time.Since(checking).Round(time.Millisecond))

	// Nothing crashed unseen: the restart policy restarted no container
	// (docker-compose 1.29's logs -f would not show it), and those killed
	// for good are still down.
	containers := []string{"server1", "server2", "server3", "nats1", "nats2", "nats3"}
	for _, name := range containers {
		state := strings.Fields(mustDocker(t, "inspect", "-f", "{{.RestartCount}} {{.State.Running}}", name))
		if len(state) != 2 || state[0] != "0" || state[1] == strconv.FormatBool(st.dead[name]) {
			t.Errorf("%s: restarts and running %v, want 0 restarts and running %v", name, state, !st.dead[name])
		}
	}
	// The course's docker.down() starts with stop: SIGTERM, then each
	// container still running must end cleanly.
	st.logs.stop()
	st.sc.compose("stop")
	for _, name := range containers {
		if st.dead[name] {
			continue
		}
		if code := strings.TrimSpace(mustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", name)); code != "0" {
			t.Errorf("%s exited with code %s on compose stop, want 0", name, code)
		}
		if strings.HasPrefix(name, "server") {
			st.sc.assertCleanLog(name)
		}
	}
}

// checkMidRun checks, from the agencies' own stamped logs, that each kill
// fell mid-run: some agency had its done acknowledged after it; and that
// the agencies a killed server had, still sending, went on with another,
// and there was at least one.
func (st *stack) checkMidRun(agencies [][]stamped) {
	t := st.t
	for _, f := range st.faults {
		if !f.kill {
			continue
		}
		doneAfter, had := false, 0
		for i, lines := range agencies {
			server := ""  // the agency's server at the kill
			movedTo := "" // its next server after
			doneBefore := false
			for _, s := range lines {
				action, after := s.log["action"], s.at.After(f.at)
				switch {
				case action == "done" && after:
					doneAfter = true
				case action == "done":
					doneBefore = true
				case action != "connect" || s.log["result"] != resultSuccess:
				case !after:
					server = s.log["server_address"]
				case movedTo == "":
					movedTo = s.log["server_address"]
				}
			}
			if doneBefore || !strings.HasPrefix(server, f.who+":") {
				continue
			}
			had++
			if movedTo == "" || strings.HasPrefix(movedTo, f.who+":") {
				t.Errorf("agency %d was on %s when it was killed and connected to %q after, want another server",
					i+1, f.who, movedTo)
			}
		}
		if strings.HasPrefix(f.who, "server") && had == 0 {
			t.Errorf("no agency still sending was on %s when it was killed: the kill tested no failover", f.who)
		}
		if !doneAfter {
			t.Errorf("no agency was done after %s: it did not land mid-ingest", f.what)
		}
	}
}

// awaitDraw waits for server name to log its draw line (sorteo or
// draw_followed) in its latest run, and checks it came within drawWithin
// of when it could: the last agency's done, or the run's listen line if
// later (a server started after it draws at start). The server learns the
// others' dones from JetStream. Its own log is read, since docker-compose
// 1.29's logs -f does not follow a container started again.
func (st *stack) awaitDraw(name string, lastDone time.Time) {
	st.t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	began := time.Now()
	for {
		lines := st.sc.stampedLog(name)
		for k := len(lines) - 1; k >= 0; k-- {
			if lines[k].log["action"] == "config" { // a run's first line
				lines = lines[k:]
				break
			}
		}
		since := lastDone
		for _, s := range lines {
			switch s.log["action"] {
			case "listen":
				if s.at.After(since) {
					since = s.at
				}
			case "sorteo", "draw_followed":
				if late := s.at.Sub(since); late > drawWithin {
					st.t.Errorf("%s drew %v after it could (every agency done, and it listening), want within %v",
						name, late.Round(time.Millisecond), drawWithin)
				}
				return
			}
		}
		if time.Since(since) > drawWithin && time.Since(began) > drawWithin {
			st.t.Fatalf("%s logged no sorteo or draw_followed within %v of when it could", name, drawWithin)
		}
		<-tick.C // polling its log, bounded as above
	}
}
