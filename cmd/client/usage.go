package main

import (
	"fmt"
	"io"
)

const usageHead = `client is a lottery agency. It first exchanges loop.amount echo messages
with the server, loop.period apart (none by default), then streams its bets
file to the server in batches, reports done, waits for the draw and logs how
many of its bets won. A lost connection is retried until retry.deadline
passes without progress; each bet is stored once. server.address may list
several servers, host:port,host:port: a lost connection goes on with the
next one.

Usage:
  client [-config file]        run the agency
  client ping [-config file]   ask the server for a pong (the container's
                               health check); exit 0 if it answers
  client echo [-config file]   send the server one echo message and compare
                               the reply byte for byte, as a plain TCP echo
                               server would send it (validar-echo-server.sh);
                               exit 0 if it is identical
  client help                  print this help (as -h does) and exit 0

ping and echo need no CLI_ID.
`

// usageNotes replace the defaults that would mislead in the usage.
var usageNotes = map[string]string{
	"id":        "none: required, 1..1000",
	"data.path": `"": .data/agency-{id}.csv`,
	"secret":    `"": none, for a server without secrets`,
}

// usage prints the usage on stdout.
func usage(stdout io.Writer) error {
	if err := spec.Usage(stdout, usageHead, defaultConfig(), usageNotes); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "\nOne extra bet, sent before the data file's, can be given in the environment\nonly, all of these variables or none: %s.\n", betNames())
	return err
}
