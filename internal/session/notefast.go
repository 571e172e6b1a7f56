package session

import "github.com/parley-im/parley/internal/proto"

// Receipts are most of what a busy session reads: tinode-sdk sends
// {"note":{"topic":…,"what":"recv","seq":N}} after every burst it receives,
// so in fan-out to a thousand sessions there are a thousand of them per
// message, and encoding/json's reflection was a third of reading one. A
// note in exactly that shape — keys in that order, no spaces, plain
// printable ASCII strings without escapes, a seq of at most 15 digits
// without leading zeros, or no seq — is read here; anything else goes to
// proto.DecodeClient. Whatever this accepts, DecodeClient decodes to the
// same message (FuzzDecodeNote checks it).

const (
	notePrefix = `{"note":{"topic":"`
	noteWhat   = `","what":"`
	noteSeq    = `","seq":`
	noteEnd    = `"}}`
)

// maxNoteDigits keeps a seq far from overflowing an int.
const maxNoteDigits = 15

// decodeNote reads a note in the one shape above; ok is false for any
// other frame.
func decodeNote(frame []byte) (m *proto.ClientMsg, ok bool) {
	rest, ok := cut(frame, notePrefix)
	if !ok {
		return nil, false
	}
	topic, rest, ok := plainString(rest)
	if !ok {
		return nil, false
	}
	if rest, ok = cut(rest, noteWhat); !ok {
		return nil, false
	}
	what, rest, ok := plainString(rest)
	if !ok {
		return nil, false
	}
	note := &proto.MsgClientNote{Topic: topic, What: what}
	if string(rest) == noteEnd {
		return &proto.ClientMsg{Note: note}, true
	}
	if rest, ok = cut(rest, noteSeq); !ok {
		return nil, false
	}
	if note.SeqID, ok = plainUint(rest, len(rest)-len("}}")); !ok || string(rest[len(rest)-2:]) != "}}" {
		return nil, false
	}
	return &proto.ClientMsg{Note: note}, true
}

// cut returns b after prefix p.
func cut(b []byte, p string) ([]byte, bool) {
	if len(b) < len(p) || string(b[:len(p)]) != p {
		return nil, false
	}
	return b[len(p):], true
}

// plainString reads printable ASCII up to the next quote, which it leaves
// in rest; a backslash (an escape) or any other byte refuses.
func plainString(b []byte) (s string, rest []byte, ok bool) {
	i, ok := plainEnd(b)
	if !ok {
		return "", nil, false
	}
	return string(b[:i]), b[i:], true
}

// plainEnd is the index of the first quote in b, which must be preceded
// only by printable ASCII other than a backslash (an escape).
func plainEnd(b []byte) (int, bool) {
	for i, c := range b {
		switch {
		case c == '"':
			return i, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return 0, false
		}
	}
	return 0, false
}

// plainUint reads the decimal number that is b[:n] whole.
func plainUint(b []byte, n int) (int, bool) {
	if n < 1 || n > maxNoteDigits || (b[0] == '0' && n > 1) {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}
