package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tp0/loteria/domain/logline"
)

// once runs the server and one agency per file to the end and measures it.
func once(ctx context.Context, bin string, files []string) (result, error) {
	dir, err := os.MkdirTemp("", "loteria-bench-store-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	srv := exec.CommandContext(ctx, filepath.Join(bin, "server"))
	srv.Env = []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=" + strconv.Itoa(len(files)),
		"SERVER_STORE_PATH=" + filepath.Join(dir, "bets.csv")}
	out, err := srv.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := srv.Start(); err != nil {
		return result{}, err
	}
	defer srv.Process.Kill()
	logs := watch(out)
	addr, err := logs.await("listen", "address")
	if err != nil {
		return result{}, fmt.Errorf("server: %w", err)
	}

	began := time.Now()
	clients := make([]*exec.Cmd, len(files))
	for i, f := range files {
		c := exec.CommandContext(ctx, filepath.Join(bin, "client"))
		c.Env = []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + f}
		if err := c.Start(); err != nil {
			return result{}, err
		}
		clients[i] = c
	}
	var r result
	for i, c := range clients {
		if err := c.Wait(); err != nil {
			return result{}, fmt.Errorf("agency %d: %w", i+1, err)
		}
		r.clientCPU += cpu(c.ProcessState)
	}
	r.wall = time.Since(began)
	took, err := logs.await("sorteo", "duration")
	if err != nil {
		return result{}, fmt.Errorf("server: %w", err)
	}
	r.draw, _ = time.ParseDuration(took)
	r.peakRSS = peakRSS(srv.Process.Pid)
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		return result{}, fmt.Errorf("server exit: %w", err)
	}
	r.serverCPU = cpu(srv.ProcessState)
	r.bets = logs.received()
	return r, nil
}

func cpu(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }

// peakRSS reads a process's peak resident set size from /proc (0 elsewhere).
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// serverLog follows the server's log lines: it hands over the values of
// the actions awaited and counts the bets received.
type serverLog struct {
	lines chan logline.Line
	bets  chan int
}

func watch(r io.Reader) *serverLog {
	l := &serverLog{lines: make(chan logline.Line, 16), bets: make(chan int, 1)}
	go func() {
		defer close(l.lines)
		bets := 0
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			m, err := logline.Parse(sc.Text())
			if err != nil {
				continue
			}
			switch m.Action {
			case "apuesta_recibida":
				v, _ := m.Value("cantidad")
				n, _ := strconv.Atoi(v)
				bets += n
			case "listen", "sorteo":
				l.lines <- m
			}
		}
		l.bets <- bets
	}()
	return l
}

// await returns the value of key in the next line of action.
func (l *serverLog) await(action, key string) (string, error) {
	for {
		select {
		case m, ok := <-l.lines:
			if !ok {
				return "", errors.New("log ended before " + action)
			}
			if m.Action == action {
				v, _ := m.Value(key)
				return v, nil
			}
		case <-time.After(10 * time.Minute):
			return "", errors.New("no " + action + " within 10 minutes")
		}
	}
}

// received returns the bets the server logged as received, once its log
// has ended.
func (l *serverLog) received() int {
	for range l.lines {
	}
	return <-l.bets
}
