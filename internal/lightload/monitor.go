package lightload

// The monitor. The runtime's monitor thread sleeps deeply while every
// processor is idle, and a system call made when work resumes wakes it with
// its polling interval reset to 20 µs, which it keeps until the process is
// idle again. A server at light load goes from idle to busy on almost every
// frame it reads, so the monitor woke about six thousand times a second at
// 1,000 messages a second and spent a third of the process's CPU doing it.
// Kept out of deep sleep, the monitor backs off to its 10 ms interval and
// stays there while there is nothing for it to take back or preempt; an
// idle server then wakes 100 times a second.
//
// The runtime has no API for this. It skips the deep sleep while GODEBUG's
// schedtrace is set, so that a trace is printed on time; with the longest
// interval the setting takes (2³¹−1 ms, 24.8 days) the trace is one line on
// standard error every 24.8 days, and one at start on a host that has been
// up that long. GODEBUG is read once, at start, hence the restart: the
// process replaces itself (same PID, same arguments, same files) before it
// opens anything. A schedtrace already in GODEBUG is left as it is, so
// GODEBUG=schedtrace=0 restores the runtime's default.

import (
	"os"
	"strings"
	"syscall"
)

// setting is what is added to GODEBUG: the longest trace interval the
// runtime accepts, in milliseconds (it parses an int32).
const setting = "schedtrace=2147483647"

// Environ returns environ with the setting added to GODEBUG, and false
// when there is nothing to add because GODEBUG already sets schedtrace
// (the setting's own value, or the operator's choice).
func Environ(environ []string) ([]string, bool) {
	out := make([]string, 0, len(environ)+1)
	found := false
	for _, kv := range environ {
		value, ok := strings.CutPrefix(kv, "GODEBUG=")
		if !ok {
			out = append(out, kv)
			continue
		}
		if setsSchedtrace(value) {
			return environ, false
		}
		found = true
		if value != "" {
			value += ","
		}
		out = append(out, "GODEBUG="+value+setting)
	}
	if !found {
		out = append(out, "GODEBUG="+setting)
	}
	return out, true
}

// setsSchedtrace reports whether a GODEBUG value names schedtrace.
func setsSchedtrace(godebug string) bool {
	for field := range strings.SplitSeq(godebug, ",") {
		if key, _, _ := strings.Cut(field, "="); strings.TrimSpace(key) == "schedtrace" {
			return true
		}
	}
	return false
}

// KeepMonitorAwake replaces the process with itself, its GODEBUG extended, and
// returns only when it has nothing to do (nil) or cannot (the error): the
// caller then goes on as it is, with the runtime's default behaviour.
func KeepMonitorAwake() error {
	env, changed := Environ(os.Environ())
	if !changed {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, env)
}
