package proto

import (
	"bytes"
	"unicode/utf8"
)

// Every frame on a WebSocket text channel must be UTF-8 (RFC 6455 §8.1), and
// standards-compliant clients (browsers, Node's ws, tinode-sdk) drop the
// connection on one that is not. encoding/json does not help: it decodes
// invalid bytes as U+FFFD in strings but keeps them byte for byte in a
// json.RawMessage (content, public, private, trusted), and it decodes an
// escaped lone surrogate ("\udc80") to U+FFFD too, silently changing what
// the client sent. So text is checked here, on the raw bytes: on the way in
// a frame that is not valid text is refused (ValidText), and on the way out
// Encode repairs whatever an older version may have stored (repairText).

// ValidText reports whether frame, a syntactically valid JSON document, is
// text every client can read back as it was sent: valid UTF-8, and no
// \uXXXX escape naming half of a surrogate pair without its other half.
func ValidText(frame []byte) bool {
	return utf8.Valid(frame) && surrogatesPaired(frame)
}

// surrogatesPaired reports whether every \uD800–\uDFFF escape in b is a high
// surrogate followed at once by an escaped low one. In valid JSON a
// backslash appears only inside strings, so no string state is needed.
func surrogatesPaired(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 || i+1 >= len(b) {
			return true
		}
		if b[i+1] != 'u' {
			b = b[i+2:] // \\, \" and the rest: the escaped byte is not a backslash
			continue
		}
		r, ok := hex4(b[i+2:])
		if !ok {
			return false
		}
		b = b[i+6:]
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low surrogate with no high one before it
		case r >= 0xD800 && r <= 0xDBFF:
			if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
				return false
			}
			lo, ok := hex4(b[2:])
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			b = b[6:]
		}
	}
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// repairText returns frame with each run of bytes that is not UTF-8 replaced
// by U+FFFD. In JSON such bytes can only sit inside strings (everything else
// is ASCII), so the result is still the same JSON document, now readable.
// Nothing the server accepts today needs it; it protects readers from data
// stored before ValidText was enforced, or written around the server.
func repairText(frame []byte) []byte {
	if utf8.Valid(frame) {
		return frame
	}
	return bytes.ToValidUTF8(frame, []byte("\uFFFD"))
}
