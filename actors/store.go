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
	// Date is the lottery's date, YYYY-MM-DD. A new store takes it (today's
	// in UTC if empty); an existing store must have it, if set.
	Date string
}

// Store is the actor that keeps the bets file. Each agency's bets have
// positions 0, 1, 2, … in its stream; the store keeps every position once,
// in order, with the stream's digest, so a batch resent after a lost reply
// is acknowledged without being stored twice, and one whose bets differ
// from those held is refused. An agency writes through a Session: a newer
// session fences the older one.
type Store struct {
	cfg     StoreConfig
	lottery Lottery
	appendc chan appendReq
	openc   chan openReq
	closec  chan closeReq
	storedc chan storedReq
	finishc chan finishReq
	drawc   chan drawReq
	done    chan struct{}
	rec     Recovery // written by OpenStore only

	// Owned by Run once it starts.
	f        *os.File
	donef    *os.File // the done file: a line agency,total,digest per finished agency
	bw       *domain.BetsWriter
	digester domain.Digester
	after    []domain.Digest // reused by each group for its bets' digests
	streams  []stream        // at index agency-1
	sealed   bool
	winners  map[int][]string // documents of the winning bets stored, by agency, in file order
	syncs    int              // fsyncs of appended bets, for tests
}

// stream is what the store knows of one agency's stream.
type stream struct {
	stored   uint64        // bets in the file
	digest   domain.Digest // of those bets
	finished bool          // in the done file
	epoch    uint64        // of the agency's latest session; 0: none yet
	fence    chan struct{} // closed when a newer session opens
	claim    Claim         // the latest session's
	live     bool          // the latest session is not closed
	// index holds the file offset of the agency's bets at positions 0,
	// indexEvery, 2*indexEvery, …: where to start reading to find the
	// digest at a position (see digestAt).
	index []int64
}

// indexEvery is the stride of a stream's index: finding a stored digest
// reads at most this many of the agency's rows.
const indexEvery = 1024

type appendReq struct {
	agency int
	epoch  uint64
	first  uint64
	bets   []domain.Bet
	from   domain.Digest   // the caller's digest before bets, if after is set
	after  []domain.Digest // the caller's digest after each bet, or nil
	reply  chan appendRep
}

type appendRep struct {
	res Appended
	err error
}

// Appended is the outcome of an append.
type Appended struct {
	Stored uint64        // the agency's bets stored after the append
	Digest domain.Digest // their digest
	New    int           // bets of the batch this append stored; the others were held already
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
	epoch  uint64
	total  uint64
	digest domain.Digest
	reply  chan error
}

type drawReq struct {
	reply chan drawRep
}

type drawRep struct {
	winners map[int][]string
	err     error
}

// OpenStore opens the store at cfg.Path: the bets file, and beside it the
// done file (DonePath) and the lottery file (LotteryPath), creating them
// for a new lottery if missing. It locks the bets file, so that a second
// process opening the same store fails with ErrInUse, and refuses a store
// of another lottery (ErrOtherLottery). It then recovers what the files
// hold: a final line torn by a crash mid-write is cut off each file, and
// every row is checked again — its form, the bet's validity on the
// lottery's date, and its digest, which must extend its agency's stream —
// and every done line must match its agency's bets. Anything else is
// ErrCorrupt, naming the line: the store refuses to start rather than
// guess. Recovered tells what was found. Call Run to serve requests.
func OpenStore(cfg StoreConfig) (*Store, error) {
	if cfg.Agencies < 0 {
		return nil, fmt.Errorf("agencies must be at least 0, got %d", cfg.Agencies)
	}
	f, err := openAppend(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("open bets file: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, err
	}
	donef, err := openAppend(DonePath(cfg.Path))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open done file: %w", err)
	}
	s := &Store{
		cfg:     cfg,
		appendc: make(chan appendReq, maxGroup),
		openc:   make(chan openReq),
		closec:  make(chan closeReq),
		storedc: make(chan storedReq),
		finishc: make(chan finishReq),
		drawc:   make(chan drawReq),
		done:    make(chan struct{}),
		f:       f,
		donef:   donef,
		streams: make([]stream, cfg.Agencies),
		winners: make(map[int][]string),
	}
	empty, err := isEmpty(f, donef)
	if err == nil {
		s.lottery, err = openLottery(cfg, empty)
	}
	if err == nil {
		err = s.recover()
	}
	if err == nil {
		// The files may have just been created: fsync their directory, so
		// that they survive a crash along with what is fsync'd into them.
		err = syncDir(filepath.Dir(cfg.Path))
	}
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// isEmpty reports whether both files are empty: a store that holds nothing.
func isEmpty(files ...*os.File) (bool, error) {
	for _, f := range files {
		fi, err := f.Stat()
		if err != nil {
			return false, err
		}
		if fi.Size() > 0 {
			return false, nil
		}
	}
	return true, nil
}

// Close closes the files of a store whose Run has not started, releasing
// its lock. Call it only instead of Run.
func (s *Store) Close() error { return s.closeFiles() }

// Lottery returns the lottery the store belongs to. It does not change.
func (s *Store) Lottery() Lottery { return s.lottery }

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
		case req := <-s.openc:
			req.reply <- s.open(req)
		case req := <-s.closec:
			s.closeSession(req)
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

// closeFiles closes both files, which releases the lock.
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

func newAppendReq(agency int, epoch, first uint64, bets []domain.Bet, from domain.Digest, after []domain.Digest) appendReq {
	return appendReq{agency, epoch, first, bets, from, after, make(chan appendRep, 1)}
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
	req     appendReq
	bets    []domain.Bet    // the bets not stored yet
	digests []domain.Digest // the stream's digest after each of them
	stored  uint64          // the agency's count after the append
	digest  domain.Digest   // and its digest
}

// group is the state of the streams as a group of appends would leave
// them: the counts and digests after the appends accepted so far.
type group struct {
	stored   []uint64
	digests  []domain.Digest
	accepted []pending
	after    []domain.Digest // holds every pending's digests
}

// commit applies a group of appends, writes their new bets, fsyncs once and
// then replies to each. If the write or the fsync fails, every accepted
// append gets the error, nothing is counted as stored, and commit returns
// the error.
func (s *Store) commit(reqs []appendReq) error {
	n := 0
	for _, req := range reqs {
		n += len(req.bets)
	}
	if cap(s.after) < n {
		s.after = make([]domain.Digest, 0, n)
	}
	g := &group{
		stored:   make([]uint64, len(s.streams)),
		digests:  make([]domain.Digest, len(s.streams)),
		accepted: make([]pending, 0, len(reqs)),
		after:    s.after[:0], // room for every bet: the pendings' slices stay put
	}
	for i, st := range s.streams {
		g.stored[i], g.digests[i] = st.stored, st.digest
	}
	for _, req := range reqs {
		p, err := s.accept(g, req)
		if err != nil {
			req.reply <- appendRep{err: err}
			continue
		}
		g.accepted = append(g.accepted, p)
	}
	if err := s.write(g.accepted); err != nil {
		for _, p := range g.accepted {
			p.req.reply <- appendRep{err: err}
		}
		return err
	}
	for i := range s.streams {
		s.streams[i].stored, s.streams[i].digest = g.stored[i], g.digests[i]
	}
	for _, p := range g.accepted {
		for _, b := range p.bets {
			s.keepWinner(p.req.agency, b)
		}
		p.req.reply <- appendRep{res: Appended{Stored: p.stored, Digest: p.digest, New: len(p.bets)}}
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

// accept checks req against the streams as g leaves them and returns the
// bets it adds, or why it is refused. A batch may start anywhere up to the
// bets held: the part of it already held must be those very bets (same
// digest over those positions), and only the rest is stored.
func (s *Store) accept(g *group, req appendReq) (pending, error) {
	a := req.agency
	if !s.known(a) {
		return pending{}, unknown(a)
	}
	if req.epoch != s.streams[a-1].epoch {
		return pending{}, ErrFenced
	}
	have := g.stored[a-1]
	if req.first > have {
		return pending{}, fmt.Errorf("%w: batch starts at %d, %d stored", ErrGap, req.first, have)
	}
	held := min(have-req.first, uint64(len(req.bets)))
	if held > 0 {
		if err := s.sameAsHeld(g, a, req.first, req.bets[:held]); err != nil {
			return pending{}, err
		}
	}
	fresh := req.bets[held:]
	if len(fresh) > 0 {
		switch {
		case s.sealed:
			return pending{}, ErrSealed
		case s.streams[a-1].finished:
			return pending{}, ErrFinished
		}
	}
	p := pending{req: req, bets: fresh}
	d := g.digests[a-1]
	if held == 0 && len(req.after) == len(fresh) && req.from == d && len(fresh) > 0 {
		// Worked out by the caller from the batch's frame, as it came.
		p.digests, d = req.after, req.after[len(fresh)-1]
	} else {
		start := len(g.after)
		for _, b := range fresh {
			d = s.digester.Add(d, b)
			g.after = append(g.after, d)
		}
		p.digests = g.after[start:len(g.after):len(g.after)]
	}
	g.stored[a-1] += uint64(len(fresh))
	g.digests[a-1] = d
	p.stored, p.digest = g.stored[a-1], d
	return p, nil
}

// sameAsHeld checks that bets, at positions first… of agency's stream,
// are the bets held there: the digest before them, extended by them, must
// be the digest held after them.
func (s *Store) sameAsHeld(g *group, agency int, first uint64, bets []domain.Bet) error {
	end := first + uint64(len(bets))
	before, err := s.digestAt(g, agency, first)
	if err != nil {
		return err
	}
	after, err := s.digestAt(g, agency, end)
	if err != nil {
		return err
	}
	if s.digester.Add(before, bets...) != after {
		return fmt.Errorf("%w: the batch's bets at positions %d..%d are not the ones stored there", ErrConflict, first, end-1)
	}
	return nil
}

// digestAt returns the digest of agency's first pos bets, pos at most the
// bets g holds: from memory for the stream's end or a bet accepted in g,
// else from the bets file, where the row of the bet at pos-1 holds it.
func (s *Store) digestAt(g *group, agency int, pos uint64) (domain.Digest, error) {
	st := &s.streams[agency-1]
	switch {
	case pos == 0:
		return 0, nil
	case pos == g.stored[agency-1]:
		return g.digests[agency-1], nil
	case pos == st.stored:
		return st.digest, nil
	case pos > st.stored: // accepted in this group, not written yet
		for _, p := range g.accepted {
			if p.req.agency == agency && pos <= p.stored && pos > p.stored-uint64(len(p.bets)) {
				return p.digests[len(p.bets)-int(p.stored-pos)-1], nil
			}
		}
		return 0, fmt.Errorf("digest at %d of agency %d: not in the group", pos, agency)
	}
	return s.rowDigest(agency, pos-1)
}

// rowDigest reads the digest in the bets file's row of agency's bet at
// pos, starting from the closest indexed row before it.
func (s *Store) rowDigest(agency int, pos uint64) (domain.Digest, error) {
	st := &s.streams[agency-1]
	k := pos / indexEvery
	off := st.index[k]
	end := s.bw.Offset() // everything is flushed between commits
	br := domain.NewBetsReader(bufioReader(s.f, off, end), off)
	for at := k * indexEvery; ; {
		row, err := br.Next()
		if err != nil {
			return 0, fmt.Errorf("read bets file for agency %d's bet %d: %w", agency, pos, err)
		}
		if row.Agency != agency {
			continue
		}
		if at == pos {
			return row.Digest, nil
		}
		at++
	}
}

// write appends the accepted bets to the file, with their digests, and
// fsyncs it, if there are any.
func (s *Store) write(accepted []pending) error {
	n := 0
	for _, p := range accepted {
		a := p.req.agency
		st := &s.streams[a-1]
		pos := p.stored - uint64(len(p.bets))
		for i, b := range p.bets {
			if pos%indexEvery == 0 {
				st.index = append(st.index, s.bw.Offset())
			}
			b.Agency = a
			if err := s.bw.Write(domain.Row{Bet: b, Digest: p.digests[i]}); err != nil {
				return fmt.Errorf("write bets file: %w", err)
			}
			pos++
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
	st := s.streams[agency-1]
	return storedRep{stored: st.stored, finished: st.finished}
}

// finish answers req, recording the agency in the done file the first
// time. It returns the error of a failed write or fsync, which stops the
// store.
func (s *Store) finish(req finishReq) error {
	a := req.agency
	if !s.known(a) {
		req.reply <- unknown(a)
		return nil
	}
	st := &s.streams[a-1]
	switch {
	case req.epoch != st.epoch:
		req.reply <- ErrFenced
	case st.stored != req.total:
		req.reply <- fmt.Errorf("%w: stored %d, reported %d", ErrIncomplete, st.stored, req.total)
	case st.digest != req.digest:
		req.reply <- fmt.Errorf("%w: the %d bets stored have digest %v, the agency's %v", ErrConflict, st.stored, st.digest, req.digest)
	case st.finished:
		req.reply <- nil
	default:
		err := s.writeDone(a, req.total, req.digest)
		if err == nil {
			st.finished = true
		}
		req.reply <- err
		return err
	}
	return nil
}

// writeDone appends agency's line to the done file and fsyncs it.
func (s *Store) writeDone(agency int, total uint64, digest domain.Digest) error {
	if _, err := s.donef.Write(doneLine(agency, total, digest)); err != nil {
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
