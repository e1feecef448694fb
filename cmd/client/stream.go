package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
	"github.com/tp0/loteria/net/wire"
)

// expected is what the ack of a batch in flight must say: the server then
// holds end bets of the agency, whose digest is digest.
type expected struct {
	end    uint64
	digest domain.Digest
}

// stream goes over the agency's valid bets in position order, numbered
// from 0: the single bet, if any, then the valid rows of f, if any, read
// from its start a row at a time and judged against the lottery's date.
// The bets below w.Stored, which the server already holds, are not sent,
// but their digest must be w.Digest: it is checked at position w.Stored,
// before anything is sent (see check). The others are sent in batches,
// pipelined, at most cfg.BatchWindow in flight, and each ack must say the
// server holds what the agency sent, in count and digest. With w.Finished
// nothing is sent: every bet must be among those the server holds. stream
// returns how many valid bets there are and their digest, once the server
// has acked them all.
func (a *agency) stream(ctx context.Context, single *domain.Bet, f io.Reader, w wire.Welcome) (uint64, domain.Digest, error) {
	a.batch.Bets, a.size = a.batch.Bets[:0], 0 // what a lost session left
	a.expect = a.expect[:0]
	a.welcome, a.pos, a.digest, a.checked = w, 0, 0, false
	if single != nil {
		// Judged on the lottery's date too: the configuration could check
		// only its form and the clock.
		if err := single.ValidateOn(a.lottery.day); err != nil {
			return 0, 0, fail("apuesta_enviada", fmt.Errorf("the single bet is not valid in the lottery of %s: %w", a.lottery.date, err))
		}
		if err := a.next(ctx, *single, true); err != nil {
			return 0, 0, err
		}
	}
	if f != nil {
		r := domain.NewAgencyReaderOn(f, a.cfg.ID, a.lottery.day) // one date for every session
		for {
			b, _, err := r.Next()
			if err == io.EOF {
				break
			}
			var rowErr *domain.RowError
			if errors.As(err, &rowErr) {
				logline.Fail(a.log, "leer_apuesta", "line", rowErr.Line, "error", rowErr.Err)
				continue
			}
			if err != nil {
				return 0, 0, fail("leer_apuesta", err)
			}
			if err := a.next(ctx, b, false); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := a.atEnd(); err != nil {
		return 0, 0, err
	}
	if err := a.post(ctx); err != nil {
		return 0, 0, err
	}
	if err := a.awaitAcks(ctx); err != nil {
		return 0, 0, err
	}
	return a.pos, a.digest, nil
}

// next takes b, the valid bet at position a.pos: it adds it to the digest
// of what the server holds already, or sends it, the single bet alone.
func (a *agency) next(ctx context.Context, b domain.Bet, single bool) error {
	if a.pos == a.welcome.Stored {
		if err := a.check(); err != nil {
			return err
		}
	}
	if a.pos < a.welcome.Stored || a.welcome.Finished {
		a.digest = a.dg.Add(a.digest, b)
		a.pos++
		return nil
	}
	if single {
		return a.sendSingle(ctx, b)
	}
	return a.add(ctx, b)
}

// check compares the digest of the agency's first welcome.Stored bets with
// the server's, at position welcome.Stored, before any bet is sent.
func (a *agency) check() error {
	a.checked = true
	if a.digest != a.welcome.Digest {
		return a.differs(fmt.Sprintf("their first %d bets do not match (digest %s here, %s on the server)",
			a.welcome.Stored, a.digest, a.welcome.Digest))
	}
	return nil
}

// atEnd checks, once every valid bet has been taken, that the server holds
// no more of them than the agency has, and no others: at the end of the
// stream if welcome.Stored is there. With welcome.Finished the server
// holds them all, and those only.
func (a *agency) atEnd() error {
	w := a.welcome
	switch {
	case a.pos < w.Stored:
		return a.differs(fmt.Sprintf("the server holds %d bets, the agency has only %d valid ones", w.Stored, a.pos))
	case !a.checked:
		return a.check()
	case w.Finished && a.pos > w.Stored:
		return a.differs(fmt.Sprintf("the server holds the agency's first %d bets and its done, and the agency has %d valid ones", w.Stored, a.pos))
	}
	return nil
}

// differs is the failure for an agency whose bets are not those the server
// holds: nothing more is sent, and connecting again would not cure it.
func (a *agency) differs(why string) error {
	return fail("connect", fmt.Errorf("the agency file differs from the bets the server holds for agency %d: %s", a.cfg.ID, why))
}

// sendSingle sends the single bet as its own batch, at position 0, and
// waits for its ack.
func (a *agency) sendSingle(ctx context.Context, b domain.Bet) error {
	a.batch = wire.Batch{First: a.pos, Bets: append(a.batch.Bets[:0], b)}
	a.pos++
	if err := a.post(ctx); err != nil {
		return err
	}
	if err := a.awaitAcks(ctx); err != nil {
		return err
	}
	logline.Success(a.log, "apuesta_enviada", "dni", b.Document, "numero", b.Number)
	return nil
}

// add puts the bet at a.pos in the batch, first posting the batch if the
// bet would take it past cfg.BatchMaxAmount bets or wire.MaxBatchBytes
// bytes.
func (a *agency) add(ctx context.Context, b domain.Bet) error {
	n := wire.BetSize(b)
	if k := len(a.batch.Bets); k > 0 && (k >= a.cfg.BatchMaxAmount || a.size+n > wire.MaxBatchBytes) {
		if err := a.post(ctx); err != nil {
			return err
		}
	}
	if len(a.batch.Bets) == 0 {
		a.batch.First = a.pos
	}
	a.batch.Bets = append(a.batch.Bets, b)
	a.size += n
	a.pos++
	return nil
}

// post sends the batch, if not empty, without waiting for its ack: it
// notes what the ack must say and empties the batch for reuse (Post has
// copied its bytes). A full window then waits for the oldest ack.
func (a *agency) post(ctx context.Context) error {
	if len(a.batch.Bets) == 0 {
		return nil
	}
	d, err := a.conn.PostDigest(ctx, a.batch, a.digest)
	if err != nil {
		return a.failReply("apuesta_enviada", err)
	}
	a.digest = d
	a.expect = append(a.expect, expected{end: a.batch.First + uint64(len(a.batch.Bets)), digest: a.digest})
	a.batch.Bets, a.size = a.batch.Bets[:0], 0
	if a.conn.InFlight() >= a.cfg.BatchWindow {
		return a.ack(ctx)
	}
	return nil
}

// awaitAcks waits for the ack of every batch in flight.
func (a *agency) awaitAcks(ctx context.Context) error {
	for a.conn.InFlight() > 0 {
		if err := a.ack(ctx); err != nil {
			return err
		}
	}
	return nil
}

// ack waits for the ack of the oldest batch in flight, which must say
// that the server holds exactly the agency's bets up to the batch's end,
// in count and digest: then it is progress, which counts the batch's bets
// as sent. A server on a log shared with other servers may hold more by
// the time it acks — another server stored the agency's next batches first
// (those of a session lost on it), or the server's own answer for several
// of them was lost and it found them stored — so the ack may instead say
// that it holds the agency's bets up to where a later batch in flight
// ends, with the digest there: that is progress too. Past the batch's end
// but where no batch in flight ends, the agency cannot check what the
// server holds: the session is lost, and the next one's welcome checks
// it. A reject, or an ack that says otherwise, ends the run.
func (a *agency) ack(ctx context.Context) error {
	ack, err := a.conn.Ack(ctx)
	if err != nil {
		return a.failReply("apuesta_enviada", err)
	}
	want := a.expect[0]
	a.expect = slices.Delete(a.expect, 0, 1)
	if ack.Stored > want.end {
		i := slices.IndexFunc(a.expect, func(e expected) bool { return e.end == ack.Stored })
		if i < 0 {
			err := fmt.Errorf("the server holds %d bets after the batch at position %d, past its end %d where no batch in flight ends: connecting again to check them",
				ack.Stored, ack.First, want.end)
			return &failure{action: "apuesta_enviada", attrs: []any{"error", err}, err: err, lost: true}
		}
		if later := a.expect[i]; ack.Digest != later.digest {
			return a.ackDiffers(ack, fmt.Sprintf("the server holds %d bets, where a later batch ends: digest %s here there, %s on the server",
				ack.Stored, later.digest, ack.Digest))
		}
		want = a.expect[i]
	}
	switch {
	case ack.Stored != want.end:
		return a.ackDiffers(ack, fmt.Sprintf("the server holds %d bets after the batch, the agency %d", ack.Stored, want.end))
	case ack.Digest != want.digest:
		return a.ackDiffers(ack, fmt.Sprintf("digest %s here after the batch, %s on the server", want.digest, ack.Digest))
	}
	a.retry.progress()
	logline.Debug(a.log, "batch_enviado", "first", ack.First, "cantidad", ack.Count)
	a.sent += int(ack.Count)
	if now := time.Now(); now.Sub(a.logged) >= progressEvery {
		rate := float64(a.sent) / now.Sub(a.start).Seconds()
		logline.InProgress(a.log, "progreso", "enviadas", a.sent, "porcentaje", a.file.percent(), "bets_per_s", int(rate))
		a.logged = now
	}
	return nil
}

// ackDiffers is the failure for an ack that says the server holds other
// bets than the agency sent, somewhere in the acked batch (the acks before
// it, and the welcome, matched).
func (a *agency) ackDiffers(ack wire.Ack, why string) error {
	return fail("apuesta_enviada", fmt.Errorf("the server's bets differ from the agency's at position %d (the batch of %d bets there): %s",
		ack.First, ack.Count, why))
}
