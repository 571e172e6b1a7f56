package proto_test

import (
	"errors"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

func TestModeBits(t *testing.T) {
	// The wire letters are fixed by Tinode: J R W P A S D O = 1 … 128.
	want := []struct {
		m    proto.AccessMode
		bit  uint
		name string
	}{
		{proto.ModeJoin, 1, "J"}, {proto.ModeRead, 2, "R"}, {proto.ModeWrite, 4, "W"}, {proto.ModePres, 8, "P"},
		{proto.ModeApprove, 16, "A"}, {proto.ModeShare, 32, "S"}, {proto.ModeDelete, 64, "D"}, {proto.ModeOwner, 128, "O"},
	}
	for _, w := range want {
		if uint(w.m) != w.bit {
			t.Errorf("mode %s = %d, want %d", w.name, uint(w.m), w.bit)
		}
		if got := w.m.String(); got != w.name {
			t.Errorf("AccessMode(%d).String() = %q, want %q", w.bit, got, w.name)
		}
	}
	common := []struct {
		m    proto.AccessMode
		want string
	}{
		{proto.ModeCPublic, "JRWPS"},
		{proto.ModeCP2P, "JRWPAD"},
		{proto.ModeCAuth, "JRWPASD"},
		{proto.ModeCSelf, "JPS"},
		{proto.ModeCFull, "JRWPASDO"},
		{proto.ModeCReadOnly, "JR"},
	}
	for _, c := range common {
		if got := c.m.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestModeString(t *testing.T) {
	tests := []struct {
		m    proto.AccessMode
		want string
	}{
		{proto.ModeNone, "N"},
		{proto.ModeInvalid, ""},
		{proto.ModeOwner | proto.ModeJoin, "JO"}, // always in JRWPASDO order
		{proto.ModeDelete | proto.ModeRead | proto.ModeShare, "RSD"},
		{0xFF, "JRWPASDO"},
	}
	for _, tc := range tests {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("AccessMode(%#x).String() = %q, want %q", uint(tc.m), got, tc.want)
		}
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    proto.AccessMode
		wantErr bool
	}{
		{"N", proto.ModeNone, false},
		{"n", proto.ModeNone, false},
		{"", proto.ModeNone, false},
		{"  ", proto.ModeNone, false},
		{"J", proto.ModeJoin, false},
		{"JRWPASDO", proto.ModeCFull, false},
		{"OSDAPWRJ", proto.ModeCFull, false}, // order does not matter
		{"jrwps", proto.ModeCPublic, false},  // case-insensitive
		{"JrWpS", proto.ModeCPublic, false},
		{" JPS ", proto.ModeCSelf, false},
		{"JJRR", proto.ModeCReadOnly, false}, // repeats are harmless
		{"JRX", proto.ModeInvalid, true},
		{"X", proto.ModeInvalid, true},
		{"NJ", proto.ModeInvalid, true}, // N only stands alone
		{"J R", proto.ModeInvalid, true},
		{"+W", proto.ModeInvalid, true}, // a delta is not a mode
		{"J-", proto.ModeInvalid, true},
		{"1", proto.ModeInvalid, true},
		{"JRWé", proto.ModeInvalid, true},
		{"\x00", proto.ModeInvalid, true},
	}
	for _, tc := range tests {
		got, err := proto.ParseMode(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseMode(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, proto.ErrBadMode) {
			t.Errorf("ParseMode(%q) error = %v, want ErrBadMode", tc.in, err)
		}
		if got != tc.want {
			t.Errorf("ParseMode(%q) = %s (%#x), want %s (%#x)", tc.in, got, uint(got), tc.want, uint(tc.want))
		}
	}
}

func TestApplyMode(t *testing.T) {
	tests := []struct {
		base    proto.AccessMode
		in      string
		want    proto.AccessMode
		wantErr bool
	}{
		// Full modes replace whatever was there.
		{proto.ModeCFull, "JR", proto.ModeCReadOnly, false},
		{proto.ModeCFull, "N", proto.ModeNone, false},
		{proto.ModeCFull, "", proto.ModeNone, false},
		{proto.ModeNone, "jrwps", proto.ModeCPublic, false},
		// Deltas.
		{proto.ModeCReadOnly, "+W", proto.ModeCReadOnly | proto.ModeWrite, false},
		{proto.ModeCPublic, "-W", proto.ModeJoin | proto.ModeRead | proto.ModePres | proto.ModeShare, false},
		{proto.ModeCPublic, "+W-P", proto.ModeJoin | proto.ModeRead | proto.ModeWrite | proto.ModeShare, false},
		{proto.ModeCPublic, "-PS+AD", proto.ModeJoin | proto.ModeRead | proto.ModeWrite | proto.ModeApprove | proto.ModeDelete, false},
		{proto.ModeCPublic, "+W-PA", proto.ModeJoin | proto.ModeRead | proto.ModeWrite | proto.ModeShare, false},
		{proto.ModeNone, "+jr", proto.ModeCReadOnly, false}, // case-insensitive
		{proto.ModeCReadOnly, "+J", proto.ModeCReadOnly, false},
		{proto.ModeCReadOnly, "-O", proto.ModeCReadOnly, false},
		{proto.ModeCReadOnly, "+W-W", proto.ModeCReadOnly, false}, // last change wins
		{proto.ModeCReadOnly, "-W+W", proto.ModeCReadOnly | proto.ModeWrite, false},
		{proto.ModeCReadOnly, "+", proto.ModeCReadOnly, false},
		{proto.ModeCReadOnly, "-", proto.ModeCReadOnly, false},
		{proto.ModeCReadOnly, "  +W  ", proto.ModeCReadOnly | proto.ModeWrite, false},
		{proto.ModeCReadOnly, "-JRWPASDO", proto.ModeNone, false},
		// Invalid letters fail both ways.
		{proto.ModeCReadOnly, "+X", proto.ModeInvalid, true},
		{proto.ModeCReadOnly, "+W-Z", proto.ModeInvalid, true},
		{proto.ModeCReadOnly, "+N", proto.ModeInvalid, true},
		{proto.ModeCReadOnly, "+W P", proto.ModeInvalid, true},
		{proto.ModeCReadOnly, "JX", proto.ModeInvalid, true},
		{proto.ModeCReadOnly, "W+P", proto.ModeInvalid, true}, // a delta starts with + or -
	}
	for _, tc := range tests {
		got, err := proto.ApplyMode(tc.base, tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ApplyMode(%s, %q) error = %v, wantErr %v", tc.base, tc.in, err, tc.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, proto.ErrBadMode) {
			t.Errorf("ApplyMode(%s, %q) error = %v, want ErrBadMode", tc.base, tc.in, err)
		}
		if got != tc.want {
			t.Errorf("ApplyMode(%s, %q) = %s, want %s", tc.base, tc.in, got, tc.want)
		}
	}
}

// Every one of the 256 modes writes as letters that parse back to it.
func TestModeStringRoundTrip(t *testing.T) {
	for m := proto.AccessMode(0); m <= 0xFF; m++ {
		s := m.String()
		if m != proto.ModeNone && len(s) == 0 {
			t.Fatalf("AccessMode(%#x).String() is empty", uint(m))
		}
		got, err := proto.ParseMode(s)
		if err != nil || got != m {
			t.Fatalf("ParseMode(%q) = %s, %v; want %#x", s, got, err, uint(m))
		}
		// Applying a full mode ignores the base.
		if got, err := proto.ApplyMode(^m&0xFF, s); err != nil || got != m {
			t.Fatalf("ApplyMode(%#x, %q) = %s, %v; want %#x", uint(^m&0xFF), s, got, err, uint(m))
		}
	}
}

func TestIsSet(t *testing.T) {
	if !proto.ModeCFull.IsSet(proto.ModeCPublic) {
		t.Error("owner mode lacks group default bits")
	}
	if proto.ModeCPublic.IsSet(proto.ModeOwner) {
		t.Error("group default has the owner bit")
	}
	if !proto.ModeCPublic.IsSet(proto.ModeRead | proto.ModeWrite) {
		t.Error("RW not set in JRWPS")
	}
	if proto.ModeCReadOnly.IsSet(proto.ModeRead | proto.ModeWrite) {
		t.Error("RW reported set in JR")
	}
	if !proto.ModeNone.IsSet(proto.ModeNone) {
		t.Error("the empty mode is not a subset of itself")
	}
}

func TestAcs(t *testing.T) {
	tests := []struct {
		want, given proto.AccessMode
		out         proto.MsgAccessMode
	}{
		{proto.ModeCPublic, proto.ModeCPublic, proto.MsgAccessMode{Want: "JRWPS", Given: "JRWPS", Mode: "JRWPS"}},
		{proto.ModeCFull, proto.ModeCPublic, proto.MsgAccessMode{Want: "JRWPASDO", Given: "JRWPS", Mode: "JRWPS"}},
		{proto.ModeCP2P, proto.ModeCReadOnly, proto.MsgAccessMode{Want: "JRWPAD", Given: "JR", Mode: "JR"}},
		{proto.ModeWrite, proto.ModeRead, proto.MsgAccessMode{Want: "W", Given: "R", Mode: "N"}},
		{proto.ModeNone, proto.ModeCFull, proto.MsgAccessMode{Want: "N", Given: "JRWPASDO", Mode: "N"}},
		{proto.ModeNone, proto.ModeNone, proto.MsgAccessMode{Want: "N", Given: "N", Mode: "N"}},
	}
	for _, tc := range tests {
		got := proto.Acs(tc.want, tc.given)
		if got == nil || *got != tc.out {
			t.Errorf("Acs(%s, %s) = %+v, want %+v", tc.want, tc.given, got, tc.out)
		}
	}
}
