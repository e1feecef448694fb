// Package actors holds the server's state, kept by two actors in the style of
// etcd raft's node: Run owns the state in a single goroutine and serves
// requests that the exported methods send over unexported channels. Every
// method is synchronous and takes a context; it returns ctx.Err() if the
// context ends first and ErrStopped once Run has returned, so no caller is
// left waiting on a stopped actor.
//
// Store keeps the bets file durably: each agency writes its stream through
// a Session (a newer one fences the older), whose batches the store appends
// once, checked by content (a resend must be the bets held at those
// positions: the stream's digest is kept on every row), fsyncing queued
// batches together; it notes the winners as it stores them, so the draw
// reads nothing. It records each agency that reports done, with its total
// and digest, in a file beside the bets file, fsync'd before Finish
// returns, so a finished agency stays finished across a restart. The store
// belongs to one lottery (a lottery file beside the bets file) and locks the
// bets file while it is open. Coordinator waits until every agency has
// reported done, asks its Drawer (the Store) for the draw exactly once and
// answers each agency's winners query, parking the queries that arrive
// before the draw.
//
// Restart: OpenStore recovers the files, checking every row again
// (Store.Recovered tells what it found); a Coordinator given the recovered
// finished agencies draws at once if they are all N, with the same
// winners, since the bets file is the same.
//
// Shutdown: stop the Coordinator before the Store. The Coordinator answers
// parked queries with ErrStopped and gives up on a draw in progress (its call
// to Draw returns with the context); the Store then flushes, fsyncs and
// closes the bets file.
package actors
