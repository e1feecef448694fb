package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// CheckEcho dials addr and pings it with a random payload, which the server
// must echo exactly. It is the servers' health check and the echo
// validation.
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
