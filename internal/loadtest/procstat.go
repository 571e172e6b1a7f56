package loadtest

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTicks = 100

// parsePIDs reads --pid: one or more process ids separated by commas (a
// server and its database, say); their CPU (with their descendants') and
// RSS are added up.
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

// cpuSeconds is the CPU time (user and system) the processes have used,
// with their descendants': the live ones, and those they have waited for,
// read from /proc/PID/stat. A database that serves each connection from a
// process of its own (PostgreSQL) is thus counted whole from its main
// process's PID. ok is false when one of the processes named cannot be
// read; a descendant that ends while it is read is left out.
func cpuSeconds(pids []int) (secs float64, ok bool) {
	var ticks int64
	for _, pid := range pids {
		t, ok := readTicks(pid)
		if !ok {
			return 0, false
		}
		ticks += t
	}
	for _, pid := range descendants(pids) {
		t, _ := readTicks(pid)
		ticks += t
	}
	return float64(ticks) / clockTicks, len(pids) > 0
}

func readTicks(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return statTicks(string(b))
}

// statFields returns the fields of the text of /proc/PID/stat from field
// 3 (state) on. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func statFields(stat string) []string {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(stat[i+1:])
}

// statTicks returns utime+stime+cutime+cstime (fields 14 to 17) from the
// text of /proc/PID/stat: the process's CPU time and that of the children
// it has waited for, whose time is counted nowhere else once they end.
func statTicks(stat string) (int64, bool) {
	f := statFields(stat)
	if len(f) < 15 {
		return 0, false
	}
	var sum int64
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		sum += n
	}
	return sum, true
}

// descendants lists the live processes below roots, from the parent PIDs
// (field 4) of every process in /proc.
func descendants(roots []int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if f := statFields(string(b)); len(f) > 1 {
			if ppid, err := strconv.Atoi(f[1]); err == nil {
				children[ppid] = append(children[ppid], pid)
			}
		}
	}
	seen := map[int]bool{}
	for _, r := range roots {
		seen[r] = true
	}
	var out []int
	for queue := slices.Clone(roots); len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out
}

// rssKB is the named processes' VmRSS from /proc/PID/status added up, 0
// when unknown. Descendants are left out: a database's processes share
// most of their memory, which would be counted once per process.
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
