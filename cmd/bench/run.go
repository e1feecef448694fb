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

// once runs the server on v's backend, with the NATS servers that backend
// needs, and one agency per file to the end, and measures it. Each run
// has a fresh store: a bets file, or NATS servers with empty store
// directories.
func once(ctx context.Context, v variant, natsBin string, files []string) (result, error) {
	dir, err := os.MkdirTemp("", "loteria-bench-store-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	env := []string{"SERVER_IP=127.0.0.1", "SERVER_PORT=0", "SERVER_AGENCIES=" + strconv.Itoa(len(files)),
		"SERVER_STORE_PATH=" + filepath.Join(dir, "bets.csv")}
	var nats *natsCluster
	if v.backend.replicas > 0 {
		if nats, err = startNATS(natsBin, dir, v.backend.replicas); err != nil {
			return result{}, err
		}
		defer nats.stop() // when the run fails; a run that ends stops them first
		if err := nats.ready(ctx, 30*time.Second); err != nil {
			return result{}, err
		}
		env = append(env, "SERVER_STORE_BACKEND=jetstream", "SERVER_NATS_URL="+nats.urls(),
			"SERVER_STORE_REPLICAS="+strconv.Itoa(v.backend.replicas))
	}
	srv := exec.CommandContext(ctx, filepath.Join(v.bin, "server"))
	srv.Env = env
	out, err := srv.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := srv.Start(); err != nil {
		return result{}, err
	}
	defer srv.Process.Kill()
	logs := watch(out)
	// The server opens its store before it listens: with JetStream, its
	// stream and buckets, each with its leader.
	addr, err := logs.await("listen", "address")
	if err != nil {
		err = fmt.Errorf("server: %w", err)
		if nats != nil {
			err = fmt.Errorf("%w%s", err, nats.tails())
		}
		return result{}, err
	}

	var r result
	srvCPU := procCPU(srv.Process.Pid)
	if nats != nil {
		r.natsCPU = -nats.cpu()
	}
	began := time.Now()
	clients := make([]*exec.Cmd, len(files))
	for i, f := range files {
		c := exec.CommandContext(ctx, filepath.Join(v.bin, "client"))
		c.Env = []string{"CLI_ID=" + strconv.Itoa(i+1), "CLI_SERVER_ADDRESS=" + addr, "CLI_DATA_PATH=" + f}
		if err := c.Start(); err != nil {
			return result{}, err
		}
		clients[i] = c
	}
	for i, c := range clients {
		if err := c.Wait(); err != nil {
			return result{}, fmt.Errorf("agency %d: %w", i+1, err)
		}
		r.clientCPU += cpu(c.ProcessState)
	}
	r.wall = time.Since(began)
	r.serverRunCPU = procCPU(srv.Process.Pid) - srvCPU
	if nats != nil {
		r.natsCPU += nats.cpu()
		r.natsRSS = nats.peakRSS()
	}
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
	if nats != nil {
		if err := nats.stop(); err != nil {
			return result{}, err
		}
	}
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
	fail  logline.Line // the last line that failed: written before lines is closed
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
			if m.Result() == logline.ResultFail {
				l.fail = m
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
				if l.fail.Action != "" {
					return "", fmt.Errorf("log ended before %s, after %s: %s", action, l.fail.Action, attrText(l.fail))
				}
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

// attrText is a line's pairs after its result, as key: value | ….
func attrText(m logline.Line) string {
	var parts []string
	for _, a := range m.Attrs {
		if a.Key != "result" {
			parts = append(parts, a.Key+": "+a.Value)
		}
	}
	return strings.Join(parts, " | ")
}
