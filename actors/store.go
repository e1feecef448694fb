package actors

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tp0/loteria/domain"
)

const (
	// maxGroup bounds the appends fsync'd together, and the appends that
	// may queue for the store.
	maxGroup = 256
	readSize = 64 << 10
)

// StoreConfig configures a Store.
type StoreConfig struct {
	Path     string // the bets file; created if missing
	Agencies int    // N; agencies are 1..N. With 0 the store holds no bets: every agency is unknown
}

// Store is the actor that keeps the bets file. Each agency's bets have
// positions 0, 1, 2, … in its stream; the store keeps every position once,
// in order, so a batch resent after a lost reply is acknowledged without
// being stored twice.
type Store struct {
	cfg     StoreConfig
	appendc chan appendReq
	storedc chan storedReq
	finishc chan finishReq
	drawc   chan drawReq
	done    chan struct{}
	rec     Recovery // written by OpenStore only

	// Owned by Run once it starts.
	f        *os.File
	donef    *os.File // the done file: a line agency,total per finished agency
	bw       *domain.BetsWriter
	stored   []uint64 // bets in the file per agency, at index agency-1
	finished []bool   // agencies in the done file, at index agency-1
	sealed   bool
	winners  map[int][]string // documents of the winning bets stored, by agency, in file order
	syncs    int              // fsyncs of appended bets, for tests
}

type appendReq struct {
	agency int
	first  uint64
	bets   []domain.Bet
	reply  chan appendRep
}

type appendRep struct {
	res Appended
	err error
}

// Appended is the outcome of an Append.
type Appended struct {
	Stored uint64 // the agency's bets stored after the append
	New    int    // bets of the batch this append stored; the others were held already
}

type storedReq struct {
	agency int
	reply  chan storedRep
}

type storedRep struct {
	stored   uint64
	finished bool
	err      error
}

type finishReq struct {
	agency int
	total  uint64
	reply  chan error
}

type drawReq struct {
	reply chan drawRep
}

type drawRep struct {
	winners map[int][]string
	err     error
}

// OpenStore opens the bets file and, beside it, the done file (DonePath),
// creating them if missing, and recovers what they hold: a final line torn
// by a crash mid-write is cut off each file, the bets are counted per agency,
// and the agencies recorded as done are finished again. A malformed line
// before the last one, an agency outside 1..N, or an agency done with a
// total other than its bets in the bets file (ErrCorrupt) is an error: the
// store refuses to start rather than guess. Recovered tells what was found.
// Call Run to serve requests.
func OpenStore(cfg StoreConfig) (*Store, error) {
	if cfg.Agencies < 0 {
		return nil, fmt.Errorf("agencies must be at least 0, got %d", cfg.Agencies)
	}
	f, err := openAppend(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("open bets file: %w", err)
	}
	donef, err := openAppend(DonePath(cfg.Path))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open done file: %w", err)
	}
	s := &Store{
		cfg:      cfg,
		appendc:  make(chan appendReq, maxGroup),
		storedc:  make(chan storedReq),
		finishc:  make(chan finishReq),
		drawc:    make(chan drawReq),
		done:     make(chan struct{}),
		f:        f,
		donef:    donef,
		bw:       domain.NewBetsWriter(f), // it buffers: no bufio between
		stored:   make([]uint64, cfg.Agencies),
		winners:  make(map[int][]string),
		finished: make([]bool, cfg.Agencies),
	}
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, err
	}
	// Both files may have just been created: fsync their directory, so
	// that they survive a crash along with what is fsync'd into them.
	if err := syncDir(filepath.Dir(cfg.Path)); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
}

// syncDir fsyncs a directory, so that files just created in it survive a
// crash along with what is fsync'd into them.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync bets directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync bets directory: %w", err)
	}
	return nil
}

// Run serves the store's requests until ctx ends, then flushes, fsyncs and
// closes the files. It returns early with the error if writing or fsyncing
// appended bets or a finished agency fails: a store that could not make its
// state durable must not go on acknowledging it. Once Run returns, every
// method returns ErrStopped. Call Run once.
func (s *Store) Run(ctx context.Context) error {
	defer close(s.done)
	for {
		select {
		case req := <-s.appendc:
			if err := s.commit(s.gather(req)); err != nil {
				s.closeFiles()
				return err
			}
		case req := <-s.storedc:
			req.reply <- s.stat(req.agency)
		case req := <-s.finishc:
			if err := s.finish(req); err != nil {
				s.closeFiles()
				return err
			}
		case req := <-s.drawc:
			w, err := s.draw()
			req.reply <- drawRep{w, err}
		case <-ctx.Done():
			return s.close()
		}
	}
}

// close flushes, fsyncs and closes the bets file, and closes the done file
// (every line of which is fsync'd already).
func (s *Store) close() error {
	err := s.flush()
	if cerr := s.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

// closeFiles closes both files.
func (s *Store) closeFiles() error {
	ferr := s.f.Close()
	derr := s.donef.Close()
	switch {
	case ferr != nil:
		return fmt.Errorf("close bets file: %w", ferr)
	case derr != nil:
		return fmt.Errorf("close done file: %w", derr)
	}
	return nil
}

// flush pushes buffered rows to the bets file and fsyncs it.
func (s *Store) flush() error {
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("write bets file: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync bets file: %w", err)
	}
	return nil
}

func (s *Store) known(agency int) bool { return agency >= 1 && agency <= s.cfg.Agencies }

func unknown(agency int) error { return fmt.Errorf("%w: %d", ErrUnknownAgency, agency) }

// Append stores agency's batch of bets at positions first,
// first+1, …, first+len(bets)-1 and returns how many of agency's bets are
// stored after it and how many of the batch it stored, once they are
// written and fsync'd. Bets at positions
// already stored are skipped, so resending a batch is safe; a batch entirely
// stored is acknowledged even after Finish or Draw. Each bet is stored with
// Agency set to agency; the caller has validated the rest.
//
// Append fails with ErrUnknownAgency, ErrGap if first is past the bets
// stored, ErrFinished or ErrSealed for new bets after Finish or Draw, or the
// write or fsync error that stops the store. After a context error the batch
// may or may not have been stored; Stored or a resend tells.
func (s *Store) Append(ctx context.Context, agency int, first uint64, bets []domain.Bet) (Appended, error) {
	// A copy: the store may still read the bets after a caller that gave up
	// on ctx has reused its slice.
	wait, err := s.Enqueue(ctx, agency, first, slices.Clone(bets))
	if err != nil {
		return Appended{}, err
	}
	return wait(ctx)
}

// Enqueue is Append in two steps: it hands the batch to the store and
// returns at once with a wait function that returns what Append would. The
// store takes appends in the order they are enqueued, so a connection can
// enqueue its batches one after the other and wait for each in turn while
// the next are read: a window of batches in flight, committed together.
// The store owns bets from then on: the caller must not change them. wait
// with a cancelled ctx polls: it returns the outcome if the store has
// given it, else ctx's error.
func (s *Store) Enqueue(ctx context.Context, agency int, first uint64, bets []domain.Bet) (wait func(context.Context) (Appended, error), err error) {
	req := newAppendReq(agency, first, bets)
	if err := send(ctx, s.appendc, req, s.done); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (Appended, error) { return waitAppend(ctx, req, s.done) }, nil
}

func newAppendReq(agency int, first uint64, bets []domain.Bet) appendReq {
	return appendReq{agency, first, bets, make(chan appendRep, 1)}
}

func waitAppend(ctx context.Context, req appendReq, done <-chan struct{}) (Appended, error) {
	rep, err := recv(ctx, req.reply, done)
	if err != nil {
		return Appended{}, err
	}
	return rep.res, rep.err
}

// gather returns first and the appends queued behind it, to be committed
// together.
func (s *Store) gather(first appendReq) []appendReq {
	group := []appendReq{first}
	for len(group) < maxGroup {
		select {
		case req := <-s.appendc:
			group = append(group, req)
		default:
			return group
		}
	}
	return group
}

// pending is an append accepted into a group, waiting for the commit.
type pending struct {
	req    appendReq
	bets   []domain.Bet // the bets not stored yet
	stored uint64       // the agency's count after them
}

// commit applies a group of appends, writes their new bets, fsyncs once and
// then replies to each. If the write or the fsync fails, every accepted
// append gets the error, nothing is counted as stored, and commit returns
// the error.
func (s *Store) commit(group []appendReq) error {
	next := slices.Clone(s.stored)
	accepted := make([]pending, 0, len(group))
	for _, req := range group {
		bets, err := s.fresh(next, req)
		if err != nil {
			req.reply <- appendRep{err: err}
			continue
		}
		next[req.agency-1] += uint64(len(bets))
		accepted = append(accepted, pending{req, bets, next[req.agency-1]})
	}
	if err := s.write(accepted); err != nil {
		for _, p := range accepted {
			p.req.reply <- appendRep{err: err}
		}
		return err
	}
	s.stored = next
	for _, p := range accepted {
		for _, b := range p.bets {
			s.keepWinner(p.req.agency, b)
		}
		p.req.reply <- appendRep{res: Appended{Stored: p.stored, New: len(p.bets)}}
	}
	return nil
}

// keepWinner notes the document of a bet just stored if it wins, so the
// draw needs no scan of the bets file.
func (s *Store) keepWinner(agency int, b domain.Bet) {
	if b.Wins() {
		// Clone: the document may share memory with a whole frame or row.
		s.winners[agency] = append(s.winners[agency], strings.Clone(b.Document))
	}
}

// fresh returns the bets of req at positions not yet stored, given the
// counts next, or why req is refused.
func (s *Store) fresh(next []uint64, req appendReq) ([]domain.Bet, error) {
	if !s.known(req.agency) {
		return nil, unknown(req.agency)
	}
	have := next[req.agency-1]
	if req.first > have {
		return nil, fmt.Errorf("%w: batch starts at %d, %d stored", ErrGap, req.first, have)
	}
	skip := have - req.first
	if skip >= uint64(len(req.bets)) {
		return nil, nil
	}
	switch {
	case s.sealed:
		return nil, ErrSealed
	case s.finished[req.agency-1]:
		return nil, ErrFinished
	}
	return req.bets[skip:], nil
}

// write appends the accepted bets to the file and fsyncs it, if there are
// any.
func (s *Store) write(accepted []pending) error {
	n := 0
	for _, p := range accepted {
		for _, b := range p.bets {
			b.Agency = p.req.agency
			if err := s.bw.Write(b); err != nil {
				return fmt.Errorf("write bets file: %w", err)
			}
		}
		n += len(p.bets)
	}
	if n == 0 {
		return nil
	}
	s.syncs++
	return s.flush()
}

// Stored returns how many of agency's bets are stored and whether the agency
// has finished.
func (s *Store) Stored(ctx context.Context, agency int) (stored uint64, finished bool, err error) {
	req := storedReq{agency, make(chan storedRep, 1)}
	rep, err := call(ctx, s.storedc, req, req.reply, s.done)
	if err != nil {
		return 0, false, err
	}
	return rep.stored, rep.finished, rep.err
}

func (s *Store) stat(agency int) storedRep {
	if !s.known(agency) {
		return storedRep{err: unknown(agency)}
	}
	return storedRep{stored: s.stored[agency-1], finished: s.finished[agency-1]}
}

// Finish records that agency has sent all its bets, total in all, and
// returns once that is written and fsync'd in the done file, so that the
// agency stays finished across a restart. It fails with ErrIncomplete if
// total is not the number of agency's bets stored, or with the write or
// fsync error that stops the store. Finishing again with the same total is
// fine and writes nothing. After Finish, new bets for agency fail with
// ErrFinished.
func (s *Store) Finish(ctx context.Context, agency int, total uint64) error {
	req := finishReq{agency, total, make(chan error, 1)}
	err, rerr := call(ctx, s.finishc, req, req.reply, s.done)
	if rerr != nil {
		return rerr
	}
	return err
}

// finish answers req, recording the agency in the done file the first
// time. It returns the error of a failed write or fsync, which stops the
// store.
func (s *Store) finish(req finishReq) error {
	a := req.agency
	switch {
	case !s.known(a):
		req.reply <- unknown(a)
	case s.stored[a-1] != req.total:
		req.reply <- fmt.Errorf("%w: stored %d, reported %d", ErrIncomplete, s.stored[a-1], req.total)
	case s.finished[a-1]:
		req.reply <- nil
	default:
		err := s.writeDone(a, req.total)
		if err == nil {
			s.finished[a-1] = true
		}
		req.reply <- err
		return err
	}
	return nil
}

// writeDone appends agency's line to the done file and fsyncs it.
func (s *Store) writeDone(agency int, total uint64) error {
	if _, err := s.donef.Write(doneLine(agency, total)); err != nil {
		return fmt.Errorf("write done file: %w", err)
	}
	if err := s.donef.Sync(); err != nil {
		return fmt.Errorf("sync done file: %w", err)
	}
	return nil
}

// Draw seals the store, so that new bets fail with ErrSealed, and returns the
// documents of the winning bets by agency, in the order they were stored.
// Agencies without winners are absent from the map. The store keeps the
// winners as it stores bets (and finds them again when it recovers the bets
// file on open), so the draw costs no scan of the file. The map is the
// caller's.
func (s *Store) Draw(ctx context.Context) (map[int][]string, error) {
	req := drawReq{make(chan drawRep, 1)}
	rep, err := call(ctx, s.drawc, req, req.reply, s.done)
	if err != nil {
		return nil, err
	}
	return rep.winners, rep.err
}

// draw seals the store and returns the winners.
func (s *Store) draw() (map[int][]string, error) {
	s.sealed = true
	return cloneWinners(s.winners), nil
}

func cloneWinners(w map[int][]string) map[int][]string {
	c := maps.Clone(w)
	for a, docs := range c {
		c[a] = slices.Clone(docs)
	}
	return c
}
