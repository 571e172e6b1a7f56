package lightload

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// childMarker makes the test binary act as a server starting up: it calls
// KeepMonitorAwake, then prints what the process it became sees.
const childMarker = "SYSMON_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childMarker) == "1" {
		if err := KeepMonitorAwake(); err != nil {
			os.Stdout.WriteString("error: " + err.Error())
			os.Exit(1)
		}
		os.Stdout.WriteString(strconv.Itoa(os.Getpid()) + " " + os.Getenv("GODEBUG"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestEnvironAddsTheSetting(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want string // GODEBUG afterwards
	}{
		{"no GODEBUG", []string{"A=1"}, "GODEBUG=" + setting},
		{"empty GODEBUG", []string{"GODEBUG=", "A=1"}, "GODEBUG=" + setting},
		{"other settings kept", []string{"GODEBUG=gctrace=1,madvdontneed=1"}, "GODEBUG=gctrace=1,madvdontneed=1," + setting},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, changed := Environ(c.in)
			if !changed {
				t.Fatalf("Environ(%q) changed nothing", c.in)
			}
			var got []string
			for _, kv := range out {
				if strings.HasPrefix(kv, "GODEBUG=") {
					got = append(got, kv)
				}
			}
			if len(got) != 1 || got[0] != c.want {
				t.Fatalf("GODEBUG entries = %q, want [%q]", got, c.want)
			}
			if slices.Contains(c.in, "A=1") != slices.Contains(out, "A=1") {
				t.Fatalf("other variables not kept: %q", out)
			}
		})
	}
}

func TestEnvironLeavesAnExplicitSchedtrace(t *testing.T) {
	for _, godebug := range []string{"schedtrace=0", "gctrace=1,schedtrace=1000", "schedtrace=" + setting[len("schedtrace="):]} {
		in := []string{"GODEBUG=" + godebug}
		if out, changed := Environ(in); changed || !slices.Equal(out, in) {
			t.Errorf("Environ(%q) = %q, %v; want it unchanged", in, out, changed)
		}
	}
}

// TestKeepMonitorAwakeRestartsOnceInPlace runs the test binary as a server would
// start: the process must come back as itself (same PID) with the setting
// in its GODEBUG, and must not restart again.
func TestKeepMonitorAwakeRestartsOnceInPlace(t *testing.T) {
	for _, godebug := range []string{"", "gctrace=0", "schedtrace=0"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childMarker+"=1", "GODEBUG="+godebug)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GODEBUG=%q: child failed: %v (%s)", godebug, err, out)
		}
		pid, seen, _ := strings.Cut(string(out), " ")
		if pid != strconv.Itoa(cmd.Process.Pid) {
			t.Errorf("GODEBUG=%q: the process became PID %s, want %d", godebug, pid, cmd.Process.Pid)
		}
		want := godebug
		if !setsSchedtrace(godebug) {
			want = strings.TrimPrefix(godebug+","+setting, ",")
		}
		if seen != want {
			t.Errorf("GODEBUG=%q: the restarted process sees GODEBUG=%q, want %q", godebug, seen, want)
		}
	}
}
