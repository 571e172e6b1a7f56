//go:build !unix

package lightload

import "time"

// processCPU cannot read the process's CPU time here, so the processor
// controller does not run.
func processCPU() (time.Duration, bool) { return 0, false }
