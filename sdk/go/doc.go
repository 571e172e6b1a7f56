// Package sdk is the root of Parley's Go client SDK. The API is package
// parley (sdk/go/parley); the layers under it live in internal packages:
//
//	internal/netlink   network: Conn, WebSocket, reconnect with backoff, heartbeat
//	internal/pool      message model and the per-conversation data pool
//	internal/outbox    retry queue with per-message timeouts
//	internal/seqtrack  received seqs: gap detection and batched receipts
//	internal/bus       publish/subscribe between the layers
package sdk
