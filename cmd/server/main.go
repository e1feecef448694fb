// Command server is the lottery's central server: it stores the bets the
// agencies send, runs the draw once every agency has reported done, and
// answers each agency's winners query with its own winners. It sends every
// echo message back as it came, and with 0 agencies serves only those and
// pings. With "ping" as its first argument it is the container's health
// check; -h prints the usage.
package main

import (
	"context"
	"os"
	"runtime/debug"
)

func main() {
	// The server's live heap is small and its garbage plentiful (a frame's
	// worth per batch): collecting at 200% growth instead of 100% cuts the
	// GC's share of the CPU for a few MiB more (make bench, ×100: 6.2 s →
	// 5.4 s; peak RSS stays near 20 MiB). GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if err := run(context.Background(), os.Args[1:], os.Environ(), os.Stdout); err != nil {
		os.Exit(1)
	}
}
