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
// the server already holds. f is read from its start, a row at a time. It
// returns how many valid bets there are.
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
	r := domain.NewAgencyReader(f, a.cfg.ID)
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
	return pos, a.flush(ctx)
}

// sendSingle sends the single bet as its own batch, at position 0.
func (a *agency) sendSingle(ctx context.Context, b domain.Bet) error {
	a.batch = wire.Batch{First: 0, Bets: []domain.Bet{b}}
	if err := a.flush(ctx); err != nil {
		return err
	}
	logline.Success(a.log, "apuesta_enviada", "dni", b.Document, "numero", b.Number)
	return nil
}

// add puts the bet at pos in the batch, first sending the batch if the bet
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

// flush sends the batch, if not empty, and waits for its ack.
func (a *agency) flush(ctx context.Context) error {
	if len(a.batch.Bets) == 0 {
		return nil
	}
	if _, err := a.conn.Send(ctx, a.batch); err != nil {
		return failReply("apuesta_enviada", err)
	}
	a.retry.progress()
	logline.Debug(a.log, "batch_enviado", "first", a.batch.First, "cantidad", len(a.batch.Bets))
	a.sent += len(a.batch.Bets)
	a.batch.Bets, a.size = a.batch.Bets[:0], 0
	if now := time.Now(); now.Sub(a.logged) >= progressEvery {
		rate := float64(a.sent) / now.Sub(a.start).Seconds()
		logline.InProgress(a.log, "progreso", "enviadas", a.sent, "bets_per_s", int(rate))
		a.logged = now
	}
	return nil
}
