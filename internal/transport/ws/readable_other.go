//go:build !unix

package ws

// peeks says readable cannot tell whether a socket has bytes: the reader
// learns it only in the read, so it must not hand the connection to a
// grown goroutine before it (see conn.wait).
const peeks = false

// readable cannot peek at a socket here, so it never waits: the read that
// follows blocks inside the WebSocket library instead.
func readable(uintptr) bool { return true }
