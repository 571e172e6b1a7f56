package chaos

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config sizes one run. Tests take it from the environment (configFromEnv),
// so the short default and the long run are the same code.
type Config struct {
	Mode     string // "kill" or "relay"
	Codec    Codec  // what the clients speak
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

// Codec is what the clients speak on their WebSocket connections.
type Codec string

const (
	CodecJSON     Codec = "json"     // Tinode JSON, a message per text frame
	CodecProtobuf Codec = "protobuf" // parley-protobuf: binary frames of one or more messages
	CodecMixed    Codec = "mixed"    // half the senders and half the receivers protobuf
)

// protobuf reports whether client number i (senders from 0, receivers from
// 10) speaks protobuf. Mixed gives protobuf to senders s1 and s3 and to
// receivers r1 (acknowledging with note recv) and r2 (with datares), so
// each codec meets the other in every conversation.
func (c Codec) protobuf(i int) bool {
	switch c {
	case CodecProtobuf:
		return true
	case CodecMixed:
		return (i < 10 && i%2 == 0) || i == 10 || i == 11
	}
	return false
}

// configFromEnv reads PARLEY_CHAOS_SEED, _KILLS, _MESSAGES, _FAULT (the
// probability of each frame fault), _CUT (of a cut, per frame), _TIMEOUT,
// _REPORT and _CODEC (json, protobuf or mixed).
func configFromEnv(mode string) (Config, error) {
	c := Config{Mode: mode, Codec: CodecJSON, Seed: uint64(time.Now().UnixNano()), Kills: defaultKills,
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
	set("PARLEY_CHAOS_CODEC", func(v string) error {
		if c.Codec = Codec(v); c.Codec != CodecJSON && c.Codec != CodecProtobuf && c.Codec != CodecMixed {
			return errors.New("want json, protobuf or mixed")
		}
		return nil
	})
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
