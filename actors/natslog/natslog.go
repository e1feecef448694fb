// Package natslog is the store's shared backend (an actors.SharedLog): a
// lottery's bets and dones in a NATS JetStream stream, replicated by Raft
// on one or three NATS servers, which the stores of several lottery
// servers write at once.
//
// The stream has one subject per agency, loteria.<lottery>.a.<agency>.
// A message holds a run of the agency's bets, as rows of the bets file
// (see domain.Row), with the position of its first bet and how many it
// holds in headers, or the agency's done (its total and digest). Every
// message is published with the sequence the log last saw on its subject
// as Nats-Expected-Last-Subject-Sequence: JetStream appends it only if
// nothing was appended to the subject since, so an agency's position is
// stored once however many servers write for it; a message refused so is
// an actors.BehindError, and the store catches up and judges again. Its
// Nats-Msg-Id (lottery/agency/position) makes a resend inside the
// duplicate window a duplicate, which the log never takes for its own
// success: it may be another server's message at that position.
//
// Beside the stream, two key-value buckets: one, the deployment's,
// names the lottery (key "lottery": id, date, agencies), created by the
// first server and read by the others; the lottery's own holds a key per
// finished agency (done.<agency>), which every server watches to learn
// when all N are done, and the key "draw", whose creation decides which
// server announces the draw.
//
// What an acknowledgement means: JetStream acknowledges a message once a
// quorum of the stream's replicas has it (2 of 3 with Replicas 3, the one
// server with 1). Whether "has it" means on disk depends on the NATS
// servers' sync_interval: the servers this project ships run with
// sync_interval: always, so an Append or Finish that returned is on the
// disk of a quorum. With JetStream's default (2 minutes) an ack means in
// memory of a quorum, and a power cut of enough of them loses it.
package natslog

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// Config configures a Log.
type Config struct {
	URLs     []string // the NATS servers, nats://host:port: any of the cluster's
	Replicas int      // 1 or 3: replicas of the stream and the buckets it creates
	// Name names this server in NATS's connection list and in the draw's
	// claim (with a random token, new at each Open: a server restarted
	// after the draw does not announce it again).
	Name string
	// Prefix names the deployment: its buckets and streams start with
	// it, so several deployments can share a NATS cluster. Empty:
	// "loteria".
	Prefix string
	// Timeout bounds how long Open waits for JetStream to answer, and
	// how long CatchUp, announcing a done or claiming the draw ride out a
	// lost NATS server, trying again; each try, and each wait for an
	// ack, takes at most a quarter of it, and 2 seconds. Zero: 30
	// seconds.
	Timeout time.Duration
}

// Header names of the log's messages.
const (
	hdrKind     = "Loteria-Kind"     // "bets" or "done"
	hdrPosition = "Loteria-Position" // the agency's bets before the message
	hdrCount    = "Loteria-Count"    // bets in a bets message
	hdrTotal    = "Loteria-Total"    // a done's
	hdrDigest   = "Loteria-Digest"   // a done's, 8 hex digits
)

// maxChunk bounds a bets message's rows, in bytes (NATS's default
// max_payload is 1 MiB).
const maxChunk = 512 << 10

// Log is a lottery's bets in a JetStream stream. Like every BetLog it is
// called by one goroutine, the store's; Watch alone may run in another.
type Log struct {
	cfg     Config
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	kv      jetstream.KeyValue // the lottery's: dones and the draw
	lottery domain.Lottery
	subject string // the agencies' subjects without the agency: loteria.<id>.a.
	agency  map[int]*seen
	bw      *domain.BetsWriter
	buf     bytes.Buffer
	closed  bool
	token   string // names this log in the draw's claim: cfg.Name and a random token
}

// seen is what the log has seen of an agency's subject: replayed,
// appended or caught up with.
type seen struct {
	last  uint64 // stream sequence of the subject's last message; 0: none
	count uint64 // bets
}

// Open connects to JetStream and opens the lottery's log, creating the
// deployment's lottery as fresh if there is none yet. It waits for
// JetStream (a cluster electing its leaders, say) up to cfg.Timeout, and
// gives up when ctx ends.
func Open(ctx context.Context, cfg Config, fresh domain.Lottery) (*Log, error) {
	if cfg.Replicas != 1 && cfg.Replicas != 3 {
		return nil, fmt.Errorf("replicas must be 1 or 3, got %d", cfg.Replicas)
	}
	if len(cfg.URLs) == 0 {
		return nil, errors.New("no NATS server to connect to")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "loteria"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(100 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.Timeout(cfg.Timeout),
	}
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", strings.Join(cfg.URLs, ","), err)
	}
	var nonce [8]byte
	rand.Read(nonce[:]) // never fails (crypto/rand)
	token := fmt.Sprintf("%s %x", cfg.Name, nonce)
	l := &Log{cfg: cfg, nc: nc, agency: make(map[int]*seen), token: token}
	l.bw = domain.NewBetsWriter(&l.buf, 0)
	if err := l.open(ctx, fresh); err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}

func (l *Log) open(ctx context.Context, fresh domain.Lottery) error {
	// An ack is waited for a try's time, not the Timeout: JetStream
	// leaves unanswered what a stream gets while it elects a leader, and
	// a store waiting for that answer serves no agency meanwhile. A
	// message whose ack did not come is one the log catches up on.
	js, err := jetstream.New(l.nc, jetstream.WithPublishAsyncTimeout(l.try()))
	if err != nil {
		return err
	}
	l.js = js
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	// Until JetStream answers: NATS servers still starting, or electing.
	return retry(ctx, l.try(), func(ctx context.Context) error {
		meta, err := l.bucket(ctx, l.cfg.Prefix)
		if err != nil {
			return err
		}
		if l.lottery, err = lotteryOf(ctx, meta, fresh); err != nil {
			return err
		}
		id := l.lottery.IDText()
		name := l.cfg.Prefix + "-" + id
		l.subject = l.cfg.Prefix + "." + id + ".a."
		if l.stream, err = l.openStream(ctx, name); err != nil {
			return err
		}
		l.kv, err = l.bucket(ctx, name)
		return err
	})
}

// openStream opens the lottery's stream, creating it if there is none. A
// stream of other replicas is refused, not changed: it is the deployment's.
func (l *Log) openStream(ctx context.Context, name string) (jetstream.Stream, error) {
	st, err := l.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:       name,
		Subjects:   []string{l.subject + "*"},
		Storage:    jetstream.FileStorage,
		Replicas:   l.cfg.Replicas,
		Duplicates: 2 * time.Minute,
		Discard:    jetstream.DiscardNew, // never drop a bet to make room
		MaxMsgs:    -1,
		MaxBytes:   -1,
	})
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		st, err = l.js.Stream(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", name, err)
	}
	if r := st.CachedInfo().Config.Replicas; r != l.cfg.Replicas {
		return nil, permanent{fmt.Errorf("%w: stream %s has %d replicas, this server is set for %d", domain.ErrOtherLottery, name, r, l.cfg.Replicas)}
	}
	return st, nil
}

// bucket opens the key-value bucket name, creating it if there is none. A
// bucket of other replicas is refused, not changed.
func (l *Log) bucket(ctx context.Context, name string) (jetstream.KeyValue, error) {
	kv, err := l.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, Replicas: l.cfg.Replicas, Storage: jetstream.FileStorage,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = l.js.KeyValue(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	status, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	if r := status.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.Replicas; r != l.cfg.Replicas {
		return nil, permanent{fmt.Errorf("%w: bucket %s has %d replicas, this server is set for %d", domain.ErrOtherLottery, name, r, l.cfg.Replicas)}
	}
	return kv, nil
}

// lotteryOf returns the deployment's lottery, creating it as fresh if
// there is none: the first server to create it decides.
func lotteryOf(ctx context.Context, meta jetstream.KeyValue, fresh domain.Lottery) (domain.Lottery, error) {
	_, err := meta.Create(ctx, "lottery", []byte(lotteryText(fresh)))
	if err == nil {
		return fresh, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return domain.Lottery{}, fmt.Errorf("create the lottery: %w", err)
	}
	e, err := meta.Get(ctx, "lottery")
	if err != nil {
		return domain.Lottery{}, fmt.Errorf("read the lottery: %w", err)
	}
	lot, err := parseLottery(string(e.Value()))
	if err != nil {
		return domain.Lottery{}, fmt.Errorf("%w: the lottery's record %q: %w", domain.ErrCorrupt, e.Value(), err)
	}
	return lot, nil
}

func lotteryText(l domain.Lottery) string {
	return fmt.Sprintf("%s %s %d", l.IDText(), l.DateText(), l.Agencies)
}

func parseLottery(s string) (domain.Lottery, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return domain.Lottery{}, errors.New("want id, date and agencies")
	}
	id, err := strconv.ParseUint(f[0], 16, 64)
	if err != nil || len(f[0]) != 16 {
		return domain.Lottery{}, fmt.Errorf("id %q: want 16 hex digits", f[0])
	}
	date, err := domain.ParseDate(f[1])
	if err != nil {
		return domain.Lottery{}, err
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n < 0 {
		return domain.Lottery{}, fmt.Errorf("agencies %q: want a whole number", f[2])
	}
	return domain.Lottery{ID: id, Date: date, Agencies: n}, nil
}

// Lottery returns the lottery the log belongs to.
func (l *Log) Lottery() domain.Lottery { return l.lottery }

// Stream returns the name of the log's stream.
func (l *Log) Stream() string { return l.stream.CachedInfo().Config.Name }

func (l *Log) seen(agency int) *seen {
	s := l.agency[agency]
	if s == nil {
		s = &seen{}
		l.agency[agency] = s
	}
	return s
}

func (l *Log) subjectOf(agency int) string { return l.subject + strconv.Itoa(agency) }

// agencyOf returns the agency whose subject subj is.
func (l *Log) agencyOf(subj string) (int, error) {
	a, err := strconv.Atoi(strings.TrimPrefix(subj, l.subject))
	if err != nil || a < 1 || !strings.HasPrefix(subj, l.subject) {
		return 0, fmt.Errorf("%w: a message on subject %q, not an agency's", domain.ErrCorrupt, subj)
	}
	return a, nil
}

func (l *Log) msgID(agency int, what string) string {
	return l.lottery.IDText() + "/" + strconv.Itoa(agency) + "/" + what
}

// Close closes the connection. Every Append and Finish that returned is
// durable already.
func (l *Log) Close() error {
	if !l.closed {
		l.closed = true
		l.nc.Close()
	}
	return nil
}

// permanent is an error retry does not retry: what the stream holds, or
// what a callback refused.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// try is how long one try of a request to JetStream may take before
// retry gives up on it and tries again: JetStream leaves a request it
// cannot serve yet unanswered (a cluster with no meta leader, a bucket
// whose leader is being elected), and a try that waited the whole Timeout
// for that answer would leave no time for another.
func (l *Log) try() time.Duration { return min(l.cfg.Timeout/4, 2*time.Second) }

// retry calls f until it succeeds, fails with a permanent or
// domain.ErrCorrupt error, or ctx ends, pausing between tries; it returns
// f's last error. Each call of f gets a context that ends after try, or
// ctx itself if try is 0.
func retry(ctx context.Context, try time.Duration, f func(context.Context) error) error {
	pause := 50 * time.Millisecond
	for {
		err := once(ctx, try, f)
		var p permanent
		if errors.As(err, &p) {
			return p.error
		}
		if err == nil || errors.Is(err, domain.ErrCorrupt) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// once is one try of retry's.
func once(ctx context.Context, try time.Duration, f func(context.Context) error) error {
	if try > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, try)
		defer cancel()
	}
	return f(ctx)
}

var _ actors.SharedLog = (*Log)(nil)
