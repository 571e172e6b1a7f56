//go:build !linux

package policy

import "testing"

// measureCPU runs fn b.N times; only Linux reports the CPU time too.
func measureCPU(b *testing.B, fn func()) {
	for b.Loop() {
		fn()
	}
}
