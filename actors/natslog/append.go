package natslog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// chunk is one bets message to publish: a run of an agency's rows.
type chunk struct {
	agency int
	count  uint64
	data   []byte
}

// Append publishes rows, each agency's as one message (more if they are
// over maxChunk bytes), and returns once JetStream has acknowledged them
// all. Each agency's first message is published as soon as its rows are
// written, so that JetStream stores it while the next agency's are
// written, and the messages of different agencies are in flight together.
// An agency's next message waits for the ack of its previous one, whose
// stream sequence it expects. An agency whose message JetStream refused
// because another writer appended to its subject first — or whose ack
// was lost, so that the message may or may not be in the stream — is in
// the *actors.BehindError returned, with what the log holds of it; the
// rows of every other agency are appended.
func (l *Log) Append(rows []domain.Row) error {
	order, spans := runsOf(rows)
	var sent []*pending       // in the order published
	next := map[int][]chunk{} // each agency's messages after the one in flight
	for _, a := range order {
		chunks, err := l.chunks(a, rows, spans[a])
		if err != nil {
			return err
		}
		p, err := l.publish(chunks[0])
		if err != nil {
			return fmt.Errorf("append agency %d's bets: %w", a, err)
		}
		sent, next[a] = append(sent, p), chunks[1:]
	}
	held := map[int]uint64{}
	for len(sent) > 0 {
		p := sent[0]
		sent = sent[1:]
		a := p.chunk.agency
		s := l.seen(a)
		ack, err := p.wait()
		switch {
		case err == nil && !ack.Duplicate:
			s.last, s.count = ack.Sequence, s.count+p.chunk.count
		case err == nil || refusedBehind(err) || lostAck(err):
			held[a] = s.count
			continue
		default:
			return fmt.Errorf("append agency %d's bets: %w", a, err)
		}
		if len(next[a]) > 0 {
			q, err := l.publish(next[a][0])
			if err != nil {
				return fmt.Errorf("append agency %d's bets: %w", a, err)
			}
			sent, next[a] = append(sent, q), next[a][1:]
		}
	}
	if len(held) > 0 {
		return &actors.BehindError{Held: held}
	}
	return nil
}

// span is a run of consecutive rows of one agency: rows[from:to].
type span struct{ from, to int }

// runsOf returns each agency's runs of rows, and the agencies in the
// order of their first row. The rows of one append (a batch) are
// consecutive, so there are about as many runs as batches.
func runsOf(rows []domain.Row) ([]int, map[int][]span) {
	var order []int
	spans := map[int][]span{}
	for i := 0; i < len(rows); {
		a, j := rows[i].Agency, i+1
		for j < len(rows) && rows[j].Agency == a {
			j++
		}
		if _, ok := spans[a]; !ok {
			order = append(order, a)
		}
		spans[a] = append(spans[a], span{i, j})
		i = j
	}
	return order, spans
}

// chunks writes the rows of agency's spans as its messages, each cut
// once it holds maxChunk bytes or more.
func (l *Log) chunks(agency int, rows []domain.Row, spans []span) ([]chunk, error) {
	var out []chunk
	c, start := chunk{agency: agency}, l.bw.Offset()
	for _, sp := range spans {
		for _, r := range rows[sp.from:sp.to] {
			if err := l.bw.Write(r); err != nil {
				return nil, err
			}
			c.count++
			if l.bw.Offset()-start >= maxChunk {
				out = append(out, l.cut(c))
				c, start = chunk{agency: agency}, l.bw.Offset()
			}
		}
	}
	if c.count > 0 {
		out = append(out, l.cut(c))
	}
	return out, nil
}

// cut returns c with the rows written since the last cut as its data.
func (l *Log) cut(c chunk) chunk {
	l.bw.Flush() // into l.buf: cannot fail
	c.data = slices.Clone(l.buf.Bytes())
	l.buf.Reset()
	return c
}

// pending is a message in flight.
type pending struct {
	chunk  chunk
	future jetstream.PubAckFuture
}

// publish sends c as the next message on its agency's subject, after the
// ones acknowledged so far.
func (l *Log) publish(c chunk) (*pending, error) {
	s := l.seen(c.agency)
	m := nats.NewMsg(l.subjectOf(c.agency))
	m.Data = c.data
	m.Header.Set(hdrKind, "bets")
	m.Header.Set(hdrPosition, strconv.FormatUint(s.count, 10))
	m.Header.Set(hdrCount, strconv.FormatUint(c.count, 10))
	f, err := l.js.PublishMsgAsync(m,
		jetstream.WithExpectLastSequencePerSubject(s.last),
		jetstream.WithMsgID(l.msgID(c.agency, strconv.FormatUint(s.count, 10))))
	if err != nil {
		return nil, err
	}
	return &pending{c, f}, nil
}

// wait returns the message's ack.
func (p *pending) wait() (*jetstream.PubAck, error) {
	select {
	case ack := <-p.future.Ok():
		return ack, nil
	case err := <-p.future.Err():
		return nil, err
	}
}

// Finish publishes d on its agency's subject after the bets the log holds
// of it, and announces it (see Watch). A done another writer got ahead of
// is an *actors.BehindError, as in Append.
func (l *Log) Finish(d domain.Done) error {
	s := l.seen(d.Agency)
	m := nats.NewMsg(l.subjectOf(d.Agency))
	m.Header.Set(hdrKind, "done")
	m.Header.Set(hdrPosition, strconv.FormatUint(s.count, 10))
	m.Header.Set(hdrTotal, strconv.FormatUint(d.Total, 10))
	m.Header.Set(hdrDigest, d.Digest.String())
	ctx, cancel := context.WithTimeout(context.Background(), l.try()) // as for Append's acks
	defer cancel()
	ack, err := l.js.PublishMsg(ctx, m,
		jetstream.WithExpectLastSequencePerSubject(s.last),
		jetstream.WithMsgID(l.msgID(d.Agency, "done"+strconv.FormatUint(s.count, 10))))
	switch {
	case err == nil && !ack.Duplicate:
		s.last = ack.Sequence
	case err == nil || refusedBehind(err) || lostAck(err):
		return &actors.BehindError{Held: map[int]uint64{d.Agency: s.count}}
	default:
		return fmt.Errorf("append agency %d's done: %w", d.Agency, err)
	}
	return l.announce(d)
}

// errCodeDuplicateInProcess is JetStream's refusal of a message whose
// Nats-Msg-Id is that of one being stored right now: this log's own,
// resent, or another server's at the same position.
const errCodeDuplicateInProcess = 10158

// refusedBehind reports whether JetStream refused a message because its
// subject's last sequence was not the one expected, or because a message
// of the same id (the same agency and position) was being stored.
func refusedBehind(err error) bool {
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode {
	case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant, errCodeDuplicateInProcess:
		return true
	}
	return false
}

// lostAck reports whether a publish ended without JetStream's answer: the
// message may be in the stream or not. A connection lost while acks were
// pending (nats.ErrDisconnected) is one: the client reconnects to another
// server, and the message may have been stored, or may still be sent from
// the client's reconnect buffer — where the subject's expected last
// sequence keeps it from landing at a position held since.
func lostAck(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, jetstream.ErrAsyncPublishTimeout) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrDisconnected)
}
