//go:build !linux

package server

import "net"

// Listen opens a TCP listener on addr. Outside Linux the backlog is left to
// the standard library, which asks the kernel for its maximum.
func Listen(addr string, backlog int) (net.Listener, error) {
	return net.Listen("tcp", addr)
}
