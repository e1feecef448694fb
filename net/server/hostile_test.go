package server_test

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

// hostile is one hostile peer: what it sends, to which server, and what it
// must get back.
type hostile struct {
	name   string
	on     *lottery // nil: the main server
	hello  []byte   // a valid hello that opens a session first, if any
	send   []byte
	cut    bool // close the write side once sent: the frame is cut short
	drip   bool // send one byte at a time, slower than the hello timeout allows
	crowd  bool // once seated in the lobby (a ping answered), an agency comes and finds it full
	code   wire.Code
	reject bool // a Reject that leaves the connection open, not an Error that closes it
}

var testSecrets = map[int]string{1: "6b1f0c3e9a2d4f8e7c5b3a1908d7e6f5", 2: "0a9b8c7d6e5f40312a3b4c5d6e7f8091"}

// TestHostilePeers sends each kind of hostile input on its own connection.
// A peer that breaks the protocol, or may not speak for the agency it
// names, gets an error with the case's code and is closed; a refused
// request gets a reject with the case's code and the connection stays
// open. Meanwhile an honest agency runs a whole lottery on the same server
// — hello, batches, done, winners — and gets exactly its winners; the bets
// file holds exactly its bets. Nothing a hostile peer sent is stored, and
// no secret is ever logged.
func TestHostilePeers(t *testing.T) {
	sec := testSecrets
	main := mustStart(t, options{agencies: 2, secrets: sec})
	// The timing cases get their own server: its short timeouts are no
	// risk to the honest agency.
	slow := mustStart(t, options{agencies: 1, secrets: sec, helloTimeout: 250 * time.Millisecond, idleTimeout: 250 * time.Millisecond})
	drawn := mustDrawn(t)
	full := mustStart(t, options{agencies: 1, secrets: sec, maxConns: 1})

	ctx := testCtx(t)
	all := bets(1, 300, 7, 150, 299)
	honest := mustHello(t, main, 1)
	type outcome struct {
		docs []string
		err  error
	}
	result := make(chan outcome, 1)
	go func() {
		err := sendAll(ctx, honest, all, 25)
		if err == nil {
			err = honest.Done(ctx, uint64(len(all)), digestOf(all))
		}
		var docs []string
		if err == nil {
			docs, err = honest.Winners(ctx, 20*time.Second)
		}
		result <- outcome{docs, err}
	}()

	tests := hostileCases(t, slow, drawn, full)
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, cmp.Or(tt.on, main)) })
	}

	// Agency 2's done, the last one, starts the draw.
	if err := mustHello(t, main, 2).Done(ctx, 0, 0); err != nil {
		t.Fatalf("agency 2 done: %v", err)
	}
	got := receive(t, result)
	if got.err != nil {
		t.Fatalf("honest agency: %v", got.err)
	}
	want := []string{all[7].Document, all[150].Document, all[299].Document}
	if !slices.Equal(got.docs, want) {
		t.Errorf("honest agency's winners %v, want %v", got.docs, want)
	}
	if err := main.stop(); err != nil {
		t.Fatal(err)
	}
	if got := mustStoredRows(t, main.store); !slices.Equal(got, all) {
		t.Errorf("the bets file holds %d rows, want exactly the honest agency's %d", len(got), len(all))
	}
	checkLogs(t, tests, main, slow, drawn, full)
}

// hostileCases lists the hostile peers. Agency 1 is the honest one: the
// cases that need a session use agency 2, which stores nothing.
func hostileCases(t *testing.T, slow, drawn, full *lottery) []hostile {
	sec := testSecrets
	f := func(m wire.Message) []byte { return frame(t, m) }
	hello := func(v uint8, agency uint32, secret string) []byte {
		return f(wire.Hello{Version: v, Agency: agency, Secret: secret})
	}
	as2 := hello(wire.Version, 2, sec[2])
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	bet := domain.Bet{FirstName: "XFIRSTX", LastName: "XLASTX", Document: "24681357", Birthdate: "1990-05-17", Number: 7}
	batch := wire.Batch{Bets: []domain.Bet{bet}}
	invalid := bets(2, 3)
	invalid[1].Birthdate = "2001-02-30"
	const (
		malformed  = wire.CodeMalformed
		unexpected = wire.CodeUnexpected
		unauth     = wire.CodeUnauthorized
		unknown    = wire.CodeUnknownAgency
		version    = wire.CodeUnsupportedVersion
	)
	return []hostile{
		{name: "garbage/deadbeef", send: []byte{0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe}, code: malformed},
		{name: "garbage/0xff bytes", send: bytes.Repeat([]byte{0xff}, 64), code: malformed},
		{name: "garbage/zero bytes", send: make([]byte, 64), code: malformed},
		{name: "garbage/hello of junk", send: raw(wire.TypeHello, []byte("junk")...), code: malformed},
		{name: "length/one over the maximum", send: head(wire.TypeBatch, wire.MaxPayload+1), code: malformed},
		{name: "length/negative 0x80000000", send: head(wire.TypeBatch, 0x80000000), code: malformed},
		{name: "length/negative 0xFFFFFFFF", send: head(wire.TypeBatch, 0xFFFFFFFF), code: malformed},
		{name: "empty payload/hello", send: raw(wire.TypeHello), code: malformed},
		{name: "empty payload/batch", hello: as2, send: raw(wire.TypeBatch), code: malformed},
		{name: "empty payload/done", hello: as2, send: raw(wire.TypeDone), code: malformed},
		{name: "truncated/header", send: head(wire.TypeDone, 8)[:3], cut: true, code: malformed},
		{name: "truncated/payload", hello: as2, send: cat(head(wire.TypeDone, 8), []byte{1, 2}), cut: true, code: malformed},
		{name: "unknown type/0", send: raw(0), code: malformed},
		{name: "unknown type/14", hello: as2, send: raw(14, 1), code: malformed},
		{name: "unknown type/255", send: raw(255, 1, 2, 3), code: malformed},
		{name: "invalid UTF-8/hello secret", send: badUTF8(t, wire.Hello{Version: wire.Version, Agency: 2, Secret: "SECRETMARK"}, "SECRETMARK"), code: malformed},
		{name: "invalid UTF-8/batch first_name", hello: as2, send: badUTF8(t, batch, bet.FirstName), code: malformed},
		{name: "invalid UTF-8/batch last_name", hello: as2, send: badUTF8(t, batch, bet.LastName), code: malformed},
		{name: "invalid UTF-8/batch document", hello: as2, send: badUTF8(t, batch, bet.Document), code: malformed},
		{name: "invalid UTF-8/batch birthdate", hello: as2, send: badUTF8(t, batch, bet.Birthdate), code: malformed},
		{name: "invalid UTF-8/echo before hello", send: raw(wire.TypeEcho, 'o', 'k', 0xff), code: malformed},
		{name: "invalid UTF-8/echo after hello", hello: as2, send: raw(wire.TypeEcho, 'N', 0xc2), code: malformed},
		{name: "length/echo over the maximum", send: head(wire.TypeEcho, wire.MaxPayload+1), code: malformed},
		{name: "batch/count larger than its bets", hello: as2, send: withCount(t, batch, 2), code: malformed},
		{name: "batch/count 65535", hello: as2, send: withCount(t, batch, 0xFFFF), code: malformed},
		{name: "version/0", send: hello(0, 1, sec[1]), code: version},
		{name: "version/1", send: hello(1, 1, sec[1]), code: version}, // before digests and fencing
		{name: "version/3", send: hello(3, 1, sec[1]), code: version},
		{name: "version/255", send: hello(255, 1, sec[1]), code: version},
		{name: "not the protocol/HTTP GET", send: []byte("GET /winners HTTP/1.1\r\nHost: server:12345\r\n\r\n"), code: malformed},
		{name: "not the protocol/HTTP POST", send: []byte("POST /bets HTTP/1.1\r\nHost: server\r\nContent-Length: 2\r\n\r\n{}"), code: malformed},
		{name: "not the protocol/text line", send: []byte("hola, soy la agencia 1\n"), code: malformed},
		{name: "not the protocol/TLS ClientHello", send: clientHello(t), code: malformed},
		{name: "timing/silent peer", on: slow, code: wire.CodeTimeout},
		{name: "timing/drip a hello byte by byte", on: slow, send: hello(wire.Version, 1, sec[1]), drip: true, code: wire.CodeTimeout},
		{name: "impersonation/wrong secret", send: hello(wire.Version, 1, "wrong-secret-wrong-secret-wrong!"), code: unauth},
		{name: "impersonation/missing secret", send: hello(wire.Version, 1, ""), code: unauth},
		{name: "impersonation/agency 2 with agency 1's secret", send: hello(wire.Version, 2, sec[1]), code: unauth},
		{name: "impersonation/agency 1 with agency 2's secret", send: hello(wire.Version, 1, sec[2]), code: unauth},
		{name: "impersonation/the secret less its last byte", send: hello(wire.Version, 1, sec[1][:len(sec[1])-1]), code: unauth},
		{name: "impersonation/the secret and one byte more", send: hello(wire.Version, 1, sec[1]+"0"), code: unauth},
		{name: "impersonation/the secret in upper case", send: hello(wire.Version, 1, strings.ToUpper(sec[1])), code: unauth},
		{name: "unknown agency/0", send: hello(wire.Version, 0, sec[1]), code: unknown},
		{name: "unknown agency/3", send: hello(wire.Version, 3, sec[1]), code: unknown},
		{name: "unknown agency/4294967295", send: hello(wire.Version, 0xFFFFFFFF, sec[1]), code: unknown},
		{name: "before hello/winners query", send: f(wire.WinnersQuery{}), code: unexpected},
		{name: "before hello/done", send: f(wire.Done{Total: 0}), code: unexpected},
		{name: "before hello/batch", send: f(batch), code: unexpected},
		{name: "before hello/welcome", send: f(wire.Welcome{}), code: unexpected},
		{name: "server message/welcome", hello: as2, send: f(wire.Welcome{Stored: 1}), code: unexpected},
		{name: "server message/ack", hello: as2, send: f(wire.Ack{Count: 1, Stored: 1}), code: unexpected},
		{name: "server message/reject", hello: as2, send: f(wire.Reject{Code: wire.CodeInvalidBet, Reason: "x"}), code: unexpected},
		{name: "server message/done_ack", hello: as2, send: f(wire.DoneAck{}), code: unexpected},
		{name: "server message/winners", hello: as2, send: f(wire.Winners{Last: true, Documents: []string{"1"}}), code: unexpected},
		{name: "server message/pong", hello: as2, send: f(wire.Pong{Payload: []byte("x")}), code: unexpected},
		{name: "server message/error", hello: as2, send: f(wire.Error{Code: wire.CodeInternal, Reason: "x"}), code: unexpected},
		{name: "session/second hello", hello: as2, send: as2, code: unexpected},
		{name: "session/request while the winners query waits", hello: as2, send: cat(f(wire.WinnersQuery{}), f(wire.Ping{Payload: []byte("x")})), code: unexpected},
		{name: "reject/done before any batch", hello: as2, send: f(wire.Done{Total: 5}), reject: true, code: wire.CodeIncomplete},
		{name: "reject/batch at a gap", hello: as2, send: f(wire.Batch{First: 5, Bets: bets(2, 1)}), reject: true, code: wire.CodeOutOfOrder},
		{name: "reject/invalid bet", hello: as2, send: f(wire.Batch{Bets: invalid}), reject: true, code: wire.CodeInvalidBet},
		{name: "reject/bets after the draw", on: drawn, hello: hello(wire.Version, 1, sec[1]), send: f(wire.Batch{First: 3, Bets: bets(1, 1)}), reject: true, code: wire.CodeClosed},
		{name: "limit/the oldest in a full lobby, when an agency comes", on: full, crowd: true, code: wire.CodeBusy},
	}
}

// run plays the case on a connection to l.
func (h hostile) run(t *testing.T, l *lottery) {
	c := rawConn(t, l)
	br := bufio.NewReader(c)
	if h.hello != nil {
		mustWelcome(t, c, br, h.hello)
	}
	if h.crowd {
		mustPing(t, c, br)
		mustHello(t, l, 1) // served: the oldest makes room
	}
	if h.drip {
		drip(t, c, br, h.send, l.hello/5)
	} else if _, err := c.Write(h.send); err != nil {
		t.Fatal(err)
	}
	if h.cut {
		c.(*net.TCPConn).CloseWrite()
	}
	m, err := wire.ReadMessage(br, nil)
	if err != nil {
		t.Fatalf("read: %v, want the server's answer", err)
	}
	if h.reject {
		if r, ok := m.(wire.Reject); !ok || r.Code != h.code {
			t.Fatalf("got %T %+v, want a reject %s", m, m, h.code)
		}
		mustPing(t, c, br) // still open
		return
	}
	if e, ok := m.(wire.Error); !ok || e.Code != h.code {
		t.Fatalf("got %T %+v, want an error %s", m, m, h.code)
	}
	mustBeClosed(t, br)
}

// checkLogs checks each server logged one conexion fail line per case it
// closed, or said it suppressed it, and no secret.
func checkLogs(t *testing.T, tests []hostile, main *lottery, others ...*lottery) {
	t.Helper()
	closed := map[*lottery]int{}
	tried := []string{"wrong-secret-wrong-secret-wrong!"}
	for _, s := range testSecrets {
		tried = append(tried, s[:len(s)-1], strings.ToUpper(s))
	}
	for _, tt := range tests {
		if !tt.reject {
			closed[cmp.Or(tt.on, main)]++
		}
	}
	for _, l := range append(others, main) {
		logs := l.logs.String()
		if logged, suppressed := failLines(logs); logged+suppressed != closed[l] {
			t.Errorf("%d conexion fail lines and %d suppressed, want %d in all, one per closed case:\n%s", logged, suppressed, closed[l], logs)
		}
		for _, s := range tried {
			if strings.Contains(logs, s) {
				t.Errorf("the log holds the secret %q:\n%s", s, logs)
			}
		}
	}
}

// mustDrawn starts a one-agency server whose draw has been made.
func mustDrawn(t *testing.T) *lottery {
	t.Helper()
	l := mustStart(t, options{agencies: 1, secrets: testSecrets})
	ctx := testCtx(t)
	c := mustHello(t, l, 1)
	if err := sendAll(ctx, c, bets(1, 3), 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Done(ctx, 3, digestOf(bets(1, 3))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Winners(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return l
}

// raw is a frame of type typ with exactly this payload.
func raw(typ wire.Type, payload ...byte) []byte {
	return append(head(typ, uint32(len(payload))), payload...)
}

// head is a frame header alone.
func head(typ wire.Type, n uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{byte(typ)}, n)
}

// badUTF8 is m's frame with the first byte of marker, a string that occurs
// once in it, made invalid UTF-8.
func badUTF8(tb testing.TB, m wire.Message, marker string) []byte {
	tb.Helper()
	b := frame(tb, m)
	if bytes.Count(b, []byte(marker)) != 1 {
		tb.Fatalf("%q is not in the %s frame once", marker, m.Type())
	}
	b[bytes.Index(b, []byte(marker))] = 0xff
	return b
}

// withCount is a batch's frame with its bet count set to n.
func withCount(tb testing.TB, b wire.Batch, n uint16) []byte {
	f := frame(tb, b)
	binary.BigEndian.PutUint16(f[wire.HeaderSize+8:], n)
	return f
}

// clientHello returns the first bytes a TLS client sends: its ClientHello.
func clientHello(tb testing.TB) []byte {
	tb.Helper()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tls.Client(a, &tls.Config{ServerName: "server"}).Handshake()
	}()
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16<<10)
	n, err := b.Read(buf)
	b.Close()
	a.Close()
	<-done
	if err != nil || n < wire.HeaderSize || buf[0] != 0x16 {
		tb.Fatalf("no ClientHello record: % x, %v", buf[:n], err)
	}
	return buf[:n]
}

// drip writes b one byte per step until the server answers, which it must
// before the last byte.
func drip(tb testing.TB, c net.Conn, br *bufio.Reader, b []byte, step time.Duration) {
	tb.Helper()
	defer c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range b {
		if _, err := c.Write(b[i : i+1]); err != nil {
			return // closed under us: the answer is waiting
		}
		c.SetReadDeadline(time.Now().Add(step))
		_, err := br.Peek(1)
		if err == nil {
			return
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			tb.Fatalf("reading while dripping: %v", err)
		}
	}
	tb.Fatalf("the server took all %d bytes, one every %v, without a word", len(b), step)
}

// mustWelcome opens a session with hello.
func mustWelcome(tb testing.TB, w io.Writer, r io.Reader, hello []byte) {
	tb.Helper()
	if _, err := w.Write(hello); err != nil {
		tb.Fatal(err)
	}
	if m, err := wire.ReadMessage(r, nil); err != nil || m.Type() != wire.TypeWelcome {
		tb.Fatalf("hello = %+v, %v; want a welcome", m, err)
	}
}

// mustBeClosed checks that the server closed the connection.
func mustBeClosed(tb testing.TB, r io.Reader) {
	tb.Helper()
	// A reset is a close too: the server may close before reading all the
	// peer sent.
	if _, err := wire.ReadFrame(r, nil); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		tb.Fatalf("after the error: %v, want the connection closed", err)
	}
}

// mustPing checks that the connection still answers.
func mustPing(tb testing.TB, w io.Writer, r io.Reader) {
	tb.Helper()
	if _, err := w.Write(frame(tb, wire.Ping{Payload: []byte("still there?")})); err != nil {
		tb.Fatal(err)
	}
	m, err := wire.ReadMessage(r, nil)
	if p, ok := m.(wire.Pong); err != nil || !ok || string(p.Payload) != "still there?" {
		tb.Fatalf("ping = %+v, %v; want the connection open and echoing", m, err)
	}
}

// receive waits, at most 20 s, for one value.
func receive[T any](tb testing.TB, c <-chan T) T {
	tb.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(20 * time.Second):
		tb.Fatal("nothing received within 20s")
	}
	var zero T
	return zero
}
