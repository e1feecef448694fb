// Package domain holds the lottery's pure types and rules: a bet and its
// validation, the draw rule, the bets file kept by the server and the agency
// files read by the clients. It starts no goroutines and opens no sockets;
// every reader and writer here works on an io.Reader or io.Writer handed in.
package domain
