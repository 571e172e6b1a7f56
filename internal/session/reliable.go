package session

// Reliable delivery is opt-in on gRPC. A WebSocket or long-polling session
// has its {data} frames retransmitted until it acknowledges them, as Parley's
// clients do. Tinode's gRPC clients (tn-cli) never acknowledge, and on a live
// HTTP/2 stream nothing is lost, so retransmitting would only show them every
// message again. A gRPC session therefore starts without a delivery window:
// its first acknowledgement (a note recv or read, or a datares) opts it in,
// and from then on the frames it is sent are tracked and retransmitted as on
// any other transport. It is also sent the presence kinds that have no value
// in Tinode's enums (what=gap) only from then on: Tinode's client fails on an
// enum value it does not know, and it would not page history anyway.

// optIn starts reliable delivery for a session that waited for its first
// acknowledgement.
func (w *window) optIn() {
	w.mu.Lock()
	w.waitAck = false
	w.mu.Unlock()
}

// reliable reports whether frames are tracked for retransmission.
func (w *window) reliable() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.waitAck
}

// Reliable reports whether the session takes part in reliable delivery:
// always on WebSocket and long polling; on gRPC once it has acknowledged.
// Transports send Parley's extension kinds only to reliable sessions.
func (s *Session) Reliable() bool { return s.win.reliable() }
