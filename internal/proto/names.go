package proto

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
)

// Uid is a user id. On the wire it is "usr" followed by the unpadded base64url
// form of its little-endian bytes (11 characters). Group topic names use the
// same encoding with the "grp" prefix.
type Uid uint64

// ZeroUid is the invalid, empty user id.
const ZeroUid Uid = 0

// Topic name prefixes and the names of the special topics.
const (
	PrefixUser  = "usr"
	PrefixGroup = "grp"
	PrefixP2P   = "p2p"
	PrefixNew   = "new"
	PrefixNewCh = "nch"
	TopicMe     = "me"
	TopicFnd    = "fnd"
	TopicSys    = "sys"
)

// strictB64 rejects unused bits in the last character and line breaks, so
// every id has exactly one spelling.
var strictB64 = base64.RawURLEncoding.Strict()

func encodeID(v uint64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeID(s string) (uint64, bool) {
	if len(s) != 11 {
		return 0, false
	}
	b, err := strictB64.DecodeString(s)
	if err != nil || len(b) != 8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b), true
}

// UserID returns the wire form "usr…"; the zero Uid gives "".
func (u Uid) UserID() string {
	if u == ZeroUid {
		return ""
	}
	return PrefixUser + encodeID(uint64(u))
}

// String is UserID.
func (u Uid) String() string { return u.UserID() }

// ParseUserID parses "usr…"; it returns ZeroUid when s is not a user id.
func ParseUserID(s string) Uid {
	if !strings.HasPrefix(s, PrefixUser) {
		return ZeroUid
	}
	v, ok := decodeID(s[len(PrefixUser):])
	if !ok {
		return ZeroUid
	}
	return Uid(v)
}

// GroupName returns the group topic name for a random id.
func GroupName(id uint64) string { return PrefixGroup + encodeID(id) }

// IsGroupName reports whether s is a well-formed group topic name.
func IsGroupName(s string) bool {
	if !strings.HasPrefix(s, PrefixGroup) {
		return false
	}
	_, ok := decodeID(s[len(PrefixGroup):])
	return ok
}

// P2PName is the internal name of the one-to-one topic between two users: the
// same for both, whichever asks.
func P2PName(a, b Uid) string {
	if a > b {
		a, b = b, a
	}
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(a))
	binary.LittleEndian.PutUint64(buf[8:], uint64(b))
	return PrefixP2P + base64.RawURLEncoding.EncodeToString(buf[:])
}

// ParseP2P returns the two users of a p2p topic name.
func ParseP2P(name string) (Uid, Uid, bool) {
	if !strings.HasPrefix(name, PrefixP2P) || len(name) != len(PrefixP2P)+22 {
		return 0, 0, false
	}
	b, err := strictB64.DecodeString(name[len(PrefixP2P):])
	if err != nil || len(b) != 16 {
		return 0, 0, false
	}
	return Uid(binary.LittleEndian.Uint64(b[:8])), Uid(binary.LittleEndian.Uint64(b[8:])), true
}

// P2PPeer returns the other user of a p2p topic.
func P2PPeer(name string, self Uid) Uid {
	a, b, ok := ParseP2P(name)
	if !ok {
		return ZeroUid
	}
	if a == self {
		return b
	}
	return a
}

// MeName is the internal name of a user's "me" topic.
func MeName(u Uid) string { return u.UserID() }

// FndName is the internal name of a user's "fnd" topic.
func FndName(u Uid) string { return "fnd" + encodeID(uint64(u)) }
