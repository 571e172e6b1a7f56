package chaos

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config sizes one run. Tests take it from the environment (configFromEnv),
// so the short default and the long run are the same code.
type Config struct {
	Mode     string // "kill" or "relay"
	Seed     uint64
	Kills    int // gateway SIGKILLs (kill mode)
	Messages int // distinct messages, over all senders
	Faults   Faults
	// Timeout bounds each phase that waits for the clients.
	Timeout time.Duration
	// Report, if set, is a markdown file a row of figures is appended to.
	Report string
}

// Defaults of the short run, which must stay well under a minute each.
const (
	defaultKills    = 3
	defaultMessages = 2000
	defaultFault    = 0.05
	defaultCut      = 0.002 // per frame: a connection lives some 500 frames
)

// configFromEnv reads PARLEY_CHAOS_SEED, _KILLS, _MESSAGES, _FAULT (the
// probability of each frame fault), _CUT (of a cut, per frame), _TIMEOUT and
// _REPORT.
func configFromEnv(mode string) (Config, error) {
	c := Config{Mode: mode, Seed: uint64(time.Now().UnixNano()), Kills: defaultKills,
		Messages: defaultMessages, Timeout: 3 * time.Minute, Report: os.Getenv("PARLEY_CHAOS_REPORT")}
	fault, cut := defaultFault, defaultCut
	var err error
	set := func(name string, parse func(string) error) {
		if v := os.Getenv(name); v != "" && err == nil {
			if e := parse(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	}
	set("PARLEY_CHAOS_SEED", func(v string) (e error) { c.Seed, e = strconv.ParseUint(v, 10, 64); return })
	set("PARLEY_CHAOS_KILLS", func(v string) (e error) { c.Kills, e = strconv.Atoi(v); return })
	set("PARLEY_CHAOS_MESSAGES", func(v string) (e error) { c.Messages, e = strconv.Atoi(v); return })
	set("PARLEY_CHAOS_FAULT", func(v string) (e error) { fault, e = strconv.ParseFloat(v, 64); return })
	set("PARLEY_CHAOS_CUT", func(v string) (e error) { cut, e = strconv.ParseFloat(v, 64); return })
	set("PARLEY_CHAOS_TIMEOUT", func(v string) (e error) { c.Timeout, e = time.ParseDuration(v); return })
	if err != nil {
		return c, err
	}
	if c.Messages < numSenders || c.Kills < 0 || fault < 0 || fault > 1 || cut < 0 || cut > 1 {
		return c, fmt.Errorf("bad sizes: %d messages, %d kills, fault %v, cut %v", c.Messages, c.Kills, fault, cut)
	}
	if mode == "relay" {
		c.Faults = Faults{Drop: fault, Dup: fault, Delay: fault, Reorder: fault, Cut: cut}
	}
	return c, nil
}
