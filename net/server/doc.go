// Package server is the lottery server's network side: it accepts agency
// connections and speaks the wire protocol on each, one goroutine per
// connection. A connection goroutine holds no shared state; it calls the
// store and the draw coordinator, actors that own that state, through the
// Store and Coordinator interfaces.
package server
