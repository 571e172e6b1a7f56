package proto_test

import (
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// Regression tests for bugs the fuzz targets found: each spelling of an id
// is unique, modes are ASCII, and every accepted time can be written back.

// Rounding a time at the very end of year 9999 carries it into year 10000,
// and an offset can move "0000-01-01T00:00:00+01:00" into year -1.
// UnmarshalJSON accepts both (a client's "ims"), and MarshalJSON then writes
// "10000-01-01T00:00:00Z" or "-0001-12-31T23:00:00Z", which neither
// UnmarshalJSON nor tinode-sdk can read.
func TestRegressionTimeYearRange(t *testing.T) {
	for _, in := range []string{`"9999-12-31T23:59:59.9999Z"`, `"0000-01-01T00:00:00+01:00"`} {
		var tm proto.Time
		if err := tm.UnmarshalJSON([]byte(in)); err != nil {
			continue // rejecting such input is a fix too
		}
		b := mustMarshal(t, tm)
		var back proto.Time
		if err := back.UnmarshalJSON(b); err != nil {
			t.Errorf("UnmarshalJSON(%s) gave a time that marshals to %s, which does not parse: %v", in, b, err)
		}
	}
}

// An id is 64 bits in 11 base64 characters (66 bits), and the lenient
// decoder ignores the last character's 2 spare bits, so four strings name
// each user: "usrAQAAAAAAAAB" parses as user 1, whose id is "usrAQAAAAAAAAA".
// A session can then attach to one p2p topic under several names, and
// replies naming the canonical id do not match the name the client used.
func TestRegressionParseUserIDCanonical(t *testing.T) {
	for _, s := range []string{"usrAQAAAAAAAAB", "usrAQAAAAAAAAC", "usrAQAAAAAAAAD", "usr00000000001"} {
		if u := proto.ParseUserID(s); u != proto.ZeroUid && u.UserID() != s {
			t.Errorf("ParseUserID(%q) = %s: a non-canonical spelling is accepted", s, u)
		}
	}
}

// The same for p2p names (4 spare bits), and the base64 decoder also skips
// '\r' and '\n' anywhere in the name.
func TestRegressionParseP2PCanonical(t *testing.T) {
	n := proto.P2PName(1, 2)
	for _, s := range []string{n[:24] + "B", n[:10] + "\n" + n[10:], n + "\r\n"} {
		if a, b, ok := proto.ParseP2P(s); ok {
			t.Errorf("ParseP2P(%q) = %s, %s: a non-canonical spelling of %q is accepted", s, a, b, n)
		}
	}
}

// ParseMode upper-cases with strings.ToUpper, which maps U+017F LATIN SMALL
// LETTER LONG S to 'S': "ſ" parses as the share bit, "+ſ" grants it.
func TestRegressionParseModeASCII(t *testing.T) {
	if m, err := proto.ParseMode("\u017f"); err == nil {
		t.Errorf("ParseMode(%q) = %s, want ErrBadMode", "\u017f", m)
	}
	if m, err := proto.ApplyMode(proto.ModeNone, "+\u017f"); err == nil {
		t.Errorf("ApplyMode(N, %q) = %s, want ErrBadMode", "+\u017f", m)
	}
}
