// Package chaos checks Parley's delivery promise — nothing lost, nothing
// duplicated, nothing out of order — from the clients' side while the
// gateway is killed with SIGKILL and restarted (TestChaosKill), or while a
// frame-aware WebSocket relay between clients and gateway drops, duplicates,
// delays and reorders frames and cuts connections (TestChaosRelay).
//
// Clients behave as a careful application would: senders resend every
// unacknowledged pub with the same head.msgid until a ctrl 202 arrives;
// receivers deduplicate by seq and msgid, hand messages to the application
// strictly in seq order, fetch any gap with get data, and acknowledge with
// note recv or datares. Every client always dials the relay, whose address
// stays fixed while the gateway behind it restarts on new ports.
//
// Clients speak Tinode JSON, or protobuf (PARLEY_CHAOS_CODEC; mixed in
// TestChaosRelayProtobuf), converting each frame at their edge.
//
// When the run is over, the final history is read straight from the gateway
// and the checker (Check) compares it with what senders saw acknowledged and
// what each receiver's application was given. docs/reliability.md says how
// to run it and what it measured.
package chaos
