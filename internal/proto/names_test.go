package proto_test

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// leID is the expected wire form of v, built independently of the package:
// the 8 little-endian bytes, written out one by one, in unpadded base64url.
func leID(v uint64) string {
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24), byte(v >> 32), byte(v >> 40), byte(v >> 48), byte(v >> 56)}
	return base64.RawURLEncoding.EncodeToString(b)
}

// testUids covers the edges of the 64-bit range and a few random values.
func testUids() []proto.Uid {
	ids := []proto.Uid{1, 2, 255, 256, 1 << 32, 1<<63 - 1, 1 << 63, math.MaxUint64, 0x0102030405060708}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		ids = append(ids, proto.Uid(r.Uint64()|1))
	}
	return ids
}

func TestUidKnownValues(t *testing.T) {
	tests := []struct {
		u    proto.Uid
		want string
	}{
		{1, "usrAQAAAAAAAAA"},
		{0x0102030405060708, "usrCAcGBQQDAgE"}, // little-endian: 08 07 06 … 01
		{math.MaxUint64, "usr__________8"},
	}
	for _, tc := range tests {
		if got := tc.u.UserID(); got != tc.want {
			t.Errorf("Uid(%#x).UserID() = %q, want %q", uint64(tc.u), got, tc.want)
		}
		if got := proto.ParseUserID(tc.want); got != tc.u {
			t.Errorf("ParseUserID(%q) = %#x, want %#x", tc.want, uint64(got), uint64(tc.u))
		}
	}
}

func TestUidRoundTrip(t *testing.T) {
	for _, u := range testUids() {
		s := u.UserID()
		if len(s) != 14 || !strings.HasPrefix(s, "usr") {
			t.Fatalf("Uid(%#x).UserID() = %q, want usr + 11 characters", uint64(u), s)
		}
		if want := "usr" + leID(uint64(u)); s != want {
			t.Fatalf("Uid(%#x).UserID() = %q, want %q", uint64(u), s, want)
		}
		if u.String() != s {
			t.Fatalf("String() = %q, UserID() = %q", u.String(), s)
		}
		if proto.MeName(u) != s {
			t.Fatalf("MeName(%#x) = %q, want %q", uint64(u), proto.MeName(u), s)
		}
		if got := proto.ParseUserID(s); got != u {
			t.Fatalf("ParseUserID(%q) = %#x, want %#x", s, uint64(got), uint64(u))
		}
		if got, want := proto.FndName(u), "fnd"+leID(uint64(u)); got != want {
			t.Fatalf("FndName(%#x) = %q, want %q", uint64(u), got, want)
		}
	}
}

func TestZeroUid(t *testing.T) {
	if s := proto.ZeroUid.UserID(); s != "" {
		t.Errorf("ZeroUid.UserID() = %q, want empty", s)
	}
	if s := proto.ZeroUid.String(); s != "" {
		t.Errorf("ZeroUid.String() = %q, want empty", s)
	}
	// The all-zero encoding is well-formed but names the invalid user.
	if u := proto.ParseUserID("usrAAAAAAAAAAA"); u != proto.ZeroUid {
		t.Errorf("ParseUserID of the zero id = %#x, want ZeroUid", uint64(u))
	}
}

func TestParseUserIDGarbage(t *testing.T) {
	valid := proto.Uid(0x0102030405060708).UserID() // usrCAcGBQQDAgE
	body := valid[3:]
	for _, s := range []string{
		"",
		"usr",
		"me",
		"fnd",
		"usr" + body[:10],       // too short
		"usr" + body + "A",      // too long
		"usr" + body + "=",      // padding is not allowed
		"usr" + body[:10] + "=", // nor in place of the last character
		"USR" + body,            // prefix is case-sensitive
		"Usr" + body,
		"grp" + body, // a group name is not a user id
		"p2p" + body,
		" usr" + body,
		"usr" + body + " ",
		"usr" + body[:5] + "+" + body[6:], // '+' and '/' are standard base64, not base64url
		"usr" + body[:5] + "/" + body[6:],
		"usr" + body[:5] + "\n" + body[6:], // the decoder skips newlines: 10 characters left
		"usr" + body[:5] + "\r" + body[6:],
		"usr" + body[:5] + "." + body[6:],
		"usr" + body[:5] + "\x00" + body[6:],
		"usr" + body[:5] + "é" + body[7:], // 2 bytes in place of 2 characters
		"usrAAAAAAAAAAA",                  // the zero id
		"usr" + strings.Repeat("A", 1000),
		strings.Repeat("usr", 5),
	} {
		if u := proto.ParseUserID(s); u != proto.ZeroUid {
			t.Errorf("ParseUserID(%q) = %#x (%s), want ZeroUid", s, uint64(u), u)
		}
	}
}

func TestGroupName(t *testing.T) {
	seen := map[string]bool{}
	for _, u := range testUids() {
		id := uint64(u)
		g := proto.GroupName(id)
		if want := "grp" + leID(id); g != want {
			t.Fatalf("GroupName(%#x) = %q, want %q", id, g, want)
		}
		if !proto.IsGroupName(g) {
			t.Fatalf("IsGroupName(%q) = false", g)
		}
		if seen[g] {
			t.Fatalf("GroupName(%#x) = %q repeats", id, g)
		}
		seen[g] = true
		// Group names and user ids share an encoding, not a namespace.
		if proto.ParseUserID(g) != proto.ZeroUid {
			t.Fatalf("ParseUserID(%q) accepted a group name", g)
		}
		if proto.IsGroupName(u.UserID()) {
			t.Fatalf("IsGroupName(%q) accepted a user id", u.UserID())
		}
	}
	if !proto.IsGroupName(proto.GroupName(0)) {
		t.Errorf("IsGroupName(GroupName(0)) = false")
	}
	body := proto.GroupName(42)[3:]
	for _, s := range []string{"", "grp", "grp" + body[:10], "grp" + body + "A", "GRP" + body, "new" + body,
		"grp" + body[:10] + "=", "grp" + body[:4] + "+" + body[5:], "grpAbCdEfGhIjK!", "grp" + strings.Repeat("A", 22)} {
		if proto.IsGroupName(s) {
			t.Errorf("IsGroupName(%q) = true", s)
		}
	}
}

func TestP2PName(t *testing.T) {
	ids := testUids()
	for i := 0; i+1 < len(ids); i++ {
		a, b := ids[i], ids[i+1]
		n := proto.P2PName(a, b)
		if n != proto.P2PName(b, a) {
			t.Fatalf("P2PName(%s, %s) = %q but P2PName(%s, %s) = %q", a, b, n, b, a, proto.P2PName(b, a))
		}
		if len(n) != 25 || !strings.HasPrefix(n, "p2p") {
			t.Fatalf("P2PName(%s, %s) = %q, want p2p + 22 characters", a, b, n)
		}
		lo, hi := min(a, b), max(a, b)
		// The smaller id comes first, each as its 8 little-endian bytes.
		raw := make([]byte, 0, 16)
		for _, v := range []uint64{uint64(lo), uint64(hi)} {
			for k := 0; k < 8; k++ {
				raw = append(raw, byte(v>>(8*k)))
			}
		}
		if want := "p2p" + base64.RawURLEncoding.EncodeToString(raw); n != want {
			t.Fatalf("P2PName(%s, %s) = %q, want %q", a, b, n, want)
		}
		x, y, ok := proto.ParseP2P(n)
		if !ok || x != lo || y != hi {
			t.Fatalf("ParseP2P(%q) = %s, %s, %v; want %s, %s, true", n, x, y, ok, lo, hi)
		}
		if p := proto.P2PPeer(n, a); p != b {
			t.Fatalf("P2PPeer(%q, %s) = %s, want %s", n, a, p, b)
		}
		if p := proto.P2PPeer(n, b); p != a {
			t.Fatalf("P2PPeer(%q, %s) = %s, want %s", n, b, p, a)
		}
		// Different pairs get different names.
		if i+2 < len(ids) && proto.P2PName(a, ids[i+2]) == n && ids[i+2] != b {
			t.Fatalf("P2PName collision for %s with %s and %s", a, b, ids[i+2])
		}
	}
	// A user talking to themselves still gets a well-formed name.
	self := proto.Uid(7)
	if x, y, ok := proto.ParseP2P(proto.P2PName(self, self)); !ok || x != self || y != self {
		t.Errorf("ParseP2P(P2PName(7, 7)) = %s, %s, %v", x, y, ok)
	}
}

func TestParseP2PGarbage(t *testing.T) {
	n := proto.P2PName(1, 2)
	body := n[3:]
	for _, s := range []string{
		"", "p2p", "p2p" + body[:21], "p2p" + body + "AAAA", "P2P" + body, "usr" + body, "grp" + body,
		"p2p" + body[:21] + "=", "p2p" + body[:3] + "+" + body[4:], "p2p" + body[:11], // 8 bytes only
		proto.Uid(1).UserID(),
	} {
		if x, y, ok := proto.ParseP2P(s); ok {
			t.Errorf("ParseP2P(%q) = %s, %s, true; want false", s, x, y)
		}
		if p := proto.P2PPeer(s, 1); p != proto.ZeroUid {
			t.Errorf("P2PPeer(%q, 1) = %s, want ZeroUid", s, p)
		}
	}
}
