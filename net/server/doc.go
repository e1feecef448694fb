// Package server is the lottery server's network side: it accepts agency
// connections and speaks the wire protocol on each, one goroutine per
// connection. A connection goroutine holds no shared state; it calls the
// store and the draw coordinator, actors that own that state, through the
// Store and Coordinator interfaces.
//
// A hello fixes the connection's agency for good. When the server has
// secrets, the hello must carry that agency's secret (compared in constant
// time) or the connection is refused as unauthorized. At most
// Config.MaxConnections are served at once, each with buffers of one frame;
// a connection silent for the idle timeout is closed.
package server
