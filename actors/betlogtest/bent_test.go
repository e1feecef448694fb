package betlogtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// envBent names the bent log TestBent runs the contract against.
const envBent = "BETLOGTEST_BENT"

// bent is a Memory's log with some of its methods replaced.
type bent struct {
	actors.BetLog
	lottery func() domain.Lottery
	replay  func(row func(domain.Row) error, done func(domain.Done) error) error
	append  func([]domain.Row) error
	finish  func(domain.Done) error
	close   func() error
}

func (b *bent) Lottery() domain.Lottery {
	if b.lottery != nil {
		return b.lottery()
	}
	return b.BetLog.Lottery()
}

func (b *bent) Replay(row func(domain.Row) error, done func(domain.Done) error) error {
	if b.replay != nil {
		return b.replay(row, done)
	}
	return b.BetLog.Replay(row, done)
}

func (b *bent) Append(rows []domain.Row) error {
	if b.append != nil {
		return b.append(rows)
	}
	return b.BetLog.Append(rows)
}

func (b *bent) Finish(d domain.Done) error {
	if b.finish != nil {
		return b.finish(d)
	}
	return b.BetLog.Finish(d)
}

func (b *bent) Close() error {
	if b.close != nil {
		return b.close()
	}
	return b.BetLog.Close()
}

// bend returns m's target with each log it opens bent by bend.
func bend(m *Memory, bend func(b *bent, fresh domain.Lottery)) Target {
	tg := m.Target()
	tg.Open = func(fresh domain.Lottery) (actors.BetLog, error) {
		l, err := m.Open(fresh)
		if err != nil {
			return nil, err
		}
		b := &bent{BetLog: l}
		bend(b, fresh)
		return b, nil
	}
	return tg
}

// collect replays l whole.
func collect(l actors.BetLog) (history, error) {
	var h history
	err := l.Replay(func(r domain.Row) error {
		h.rows = append(h.rows, r)
		return nil
	}, func(d domain.Done) error {
		h.dones = append(h.dones, d)
		return nil
	})
	return h, err
}

// replayAltered replays b's log as alter changes it.
func replayAltered(b *bent, alter func(*history)) {
	b.replay = func(row func(domain.Row) error, done func(domain.Done) error) error {
		h, err := collect(b.BetLog)
		if err != nil {
			return err
		}
		alter(&h)
		for _, r := range h.rows {
			if err := row(r); err != nil {
				return err
			}
		}
		for _, d := range h.dones {
			if err := done(d); err != nil {
				return err
			}
		}
		return nil
	}
}

// bentLog is a log that breaks the contract, with the subtest that must
// catch it.
type bentLog struct {
	name, caught string
	target       func(m *Memory) Target
}

// bentLogs are the logs the contract must fail.
var bentLogs = []bentLog{
	{"DropsLastRow", "AppendReplay", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			replayAltered(b, func(h *history) { h.rows = h.rows[:max(len(h.rows)-1, 0)] })
		})
	}},
	{"RejectsEmpty", "AppendEmpty", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			b.append = func(rows []domain.Row) error {
				if len(rows) == 0 {
					return errors.New("no rows")
				}
				return b.BetLog.Append(rows)
			}
		})
	}},
	{"ReordersDones", "DoneDurable", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			replayAltered(b, func(h *history) { slices.Reverse(h.dones) })
		})
	}},
	{"DonesFirst", "DoneDurable", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			b.replay = func(row func(domain.Row) error, done func(domain.Done) error) error {
				h, err := collect(b.BetLog)
				if err != nil {
					return err
				}
				for _, d := range h.dones {
					done(d)
				}
				for _, r := range h.rows {
					row(r)
				}
				return nil
			}
		})
	}},
	{"LosesDones", "DoneDurable", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) { b.finish = func(domain.Done) error { return nil } })
	}},
	{"DrainsDones", "ReplayIdempotent", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			b.replay = func(row func(domain.Row) error, done func(domain.Done) error) error {
				err := b.BetLog.Replay(row, done)
				m.dones = nil
				return err
			}
		})
	}},
	{"IgnoresCallbackError", "ReplayStops", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			b.replay = func(row func(domain.Row) error, done func(domain.Done) error) error {
				return b.BetLog.Replay(func(r domain.Row) error { row(r); return nil }, func(d domain.Done) error { done(d); return nil })
			}
		})
	}},
	{"HidesCallbackError", "ReplayStops", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			b.replay = func(row func(domain.Row) error, done func(domain.Done) error) error {
				if err := b.BetLog.Replay(row, done); err != nil {
					return fmt.Errorf("replay: %v", err)
				}
				return nil
			}
		})
	}},
	{"ForgetsLottery", "LotteryKept", func(m *Memory) Target {
		return bend(m, func(b *bent, fresh domain.Lottery) { b.lottery = func() domain.Lottery { return fresh } })
	}},
	{"NoLock", "InUse", func(m *Memory) Target {
		tg := m.Target()
		tg.Open = func(fresh domain.Lottery) (actors.BetLog, error) {
			l, err := m.Open(fresh)
			if errors.Is(err, domain.ErrInUse) {
				return NewMemory().Open(fresh)
			}
			return l, err
		}
		return tg
	}},
	{"RewritesFromStart", "AppendAfterReopen", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			first := true
			b.append = func(rows []domain.Row) error {
				if first {
					first = false
					m.rows, m.last = m.rows[:0], 0
				}
				return b.BetLog.Append(rows)
			}
		})
	}},
	{"KeepsSlice", "SliceReused", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			var groups [][]domain.Row
			b.append = func(rows []domain.Row) error {
				groups = append(groups, rows)
				return nil
			}
			b.close = func() error {
				for _, g := range groups {
					b.BetLog.Append(g)
				}
				return b.BetLog.Close()
			}
		})
	}},
	{"TrimsNames", "OddContent", func(m *Memory) Target {
		return bend(m, func(b *bent, _ domain.Lottery) {
			replayAltered(b, func(h *history) {
				for i := range h.rows {
					bet := &h.rows[i].Bet
					bet.FirstName, bet.LastName = strings.TrimSpace(bet.FirstName), strings.TrimSpace(bet.LastName)
				}
			})
		})
	}},
	{"TearsMiddle", "TornTail", func(m *Memory) Target {
		tg := m.Target()
		tg.Tear = func() error {
			if len(m.rows) > m.last {
				m.rows = slices.Delete(m.rows, m.last, m.last+1)
			}
			return nil
		}
		return tg
	}},
	{"IgnoresBreak", "FailedAppend", func(m *Memory) Target {
		tg := m.Target()
		tg.Break = func(actors.BetLog) error { return nil }
		return tg
	}},
	{"FailedKeepsSuffix", "FailedAppend", func(m *Memory) Target {
		tg := bend(m, func(*bent, domain.Lottery) {})
		tg.Break = func(l actors.BetLog) error {
			b := l.(*bent)
			b.append = func(rows []domain.Row) error {
				b.BetLog.Append(rows[1:])
				return errors.New("broken")
			}
			return nil
		}
		return tg
	}},
}

// TestBent runs the contract against the bent log named by $BETLOGTEST_BENT;
// TestContractCatches runs it so.
func TestBent(t *testing.T) {
	name := os.Getenv(envBent)
	if name == "" {
		t.Skip("run by TestContractCatches")
	}
	i := slices.IndexFunc(bentLogs, func(bl bentLog) bool { return bl.name == name })
	if i < 0 {
		t.Fatalf("no bent log %q", name)
	}
	Test(t, func(*testing.T) Target { return bentLogs[i].target(NewMemory()) })
}

// TestContractCatches checks that the contract fails each bent log, in the
// subtest meant to catch it, and without a panic: it runs the contract in
// a child process, this test binary run again for TestBent.
func TestContractCatches(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, bl := range bentLogs {
		t.Run(bl.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestBent$/^"+bl.caught+"$", "-test.v", "-test.timeout=2m")
			cmd.Env = append(os.Environ(), envBent+"="+bl.name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the contract passed a log that %s (%v), want %s to fail:\n%s", bl.name, err, bl.caught, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBent/"+bl.caught+" (") || strings.Contains(string(out), "panic:") {
				t.Fatalf("want %s to fail a log that %s, without a panic:\n%s", bl.caught, bl.name, out)
			}
			t.Logf("%s", out)
		})
	}
}
