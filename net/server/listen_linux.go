package server

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// Listen opens a TCP listener on addr whose accept queue holds backlog
// connections. The standard library always asks the kernel for its maximum
// queue, so the socket is made by hand: socket, SO_REUSEADDR (a restarted
// server rebinds at once, whatever is left in TIME_WAIT), bind, listen.
func Listen(addr string, backlog int) (net.Listener, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", addr, err)
	}
	family, sa := sockaddr(ta)
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err := bindListen(fd, sa, backlog); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	f := os.NewFile(uintptr(fd), "listener")
	defer f.Close() // FileListener holds its own duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

func sockaddr(ta *net.TCPAddr) (int, syscall.Sockaddr) {
	if ip4 := ta.IP.To4(); ip4 != nil || ta.IP == nil {
		sa := &syscall.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		return syscall.AF_INET, sa
	}
	sa := &syscall.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	return syscall.AF_INET6, sa
}

func bindListen(fd int, sa syscall.Sockaddr, backlog int) error {
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return err
	}
	return syscall.Listen(fd, backlog)
}
