// Package parley is the Go client SDK for Parley, the customer-service IM
// gateway that speaks Tinode's JSON protocol.
//
// A Client is built from three layers that talk through publish/subscribe:
// the network layer (a WebSocket that reconnects with exponential backoff
// and full jitter and watches for silence), the data link (one data pool per
// conversation ordered by seq and virtual seq, an outbox that retries with
// the same msgid until the server acknowledges, batched receipts, and gap
// filling after jumps and reconnects), and this package's application API.
//
// Send is render-first: it returns the message already in its
// conversation's pool with status Sending, and the network write follows on
// another goroutine. Subscribers (OnMessage, OnStatus, OnTyping, OnReceipt,
// OnState) each run on their own goroutine and return a func that
// unsubscribes.
package parley
