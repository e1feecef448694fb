package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/tp0/loteria/cmd/internal/logline"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// stream sends the single bet, if any, then the valid bets of f, if any,
// numbered from 0 in that order, skipping the positions below stored that
// the server already holds. f is read from its start, a row at a time.
// Batches are pipelined, at most cfg.BatchWindow in flight; stream returns,
// with how many valid bets there are, once the server has acked them all.
func (a *agency) stream(ctx context.Context, single *domain.Bet, f io.Reader, stored uint64) (uint64, error) {
	a.batch.Bets, a.size = a.batch.Bets[:0], 0 // what a lost session left
	var pos uint64
	if single != nil {
		if stored == 0 {
			if err := a.sendSingle(ctx, *single); err != nil {
				return 0, err
			}
		}
		pos++
	}
	if f == nil {
		return pos, nil
	}
	r := domain.NewAgencyReaderOn(f, a.cfg.ID, a.today) // one date for every session
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
			return 0, fail("leer_apuesta", err)
		}
		if pos >= stored {
			if err := a.add(ctx, pos, b); err != nil {
				return 0, err
			}
		}
		pos++
	}
	if err := a.flush(ctx); err != nil {
		return 0, err
	}
	return pos, a.drain(ctx)
}

// sendSingle sends the single bet as its own batch, at position 0, and
// waits for its ack.
func (a *agency) sendSingle(ctx context.Context, b domain.Bet) error {
	a.batch = wire.Batch{First: 0, Bets: []domain.Bet{b}}
	if err := a.flush(ctx); err != nil {
		return err
	}
	if err := a.drain(ctx); err != nil {
		return err
	}
	logline.Success(a.log, "apuesta_enviada", "dni", b.Document, "numero", b.Number)
	return nil
}

// add puts the bet at pos in the batch, first posting the batch if the bet
// would take it past cfg.BatchMaxAmount bets or wire.MaxBatchBytes bytes.
func (a *agency) add(ctx context.Context, pos uint64, b domain.Bet) error {
	n := wire.BetSize(b)
	if k := len(a.batch.Bets); k > 0 && (k >= a.cfg.BatchMaxAmount || a.size+n > wire.MaxBatchBytes) {
		if err := a.flush(ctx); err != nil {
			return err
		}
	}
	if len(a.batch.Bets) == 0 {
		a.batch.First = pos
	}
	a.batch.Bets = append(a.batch.Bets, b)
	a.size += n
	return nil
}

// flush posts the batch, if not empty, and empties it for reuse (Post has
// copied its bytes). A full window then waits for the oldest ack.
func (a *agency) flush(ctx context.Context) error {
	if len(a.batch.Bets) == 0 {
		return nil
	}
	if err := a.conn.Post(ctx, a.batch); err != nil {
		return failReply("apuesta_enviada", err)
	}
	a.batch.Bets, a.size = a.batch.Bets[:0], 0
	if a.conn.InFlight() >= a.cfg.BatchWindow {
		return a.ack(ctx)
	}
	return nil
}

// drain waits for the ack of every batch in flight.
func (a *agency) drain(ctx context.Context) error {
	for a.conn.InFlight() > 0 {
		if err := a.ack(ctx); err != nil {
			return err
		}
	}
	return nil
}

// ack waits for the ack of the oldest batch in flight: progress, which
// counts the batch's bets as sent. A reject ends the run.
func (a *agency) ack(ctx context.Context) error {
	ack, err := a.conn.Ack(ctx)
	if err != nil {
		return failReply("apuesta_enviada", err)
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
