package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/wire"
)

// handle answers one request. Batches are queued on q; any other request
// is answered once every reply queued before it has been written (awaitWritten),
// so replies keep the order of requests. A non-nil error ends the
// connection.
func (cn *conn) handle(ctx context.Context, m wire.Message, q chan<- queued) error {
	if b, ok := m.(wire.Batch); ok && cn.agency != 0 {
		return cn.batch(b, q)
	}
	awaitWritten(q)
	switch m := m.(type) { // allowed before hello too
	case wire.Ping: // the health check
		return cn.write(wire.Pong(m))
	case wire.Echo:
		return cn.echo(m)
	}
	if h, ok := m.(wire.Hello); ok {
		return cn.hello(ctx, h)
	}
	if cn.agency == 0 {
		return closeWith(wire.CodeUnexpected, "%s before hello", m.Type())
	}
	switch m := m.(type) {
	case wire.Done:
		// Finished even if the server starts to shut down meanwhile: the
		// store keeps running until every connection ends.
		return cn.done(context.WithoutCancel(ctx), m)
	case wire.WinnersQuery:
		return cn.winners(ctx)
	default:
		return closeWith(wire.CodeUnexpected, "%s is not a request", m.Type())
	}
}

// awaitWritten waits until the writer has written every reply queued
// before.
func awaitWritten(q chan<- queued) {
	done := make(chan struct{})
	q <- queued{barrier: done}
	<-done
}

// hello fixes the connection's agency, once its secret checks out: every
// later request, winners included, is that agency's.
func (cn *conn) hello(ctx context.Context, h wire.Hello) error {
	if cn.agency != 0 {
		return closeWith(wire.CodeUnexpected, "second hello")
	}
	cn.claimed = h.Agency
	switch {
	case h.Version != wire.Version:
		return closeWith(wire.CodeUnsupportedVersion, "version %d, this server speaks %d", h.Version, wire.Version)
	case cn.srv.cfg.Agencies == 0:
		return closeWith(wire.CodeUnknownAgency, "agency %d: this server has no agencies (server.agencies is 0), it serves only echo and ping", h.Agency)
	case h.Agency < 1 || int64(h.Agency) > int64(cn.srv.cfg.Agencies):
		return closeWith(wire.CodeUnknownAgency, "agency %d, expected 1..%d", h.Agency, cn.srv.cfg.Agencies)
	case !cn.srv.authorized(int(h.Agency), h.Secret):
		return closeWith(wire.CodeUnauthorized, "wrong or missing secret")
	}
	cn.admitted()
	// The session fences the agency's older connection, if any: from now
	// on nothing it sent is stored, so the welcome's count is exact.
	claim := actors.Claim{Started: h.Started, Attempt: h.Attempt}
	sess, err := cn.srv.cfg.Store.Open(context.WithoutCancel(ctx), int(h.Agency), claim)
	if errors.Is(err, actors.ErrStale) {
		return closeWith(wire.CodeFenced, "agency %d is held by a newer connection; this hello is older (a stale connection, or a process since replaced)", h.Agency)
	}
	if err != nil {
		return cn.actorFailed(err)
	}
	held, lot := sess.Held(), cn.srv.lottery
	cn.agency, cn.sess, cn.fenced = int(h.Agency), sess, sess.Fenced()
	cn.next, cn.digest = held.Stored, held.Digest
	cn.closeWhenFenced(ctx)
	return cn.write(wire.Welcome{Stored: held.Stored, Finished: held.Finished, Digest: held.Digest,
		Lottery: lot.ID, Date: lot.DateText()})
}

// closeWhenFenced ends the connection, with a fenced error, as soon as a
// newer connection of its agency opens a session: an agency holds one
// connection at a time, so two processes of one agency cannot both write,
// and a parked winners query or an idle peer gives its place up.
func (cn *conn) closeWhenFenced(ctx context.Context) {
	go func() {
		select {
		case <-cn.sess.Fenced():
			cn.c.SetWriteDeadline(time.Now().Add(shutdownGrace)) // see setWriteDeadline
			cn.end(fenced(cn.agency))
		case <-ctx.Done():
		}
	}()
}

// fenced is the error that closes a connection a newer one of its agency
// took over.
func fenced(agency int) *errClose {
	return closeWith(wire.CodeFenced, "a newer connection of agency %d took over (another process of the agency, or a reconnect); this one is closed", agency)
}

// batch validates a batch whole and hands it to the store, or rejects it
// whole. Its reply is queued: the writer sends it once the store has the
// batch on disk (see verdict).
func (cn *conn) batch(b wire.Batch, q chan<- queued) error {
	for i := range b.Bets {
		b.Bets[i].Agency = cn.agency
		if err := b.Bets[i].ValidateBy(cn.srv.day); err != nil {
			logline.Fail(cn.log, "apuesta_recibida", "cantidad", len(b.Bets), "agency", cn.agency, "bet", i, "error", err)
			q <- queued{reply: wire.Reject{First: b.First, Index: uint16(i), Code: wire.CodeInvalidBet, Reason: err.Error()}}
			return nil
		}
	}
	// Enqueued with no deadline: a batch read is a batch the store gets,
	// even if the server starts to shut down meanwhile.
	from, after := cn.digests(b)
	f, err := cn.sess.Enqueue(context.Background(), b.First, b.Bets, from, after)
	if err != nil {
		return cn.actorFailed(err)
	}
	q <- queued{batch: b, appended: f}
	return nil
}

// digests works out the stream's digest after each of b's bets from the
// frame's bytes, as it came, when b starts where the connection's batches
// so far end: the store, which serves every connection, then need not
// (it checks from, and works them out itself if it differs). A batch that
// starts elsewhere — a resend, a gap — gets none.
func (cn *conn) digests(b wire.Batch) (from domain.Digest, after []domain.Digest) {
	if b.First != cn.next || len(b.Bets) == 0 {
		return 0, nil
	}
	from, after = cn.digest, make([]domain.Digest, len(b.Bets))
	raw, d := wire.BatchBets(cn.payload), cn.digest
	for i, bet := range b.Bets {
		n := wire.BetSize(bet)
		d, raw = d.Extend(raw[:n]), raw[n:]
		after[i] = d
	}
	cn.next, cn.digest = b.First+uint64(len(b.Bets)), d
	return from, after
}

// verdict turns the store's answer to a batch into its reply, and logs it.
// Only the bets stored now count as received: a resent batch adds none.
func (cn *conn) verdict(b wire.Batch, res actors.Appended, err error) (wire.Message, error) {
	if code, ok := rejectCode(err); ok {
		logline.Fail(cn.log, "apuesta_recibida", "cantidad", len(b.Bets), "agency", cn.agency, "code", code, "error", err)
		return wire.Reject{First: b.First, Code: code, Reason: err.Error()}, nil
	}
	if err != nil {
		return nil, cn.actorFailed(err)
	}
	if held := len(b.Bets) - res.New; held > 0 {
		logline.Success(cn.log, "apuesta_recibida", "cantidad", res.New, "agency", cn.agency, "repetidas", held)
	} else {
		logline.Success(cn.log, "apuesta_recibida", "cantidad", res.New)
	}
	cn.logStored(b.Bets[len(b.Bets)-res.New:])
	return wire.Ack{First: b.First, Count: uint16(len(b.Bets)), Stored: res.Stored, Digest: res.Digest}, nil
}

// logStored logs each stored bet: at DEBUG, except a batch of a single bet
// (the course's first exercise sends one), which is logged at INFO.
func (cn *conn) logStored(bets []domain.Bet) {
	level := slog.LevelDebug
	if len(bets) == 1 {
		level = slog.LevelInfo
	}
	if !cn.log.Enabled(context.Background(), level) {
		return // the common case: no work per bet
	}
	for _, b := range bets {
		logline.Log(cn.log, level, "apuesta_almacenada", logline.ResultSuccess, "dni", b.Document, "numero", b.Number)
	}
}

func (cn *conn) done(ctx context.Context, d wire.Done) error {
	err := cn.sess.Finish(ctx, d.Total, d.Digest)
	if code, ok := rejectCode(err); ok {
		logline.Fail(cn.log, "done", "agency", cn.agency, "total", d.Total, "error", err)
		return cn.write(wire.Reject{First: d.Total, Code: code, Reason: err.Error()})
	}
	if err != nil {
		return cn.actorFailed(err)
	}
	// Logged by the coordinator's Run once it has counted the agency, so
	// the line says how many are done, and before the draw starts: the last
	// done line comes before the sorteo line.
	err = cn.srv.cfg.Coordinator.Done(ctx, cn.agency, func(finished int) {
		logline.Success(cn.log, "done", "agency", cn.agency, "total", d.Total,
			"finished", finished, "agencies", cn.srv.cfg.Agencies)
	})
	if err != nil {
		return cn.actorFailed(err)
	}
	return cn.write(wire.DoneAck{})
}

// echo sends an echo back in the identical frame (its text is its whole
// payload, and decoded as valid UTF-8) and logs it with the peer's IP.
func (cn *conn) echo(e wire.Echo) error {
	ip, _, err := net.SplitHostPort(cn.peer)
	if err != nil {
		ip = cn.peer
	}
	// Before hello, one line per connection: a stranger's echoes cannot
	// flood the log (the course's agencies send one per connection).
	if cn.agency != 0 || !cn.echoed {
		logline.Success(cn.log, "receive_message", "ip", ip, "msg", e.Text)
		cn.echoed = true
	}
	return cn.write(e)
}

// winners parks until the draw, then sends the agency's own winners. While
// it is parked the peer is watched (watchPeer): a peer that leaves (or
// sends anything, which it may not before the reply) unparks it at once,
// so a query nobody waits for holds no goroutine and no socket.
func (cn *conn) winners(ctx context.Context) error {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	peer := cn.watchPeer(cancel)
	docs, err := cn.srv.cfg.Coordinator.Winners(qctx, cn.agency)
	perr := peer()
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return ended(ctx)
		case perr != nil:
			return errPeerLeft
		case qctx.Err() != nil:
			return closeWith(wire.CodeUnexpected, "request while a winners query waits")
		}
		return cn.actorFailed(err)
	}
	for _, w := range wire.SplitWinners(docs) {
		if err := cn.write(w); err != nil {
			return err
		}
	}
	logline.Success(cn.log, "consulta_ganadores", "agency", cn.agency, "cant_ganadores", len(docs))
	return nil
}

// watchPeer watches the peer of a connection that is not reading, while
// a winners query is parked: it calls gone as soon as the peer closes the
// connection or sends a byte. The returned function stops watching and
// returns the read error that ended the watch (nil if a byte arrived or
// the watch was stopped); after it returns the connection can be read
// again, the byte, if any, first.
func (cn *conn) watchPeer(gone func()) (stop func() error) {
	cn.c.SetReadDeadline(time.Time{}) // the idle timeout does not apply while parked
	var perr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := cn.br.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
			perr = err
			gone()
		}
	}()
	return func() error {
		cn.c.SetReadDeadline(time.Now()) // ends a Peek still waiting
		<-done
		return perr
	}
}

// rejectCode maps the errors that refuse one request but leave the
// connection open to their code.
func rejectCode(err error) (wire.Code, bool) {
	switch {
	case errors.Is(err, domain.ErrGap):
		return wire.CodeOutOfOrder, true
	case errors.Is(err, domain.ErrFinished), errors.Is(err, domain.ErrSealed):
		return wire.CodeClosed, true
	case errors.Is(err, domain.ErrIncomplete):
		return wire.CodeIncomplete, true
	case errors.Is(err, domain.ErrConflict):
		return wire.CodeConflict, true
	}
	return 0, false
}

// actorFailed turns the store's or the coordinator's failure into the
// error that ends the connection.
func (cn *conn) actorFailed(err error) error {
	if errors.Is(err, actors.ErrStopped) {
		return errShutdown
	}
	if errors.Is(err, actors.ErrFenced) {
		return fenced(cn.agency)
	}
	return closeWith(wire.CodeInternal, "%v", fmt.Errorf("server failure: %w", err))
}
