package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/tp0/loteria/net/wire"
)

// CheckEcho dials addr and pings it with a random payload, which the server
// must echo exactly. It is the servers' health check.
func CheckEcho(ctx context.Context, addr string, timeout time.Duration) error {
	c, err := Dial(ctx, addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	payload := make([]byte, 16)
	rand.Read(payload)
	got, err := c.Ping(ctx, payload)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, payload) {
		return fmt.Errorf("pong %x does not echo ping %x", got, payload)
	}
	return nil
}

// Why CheckRawEcho failed, matched with errors.Is.
var (
	ErrNoServer     = errors.New("no server")
	ErrNoReply      = errors.New("no reply")
	ErrReplyDiffers = errors.New("the reply differs")
	ErrClosed       = errors.New("connection closed")
)

// CheckRawEcho checks that the server at addr sends back what it receives.
// It sends one Echo frame, of text "test_echo_server " and 32 random hex
// digits, and reads back exactly as many bytes as it sent, raw, not through
// the frame decoder: this server answers with the identical frame, and so
// does any plain TCP echo server. It fails, within timeout for the dial and
// again for the reply, with an error that says why: ErrNoServer ("no server
// at ADDR: …"), ErrNoReply ("no reply within 3s"), ErrReplyDiffers ("the
// reply differs: got …", as soon as a byte differs) or ErrClosed
// ("connection closed after N of M bytes"). A cancelled ctx returns its
// error.
func CheckRawEcho(ctx context.Context, addr string, timeout time.Duration) error {
	var nonce [16]byte
	rand.Read(nonce[:])
	sent, err := wire.AppendFrame(nil, wire.Echo{Text: "test_echo_server " + hex.EncodeToString(nonce[:])})
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w at %s: %w", ErrNoServer, addr, err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(past) })
	defer stop()
	err = exchangeRaw(nc, sent, timeout)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// exchangeRaw writes sent and reads back as many bytes, which must be the
// same, within timeout.
func exchangeRaw(nc net.Conn, sent []byte, timeout time.Duration) error {
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(sent); err != nil {
		return fmt.Errorf("%w before the echo was sent: %w", ErrClosed, err)
	}
	got := make([]byte, 0, len(sent))
	buf := make([]byte, len(sent))
	for len(got) < len(sent) {
		n, err := nc.Read(buf[:len(sent)-len(got)])
		got = append(got, buf[:n]...)
		if !bytes.HasPrefix(sent, got) {
			return fmt.Errorf("%w: got %q", ErrReplyDiffers, got)
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded) && len(got) == 0:
			return fmt.Errorf("%w within %v", ErrNoReply, timeout)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return fmt.Errorf("%w within %v after %d of %d bytes: got %q", ErrNoReply, timeout, len(got), len(sent), got)
		case errors.Is(err, io.EOF):
			return fmt.Errorf("%w after %d of %d bytes", ErrClosed, len(got), len(sent))
		default:
			return fmt.Errorf("%w after %d of %d bytes: %w", ErrClosed, len(got), len(sent), err)
		}
	}
	return nil
}
