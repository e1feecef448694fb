// Command bench measures the whole system as a user runs it: the real
// server and one agency process per file, on loopback, with durable acks,
// over the course dataset (×1) and synthetic data of the same shape scaled
// ×10 and ×100. For each scenario it prints one line: bets, wall time from
// the agencies' start to the last winners reply, bets/s, the draw's time,
// the server's peak RSS and the CPU seconds of the server and the agencies.
//
//	bench [-bin bin] [-scales 1,10,100] [-runs 5] [-data DIR] [-base DIR]
//
// Every line is the median run of the scenario (by wall time). With -base,
// the binaries in that directory (an earlier build, say) run too, each run
// of them right after one of -bin's, so that both see the same machine;
// each scenario then prints a line for each and the ratio of their
// medians.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("bench", flag.ContinueOnError)
	bin := fl.String("bin", "bin", "directory holding the server and client binaries")
	scales := fl.String("scales", "1,10,100", "comma-separated scales of the course dataset")
	runs := fl.Int("runs", 5, "runs per scenario at scale 1 (larger scales run fewer: see runsFor)")
	data := fl.String("data", filepath.Join(os.TempDir(), "loteria-bench"), "where generated data is kept between runs")
	base := fl.String("base", "", "directory of binaries to compare with, run alternately with -bin's")
	if err := fl.Parse(args); err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%-7s %10s %9s %12s %9s %9s %9s %9s\n",
		"scale", "bets", "wall", "bets/s", "draw", "peak_rss", "srv_cpu", "cli_cpu")
	w.Flush()
	for _, f := range strings.Split(*scales, ",") {
		scale, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || scale < 1 {
			return fmt.Errorf("bad scale %q", f)
		}
		files, src, err := agencyFiles(*data, scale)
		if err != nil {
			return err
		}
		bins := []string{*bin}
		if *base != "" {
			bins = append(bins, *base)
		}
		results := make([][]result, len(bins))
		for range runsFor(scale, *runs) {
			for i, b := range bins {
				r, err := once(ctx, b, files)
				if err != nil {
					return fmt.Errorf("scale %d, %s: %w", scale, b, err)
				}
				results[i] = append(results[i], r)
			}
		}
		var walls []time.Duration
		for i, rs := range results {
			slices.SortFunc(rs, func(a, b result) int { return int(a.wall - b.wall) })
			r := rs[len(rs)/2]
			walls = append(walls, r.wall)
			label := src
			if len(bins) > 1 {
				label = src + ", " + bins[i]
			}
			fmt.Fprintf(w, "×%-6d %10d %9s %12.0f %9s %8.1fM %8.2fs %8.2fs  (%s, median of %d)\n",
				scale, r.bets, r.wall.Round(time.Millisecond), float64(r.bets)/r.wall.Seconds(),
				r.draw.Round(10*time.Microsecond), float64(r.peakRSS)/(1<<20), r.serverCPU.Seconds(),
				r.clientCPU.Seconds(), label, len(rs))
		}
		if len(walls) > 1 {
			fmt.Fprintf(w, "×%-6d %s takes %.1f%% of %s's wall time\n", scale, bins[0], 100*walls[0].Seconds()/walls[1].Seconds(), bins[1])
		}
		w.Flush()
	}
	return nil
}

// runsFor returns how many runs a scale gets: many where a run is cheap.
func runsFor(scale, runs int) int {
	switch {
	case scale >= 100:
		return min(runs, 3)
	default:
		return runs
	}
}

// result is one run's measurements.
type result struct {
	bets      int
	wall      time.Duration
	draw      time.Duration
	peakRSS   int64
	serverCPU time.Duration
	clientCPU time.Duration
}
