package natslog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tp0/loteria/domain"
)

// announce makes sure d's agency's key exists in the lottery's bucket, so
// every server's Watch learns that it is done. It is the second write of a
// done, after the stream's: Replay and CatchUp announce every done they
// find, so one whose server stopped between the two is announced by the
// next to read it.
func (l *Log) announce(d domain.Done) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.Timeout)
	defer cancel()
	err := retry(ctx, l.try(), func(ctx context.Context) error {
		_, err := l.kv.Create(ctx, doneKey(d.Agency), fmt.Appendf(nil, "%d %v", d.Total, d.Digest))
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("announce agency %d's done: %w", d.Agency, err)
	}
	return nil
}

func doneKey(agency int) string { return "done." + strconv.Itoa(agency) }

// Claim creates the lottery's "draw" key, naming this log (see
// Config.Name): it returns true if it did, or had before, false if
// another log had — or this server before a restart: the draw is
// announced once in the lottery's life.
func (l *Log) Claim() (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.Timeout)
	defer cancel()
	won := false
	err := retry(ctx, l.try(), func(ctx context.Context) error {
		_, err := l.kv.Create(ctx, "draw", []byte(l.token))
		switch {
		case err == nil:
			won = true
		case errors.Is(err, jetstream.ErrKeyExists):
			// Another server's, or ours: a create whose answer was lost.
			e, gerr := l.kv.Get(ctx, "draw")
			if gerr != nil {
				return gerr
			}
			won = string(e.Value()) == l.token
		default:
			return err
		}
		return nil
	})
	return won, err
}

// pollEvery is how often Watch also lists the dones announced, until it
// has seen every agency's.
const pollEvery = 2 * time.Second

// Watch calls done with each agency announced done, those announced
// before it started first, until ctx ends; an agency may come more than
// once. Unlike the log's other methods it may run in a goroutine of its
// own, beside the store's.
//
// It watches the lottery's bucket, and until it has seen every agency's
// done it also lists them every pollEvery: a watch whose consumer was on
// a NATS server that died learns of it only after missed heartbeats, some
// 20 seconds, and meanwhile the server would not draw. A watch that ends
// is made again.
func (l *Log) Watch(ctx context.Context, done func(agency int) error) error {
	seen := map[int]bool{}
	deliver := func(key string) error {
		a, err := strconv.Atoi(strings.TrimPrefix(key, "done."))
		if err != nil || !strings.HasPrefix(key, "done.") {
			return fmt.Errorf("%w: key %q in the lottery's bucket", domain.ErrCorrupt, key)
		}
		seen[a] = true
		return done(a)
	}
	var w jetstream.KeyWatcher
	defer func() {
		if w != nil {
			w.Stop()
		}
	}()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if w == nil {
			w, _ = l.kv.Watch(ctx, "done.*") // failed: again at the next tick
		}
		var updates <-chan jetstream.KeyValueEntry
		if w != nil {
			updates = w.Updates()
		}
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-updates:
			if !ok {
				w = nil // its subscription ended: made again at the next tick
				select {
				case <-ctx.Done():
					return nil
				case <-tick.C:
				}
				continue
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue // the end of those announced before, or not a put
			}
			if err := deliver(e.Key()); err != nil {
				return err
			}
		case <-tick.C:
			if len(seen) < l.lottery.Agencies {
				if err := l.listDones(ctx, deliver); err != nil {
					return err
				}
			}
		}
	}
}

// listDones calls deliver with the key of each done announced, within a
// try: a list that fails is tried again at Watch's next tick.
func (l *Log) listDones(ctx context.Context, deliver func(key string) error) error {
	ctx, cancel := context.WithTimeout(ctx, l.try())
	defer cancel()
	keys, err := l.kv.ListKeysFiltered(ctx, "done.*")
	if err != nil {
		return nil
	}
	for k := range keys.Keys() {
		if err := deliver(k); err != nil {
			return err
		}
	}
	return nil
}
