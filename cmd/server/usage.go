package main

import "io"

const usageHead = `server is the lottery's central server. It stores the bets the agencies
send, runs the draw once all server.agencies agencies have reported done, and
answers each agency's winners query with its own winners. It answers echo
messages (validar-echo-server.sh) and pings (the health check) from any peer;
with server.agencies 0 it runs no lottery and serves only those.

Usage:
  server [-config file]        run the server
  server ping [-config file]   ping the server on its configured port (the
                               container's health check); exit 0 if it answers
  server help                  print this help (as -h does) and exit 0
`

// usageNotes replace the defaults that would mislead in the usage.
var usageNotes = map[string]string{
	"auth.secrets": `"": open, any peer may speak for any agency`,
	"lottery.date": `"": the store's date; a new store takes today's (UTC)`,
}

// usage prints the usage on stdout.
func usage(stdout io.Writer) error {
	return spec.Usage(stdout, usageHead, defaultConfig(), usageNotes)
}
