package actors

import (
	"context"
	"fmt"

	"github.com/tp0/loteria/actors/csvfile"
	"github.com/tp0/loteria/domain"
)

// maxGroup bounds the appends committed together, and the appends that may
// queue for the store.
const maxGroup = 256

// StoreConfig configures a Store.
type StoreConfig struct {
	Path     string // the bets file (see OpenStore); created if missing
	Agencies int    // N; agencies are 1..N. With 0 the store holds no bets: every agency is unknown
	// Date is the lottery's date, YYYY-MM-DD. A new store takes it (today's
	// in UTC if empty); an existing store must have it, if set.
	Date string
}

// Store is the actor that keeps the bets: a domain.Ledger (the rules of
// every agency's stream) over a BetLog (where they are durable), and the
// loop that commits appends to both in groups. Each agency's bets have
// positions 0, 1, 2, … in its stream; the store keeps every position once,
// in order, with the stream's digest, so a batch resent after a lost reply
// is acknowledged without being stored twice, and one whose bets differ
// from those held is refused. An agency writes through a Session: a newer
// session fences the older one.
type Store struct {
	log     BetLog
	lottery domain.Lottery
	rec     Recovery // written by NewStore only
	appendc chan *AppendFuture
	openc   chan openReq
	closec  chan closeReq
	heldc   chan heldReq
	finishc chan finishReq
	drawc   chan drawReq
	tallyc  chan tallyReq
	done    chan struct{}

	// Owned by Run once it starts.
	ledger   *domain.Ledger
	sessions []sessions   // at index agency-1
	rows     []domain.Row // reused by each group commit
	commits  int          // appends to the log, for tests
	sealed   bool         // the draw has run
	claimed  *bool        // a SharedLog's Claim, once made
}

// OpenStore opens the store kept in local files at cfg.Path (see package
// csvfile): the bets file, and beside it the done file and the lottery
// file, created for a new lottery if missing. A second process opening
// the same store fails with domain.ErrInUse. It then recovers the store as
// NewStore does.
func OpenStore(cfg StoreConfig) (*Store, error) {
	if cfg.Agencies < 0 { // before a file is made for it
		return nil, fmt.Errorf("agencies must be at least 0, got %d", cfg.Agencies)
	}
	fresh, err := NewLottery(cfg)
	if err != nil {
		return nil, err
	}
	log, err := csvfile.Open(cfg.Path, fresh)
	if err != nil {
		return nil, err
	}
	s, err := NewStore(log, cfg)
	if err != nil {
		log.Close()
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	s.rec.Repairs = log.Repairs()
	return s, nil
}

// StoreFiles returns the files OpenStore keeps the store at path in: the
// bets file, the done file and the lottery file.
func StoreFiles(path string) []string {
	return []string{path, csvfile.DonePath(path), csvfile.LotteryPath(path)}
}

// NewStore returns the store kept in log, which must be of cfg's lottery:
// another is domain.ErrOtherLottery, and the log is left as it is. It
// replays the log and checks every bet again — the bet's validity on the
// lottery's date, and its digest, which must extend its agency's stream —
// and every done, which must match its agency's bets. Anything else is
// domain.ErrCorrupt, saying where: the store refuses to start rather than
// guess. Recovered tells what was found. The store owns log from then on:
// call Run to serve requests, or Close instead. If NewStore fails, log is
// still the caller's to close.
func NewStore(log BetLog, cfg StoreConfig) (*Store, error) {
	if cfg.Agencies < 0 {
		return nil, fmt.Errorf("agencies must be at least 0, got %d", cfg.Agencies)
	}
	s := &Store{
		log:      log,
		lottery:  log.Lottery(),
		appendc:  make(chan *AppendFuture, maxGroup),
		openc:    make(chan openReq),
		closec:   make(chan closeReq),
		heldc:    make(chan heldReq),
		finishc:  make(chan finishReq),
		drawc:    make(chan drawReq),
		tallyc:   make(chan tallyReq),
		done:     make(chan struct{}),
		ledger:   domain.NewLedger(cfg.Agencies),
		sessions: make([]sessions, cfg.Agencies),
	}
	if err := checkLottery(s.lottery, cfg); err != nil {
		return nil, err
	}
	if err := s.replay(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the log of a store whose Run has not started, releasing its
// lock. Call it only instead of Run.
func (s *Store) Close() error { return s.log.Close() }

// Lottery returns the lottery the store belongs to. It does not change.
func (s *Store) Lottery() domain.Lottery { return s.lottery }

// Recovered returns what the store recovered from its log when it opened
// (the repairs are those OpenStore's file log made). It is meant for use
// before Run, to start the Coordinator with the agencies already done and
// to log the recovery: it describes the log as the store found it,
// whatever Run has done since. The slices are the caller's.
func (s *Store) Recovered() Recovery {
	r := s.rec
	r.Stored = append([]uint64(nil), r.Stored...)
	r.Finished = append([]int(nil), r.Finished...)
	r.Repairs = append([]string(nil), r.Repairs...)
	return r
}

// Run serves the store's requests until ctx ends, then closes the log. It
// returns early with the error if appending bets or a done to the log
// fails: a store that could not make its state durable must not go on
// acknowledging it. Once Run returns, every method returns ErrStopped.
// Call Run once.
func (s *Store) Run(ctx context.Context) error {
	defer close(s.done)
	for {
		select {
		case f := <-s.appendc:
			if err := s.commit(s.gather(f)); err != nil {
				s.log.Close()
				return err
			}
		case req := <-s.openc:
			if err := s.open(req); err != nil {
				s.log.Close()
				return err
			}
		case req := <-s.closec:
			s.closeSession(req)
		case req := <-s.heldc:
			h, err := s.ledger.Held(req.agency)
			req.reply <- heldRep{h, err}
		case req := <-s.finishc:
			if err := s.finish(req); err != nil {
				s.log.Close()
				return err
			}
		case req := <-s.drawc:
			req.reply <- s.draw()
		case req := <-s.tallyc:
			req.reply <- s.tally()
		case <-ctx.Done():
			if err := s.log.Close(); err != nil {
				return fmt.Errorf("close store: %w", err)
			}
			return nil
		}
	}
}

type heldReq struct {
	agency int
	reply  chan heldRep
}

type heldRep struct {
	held domain.Held
	err  error
}

// Stored returns how many of agency's bets are stored and whether the
// agency has finished.
func (s *Store) Stored(ctx context.Context, agency int) (stored uint64, finished bool, err error) {
	req := heldReq{agency, make(chan heldRep, 1)}
	rep, err := call(ctx, s.heldc, req, req.reply, s.done)
	if err == nil {
		err = rep.err
	}
	return rep.held.Stored, rep.held.Finished, err
}

type finishReq struct {
	done  domain.Done
	epoch uint64
	reply chan error
}

// finish answers req, recording the done in the log the first time. It
// returns the error of a failed write, which stops the store.
func (s *Store) finish(req finishReq) error {
	if a := req.done.Agency; s.ledger.Known(a) && req.epoch != s.sessions[a-1].epoch {
		req.reply <- ErrFenced
		return nil
	}
	var wait backoff
	for wait.next() {
		recorded, err := s.ledger.Finish(req.done) // refuses an unknown agency
		if err != nil || !recorded {
			req.reply <- err
			return nil
		}
		err = s.log.Finish(req.done)
		b, ok := behind(err)
		if !ok {
			req.reply <- err
			return err
		}
		// Another server appended for the agency first: judge the done
		// again against what it appended.
		a := req.done.Agency
		if err := s.ledger.Truncate(a, b.Held[a]); err != nil {
			req.reply <- err
			return fmt.Errorf("undo what the log refused: %w", err)
		}
		if _, err := s.catchUp([]int{a}); err != nil {
			req.reply <- err
			return err
		}
	}
	req.reply <- errTooManyRetries
	return nil
}

type drawReq struct {
	reply chan drawRep
}

type drawRep struct {
	winners map[int][]string
	err     error
}

// draw seals the ledger, once a shared log's every bet and done is in it.
func (s *Store) draw() drawRep {
	if _, shared := s.log.(SharedLog); shared && !s.sealed {
		if err := s.drawShared(); err != nil {
			return drawRep{err: err}
		}
	}
	s.sealed = true
	return drawRep{winners: s.ledger.Seal()}
}

// Draw seals the store, so that new bets fail with domain.ErrSealed, and
// returns the documents of the winning bets by agency, in the order they
// were stored. Agencies without winners are absent from the map. The
// store keeps the winners as it stores bets (and finds them again when it
// replays its log on open), so the draw reads nothing — but for a
// SharedLog, whose bets stored by other servers it first catches up with.
// The map is the caller's.
func (s *Store) Draw(ctx context.Context) (map[int][]string, error) {
	req := drawReq{make(chan drawRep, 1)}
	rep, err := call(ctx, s.drawc, req, req.reply, s.done)
	if err == nil {
		err = rep.err
	}
	return rep.winners, err
}
