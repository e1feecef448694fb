package natslog_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/actors/natslog/natstest"
	"github.com/tp0/loteria/domain"
)

var servers int // started, to name each

// server is one lottery server's store on a shared JetStream, running
// until the test ends.
type server struct {
	*actors.Store
	log  *natslog.Log
	stop func() error
}

func startStore(t *testing.T, cfg natslog.Config, agencies int) *server {
	t.Helper()
	servers++
	cfg.Name = fmt.Sprintf("server%d", servers)
	st, log, err := natslog.OpenStore(context.Background(), cfg, actors.StoreConfig{Agencies: agencies, Date: "2026-12-02"})
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- st.Run(ctx) }()
	s := &server{Store: st, log: log, stop: func() error { cancel(); return <-ran }}
	t.Cleanup(func() { s.stop() })
	return s
}

// bets returns agency's bets at positions first…first+n-1 of its file;
// variant != 0 makes another file, whose bets differ at every position.
func bets(agency, first, n, variant int) []domain.Bet {
	out := make([]domain.Bet, n)
	for i := range out {
		p := first + i
		out[i] = domain.Bet{
			Agency: agency, FirstName: fmt.Sprintf("Nombre %d", variant), LastName: "Apellido, \"x\"",
			Document: fmt.Sprint(10_000_000 + agency*100_000 + p), Birthdate: "1990-05-17", Number: (p * 7919) % 10_000,
		}
	}
	return out
}

func open(t *testing.T, s *server, agency int, started uint64) *actors.Session {
	t.Helper()
	ss, err := s.Open(context.Background(), agency, actors.Claim{Started: started})
	if err != nil {
		t.Fatalf("Open agency %d: %v", agency, err)
	}
	return ss
}

// TestTwoServersAppendForOneAgency: a server whose ledger is behind the
// stream — another server stored the agency's bets since — answers an
// append exactly as for the agency's own resends: a batch stored already
// is acknowledged, an overlap stores its new suffix only, other bets are
// a conflict and a batch past the end a gap. A server opening a session
// starts it where the stream ends, whoever stored it.
func TestTwoServersAppendForOneAgency(t *testing.T) {
	c := natstest.Start(t, 1)
	cfg := config(c, 1, "two")
	a, b := startStore(t, cfg, 2), startStore(t, cfg, 2)
	ctx := context.Background()

	sa := open(t, a, 1, 1)
	mustAppend(t, sa, 0, bets(1, 0, 10, 0), actors.Appended{Stored: 10, New: 10})
	sb := open(t, b, 1, 2)
	if got := sb.Held().Stored; got != 10 {
		t.Fatalf("server b opened agency 1's session at %d bets, want the 10 server a stored", got)
	}
	mustAppend(t, sb, 10, bets(1, 10, 10, 0), actors.Appended{Stored: 20, New: 10})

	// Server a still holds 10: its session goes on from there.
	mustAppend(t, sa, 10, bets(1, 10, 5, 0), actors.Appended{Stored: 20, New: 0})
	mustAppend(t, sa, 15, bets(1, 15, 10, 0), actors.Appended{Stored: 25, New: 5})
	if _, err := sb.Append(ctx, 20, bets(1, 20, 3, 1)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("server b's append of other bets where a stored: %v, want ErrConflict", err)
	}
	if _, err := sb.Append(ctx, 30, bets(1, 30, 1, 0)); !errors.Is(err, domain.ErrGap) {
		t.Errorf("server b's append past the stream's end: %v, want ErrGap", err)
	}
	if err := sb.Finish(ctx, 25, digest(bets(1, 0, 25, 0))); err != nil {
		t.Fatalf("server b's finish of the 25 bets a stored: %v", err)
	}
	if _, err := sa.Append(ctx, 25, bets(1, 25, 1, 0)); !errors.Is(err, domain.ErrFinished) {
		t.Errorf("server a's append after b recorded the done: %v, want ErrFinished", err)
	}

	// What the stream holds, as a third server replays it.
	rec := startStore(t, cfg, 2).Recovered()
	if want := []uint64{25, 0}; !slices.Equal(rec.Stored, want) || !slices.Equal(rec.Finished, []int{1}) {
		t.Errorf("replayed %v bets, finished %v; want %v and [1]", rec.Stored, rec.Finished, want)
	}
}

func mustAppend(t *testing.T, ss *actors.Session, first uint64, bs []domain.Bet, want actors.Appended) {
	t.Helper()
	got, err := ss.Append(context.Background(), first, bs)
	if err != nil {
		t.Fatalf("Append at %d: %v", first, err)
	}
	want.Digest = digest(bets(ss.Agency(), 0, int(want.Stored), 0))
	if got != want {
		t.Fatalf("Append at %d: %+v, want %+v", first, got, want)
	}
}

func digest(bs []domain.Bet) domain.Digest {
	var d domain.Digester
	return d.Add(0, bs...)
}

// TestServersRaceForOneAgency: two agency processes of one agency, with
// the same file, each on a server of its own, send it whole at once in
// batches starting anywhere. The stream ends up holding the file exactly
// once, in order, and every acknowledgement is a prefix of it.
func TestServersRaceForOneAgency(t *testing.T) {
	for _, replicas := range []int{1, 3} {
		t.Run(fmt.Sprintf("R%d", replicas), func(t *testing.T) {
			if replicas == 3 && testing.Short() {
				t.Skip("a three-node cluster: not with -short")
			}
			c := natstest.Start(t, replicas)
			cfg := config(c, replicas, "race")
			const total, batch = 2000, 37
			file := bets(1, 0, total, 0)
			servers := []*server{startStore(t, cfg, 1), startStore(t, cfg, 1)}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for i, s := range servers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- send(s, i, file, batch)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			rec := startStore(t, cfg, 1).Recovered()
			if rec.Stored[0] != total {
				t.Fatalf("the stream holds %d bets, want %d", rec.Stored[0], total)
			}
		})
	}
}

// send sends file through s as an agency process would: a session from
// where the server says the stream ends, batch by batch; the second
// process starts its batches off by a few bets, so their batches overlap.
func send(s *server, i int, file []domain.Bet, batch int) error {
	ctx := context.Background()
	ss, err := s.Open(ctx, 1, actors.Claim{Started: uint64(i + 1)})
	if err != nil {
		return err
	}
	pos := int(ss.Held().Stored)
	if i == 1 {
		pos = min(pos, 5)
	}
	want := digest(nil)
	for pos < len(file) {
		end := min(pos+batch, len(file))
		got, err := ss.Append(ctx, uint64(pos), file[pos:end])
		if errors.Is(err, domain.ErrGap) {
			return fmt.Errorf("process %d: gap at %d", i, pos)
		}
		if err != nil {
			return fmt.Errorf("process %d at %d: %w", i, pos, err)
		}
		if want = digest(file[:got.Stored]); got.Digest != want {
			return fmt.Errorf("process %d: ack of %d bets with digest %v, the file's is %v", i, got.Stored, got.Digest, want)
		}
		pos = int(got.Stored) // past what the other stored, too
	}
	return ss.Finish(ctx, uint64(len(file)), digest(file))
}

// TestDrawAnnouncedOnce: agencies finish on different servers; each
// server learns of every done through Watch, and draws the same winners,
// counted from the stream; exactly one announces the draw.
func TestDrawAnnouncedOnce(t *testing.T) {
	c := natstest.Start(t, 1)
	cfg := config(c, 1, "draw")
	const agencies = 3
	servers = 0
	list := []*server{startStore(t, cfg, agencies), startStore(t, cfg, agencies), startStore(t, cfg, agencies)}
	var want map[int][]string = map[int][]string{}
	for a := 1; a <= agencies; a++ {
		file := bets(a, 0, 3000, 0)
		for _, b := range file {
			if b.Wins() {
				want[a] = append(want[a], b.Document)
			}
		}
		ss := open(t, list[a-1], a, 1)
		mustAppend(t, ss, 0, file, actors.Appended{Stored: 3000, New: 3000})
		if err := ss.Finish(context.Background(), 3000, digest(file)); err != nil {
			t.Fatalf("finish agency %d: %v", a, err)
		}
	}
	announced, announcer := 0, ""
	for i, s := range list {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		seen := map[int]bool{}
		err := s.log.Watch(ctx, func(a int) error {
			seen[a] = true
			if len(seen) == agencies {
				cancel()
			}
			return nil
		})
		cancel()
		if err != nil || len(seen) != agencies {
			t.Fatalf("server %d watched agencies %v done, %v; want all %d", i+1, slices.Sorted(maps.Keys(seen)), err, agencies)
		}
		w, err := s.Draw(context.Background())
		if err != nil {
			t.Fatalf("server %d's draw: %v", i+1, err)
		}
		if !maps.EqualFunc(w, want, slices.Equal) {
			t.Errorf("server %d drew %v, want %v", i+1, w, want)
		}
		tally, err := s.Tally(context.Background())
		if err != nil {
			t.Fatalf("server %d's tally: %v", i+1, err)
		}
		if !slices.Equal(tally.Stored, []uint64{3000, 3000, 3000}) {
			t.Errorf("server %d counted %v bets, want 3000 each", i+1, tally.Stored)
		}
		if tally.Announce {
			announced++
			announcer = fmt.Sprintf("server%d", i+1)
		}
	}
	if announced != 1 {
		t.Fatalf("%d servers announce the draw, want exactly 1", announced)
	}
	// Restarted, no server announces the draw again, not even the one that
	// did: it is announced once in the lottery's life.
	for _, name := range []string{announcer, "server9"} {
		rcfg := cfg
		rcfg.Name = name
		log, err := natslog.Open(context.Background(), rcfg, domain.Lottery{})
		if err != nil {
			t.Fatal(err)
		}
		won, err := log.Claim()
		log.Close()
		if err != nil || won {
			t.Errorf("%s restarted claims the draw: %v, %v; want false", name, won, err)
		}
	}
}

// TestAppendAcrossLostServer: the NATS server a store is connected to
// goes away while the store's appends wait for their acks. The client
// reconnects to another, and the acks lost with the connection are
// appends that may or may not be in the stream, not a failure of the
// log: the store catches up and judges them again, so every append is
// acknowledged and the stream holds each bet once.
func TestAppendAcrossLostServer(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not with -short")
	}
	c := natstest.Start(t, 3)
	cfg := config(c, 3, "lost")
	cfg.Timeout = 30 * time.Second // a stream leader lost with the server is elected again within it
	s := startStore(t, cfg, 1)
	ss := open(t, s, 1, 1)
	const total, batch = 4000, 20
	file := bets(1, 0, total, 0)
	ctx := context.Background()
	var fs []*actors.AppendFuture
	for pos := 0; pos < total; pos += batch {
		f, err := ss.Enqueue(ctx, uint64(pos), file[pos:pos+batch], 0, nil)
		if err != nil {
			t.Fatalf("Enqueue at %d: %v", pos, err)
		}
		fs = append(fs, f)
		if pos == total/4 {
			i := c.Index(s.log.ConnectedURL())
			if i < 0 {
				t.Fatalf("the log is connected to %q, none of %v", s.log.ConnectedURL(), c.URLs())
			}
			c.Stop(i)
		}
	}
	for i, f := range fs {
		got, err := f.Wait(ctx)
		if end := uint64((i + 1) * batch); err != nil || got.Stored < end || got.Digest != digest(file[:got.Stored]) {
			t.Fatalf("append at %d: %+v, %v; want at least %d bets stored, with their digest", i*batch, got, err, end)
		}
	}
	if err := ss.Finish(ctx, total, digest(file)); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if rec := startStore(t, cfg, 1).Recovered(); rec.Stored[0] != total {
		t.Errorf("the stream holds %d bets, want %d", rec.Stored[0], total)
	}
}

// TestCatchUpAcrossLostLeader: the NATS server leading the stream goes
// away. A store that catches up meanwhile (a session opening for an
// agency another server stored bets of) tries again until JetStream has
// elected another leader: the requests JetStream leaves unanswered until
// then must not use up the whole Timeout.
func TestCatchUpAcrossLostLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not with -short")
	}
	c := natstest.Start(t, 3)
	cfg := config(c, 3, "leader")
	cfg.Timeout = 30 * time.Second // JetStream elects a leader within it
	a, b := startStore(t, cfg, 1), startStore(t, cfg, 1)
	mustAppend(t, open(t, a, 1, 1), 0, bets(1, 0, 100, 0), actors.Appended{Stored: 100, New: 100})
	i := c.StreamLeader(a.log.Stream())
	if i < 0 {
		t.Fatalf("stream %s has no leader", a.log.Stream())
	}
	c.Stop(i)
	if got := open(t, b, 1, 2).Held().Stored; got != 100 {
		t.Errorf("server b opened agency 1's session at %d bets, want the 100 server a stored", got)
	}
}

// TestAppendAcrossLostLeader: the NATS server leading the stream goes away
// while a store's appends wait for their acks. JetStream leaves what the
// stream got meanwhile unanswered; the store must give up on those acks
// soon, catch up and carry on once another leader is elected — well within
// the Timeout, not after it, for it serves no agency while it waits.
func TestAppendAcrossLostLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not with -short")
	}
	c := natstest.Start(t, 3)
	cfg := config(c, 3, "ackwait")
	cfg.Timeout = 30 * time.Second
	s := startStore(t, cfg, 1)
	ss := open(t, s, 1, 1)
	const total, batch = 4000, 20
	file := bets(1, 0, total, 0)
	ctx := context.Background()
	var fs []*actors.AppendFuture
	var stopped time.Time
	for pos := 0; pos < total; pos += batch {
		f, err := ss.Enqueue(ctx, uint64(pos), file[pos:pos+batch], 0, nil)
		if err != nil {
			t.Fatalf("Enqueue at %d: %v", pos, err)
		}
		fs = append(fs, f)
		if pos == total/4 {
			i := c.StreamLeader(s.log.Stream())
			if i < 0 {
				t.Fatalf("stream %s has no leader", s.log.Stream())
			}
			c.Stop(i)
			stopped = time.Now()
		}
	}
	for i, f := range fs {
		if _, err := f.Wait(ctx); err != nil {
			t.Fatalf("append at %d: %v", i*batch, err)
		}
	}
	if took := time.Since(stopped); took > cfg.Timeout/2 {
		t.Errorf("the appends took %v after the leader stopped, want well under the %v Timeout", took.Round(time.Millisecond), cfg.Timeout)
	}
	if rec := startStore(t, cfg, 1).Recovered(); rec.Stored[0] != total {
		t.Errorf("the stream holds %d bets, want %d", rec.Stored[0], total)
	}
}
