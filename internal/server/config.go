package server

import (
	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/robot"
	"github.com/parley-im/parley/internal/webhook"

	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Config is everything Parley can be told. Defaults come from Defaults; a
// JSON file, then PARLEY_* environment variables, then command-line flags
// override them in that order. Settings (settings.go) is the table of the
// names each field goes by: a field added here is added there too.
type Config struct {
	Listen string `json:"listen"` // PARLEY_LISTEN
	// GRPCListen is where the gRPC service (pbx.Node) listens; empty: off.
	GRPCListen string `json:"grpc_listen"` // PARLEY_GRPC_LISTEN
	DataDir    string `json:"data_dir"`    // PARLEY_DATA
	// Store, when set, is a postgres://USER@HOST:PORT/DB URL: the store is
	// then that PostgreSQL database instead of SQLite in DataDir.
	Store string `json:"store"` // PARLEY_STORE
	// NATS, when set, is a nats://HOST:PORT URL: the node joins the
	// cluster of every node sharing that NATS and Store (which must then
	// be PostgreSQL). Empty: the node is alone.
	NATS string `json:"nats"` // PARLEY_NATS
	// ClusterLease is how long a node's lease on a shard of topics lasts
	// without renewal: the longest a dead node's topics stay unavailable.
	ClusterLease Duration `json:"cluster_lease"` // PARLEY_CLUSTER_LEASE
	// APIKey, when set, must be sent by clients as the apikey query
	// parameter or X-Tinode-APIKey header. Empty accepts any key.
	APIKey string `json:"api_key"` // PARLEY_API_KEY
	// AllowedOrigins lists the Origin values a browser may connect from;
	// empty allows any.
	AllowedOrigins []string `json:"allowed_origins"` // PARLEY_ALLOWED_ORIGINS, comma-separated

	// TrustedProxies lists the reverse proxies (addresses or CIDR
	// prefixes) whose X-Forwarded-For names the client; from anyone else
	// the header is ignored. Empty trusts nobody.
	TrustedProxies []string `json:"trusted_proxies"` // PARLEY_TRUSTED_PROXIES, comma-separated
	// MaxConnsPerAddress caps the TCP connections one peer address holds
	// open (trusted proxies exempt), and the sessions, WebSocket and long
	// polling together, of one client address.
	MaxConnsPerAddress int `json:"max_conns_per_address"` // PARLEY_MAX_CONNS_PER_ADDRESS
	// MaxLongPollSessions caps the long-polling sessions of the whole
	// server: creating one needs no credentials.
	MaxLongPollSessions int `json:"max_long_poll_sessions"` // PARLEY_MAX_LONG_POLL_SESSIONS
	// HiTimeout is how long a new session may take to send hi, and
	// LoginTimeout how long after that it may stay without logging in.
	HiTimeout    Duration `json:"hi_timeout"`    // PARLEY_HI_TIMEOUT
	LoginTimeout Duration `json:"login_timeout"` // PARLEY_LOGIN_TIMEOUT
	// OfflineGrace is how long an agent whose last session ended keeps
	// their status and conversations before going offline.
	OfflineGrace Duration `json:"offline_grace"` // PARLEY_OFFLINE_GRACE
	// The robot answers from a team's FAQ while its confidence (0–1) is
	// at least RobotThreshold, and hands off after RobotMisses questions
	// in a row it could not answer. RobotAIURL, if set, is an answer
	// provider asked first (signed with RobotAISecret, waited for at most
	// RobotAITimeout; the FAQ answers when it fails).
	RobotThreshold float64  `json:"robot_threshold"`  // PARLEY_ROBOT_THRESHOLD
	RobotMisses    int      `json:"robot_misses"`     // PARLEY_ROBOT_MISSES
	RobotAIURL     string   `json:"robot_ai_url"`     // PARLEY_ROBOT_AI_URL
	RobotAISecret  string   `json:"robot_ai_secret"`  // PARLEY_ROBOT_AI_SECRET
	RobotAITimeout Duration `json:"robot_ai_timeout"` // PARLEY_ROBOT_AI_TIMEOUT
	// Webhooks are the merchant's endpoints, each "URL|SECRET"; events
	// are signed with the endpoint's secret. WebhookTimeout bounds one
	// delivery; failed ones are retried with backoff up to
	// WebhookMaxBackoff apart.
	Webhooks          []string `json:"webhooks"`            // PARLEY_WEBHOOKS, comma-separated
	WebhookTimeout    Duration `json:"webhook_timeout"`     // PARLEY_WEBHOOK_TIMEOUT
	WebhookMaxBackoff Duration `json:"webhook_max_backoff"` // PARLEY_WEBHOOK_MAX_BACKOFF
	// Failed logins are throttled per account and per client address: a
	// burst, then one per interval (ctrl 429 with params.retryAfter).
	LoginAccountBurst int      `json:"login_account_burst"` // PARLEY_LOGIN_ACCOUNT_BURST
	LoginAccountEvery Duration `json:"login_account_every"` // PARLEY_LOGIN_ACCOUNT_EVERY
	LoginAddressBurst int      `json:"login_address_burst"` // PARLEY_LOGIN_ADDRESS_BURST
	LoginAddressEvery Duration `json:"login_address_every"` // PARLEY_LOGIN_ADDRESS_EVERY
	// SignupBurst new accounts may be made from one client address at
	// once, then one per SignupEvery: accounts cost storage for good.
	SignupBurst int      `json:"signup_burst"` // PARLEY_SIGNUP_BURST
	SignupEvery Duration `json:"signup_every"` // PARLEY_SIGNUP_EVERY
	// PasswordWorkers bounds the bcrypt hashes and checks running at once;
	// zero means one less than the cores (at least one).
	PasswordWorkers int `json:"password_workers"` // PARLEY_PASSWORD_WORKERS
	// ReadHeaderTimeout bounds reading a request's header; HTTPIdleTimeout
	// closes a keep-alive connection idle between requests.
	ReadHeaderTimeout Duration `json:"read_header_timeout"` // PARLEY_READ_HEADER_TIMEOUT
	HTTPIdleTimeout   Duration `json:"http_idle_timeout"`   // PARLEY_HTTP_IDLE_TIMEOUT

	MaxMessageSize      int     `json:"max_message_size"`       // PARLEY_MAX_MESSAGE_SIZE, bytes
	MaxSubscribers      int     `json:"max_subscribers"`        // PARLEY_MAX_SUBSCRIBERS per group
	MaxTopicsPerSession int     `json:"max_topics_per_session"` // PARLEY_MAX_TOPICS_PER_SESSION
	RatePerSecond       float64 `json:"rate_per_second"`        // PARLEY_RATE_PER_SECOND, client messages
	RateBurst           int     `json:"rate_burst"`             // PARLEY_RATE_BURST
	OutboxBytes         int     `json:"outbox_bytes"`           // PARLEY_OUTBOX_BYTES, before a slow-consumer close
	GroupCommit         int     `json:"group_commit"`           // PARLEY_GROUP_COMMIT, writes per transaction (1 = off)
	// GroupCommitWait is how long the store's committer (SQLite or
	// PostgreSQL) may hold a small batch for more writes, waiting only for
	// those due within it at the rate they arrive: at light load it
	// spreads one commit over several messages.
	GroupCommitWait Duration `json:"group_commit_wait"` // PARLEY_GROUP_COMMIT_WAIT, 0 = never wait
	// Reads behind get requests (history, member lists, searches): at most
	// ReadsPerSession of one session and MaxReads of all sessions run at
	// once; a session's further gets wait, up to ReadQueue of them, and
	// beyond that are answered 429.
	ReadsPerSession int `json:"reads_per_session"` // PARLEY_READS_PER_SESSION
	MaxReads        int `json:"max_reads"`         // PARLEY_MAX_READS
	ReadQueue       int `json:"read_queue"`        // PARLEY_READ_QUEUE

	TokenLifetime Duration `json:"token_lifetime"` // PARLEY_TOKEN_LIFETIME, e.g. "336h"
	IdleTimeout   Duration `json:"idle_timeout"`   // PARLEY_IDLE_TIMEOUT
	// WriteTimeout is how long a write to a WebSocket client that does not
	// read may block before the connection is dropped (close 1006 for the
	// client; a full outbox closes it sooner with 4008).
	WriteTimeout Duration `json:"write_timeout"` // PARLEY_WRITE_TIMEOUT
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

	// The risk-review service (policy): when ReviewHookURL is set, every
	// message is posted there, signed with ReviewHookSecret, before it is
	// stored; an answer not given within ReviewHookTimeout takes
	// ReviewHookFail (open: deliver, closed: block, review: hold). After
	// ReviewHookBreakerFailures failures in a row the service is not called
	// for ReviewHookBreakerCooldown.
	ReviewHookURL             string   `json:"review_hook_url"`              // PARLEY_REVIEW_HOOK_URL
	ReviewHookSecret          string   `json:"review_hook_secret"`           // PARLEY_REVIEW_HOOK_SECRET
	ReviewHookTimeout         Duration `json:"review_hook_timeout"`          // PARLEY_REVIEW_HOOK_TIMEOUT
	ReviewHookFail            string   `json:"review_hook_fail"`             // PARLEY_REVIEW_HOOK_FAIL
	ReviewHookBreakerFailures int      `json:"review_hook_breaker_failures"` // PARLEY_REVIEW_HOOK_BREAKER_FAILURES
	ReviewHookBreakerCooldown Duration `json:"review_hook_breaker_cooldown"` // PARLEY_REVIEW_HOOK_BREAKER_COOLDOWN

	// TLS from files: TLSCert and TLSKey name a PEM certificate chain and
	// its key; both or neither. The pair is reloaded when the files change.
	TLSCert string `json:"tls_cert"` // PARLEY_TLS_CERT
	TLSKey  string `json:"tls_key"`  // PARLEY_TLS_KEY
	// TLS from an ACME certificate authority (Let's Encrypt): ACMEHosts are
	// the only names certificates are requested for; the account and the
	// certificates are cached in DataDir/acme. ACMEHTTP, when set, is an
	// extra plain-HTTP listener for the HTTP-01 challenge (":80").
	ACMEHosts []string `json:"acme_hosts"` // PARLEY_ACME_HOSTS, comma-separated
	ACMEEmail string   `json:"acme_email"` // PARLEY_ACME_EMAIL
	ACMEHTTP  string   `json:"acme_http"`  // PARLEY_ACME_HTTP
	// HSTSMaxAge is the max-age of Strict-Transport-Security while TLS is
	// on; 0 sends no header.
	HSTSMaxAge Duration `json:"hsts_max_age"` // PARLEY_HSTS_MAX_AGE

	// Customers vouched for by the merchant's backend (customers.go):
	// JWTKeys check the jwt login scheme's tokens, by kid; tokens must name
	// JWTAudience and JWTIssuer when those are set. HMACKey checks the hmac
	// scheme's identifier hashes (Chatwoot's identity verification).
	// Empty turns the scheme off.
	JWTKeys     JWTKeys `json:"jwt_keys"`     // PARLEY_JWT_KEYS: inline JSON or a file's path
	JWTAudience string  `json:"jwt_audience"` // PARLEY_JWT_AUDIENCE
	JWTIssuer   string  `json:"jwt_issuer"`   // PARLEY_JWT_ISSUER
	HMACKey     string  `json:"hmac_key"`     // PARLEY_HMAC_KEY
	// Files (files.go): uploads of at most FileMaxSize bytes, images of at
	// most FileMaxPixels pixels; a user may hold FileMaxPending uploads no
	// message has sent yet, which are removed FileUnsentTTL after upload.
	FileMaxSize    int      `json:"file_max_size"`    // PARLEY_FILE_MAX_SIZE, bytes
	FileMaxPixels  int      `json:"file_max_pixels"`  // PARLEY_FILE_MAX_PIXELS
	FileMaxPending int      `json:"file_max_pending"` // PARLEY_FILE_MAX_PENDING
	FileUnsentTTL  Duration `json:"file_unsent_ttl"`  // PARLEY_FILE_UNSENT_TTL
	// EditWindow is how long after sending a message its author may edit
	// or recall it (head.replace).
	EditWindow Duration `json:"edit_window"` // PARLEY_EDIT_WINDOW

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
		GroupCommitWait:     Duration(4 * time.Millisecond),
		ClusterLease:        Duration(10 * time.Second),
		ReadsPerSession:     2,
		MaxReads:            4,
		ReadQueue:           64,
		TokenLifetime:       Duration(14 * 24 * time.Hour),
		IdleTimeout:         Duration(55 * time.Second),
		WriteTimeout:        Duration(10 * time.Second),
		RetransmitAfter:     Duration(5 * time.Second),
		RetransmitMin:       Duration(200 * time.Millisecond),
		RetransmitLimit:     5,
		PasswordCost:        auth.DefaultPasswordCost,
		LogLevel:            "info",
		TraceCapacity:       100_000,
		HSTSMaxAge:          Duration(365 * 24 * time.Hour),
		MaxConnsPerAddress:  256,
		MaxLongPollSessions: 10_000,
		HiTimeout:           Duration(10 * time.Second),
		LoginTimeout:        Duration(10 * time.Minute),
		OfflineGrace:        Duration(60 * time.Second),
		RobotThreshold:      robot.DefaultThreshold,
		RobotMisses:         robot.DefaultMisses,
		RobotAITimeout:      Duration(3 * time.Second),
		WebhookTimeout:      Duration(webhook.DefaultTimeout),
		WebhookMaxBackoff:   Duration(webhook.DefaultMaxBackoff),
		ReadHeaderTimeout:   Duration(10 * time.Second),
		HTTPIdleTimeout:     Duration(60 * time.Second),
		LoginAccountBurst:   10,
		LoginAccountEvery:   Duration(30 * time.Second),
		LoginAddressBurst:   50,
		LoginAddressEvery:   Duration(2 * time.Second),
		SignupBurst:         50,
		SignupEvery:         Duration(3 * time.Second),
		FileMaxSize:         8 << 20,
		FileMaxPixels:       40_000_000,
		FileMaxPending:      32,
		FileUnsentTTL:       Duration(time.Hour),
		EditWindow:          Duration(hub.DefaultEditWindow),

		ReviewHookTimeout:         Duration(2 * time.Second),
		ReviewHookFail:            "open",
		ReviewHookBreakerFailures: 5,
		ReviewHookBreakerCooldown: Duration(30 * time.Second),
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

// Validate rejects configurations that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Listen == "":
		return fmt.Errorf("listen address is empty")
	case c.GRPCListen != "" && c.GRPCListen == c.Listen && !strings.HasSuffix(c.Listen, ":0"):
		return fmt.Errorf("grpc_listen must differ from listen")
	case c.DataDir == "":
		return fmt.Errorf("data directory is empty")
	case c.Store != "" && !isPostgresURL(c.Store):
		return fmt.Errorf("store must be a postgres:// URL, or empty for SQLite in data_dir")
	case c.NATS != "" && !strings.HasPrefix(c.NATS, "nats://"):
		return fmt.Errorf("nats must be a nats://HOST:PORT URL, or empty for a node alone")
	case c.NATS != "" && c.Store == "":
		return fmt.Errorf("nats needs store: the nodes of a cluster share one PostgreSQL database")
	case time.Duration(c.ClusterLease) < time.Second:
		return fmt.Errorf("cluster_lease must be at least 1s")
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
	case c.GroupCommitWait < 0 || time.Duration(c.GroupCommitWait) > 100*time.Millisecond:
		return fmt.Errorf("group_commit_wait must be between 0 and 100ms")
	case c.TraceCapacity < 1:
		return fmt.Errorf("trace_capacity must be at least 1")
	case c.ReadsPerSession < 1 || c.MaxReads < 1 || c.ReadQueue < 1:
		return fmt.Errorf("reads_per_session, max_reads and read_queue must be at least 1")
	case c.MaxConnsPerAddress < 1 || c.MaxLongPollSessions < 1:
		return fmt.Errorf("max_conns_per_address and max_long_poll_sessions must be at least 1")
	case c.HiTimeout <= 0 || c.LoginTimeout <= 0 || c.ReadHeaderTimeout <= 0 || c.HTTPIdleTimeout <= 0 || c.WriteTimeout <= 0:
		return fmt.Errorf("hi_timeout, login_timeout, read_header_timeout, http_idle_timeout and write_timeout must be positive")
	case c.LoginAccountBurst < 1 || c.LoginAddressBurst < 1 || c.LoginAccountEvery <= 0 || c.LoginAddressEvery <= 0:
		return fmt.Errorf("login_account_* and login_address_* must be positive")
	case c.SignupBurst < 1 || c.SignupEvery <= 0:
		return fmt.Errorf("signup_burst and signup_every must be positive")
	case c.PasswordWorkers < 0:
		return fmt.Errorf("password_workers must not be negative")
	case c.FileMaxSize < 1 || c.FileMaxPixels < 1 || c.FileMaxPending < 1 || c.FileUnsentTTL <= 0:
		return fmt.Errorf("file_max_size, file_max_pixels, file_max_pending and file_unsent_ttl must be positive")
	case c.EditWindow < 0:
		return fmt.Errorf("edit_window must not be negative")
	case c.OfflineGrace <= 0:
		return fmt.Errorf("offline_grace must be positive")
	case c.RobotThreshold <= 0 || c.RobotThreshold > 1:
		return fmt.Errorf("robot_threshold must be above 0 and at most 1")
	case c.RobotMisses < 1:
		return fmt.Errorf("robot_misses must be at least 1")
	case c.RobotAITimeout <= 0 || c.WebhookTimeout <= 0 || c.WebhookMaxBackoff <= 0:
		return fmt.Errorf("robot_ai_timeout, webhook_timeout and webhook_max_backoff must be positive")
	}
	if err := c.validateRobotAI(); err != nil {
		return err
	}
	if _, err := c.webhookEndpoints(); err != nil {
		return err
	}
	if _, err := parseTrusted(c.TrustedProxies); err != nil {
		return err
	}
	if err := c.validateReviewHook(); err != nil {
		return err
	}
	if _, _, err := c.customerVerifiers(); err != nil {
		return err
	}
	return c.validateTLS()
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

// validateReviewHook checks the risk-review service settings.
func (c *Config) validateReviewHook() error {
	switch {
	case c.ReviewHookTimeout <= 0 || c.ReviewHookBreakerCooldown <= 0:
		return fmt.Errorf("review_hook_timeout and review_hook_breaker_cooldown must be positive")
	case c.ReviewHookBreakerFailures < 1:
		return fmt.Errorf("review_hook_breaker_failures must be at least 1")
	case c.ReviewHookFail != "open" && c.ReviewHookFail != "closed" && c.ReviewHookFail != "review":
		return fmt.Errorf("review_hook_fail %q: want open, closed or review", c.ReviewHookFail)
	case c.ReviewHookURL == "":
		return nil
	case !strings.HasPrefix(c.ReviewHookURL, "http://") && !strings.HasPrefix(c.ReviewHookURL, "https://"):
		return fmt.Errorf("review_hook_url %q: want an http:// or https:// URL", c.ReviewHookURL)
	case len(c.ReviewHookSecret) < 16:
		return fmt.Errorf("review_hook_secret must be at least 16 bytes when review_hook_url is set")
	}
	return nil
}
