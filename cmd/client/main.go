// Command client is a lottery agency. It first exchanges loop.amount echo
// messages with the server, loop.period apart (none by default), then
// streams its bets file to the server in batches, reports it is done, waits
// for the draw and logs how many of its bets won. When the connection is
// lost it reconnects and resumes where the server says, so each bet is
// stored once. With "ping" as its first argument it only checks that the
// server answers, for a container healthcheck; with "echo", that the server
// sends back one echo message byte for byte, for validar-echo-server.sh.
// -h prints the usage.
package main

import (
	"context"
	"os"
	"runtime/debug"
)

func main() {
	// Like the server's: little live heap, a string per row of garbage.
	// GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if err := run(context.Background(), os.Args[1:], os.Environ(), os.Stdout); err != nil {
		os.Exit(1) // run has logged why
	}
}
