// Command server is the lottery's central server: it stores the bets the
// agencies send, runs the draw once every agency has reported done, and
// answers each agency's winners query with its own winners.
package main

import (
	"context"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Environ(), os.Stdout); err != nil {
		os.Exit(1)
	}
}
