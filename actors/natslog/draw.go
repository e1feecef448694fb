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

// Watch calls done with each agency announced done, those announced
// before it started first, until ctx ends; an agency may come more than
// once. A watch that ends (its connection lost for good, say) starts
// again, from the start. Unlike the log's other methods Watch may run in
// a goroutine of its own, beside the store's.
func (l *Log) Watch(ctx context.Context, done func(agency int) error) error {
	for {
		err := l.watch(ctx, done)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, domain.ErrCorrupt) || errors.Is(err, errCallback) {
			return err
		}
		select { // the watch ended: NATS will be back, or ctx will end
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// errCallback marks the error of Watch's callback.
var errCallback = errors.New("watch callback")

func (l *Log) watch(ctx context.Context, done func(agency int) error) error {
	w, err := l.kv.Watch(ctx, "done.*")
	if err != nil {
		return fmt.Errorf("watch the dones: %w", err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the watch of the dones ended")
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue // the end of those announced before, or not a put
			}
			a, err := strconv.Atoi(strings.TrimPrefix(e.Key(), "done."))
			if err != nil {
				return fmt.Errorf("%w: key %q in the lottery's bucket", domain.ErrCorrupt, e.Key())
			}
			if err := done(a); err != nil {
				return fmt.Errorf("%w: %w", errCallback, err)
			}
		}
	}
}
