// Package security plays a hostile client's attacks against a real `parley
// serve` process, over its real WebSocket and long-polling endpoints, and
// asserts what each attack may cost the server: an error code, a closed
// connection, a bounded amount of memory or time — never a crash, a lost
// acknowledged message or another user's data.
//
// Each file covers one family of attacks; docs/security.md lists them with
// the limit or code that stops each one.
package security
