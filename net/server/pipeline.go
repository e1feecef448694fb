package server

import (
	"context"

	"github.com/tp0/loteria/net/wire"
)

// window is how many batches of one connection may wait for the store at
// once. While they wait the connection goes on reading, so an agency that
// sends batches without waiting for each ack keeps the store busy, and the
// store commits all that queued during one fsync with the next.
const window = 32

// queued is the reply to a request, in the order the requests came: the
// store's verdict on a batch (appended), a reply already known (reply), or
// a barrier that the writer closes once everything before it is written.
type queued struct {
	batch    wire.Batch
	appended Appending
	reply    wire.Message
	barrier  chan struct{}
}

// replies is the writer's half of a connection: it writes the replies to
// batches in order as the store settles them, coalescing those that are
// ready into one write. They wait in the connection's framer, queued.
type replies struct {
	cn *conn
}

// run writes the replies queued on q until q is closed. Replies that are
// ready are gathered into one write, but never held while the next one is
// awaited. After a failure run calls fail (which stops the reader) and only
// drains q, releasing barriers, so the reader never blocks on it.
func (r *replies) run(q <-chan queued, fail func()) error {
	var err error
	for p := range q {
		if err != nil {
			release(p)
			continue
		}
		if p.barrier != nil {
			// Every write of the writer's is done before the barrier opens:
			// from then on the reader writes through the framer.
			if err = r.flush(); err != nil {
				fail()
			}
			close(p.barrier)
			continue
		}
		if err = r.settle(p); err == nil && len(q) == 0 {
			err = r.flush() // nothing more queued: send what is ready
		}
		if err != nil {
			r.flush() // the acks of batches already on disk, if the peer still listens
			fail()
		}
	}
	if err != nil {
		return err
	}
	return r.flush()
}

func release(p queued) {
	if p.barrier != nil {
		close(p.barrier)
	}
}

// settle waits for the store's verdict on a batch, if needed, logs it and
// queues the reply. Batches the store already took are settled even during
// a shutdown: the store runs until every connection has ended.
func (r *replies) settle(p queued) error {
	m := p.reply
	if f := p.appended; f != nil {
		select {
		case <-f.Done():
		default: // not settled yet: send what is ready, then wait
			if err := r.flush(); err != nil {
				return err
			}
		}
		res, err := f.Wait(context.Background())
		if m, err = r.cn.verdict(p.batch, res, err); err != nil {
			return err
		}
	}
	_, err := r.cn.fr.Queue(m)
	return err
}

// flush writes the queued frames in one write.
func (r *replies) flush() error {
	if r.cn.fr.Buffered() == 0 {
		return nil
	}
	r.cn.setWriteDeadline()
	if err := r.cn.fr.Flush(); err != nil {
		return writeFailed(err)
	}
	return nil
}
