package ws

import (
	"encoding/binary"
	"net"
)

// frameWriter sends a batch of text messages in one vectored write: each
// message's frame header and its bytes, unmasked and unfragmented, as
// RFC 6455 requires of a server. gorilla writes each message with a write
// system call of its own, and under load one write per frame was the largest
// single cost of the server (27–31% of its CPU in a profile of bench pairs);
// a session's outbox usually holds several frames by the time its writer
// runs (a group commit acknowledges a sender's whole window at once), so one
// writev sends them all. The payload is not copied.
//
// Only the connection's writer uses it. gorilla still writes control frames
// (pings, close) from other goroutines; the socket takes each write call
// whole under its own lock, so frames never interleave inside one another.
type frameWriter struct {
	headers []byte      // every frame's header, back to back
	bufs    net.Buffers // header, payload, header, payload…
}

// maxHeader is the longest server frame header: 2 bytes and a 64-bit length.
const maxHeader = 10

// opText with the FIN bit: a whole text message in one frame.
const finText = 0x81

// appendHeader appends the header of an unmasked final text frame carrying n
// bytes of payload.
func appendHeader(b []byte, n int) []byte {
	switch {
	case n <= 125:
		return append(b, finText, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(b, finText, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, finText, 127), uint64(n))
	}
}

// write sends frames to nc in as few system calls as the socket allows and
// releases its references to them, so the batch can be collected.
func (w *frameWriter) write(nc net.Conn, frames [][]byte) error {
	w.headers = w.headers[:0]
	for _, f := range frames {
		w.headers = appendHeader(w.headers, len(f))
	}
	w.bufs = w.bufs[:0]
	h := w.headers
	for _, f := range frames {
		n := headerLen(len(f))
		w.bufs = append(w.bufs, h[:n:n], f)
		h = h[n:]
	}
	bufs := w.bufs // WriteTo consumes its receiver; keep w.bufs' backing array
	_, err := bufs.WriteTo(nc)
	clear(w.bufs)
	return err
}

// headerLen is the length appendHeader gives a frame of n payload bytes.
func headerLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	default:
		return maxHeader
	}
}
