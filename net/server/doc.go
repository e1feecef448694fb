// Package server is the lottery server's network side: it accepts agency
// connections and speaks the wire protocol on each: a reader goroutine that
// validates requests and hands batches to the store, and a writer goroutine
// that sends their acks in order as the store commits them. Neither holds
// shared state; they call the store and the draw coordinator, actors that
// own that state, through the Store and Coordinator interfaces.
//
// A hello fixes the connection's agency for good. When the server has
// secrets, the hello must carry that agency's secret (compared in constant
// time) or the connection is refused as unauthorized. At most
// Config.MaxConnections are served at once, each with buffers of one frame
// and at most a window of decoded batches waiting for the store; a
// connection silent for the idle timeout is closed.
//
// Pings and echo messages are answered before or after a hello: a ping
// with a pong of its payload (the health check), an echo with the
// identical frame, logged as receive_message with the peer's IP. A server
// of 0 agencies runs no lottery: it answers those and refuses every hello.
package server
