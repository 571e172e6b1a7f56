package session

import (
	"strconv"
	"strings"
)

// maxVersionParts bounds the dot-separated parts of hi.ver that are looked at.
const maxVersionParts = 6

// parseVersion reads the major and minor numbers of hi.ver: "major.minor",
// with an optional "v" before and anything version-like after, such as a
// patch number and the suffixes of PEP 440 and semver ("0.25.1.post3",
// "0.22.13rc2", "0.25.0-beta+1"). Tinode's Python gRPC client sends its
// package version in PEP 440 form, so only the first two numbers matter.
func parseVersion(v string) (int, int, bool) {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) < 2 || len(parts) > maxVersionParts {
		return 0, 0, false
	}
	nums := [2]int{}
	for i, p := range parts[:2] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p[0] == '+' {
			return 0, 0, false
		}
		nums[i] = n
	}
	for _, p := range parts[2:] {
		if !versionTail(p) {
			return 0, 0, false
		}
	}
	return nums[0], nums[1], true
}

// versionTail reports whether p is a non-empty part of letters, digits, '-'
// and '+'.
func versionTail(p string) bool {
	if p == "" {
		return false
	}
	for _, c := range []byte(p) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '+'
		if !ok {
			return false
		}
	}
	return true
}
