// Command bench measures the whole system as a user runs it: the real
// server and one agency process per file, on loopback, with durable acks,
// over the course dataset (×1) and synthetic data of the same shape scaled
// ×10 and ×100. For each scenario it prints one line: bets, wall time from
// the agencies' start to the last winners reply, bets/s, the draw's time,
// the server's peak RSS and the CPU seconds of the server and the agencies.
//
//	bench [-bin bin] [-scales 1,10,100] [-runs 5] [-data DIR] [-base DIR]
//	      [-backends file,jetstream-r1,jetstream-r3] [-nats bin/nats-server]
//
// Every line is the median run of the scenario (by wall time), with the
// range of the wall times. With -base, the binaries in that directory (an
// earlier build, say) run too, each run of them right after one of -bin's,
// so that both see the same machine; each scenario then prints a line for
// each and the ratio of their medians.
//
// -backends names the server's store backends to compare, run the same
// way, one after the other in each round: file (the default), and the
// jetstream backend on one NATS server (jetstream-r1) or on a cluster of
// three (jetstream-r3, cluster loteria on loopback), each run with fresh
// NATS servers from -nats with an empty store, syncing every write
// (sync_interval: always) as the servers we ship do. A jetstream line is
// followed by one with the CPU seconds the NATS servers, the server and
// the agencies spent during the agencies' run, against what the cores
// could have given in that time, and the NATS servers' peak RSS; and each
// backend's bets/s is given as a share of the file backend's, with the
// range of that share run by run.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
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
	scaleList := fl.String("scales", "1,10,100", "comma-separated scales of the course dataset")
	runs := fl.Int("runs", 5, "runs per scenario at scale 1 (larger scales run fewer: see runsFor)")
	data := fl.String("data", filepath.Join(os.TempDir(), "loteria-bench"), "where generated data is kept between runs")
	base := fl.String("base", "", "directory of binaries to compare with, run alternately with -bin's")
	backendList := fl.String("backends", "file", "comma-separated store backends to compare, run alternately: "+backendNames())
	nats := fl.String("nats", filepath.Join("bin", "nats-server"), "the NATS server the jetstream backends run")
	if err := fl.Parse(args); err != nil {
		return err
	}
	scales, err := parseScales(*scaleList)
	if err != nil {
		return err
	}
	backends, err := parseBackends(*backendList)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(backends, func(b backend) bool { return b.replicas > 0 }) {
		if err := checkNATS(*nats); err != nil {
			return err
		}
	}
	bins := []string{*bin}
	if *base != "" {
		bins = append(bins, *base)
	}
	variants := variantsOf(bins, backends)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%-7s %10s %9s %12s %9s %9s %9s %9s\n",
		"scale", "bets", "wall", "bets/s", "draw", "peak_rss", "srv_cpu", "cli_cpu")
	w.Flush()
	for _, scale := range scales {
		files, src, err := agencyFiles(*data, scale)
		if err != nil {
			return err
		}
		results := make([][]result, len(variants))
		for range runsFor(scale, *runs) {
			for i, v := range variants {
				r, err := once(ctx, v, *nats, files)
				if err != nil {
					return fmt.Errorf("scale %d, %s: %w", scale, v, err)
				}
				results[i] = append(results[i], r)
			}
		}
		report(w, scale, src, variants, results)
		w.Flush()
	}
	return nil
}

// report prints a scenario's lines: each variant's median run (by wall
// time) with the range of its wall times, what the NATS servers of a
// jetstream backend used, each backend's bets/s as a share of the file
// backend's, and -bin's wall time as a share of -base's.
func report(w io.Writer, scale int, src string, variants []variant, results [][]result) {
	bins, backends := 0, 0
	for _, v := range variants {
		bins = max(bins, v.binIndex+1)
		backends = max(backends, v.backendIndex+1)
	}
	medians := make([]result, len(variants))
	for i, v := range variants {
		label := src
		if bins > 1 {
			label += ", " + v.bin
		}
		if backends > 1 {
			label += ", " + v.backend.name
		}
		medians[i] = printMedian(w, scale, label, results[i])
		if v.backend.replicas > 0 {
			printNATS(w, scale, v.backend.name, medians[i])
		}
	}
	for i, v := range variants {
		f := slices.IndexFunc(variants, func(u variant) bool { return u.binIndex == v.binIndex && u.backend.replicas == 0 })
		if f < 0 || f == i {
			continue
		}
		lo, hi := spread(results[i], results[f], func(r, file result) float64 { return r.betsPerSecond() / file.betsPerSecond() })
		label := v.backend.name
		if bins > 1 {
			label = v.bin + " " + label
		}
		fmt.Fprintf(w, "×%-6d %s: %.1f%% of file's bets/s (medians; run by run %.1f–%.1f%%)\n",
			scale, label, 100*medians[i].betsPerSecond()/medians[f].betsPerSecond(), 100*lo, 100*hi)
	}
	for i, v := range variants {
		if v.binIndex != 0 || bins < 2 {
			continue
		}
		b := slices.IndexFunc(variants, func(u variant) bool { return u.binIndex == 1 && u.backendIndex == v.backendIndex })
		what := ""
		if backends > 1 {
			what = " (" + v.backend.name + ")"
		}
		lo, hi := spread(results[i], results[b], func(r, base result) float64 { return r.wall.Seconds() / base.wall.Seconds() })
		fmt.Fprintf(w, "×%-6d %s takes %.1f%% of %s's wall time%s (run by run %.1f–%.1f%%)\n", scale, v.bin,
			100*medians[i].wall.Seconds()/medians[b].wall.Seconds(), variants[b].bin, what, 100*lo, 100*hi)
	}
}

// printMedian prints the line of the median of rs (by wall time), with
// the range of their wall times, and returns it.
func printMedian(w io.Writer, scale int, label string, rs []result) result {
	rs = slices.SortedFunc(slices.Values(rs), func(a, b result) int { return int(a.wall - b.wall) })
	r := rs[len(rs)/2]
	fmt.Fprintf(w, "×%-6d %10d %9s %12.0f %9s %8.1fM %8.2fs %8.2fs  (%s, median of %d, wall %s–%s)\n",
		scale, r.bets, r.wall.Round(time.Millisecond), r.betsPerSecond(),
		r.draw.Round(10*time.Microsecond), mib(r.peakRSS), r.serverCPU.Seconds(),
		r.clientCPU.Seconds(), label, len(rs), rs[0].wall.Round(time.Millisecond), rs[len(rs)-1].wall.Round(time.Millisecond))
	return r
}

// printNATS prints where a jetstream run's CPU went during the agencies'
// run, against what the cores could give in that time, and the NATS
// servers' peak RSS.
func printNATS(w io.Writer, scale int, backend string, r result) {
	rss := make([]string, len(r.natsRSS))
	for j, b := range r.natsRSS {
		rss[j] = fmt.Sprintf("%.1fM", mib(b))
	}
	all := r.serverRunCPU + r.clientCPU + r.natsCPU
	capacity := time.Duration(runtime.NumCPU()) * r.wall
	fmt.Fprintf(w, "×%-6d   %s, during the agencies' run: nats_cpu %.2fs + srv_cpu %.2fs + cli_cpu %.2fs = %.2fs of %d cores × %s (%.0f%%); nats peak_rss %s\n",
		scale, backend, r.natsCPU.Seconds(), r.serverRunCPU.Seconds(), r.clientCPU.Seconds(),
		all.Seconds(), runtime.NumCPU(), r.wall.Round(time.Millisecond), 100*all.Seconds()/capacity.Seconds(), strings.Join(rss, " "))
}

// spread returns the least and the greatest of ratio over the runs of a
// and b made one right after the other.
func spread(a, b []result, ratio func(a, b result) float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for j := range min(len(a), len(b)) {
		x := ratio(a[j], b[j])
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// parseScales parses -scales: whole numbers from 1, comma-separated.
func parseScales(s string) ([]int, error) {
	var scales []int
	for _, f := range strings.Split(s, ",") {
		scale, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || scale < 1 {
			return nil, fmt.Errorf("bad scale %q", f)
		}
		scales = append(scales, scale)
	}
	return scales, nil
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
	serverCPU time.Duration // the server's whole life
	clientCPU time.Duration
	// During the agencies' run only, from their start to the last
	// winners reply:
	serverRunCPU time.Duration
	natsCPU      time.Duration // all the NATS servers'
	natsRSS      []int64       // each NATS server's peak RSS, over its whole life
}

func (r result) betsPerSecond() float64 { return float64(r.bets) / r.wall.Seconds() }
