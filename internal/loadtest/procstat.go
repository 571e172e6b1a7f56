package loadtest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTicks = 100

// parsePIDs reads --pid: one or more process ids separated by commas (a
// server and its database, say); their CPU and RSS are added up.
func parsePIDs(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("--pid %q: want PID[,PID...]", s)
		}
		out = append(out, pid)
	}
	return out, nil
}

// cpuSeconds is the user+system CPU time the processes have used, read
// from /proc/PID/stat; ok is false when one of them cannot be read.
func cpuSeconds(pids []int) (secs float64, ok bool) {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0, false
		}
		t, ok := statTicks(string(b))
		if !ok {
			return 0, false
		}
		ticks += t
	}
	return float64(ticks) / clockTicks, len(pids) > 0
}

// statTicks returns utime+stime from the text of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func statTicks(stat string) (int64, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// rssKB is the processes' VmRSS from /proc/PID/status added up, 0 when
// unknown.
func rssKB(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		sum += oneRSSKB(pid)
	}
	return sum
}

func oneRSSKB(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return 0
}

// cpuWindow samples the server's CPU time at the two ends of a measured
// window, so that CPU per message counts the same span as the messages.
type cpuWindow struct {
	pids         []int
	mu           sync.Mutex
	from, to     float64
	fromOK, toOK bool
	rssKB        int64
	taken        chan struct{} // closed once the end sample is in
}

// watchCPU samples at from and at to (now, if already past).
func watchCPU(pids []int, from, to time.Time) *cpuWindow {
	w := &cpuWindow{pids: pids, taken: make(chan struct{})}
	if len(pids) == 0 {
		close(w.taken)
		return w
	}
	time.AfterFunc(time.Until(from), func() {
		s, ok := cpuSeconds(pids)
		w.mu.Lock()
		w.from, w.fromOK = s, ok
		w.mu.Unlock()
	})
	time.AfterFunc(time.Until(to), func() {
		s, ok := cpuSeconds(pids)
		rss := rssKB(pids)
		w.mu.Lock()
		w.to, w.toOK, w.rssKB = s, ok, rss
		w.mu.Unlock()
		close(w.taken)
	})
	return w
}

// result waits for the end sample and returns the CPU seconds used inside
// the window and the RSS at its end; ok is false without --pid or when a
// process could not be read.
func (w *cpuWindow) result() (cpu float64, rss int64, ok bool) {
	<-w.taken
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pids) == 0 || !w.fromOK || !w.toOK {
		return 0, 0, false
	}
	return w.to - w.from, w.rssKB, true
}
