package session

import "testing"

// Tinode's Python gRPC client sends its PEP 440 package version in hi.ver.
func TestParseVersion(t *testing.T) {
	for v, want := range map[string][2]int{
		"0.25": {0, 25}, "v0.25.3": {0, 25}, "0.25.1.post3": {0, 25}, "0.22.13rc2": {0, 22},
		"0.25.0-beta+1": {0, 25}, "1.0.0.dev4": {1, 0},
	} {
		major, minor, ok := parseVersion(v)
		if !ok || major != want[0] || minor != want[1] {
			t.Errorf("%q: %d.%d %v, want %d.%d", v, major, minor, ok, want[0], want[1])
		}
	}
	for _, v := range []string{"", "0", "abc", "0.x", "-1.2", "+0.25", "0.25.", "0.25..1", "0.25.1 ",
		"0.25.1.2.3.4.5", "0.25.é"} {
		if _, _, ok := parseVersion(v); ok {
			t.Errorf("%q accepted", v)
		}
	}
}
