// Package client is the agency's side of one connection to the lottery
// server. A Conn sends one request at a time and waits for its reply
// (stop-and-wait); every read and write has a deadline, so a silent server
// cannot hold the agency forever, and a cancelled context unblocks the call
// in progress. The package never logs: callers decide what to report.
package client
