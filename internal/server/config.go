package server

import (
	"github.com/parley-im/parley/internal/auth"

	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything Parley can be told. Defaults come from Defaults; a
// JSON file, then PARLEY_* environment variables, then command-line flags
// override them in that order.
type Config struct {
	Listen  string `json:"listen"`   // PARLEY_LISTEN
	DataDir string `json:"data_dir"` // PARLEY_DATA
	// APIKey, when set, must be sent by clients as the apikey query
	// parameter or X-Tinode-APIKey header. Empty accepts any key.
	APIKey string `json:"api_key"` // PARLEY_API_KEY
	// AllowedOrigins lists the Origin values a browser may connect from;
	// empty allows any.
	AllowedOrigins []string `json:"allowed_origins"` // PARLEY_ALLOWED_ORIGINS, comma-separated

	MaxMessageSize      int     `json:"max_message_size"`       // PARLEY_MAX_MESSAGE_SIZE, bytes
	MaxSubscribers      int     `json:"max_subscribers"`        // PARLEY_MAX_SUBSCRIBERS per group
	MaxTopicsPerSession int     `json:"max_topics_per_session"` // PARLEY_MAX_TOPICS_PER_SESSION
	RatePerSecond       float64 `json:"rate_per_second"`        // PARLEY_RATE_PER_SECOND, client messages
	RateBurst           int     `json:"rate_burst"`             // PARLEY_RATE_BURST
	OutboxBytes         int     `json:"outbox_bytes"`           // PARLEY_OUTBOX_BYTES, before a slow-consumer close
	GroupCommit         int     `json:"group_commit"`           // PARLEY_GROUP_COMMIT, writes per transaction (1 = off)

	TokenLifetime Duration `json:"token_lifetime"` // PARLEY_TOKEN_LIFETIME, e.g. "336h"
	IdleTimeout   Duration `json:"idle_timeout"`   // PARLEY_IDLE_TIMEOUT
	// RetransmitAfter is how long a pushed message may stay unacknowledged
	// before it is sent again (then twice as long each time), up to
	// RetransmitLimit times; after that the session is lagging. Once a
	// session's acks have been timed, its timeout is measured from them
	// (srtt + 4·rttvar) and kept between RetransmitMin and RetransmitAfter.
	RetransmitAfter Duration `json:"retransmit_after"` // PARLEY_RETRANSMIT_AFTER
	RetransmitMin   Duration `json:"retransmit_min"`   // PARLEY_RETRANSMIT_MIN, capped at retransmit_after
	RetransmitLimit int      `json:"retransmit_limit"` // PARLEY_RETRANSMIT_LIMIT
	// PasswordCost is the bcrypt cost for new passwords (4–31).
	PasswordCost int    `json:"password_cost"` // PARLEY_PASSWORD_COST
	LogLevel     string `json:"log_level"`     // PARLEY_LOG_LEVEL: debug, info, warn, error

	// TraceCapacity is how many message events (accepted, stored, pushed,
	// acked, …) are kept in memory for `parley trace`; about 200 bytes each.
	TraceCapacity int `json:"trace_capacity"` // PARLEY_TRACE_CAPACITY
	// AdminToken, when set, enables the admin endpoints (/v0/admin/…) for
	// requests that send "Authorization: Bearer <token>". Empty disables
	// them: they answer 404.
	AdminToken string `json:"admin_token"` // PARLEY_ADMIN_TOKEN

	// NewEpochs gives every topic a new epoch before serving: the step
	// after restoring a backup, so clients drop positions from the lost
	// history. It is a one-time action for one start (`parley serve
	// --new-epochs`), never read from a file or the environment, where it
	// would stay set and discard every client's positions on each restart.
	NewEpochs bool `json:"-"`
}

// Defaults returns the embedded defaults: listen on loopback, data in ./data.
func Defaults() Config {
	return Config{
		Listen:              "127.0.0.1:6060",
		DataDir:             "data",
		MaxMessageSize:      128 << 10,
		MaxSubscribers:      128,
		MaxTopicsPerSession: 128,
		RatePerSecond:       1000,
		RateBurst:           2000,
		OutboxBytes:         4 << 20,
		GroupCommit:         256,
		TokenLifetime:       Duration(14 * 24 * time.Hour),
		IdleTimeout:         Duration(55 * time.Second),
		RetransmitAfter:     Duration(5 * time.Second),
		RetransmitMin:       Duration(200 * time.Millisecond),
		RetransmitLimit:     5,
		PasswordCost:        auth.DefaultPasswordCost,
		LogLevel:            "info",
		TraceCapacity:       100_000,
	}
}

// LoadFile applies a JSON config file over c.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// LoadEnv applies PARLEY_* variables over c; getenv is os.Getenv in
// production.
func (c *Config) LoadEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	var err error
	num := func(name string, dst *int) {
		if v := getenv(name); v != "" && err == nil {
			*dst, err = strconv.Atoi(v)
			err = wrapEnv(name, err)
		}
	}
	str("PARLEY_LISTEN", &c.Listen)
	str("PARLEY_DATA", &c.DataDir)
	str("PARLEY_API_KEY", &c.APIKey)
	str("PARLEY_LOG_LEVEL", &c.LogLevel)
	str("PARLEY_ADMIN_TOKEN", &c.AdminToken)
	if v := getenv("PARLEY_ALLOWED_ORIGINS"); v != "" {
		c.AllowedOrigins = strings.Split(v, ",")
	}
	num("PARLEY_MAX_MESSAGE_SIZE", &c.MaxMessageSize)
	num("PARLEY_MAX_SUBSCRIBERS", &c.MaxSubscribers)
	num("PARLEY_MAX_TOPICS_PER_SESSION", &c.MaxTopicsPerSession)
	num("PARLEY_RATE_BURST", &c.RateBurst)
	num("PARLEY_OUTBOX_BYTES", &c.OutboxBytes)
	num("PARLEY_GROUP_COMMIT", &c.GroupCommit)
	num("PARLEY_TRACE_CAPACITY", &c.TraceCapacity)
	num("PARLEY_RETRANSMIT_LIMIT", &c.RetransmitLimit)
	num("PARLEY_PASSWORD_COST", &c.PasswordCost)
	if v := getenv("PARLEY_RATE_PER_SECOND"); v != "" && err == nil {
		c.RatePerSecond, err = strconv.ParseFloat(v, 64)
		err = wrapEnv("PARLEY_RATE_PER_SECOND", err)
	}
	for name, dst := range map[string]*Duration{"PARLEY_TOKEN_LIFETIME": &c.TokenLifetime, "PARLEY_IDLE_TIMEOUT": &c.IdleTimeout,
		"PARLEY_RETRANSMIT_AFTER": &c.RetransmitAfter, "PARLEY_RETRANSMIT_MIN": &c.RetransmitMin} {
		if v := getenv(name); v != "" && err == nil {
			var d time.Duration
			d, err = time.ParseDuration(v)
			*dst = Duration(d)
			err = wrapEnv(name, err)
		}
	}
	return err
}

func wrapEnv(name string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Validate rejects configurations that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Listen == "":
		return fmt.Errorf("listen address is empty")
	case c.DataDir == "":
		return fmt.Errorf("data directory is empty")
	case c.MaxMessageSize < 1024:
		return fmt.Errorf("max_message_size must be at least 1024")
	case c.MaxSubscribers < 2 || c.MaxTopicsPerSession < 1 || c.RatePerSecond <= 0 || c.RateBurst < 1:
		return fmt.Errorf("limits must be positive")
	case c.OutboxBytes < c.MaxMessageSize*2:
		return fmt.Errorf("outbox_bytes must be at least twice max_message_size")
	case c.RetransmitAfter <= 0 || c.RetransmitMin <= 0 || c.RetransmitLimit < 1:
		return fmt.Errorf("retransmit_after, retransmit_min and retransmit_limit must be positive")
	case c.PasswordCost < auth.MinPasswordCost || c.PasswordCost > 31:
		return fmt.Errorf("password_cost must be between %d and 31", auth.MinPasswordCost)
	case c.GroupCommit < 1:
		return fmt.Errorf("group_commit must be at least 1")
	case c.TraceCapacity < 1:
		return fmt.Errorf("trace_capacity must be at least 1")
	}
	return nil
}

// Duration is a time.Duration written as "30s" in JSON.
type Duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// MarshalJSON writes a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }
