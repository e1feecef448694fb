// Package actors holds the server's state, kept by two actors in the style of
// etcd raft's node: Run owns the state in a single goroutine and serves
// requests that the exported methods send over unexported channels. Every
// method is synchronous and takes a context; it returns ctx.Err() if the
// context ends first and ErrStopped once Run has returned, so no caller is
// left waiting on a stopped actor.
//
// Store keeps the bets: a domain.Ledger (the exactly-once rules of every
// agency's stream, no I/O) over a BetLog (where bets and dones are
// durable; actors/csvfile keeps them in local files, and
// actors/betlogtest is the contract every BetLog passes). Each agency
// writes its stream through a Session (a newer one fences the older);
// Session.Enqueue hands the store a batch and returns its AppendFuture.
// The store checks each queued append against the ledger, appends what
// the group adds to the log at once — one fsync for all — and then
// settles every future. The ledger notes the winners as bets are stored,
// so the draw reads nothing. A done is durable in the log before Finish
// returns, so a finished agency stays finished across a restart. The
// store belongs to one lottery, the log's. Coordinator waits until every
// agency has reported done, asks its Drawer (the Store) for the draw
// exactly once and answers each agency's winners query, parking the
// queries that arrive before the draw.
//
// Restart: NewStore replays the log into a new ledger, checking every bet
// and done again (Store.Recovered tells what it found); a Coordinator
// given the recovered finished agencies draws at once if they are all N,
// with the same winners, since the log holds the same bets.
//
// Shutdown: stop the Coordinator before the Store. The Coordinator answers
// parked queries with ErrStopped and gives up on a draw in progress (its call
// to Draw returns with the context); the Store then closes its log, which
// makes durable whatever is not yet.
package actors
