package natslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tp0/loteria/domain"
)

// Replay calls row for each bet in the stream, in the order appended,
// then done for each done, in the order recorded, and announces every
// done (see Watch). The stream is read up to its last message when Replay
// starts; what other servers append later comes with CatchUp. A message
// out of its agency's order (a position twice, or skipped) is
// domain.ErrCorrupt. JetStream has no torn tail to repair: a message is
// in the stream whole, or not at all.
func (l *Log) Replay(row func(domain.Row) error, done func(domain.Done) error) error {
	return l.read(nil, row, done)
}

// CatchUp calls row and done, as Replay does, for what the stream holds of
// agencies (every agency if nil) past what the log has seen. It tries
// again while the stream does not answer, for up to the config's Timeout
// in all.
func (l *Log) CatchUp(agencies []int, row func(domain.Row) error, done func(domain.Done) error) error {
	return l.read(agencies, row, done)
}

// read reads what the stream holds of agencies (all if nil) past what the
// log has seen, up to the stream's end as it is when read starts.
func (l *Log) read(agencies []int, row func(domain.Row) error, done func(domain.Done) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.Timeout)
	defer cancel()
	var dones []domain.Done
	err := retry(ctx, 0, func(ctx context.Context) error {
		// The requests before the fetches are a try of their own, so
		// that one left unanswered (the stream's leader lost, say) leaves
		// time for another; each fetch has its own wait.
		tctx, cancel := context.WithTimeout(ctx, l.try())
		defer cancel()
		end, err := l.end(tctx, agencies)
		if err != nil || end == 0 {
			return err
		}
		start := l.start(agencies)
		if start > end {
			return nil
		}
		return l.fetch(ctx, agencies, start, end, row, &dones)
	})
	// The dones read, even if the read then failed: the log has seen
	// them, and will not read them again.
	for _, d := range dones {
		if derr := done(d); derr != nil {
			return fmt.Errorf("agency %d's done: %w", d.Agency, derr)
		}
		if aerr := l.announce(d); aerr != nil && err == nil {
			err = aerr
		}
	}
	return err
}

// fetch reads the stream from sequence start to end, for agencies (all
// if nil), with a consumer of its own that it deletes when done: a plain
// pull consumer, whose every Fetch ends by its deadline, NATS or not. The
// consumer acks nothing, so JetStream sends each message once: a
// connection lost and regained mid-fetch (nats.go reconnects by itself)
// loses what was on the wire, and the next Fetch goes on after it. The
// consumer's own sequence, one more for every message sent, shows the
// gap; fetch then fails, to be tried again from the last message seen —
// a gap in an agency's positions is a damaged stream only when no
// message was lost on the way.
func (l *Log) fetch(ctx context.Context, agencies []int, start, end uint64, row func(domain.Row) error, dones *[]domain.Done) error {
	cfg := jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       start,
		AckPolicy:         jetstream.AckNonePolicy,
		InactiveThreshold: l.cfg.Timeout, // if this log is gone before deleting it
		MemoryStorage:     true,
		Replicas:          1,
	}
	for _, a := range agencies {
		cfg.FilterSubjects = append(cfg.FilterSubjects, l.subjectOf(a))
	}
	cctx, cancel := context.WithTimeout(ctx, l.try())
	defer cancel()
	cons, err := l.js.CreateConsumer(cctx, l.Stream(), cfg)
	if err != nil {
		return fmt.Errorf("read the stream: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		l.js.DeleteConsumer(dctx, l.Stream(), cons.CachedInfo().Name) // else it goes when inactive
	}()
	wait := min(l.cfg.Timeout/4, 5*time.Second)
	delivered := uint64(0) // the consumer's sequence of the last message received
	for {
		batch, err := cons.FetchBytes(8<<20, jetstream.FetchMaxWait(wait))
		if err != nil {
			return fmt.Errorf("read the stream: %w", err)
		}
		before := delivered
		for msg := range batch.Messages() {
			meta, err := msg.Metadata()
			if err != nil {
				return fmt.Errorf("read the stream: %w", err)
			}
			if meta.Sequence.Consumer != delivered+1 {
				return fmt.Errorf("read the stream: messages %d to %d of the read lost on the way (a reconnect)", delivered+1, meta.Sequence.Consumer-1)
			}
			delivered++
			seq := meta.Sequence.Stream
			if err := l.apply(msg, seq, row, dones); err != nil {
				return permanent{err}
			}
			if seq >= end {
				return nil
			}
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("read the stream: %w", err)
		}
		if delivered == before {
			return fmt.Errorf("read the stream: no message in %v, up to sequence %d expected", wait, end)
		}
	}
}

// end returns the sequence of the stream's last message of agencies (of
// any, if nil), 0 if there is none.
func (l *Log) end(ctx context.Context, agencies []int) (uint64, error) {
	if agencies == nil {
		info, err := l.stream.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("stream info: %w", err)
		}
		return info.State.LastSeq, nil
	}
	var end uint64
	for _, a := range agencies {
		m, err := l.stream.GetLastMsgForSubject(ctx, l.subjectOf(a))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("last message of agency %d: %w", a, err)
		}
		end = max(end, m.Sequence)
	}
	return end, nil
}

// start returns the first stream sequence read needs for agencies (all
// if nil): after the last message seen of the one seen least.
func (l *Log) start(agencies []int) uint64 {
	if agencies == nil {
		agencies = make([]int, l.lottery.Agencies)
		for i := range agencies {
			agencies[i] = i + 1
		}
		for a := range l.agency { // agencies the lottery does not have, if the stream holds any
			if !slices.Contains(agencies, a) {
				agencies = append(agencies, a)
			}
		}
	}
	start := uint64(0)
	for i, a := range agencies {
		if next := l.seen(a).last + 1; i == 0 || next < start {
			start = next
		}
	}
	return max(start, 1)
}

// apply hands the rows of msg, at stream sequence seq, to row, or notes
// its done in dones, unless the log has seen it.
func (l *Log) apply(msg jetstream.Msg, seq uint64, row func(domain.Row) error, dones *[]domain.Done) error {
	a, err := l.agencyOf(msg.Subject())
	if err != nil {
		return err
	}
	s := l.seen(a)
	if seq <= s.last {
		return nil
	}
	h := msg.Headers()
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: agency %d's message at stream sequence %d: %s", domain.ErrCorrupt, a, seq, fmt.Sprintf(format, args...))
	}
	pos, err := strconv.ParseUint(h.Get(hdrPosition), 10, 64)
	switch {
	case err != nil:
		return corrupt("position %q", h.Get(hdrPosition))
	case pos != s.count:
		return corrupt("starts at position %d, %d bets before it (a batch stored twice, or one lost)", pos, s.count)
	}
	switch h.Get(hdrKind) {
	case "bets":
		count, err := strconv.ParseUint(h.Get(hdrCount), 10, 64)
		if err != nil {
			return corrupt("count %q", h.Get(hdrCount))
		}
		br := domain.NewBetsReader(bytes.NewReader(msg.Data()), 0)
		n := uint64(0)
		for {
			r, err := br.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return corrupt("%v", err)
			}
			if r.Agency != a {
				return corrupt("holds a bet of agency %d", r.Agency)
			}
			if err := row(r); err != nil {
				return fmt.Errorf("agency %d's bet %d, at stream sequence %d: %w", a, s.count+n, seq, err)
			}
			n++
		}
		if n != count {
			return corrupt("holds %d bets, its header says %d", n, count)
		}
		s.count += n
	case "done":
		total, err := strconv.ParseUint(h.Get(hdrTotal), 10, 64)
		if err != nil {
			return corrupt("total %q", h.Get(hdrTotal))
		}
		digest, err := domain.ParseDigest(h.Get(hdrDigest))
		if err != nil {
			return corrupt("%v", err)
		}
		*dones = append(*dones, domain.Done{Agency: a, Total: total, Digest: digest})
	default:
		return corrupt("kind %q", h.Get(hdrKind))
	}
	s.last = seq
	return nil
}
