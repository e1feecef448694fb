// Package server is the lottery server's network side: it accepts agency
// connections and speaks the wire protocol on each: a reader goroutine that
// validates requests and hands batches to the store, and a writer goroutine
// that sends their acks in order as the store commits them. Neither holds
// shared state; they call the store and the draw coordinator, actors that
// own that state, through the Store and Coordinator interfaces.
//
// A hello fixes the connection's agency for good. When the server has
// secrets, the hello must carry that agency's secret (compared in constant
// time) or the connection is refused as unauthorized.
//
// A connection waits in the lobby until its hello is accepted: at most
// Config.MaxConnections wait at once, and a newcomer to a full lobby
// evicts the oldest (busy), so peers without a secret can hold the lobby
// but never keep an agency out. A connection without an accepted hello
// within Config.HelloTimeout is closed, whatever it sends meanwhile; an
// admitted one, after Config.IdleTimeout without a request that does work.
// Each connection holds buffers of one frame and at most a window of
// decoded batches waiting for the store. The fail lines of connections
// that never had a hello accepted are rate-limited, about 10 a second in
// all.
//
// Pings and echo messages are answered before or after a hello: a ping
// with a pong of its payload (the health check), an echo with the
// identical frame, logged as receive_message with the peer's IP. A server
// of 0 agencies runs no lottery: it answers those and refuses every hello.
package server
