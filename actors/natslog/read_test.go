package natslog_test

import (
	"context"
	"testing"
	"time"

	"github.com/tp0/loteria/actors/natslog"
	"github.com/tp0/loteria/actors/natslog/natstest"
	"github.com/tp0/loteria/domain"
)

// TestReplayAcrossReconnect: a server replays a stream several fetches
// long, and its connection to NATS drops and comes back (nats.go
// reconnects by itself) while the first fetch's messages are on their way.
// What was on the wire is lost: the replay must notice and read it again,
// every bet once and in order — not read on past it, and not call a good
// stream damaged (a server would refuse to start, a running one would
// stop).
func TestReplayAcrossReconnect(t *testing.T) {
	c := natstest.Start(t, 1)
	cfg := config(c, 1, "reconnect")
	cfg.Timeout = 30 * time.Second
	w := startStore(t, cfg, 1)
	const total, batch = 200_000, 4000 // about 20 MB: three fetches
	file := bets(1, 0, total, 0)
	ss := open(t, w, 1, 1)
	for pos := 0; pos < total; pos += batch {
		if _, err := ss.Append(context.Background(), uint64(pos), file[pos:pos+batch]); err != nil {
			t.Fatalf("append at %d: %v", pos, err)
		}
	}

	cfg.Name = "a server starting"
	l, err := natslog.Open(context.Background(), cfg, w.Lottery())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	n := 0
	err = l.Replay(func(r domain.Row) error {
		if n == 0 {
			if err := l.ForceReconnect(); err != nil {
				t.Errorf("ForceReconnect: %v", err)
			}
		}
		if n < total && r.Bet != file[n] {
			t.Fatalf("row %d is %+v, want %+v", n, r.Bet, file[n])
		}
		n++
		return nil
	}, func(domain.Done) error { return nil })
	if err != nil {
		t.Fatalf("Replay across a reconnect: %v", err)
	}
	if n != total {
		t.Errorf("Replay gave %d rows, want %d", n, total)
	}
}
