// Package client is the agency's side of one connection to the lottery
// server. A Conn sends one request at a time and waits for its reply,
// except batches, which may be pipelined: Post queues a batch, Ack reads
// the reply to the oldest one in flight, so a window of batches can be on
// their way while the server stores the first. Every read and write has a
// deadline, so a silent server cannot hold the agency forever, and a
// cancelled context unblocks the call in progress. The package never logs:
// callers decide what to report.
package client
