package proto

import (
	"errors"
	"strings"
)

// AccessMode is a bitmask of permissions on a topic.
type AccessMode uint

// Access bits, in the order their letters are written: JRWPASDO.
const (
	ModeJoin    AccessMode = 1 << iota // J: may subscribe
	ModeRead                           // R: may read messages
	ModeWrite                          // W: may publish
	ModePres                           // P: gets presence notifications
	ModeApprove                        // A: may approve join requests, manage members
	ModeShare                          // S: may invite others
	ModeDelete                         // D: may hard-delete messages
	ModeOwner                          // O: owns the topic

	ModeNone AccessMode = 0
	// ModeInvalid marks a mode string that could not be parsed.
	ModeInvalid AccessMode = 1 << 30
)

// Common modes.
const (
	ModeCPublic   = ModeJoin | ModeRead | ModeWrite | ModePres | ModeShare                // JRWPS: group default
	ModeCP2P      = ModeJoin | ModeRead | ModeWrite | ModePres | ModeApprove | ModeDelete // JRWPAD: p2p
	ModeCAuth     = ModeCP2P | ModeShare                                                  // JRWPASD: user default
	ModeCSelf     = ModeJoin | ModePres | ModeShare                                       // JPS: me
	ModeCFull     = ModeCAuth | ModeOwner                                                 // JRWPASDO: owner
	ModeCReadOnly = ModeJoin | ModeRead                                                   // JR
)

const modeLetters = "JRWPASDO"

// String writes the mode as letters, "N" for none.
func (m AccessMode) String() string {
	if m == ModeInvalid {
		return ""
	}
	if m == ModeNone {
		return "N"
	}
	var b strings.Builder
	for i := 0; i < len(modeLetters); i++ {
		if m&(1<<i) != 0 {
			b.WriteByte(modeLetters[i])
		}
	}
	return b.String()
}

// IsSet reports whether all bits of want are set in m.
func (m AccessMode) IsSet(want AccessMode) bool { return m&want == want }

// ErrBadMode is returned for mode strings that are neither letters nor deltas.
var ErrBadMode = errors.New("invalid access mode")

// ParseMode parses a letter string such as "JRWP" or "N". Letters are
// case-insensitive.
func ParseMode(s string) (AccessMode, error) {
	s = strings.TrimSpace(s)
	if !isASCII(s) {
		return ModeInvalid, ErrBadMode // ToUpper would turn 'ſ' into 'S'
	}
	s = strings.ToUpper(s)
	if s == "N" || s == "" {
		return ModeNone, nil
	}
	var m AccessMode
	for _, c := range s {
		i := strings.IndexRune(modeLetters, c)
		if i < 0 {
			return ModeInvalid, ErrBadMode
		}
		m |= 1 << i
	}
	return m, nil
}

// ApplyMode applies s to m: either a full mode ("JRW") or a delta ("+W-P").
func ApplyMode(m AccessMode, s string) (AccessMode, error) {
	s = strings.TrimSpace(s)
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return ParseMode(s)
	}
	if !isASCII(s) {
		return ModeInvalid, ErrBadMode
	}
	add := true
	for _, c := range strings.ToUpper(s) {
		switch c {
		case '+':
			add = true
		case '-':
			add = false
		default:
			i := strings.IndexRune(modeLetters, c)
			if i < 0 {
				return ModeInvalid, ErrBadMode
			}
			if add {
				m |= 1 << i
			} else {
				m &^= 1 << i
			}
		}
	}
	return m, nil
}

// Acs builds the wire form of a subscription's access.
func Acs(want, given AccessMode) *MsgAccessMode {
	return &MsgAccessMode{Want: want.String(), Given: given.String(), Mode: (want & given).String()}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
