package session

import (
	"encoding/json"

	"github.com/parley-im/parley/internal/proto"
)

// Every message sent is a {pub}, and encoding/json's reflection over
// ClientMsg was most of reading one. The SDKs write it in one family of
// shapes: {"pub":{…}} with no spaces between tokens, some of the keys id,
// topic, noecho, head and content, each once; id and topic printable ASCII
// without escapes; noecho true or false; head an object; content a string,
// an object or an array. tinode-sdk omits noecho when false and head for
// plain text, Parley's SDKs put head {"msgid":…} before content, and
// `parley bench` sends noecho true and no head. A {pub} in that family is
// read here, anything else (another key, a repeated key — encoding/json
// merges repeated head objects —, an escape in id or topic, a null,
// spaces, a second message, nesting deeper than maxPubDepth, text that is
// not valid) goes to proto.DecodeClient. Whatever this accepts,
// DecodeClient decodes to the same message (FuzzDecodePub checks it).
//
// Content is kept as the raw JSON it was sent as (json.RawMessage), so it is
// only validated, with json.Valid. Head is a map[string]any: an object of
// plain strings is read here, any other object is decoded by encoding/json,
// which is then reflection over that part only.

const (
	pubPrefix = `{"pub":{`
	pubEnd    = `}}`
)

// The keys of a {pub}, as bits, to refuse a repeated one.
const (
	pubKeyID = 1 << iota
	pubKeyTopic
	pubKeyNoEcho
	pubKeyHead
	pubKeyContent
)

// decodePub reads a {pub} in the family of shapes above; ok is false for
// any other frame.
func decodePub(frame []byte) (m *proto.ClientMsg, ok bool) {
	rest, ok := cut(frame, pubPrefix)
	if !ok {
		return nil, false
	}
	pub := &proto.MsgClientPub{}
	if string(rest) != pubEnd {
		seen := 0
		for {
			if rest, ok = pubMember(pub, &seen, rest); !ok {
				return nil, false
			}
			if len(rest) == 0 || rest[0] != ',' {
				break
			}
			rest = rest[1:]
		}
	}
	if string(rest) != pubEnd || !proto.ValidText(frame) {
		return nil, false
	}
	return &proto.ClientMsg{Pub: pub}, true
}

// pubMember reads one "key":value of a {pub} into pub, and returns what
// follows it.
func pubMember(pub *proto.MsgClientPub, seen *int, b []byte) (rest []byte, ok bool) {
	key, b, ok := quotedBytes(b)
	if !ok || len(b) == 0 || b[0] != ':' {
		return nil, false
	}
	b = b[1:]
	var bit int
	switch string(key) {
	case "id":
		bit = pubKeyID
		pub.ID, rest, ok = quotedString(b)
	case "topic":
		bit = pubKeyTopic
		pub.Topic, rest, ok = quotedString(b)
	case "noecho":
		bit = pubKeyNoEcho
		pub.NoEcho, rest, ok = jsonBool(b)
	case "head":
		bit = pubKeyHead
		pub.Head, rest, ok = pubHead(b)
	case "content":
		bit = pubKeyContent
		pub.Content, rest, ok = pubContent(b)
	default:
		return nil, false
	}
	if !ok || *seen&bit != 0 {
		return nil, false
	}
	*seen |= bit
	return rest, true
}

// quotedBytes reads a string of printable ASCII without escapes, quotes
// included, and returns its inside.
func quotedBytes(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	i, ok := plainEnd(b[1:])
	if !ok {
		return nil, nil, false
	}
	return b[1 : 1+i], b[2+i:], true
}

// quotedString is quotedBytes as a string.
func quotedString(b []byte) (string, []byte, bool) {
	s, rest, ok := quotedBytes(b)
	return string(s), rest, ok
}

// jsonBool reads true or false.
func jsonBool(b []byte) (v bool, rest []byte, ok bool) {
	if rest, ok = cut(b, "true"); ok {
		return true, rest, true
	}
	rest, ok = cut(b, "false")
	return false, rest, ok
}

// pubContent reads a string, object or array, kept as sent.
func pubContent(b []byte) (json.RawMessage, []byte, bool) {
	if len(b) == 0 || (b[0] != '"' && b[0] != '{' && b[0] != '[') {
		return nil, nil, false
	}
	n, ok := valueEnd(b)
	if !ok || !json.Valid(b[:n]) {
		return nil, nil, false
	}
	return append(json.RawMessage(nil), b[:n]...), b[n:], true
}

// pubHead reads an object: one of plain strings here, any other through
// encoding/json.
func pubHead(b []byte) (map[string]any, []byte, bool) {
	if head, rest, ok := flatHead(b); ok {
		return head, rest, true
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, nil, false
	}
	n, ok := valueEnd(b)
	if !ok {
		return nil, nil, false
	}
	var head map[string]any
	if json.Unmarshal(b[:n], &head) != nil {
		return nil, nil, false
	}
	return head, b[n:], true
}

// flatHead reads {} or {"key":"value",…} with every key and value a plain
// string (quotedBytes). A repeated key keeps its last value, as in
// encoding/json.
func flatHead(b []byte) (map[string]any, []byte, bool) {
	rest, ok := cut(b, "{")
	if !ok {
		return nil, nil, false
	}
	head := make(map[string]any, 2)
	if after, ok := cut(rest, "}"); ok {
		return head, after, true
	}
	for {
		var key, value []byte
		if key, rest, ok = quotedBytes(rest); !ok {
			return nil, nil, false
		}
		if rest, ok = cut(rest, ":"); !ok {
			return nil, nil, false
		}
		if value, rest, ok = quotedBytes(rest); !ok {
			return nil, nil, false
		}
		head[string(key)] = string(value)
		if len(rest) == 0 {
			return nil, nil, false
		}
		switch rest[0] {
		case ',':
			rest = rest[1:]
		case '}':
			return head, rest[1:], true
		default:
			return nil, nil, false
		}
	}
}

// maxPubDepth bounds the nesting of a head or content read here.
// encoding/json refuses a document nested more than 10,000 deep, and that
// counts the two levels of {"pub":{…}}, so a value validated on its own
// could pass where the whole frame fails; deep values go to DecodeClient.
const maxPubDepth = 100

// valueEnd returns the length of the string, object or array b starts
// with, found by counting brackets outside strings. It does not validate:
// the caller does, on exactly that slice, and a valid JSON document that
// starts with a quote or bracket and ends with one is that one value.
// Nesting deeper than maxPubDepth refuses.
func valueEnd(b []byte) (int, bool) {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
				if depth == 0 {
					return i + 1, true
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > maxPubDepth {
				return 0, false
			}
		case '}', ']':
			depth--
			if depth <= 0 {
				return i + 1, depth == 0
			}
		}
	}
	return 0, false
}
