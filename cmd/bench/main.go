// Command bench measures the whole system as a user runs it: the real
// server and one agency process per file, on loopback, with durable acks,
// over the course dataset (×1) and synthetic data of the same shape scaled
// ×10 and ×100. For each scenario it prints one line: bets, wall time from
// the agencies' start to the last winners reply, bets/s, the draw's time,
// the server's peak RSS and the CPU seconds of the server and the agencies.
//
//	bench [-bin bin] [-scales 1,10,100] [-runs 5] [-data DIR]
//
// Every line is the median run of the scenario (by wall time).
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
		var results []result
		for range runsFor(scale, *runs) {
			r, err := once(ctx, *bin, files)
			if err != nil {
				return fmt.Errorf("scale %d: %w", scale, err)
			}
			results = append(results, r)
		}
		slices.SortFunc(results, func(a, b result) int { return int(a.wall - b.wall) })
		r := results[len(results)/2]
		fmt.Fprintf(w, "×%-6d %10d %9s %12.0f %9s %8.1fM %8.2fs %8.2fs  (%s, median of %d)\n",
			scale, r.bets, r.wall.Round(time.Millisecond), float64(r.bets)/r.wall.Seconds(),
			r.draw.Round(10*time.Microsecond), float64(r.peakRSS)/(1<<20), r.serverCPU.Seconds(),
			r.clientCPU.Seconds(), src, len(results))
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
