package server

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Setting is one thing an operator can configure, under the three names it
// goes by: its key in the JSON config file, its PARLEY_* environment
// variable and its `parley serve` flag. Config.Settings is the one table of
// them; the environment, the flags and `parley serve --help` are all read
// from it, so they cannot disagree.
type Setting struct {
	Key  string // JSON key, as in Config's struct tags
	Env  string // environment variable
	Flag string // flag name, without dashes
	Arg  string // what the flag's value is, for the help text ("ADDR", "N", …)
	Help string // what it means, one line
	// Value reads and prints the setting in the Config that Settings was
	// called on.
	Value Value
}

// Value is how a setting's text (from the environment or a flag) becomes a
// Config field. The JSON file is decoded into the struct directly.
type Value interface {
	Set(string) error
	String() string
}

// Settings returns the table of every setting, bound to c: setting a Value
// changes c. The order is the order of `parley serve --help`.
func (c *Config) Settings() []Setting {
	return []Setting{
		{"listen", "PARLEY_LISTEN", "listen", "ADDR", "address to serve on (clients, /metrics, /healthz, admin)", (*strVal)(&c.Listen)},
		{"grpc_listen", "PARLEY_GRPC_LISTEN", "grpc-listen", "ADDR", "address of the gRPC service (Tinode's pbx.Node); empty: off", (*strVal)(&c.GRPCListen)},
		{"data_dir", "PARLEY_DATA", "data", "DIR", "directory of parley.db and the ACME cache; a relative path is relative to the working directory", (*strVal)(&c.DataDir)},
		{"store", "PARLEY_STORE", "store", "URL", "postgres://USER@HOST:PORT/DB: keep everything in that PostgreSQL database; empty keeps it in SQLite in data_dir", (*strVal)(&c.Store)},
		{"nats", "PARLEY_NATS", "nats", "URL", "nats://HOST:PORT: join the cluster of every node sharing that NATS and the PostgreSQL store; empty: this node is alone", (*strVal)(&c.NATS)},
		{"cluster_lease", "PARLEY_CLUSTER_LEASE", "cluster-lease", "DURATION", "in a cluster, how long a node's lease on its topics lasts unrenewed: the longest a dead node's topics are unavailable", (*durVal)(&c.ClusterLease)},
		{"api_key", "PARLEY_API_KEY", "api-key", "KEY", "key clients must send (apikey or X-Tinode-APIKey); empty accepts any", (*strVal)(&c.APIKey)},
		{"allowed_origins", "PARLEY_ALLOWED_ORIGINS", "allowed-origins", "LIST", "comma-separated browser origins allowed to connect; empty allows any", (*listVal)(&c.AllowedOrigins)},
		{"max_message_size", "PARLEY_MAX_MESSAGE_SIZE", "max-message-size", "BYTES", "largest client message", (*intVal)(&c.MaxMessageSize)},
		{"max_subscribers", "PARLEY_MAX_SUBSCRIBERS", "max-subscribers", "N", "members per group", (*intVal)(&c.MaxSubscribers)},
		{"max_topics_per_session", "PARLEY_MAX_TOPICS_PER_SESSION", "max-topics-per-session", "N", "topics one session may attach", (*intVal)(&c.MaxTopicsPerSession)},
		{"rate_per_second", "PARLEY_RATE_PER_SECOND", "rate-per-second", "N", "client messages per second per connection", (*floatVal)(&c.RatePerSecond)},
		{"rate_burst", "PARLEY_RATE_BURST", "rate-burst", "N", "client messages a connection may send at once above the rate", (*intVal)(&c.RateBurst)},
		{"outbox_bytes", "PARLEY_OUTBOX_BYTES", "outbox-bytes", "BYTES", "a session's queued output before it is closed as a slow consumer", (*intVal)(&c.OutboxBytes)},
		{"group_commit", "PARLEY_GROUP_COMMIT", "group-commit", "N", "writes per store transaction (1 = off)", (*intVal)(&c.GroupCommit)},
		{"group_commit_wait", "PARLEY_GROUP_COMMIT_WAIT", "group-commit-wait", "DURATION", "longest a small batch of writes waits for more, waiting only for those due within it at the rate they arrive (0 = never)", (*durVal)(&c.GroupCommitWait)},
		{"reads_per_session", "PARLEY_READS_PER_SESSION", "reads-per-session", "N", "reads behind one session's gets (history, member lists, search) running at once", (*intVal)(&c.ReadsPerSession)},
		{"max_reads", "PARLEY_MAX_READS", "max-reads", "N", "such reads running at once for all sessions", (*intVal)(&c.MaxReads)},
		{"read_queue", "PARLEY_READ_QUEUE", "read-queue", "N", "gets of one session waiting for a read slot; further ones are answered 429", (*intVal)(&c.ReadQueue)},
		{"trusted_proxies", "PARLEY_TRUSTED_PROXIES", "trusted-proxies", "LIST", "comma-separated reverse proxies (addresses or CIDR prefixes) whose X-Forwarded-For names the client", (*listVal)(&c.TrustedProxies)},
		{"max_conns_per_address", "PARLEY_MAX_CONNS_PER_ADDRESS", "max-conns-per-address", "N", "TCP connections, and sessions, one client address may hold", (*intVal)(&c.MaxConnsPerAddress)},
		{"max_long_poll_sessions", "PARLEY_MAX_LONG_POLL_SESSIONS", "max-long-poll-sessions", "N", "long-polling sessions in the whole server", (*intVal)(&c.MaxLongPollSessions)},
		{"hi_timeout", "PARLEY_HI_TIMEOUT", "hi-timeout", "DURATION", "a new session must send hi within this (close 4010)", (*durVal)(&c.HiTimeout)},
		{"login_timeout", "PARLEY_LOGIN_TIMEOUT", "login-timeout", "DURATION", "after hi, a session must log in within this (close 4011)", (*durVal)(&c.LoginTimeout)},
		{"login_account_burst", "PARLEY_LOGIN_ACCOUNT_BURST", "login-account-burst", "N", "failed logins one account may take at once (then 429)", (*intVal)(&c.LoginAccountBurst)},
		{"login_account_every", "PARLEY_LOGIN_ACCOUNT_EVERY", "login-account-every", "DURATION", "then one more failed login of the account per this interval", (*durVal)(&c.LoginAccountEvery)},
		{"login_address_burst", "PARLEY_LOGIN_ADDRESS_BURST", "login-address-burst", "N", "failed logins one client address may make at once (then 429)", (*intVal)(&c.LoginAddressBurst)},
		{"login_address_every", "PARLEY_LOGIN_ADDRESS_EVERY", "login-address-every", "DURATION", "then one more failed login of the address per this interval", (*durVal)(&c.LoginAddressEvery)},
		{"signup_burst", "PARLEY_SIGNUP_BURST", "signup-burst", "N", "new accounts one client address may make at once (then 429)", (*intVal)(&c.SignupBurst)},
		{"signup_every", "PARLEY_SIGNUP_EVERY", "signup-every", "DURATION", "then one more new account per this interval", (*durVal)(&c.SignupEvery)},
		{"password_workers", "PARLEY_PASSWORD_WORKERS", "password-workers", "N", "bcrypt hashes and checks running at once; 0 is one less than the cores", (*intVal)(&c.PasswordWorkers)},
		{"read_header_timeout", "PARLEY_READ_HEADER_TIMEOUT", "read-header-timeout", "DURATION", "an HTTP request's header must arrive within this", (*durVal)(&c.ReadHeaderTimeout)},
		{"http_idle_timeout", "PARLEY_HTTP_IDLE_TIMEOUT", "http-idle-timeout", "DURATION", "a keep-alive HTTP connection idle between requests is closed", (*durVal)(&c.HTTPIdleTimeout)},
		{"file_max_size", "PARLEY_FILE_MAX_SIZE", "file-max-size", "BYTES", "largest file upload", (*intVal)(&c.FileMaxSize)},
		{"file_max_pixels", "PARLEY_FILE_MAX_PIXELS", "file-max-pixels", "N", "largest image upload in pixels (width × height)", (*intVal)(&c.FileMaxPixels)},
		{"file_max_pending", "PARLEY_FILE_MAX_PENDING", "file-max-pending", "N", "uploads of one user not yet sent in a message (then 429)", (*intVal)(&c.FileMaxPending)},
		{"file_unsent_ttl", "PARLEY_FILE_UNSENT_TTL", "file-unsent-ttl", "DURATION", "an upload no message has sent is removed this long after it was made", (*durVal)(&c.FileUnsentTTL)},
		{"edit_window", "PARLEY_EDIT_WINDOW", "edit-window", "DURATION", "how long after sending a message its author may edit or recall it (head.replace); 0s allows no edits", (*durVal)(&c.EditWindow)},
		{"token_lifetime", "PARLEY_TOKEN_LIFETIME", "token-lifetime", "DURATION", "how long login tokens are valid", (*durVal)(&c.TokenLifetime)},
		{"idle_timeout", "PARLEY_IDLE_TIMEOUT", "idle-timeout", "DURATION", "a connection silent this long is closed", (*durVal)(&c.IdleTimeout)},
		{"write_timeout", "PARLEY_WRITE_TIMEOUT", "write-timeout", "DURATION", "a write to a WebSocket client that does not read may block this long before the connection is dropped", (*durVal)(&c.WriteTimeout)},
		{"offline_grace", "PARLEY_OFFLINE_GRACE", "offline-grace", "DURATION", "an agent whose last session ended goes offline after this (their team's on_offline then applies)", (*durVal)(&c.OfflineGrace)},
		{"robot_threshold", "PARLEY_ROBOT_THRESHOLD", "robot-threshold", "X", "the robot answers when its confidence (0-1: the share of the question an FAQ entry covers) is at least this; below, it suggests questions", (*floatVal)(&c.RobotThreshold)},
		{"robot_misses", "PARLEY_ROBOT_MISSES", "robot-misses", "N", "questions in a row the robot cannot answer before it hands the conversation to a person", (*intVal)(&c.RobotMisses)},
		{"robot_ai_url", "PARLEY_ROBOT_AI_URL", "robot-ai-url", "URL", "AI answer provider the robot asks first (signed POST, see docs/robot.md); empty: the FAQ only", (*strVal)(&c.RobotAIURL)},
		{"robot_ai_secret", "PARLEY_ROBOT_AI_SECRET", "robot-ai-secret", "SECRET", "key the robot signs its requests to robot_ai_url with", (*strVal)(&c.RobotAISecret)},
		{"robot_ai_timeout", "PARLEY_ROBOT_AI_TIMEOUT", "robot-ai-timeout", "DURATION", "the robot waits this long for the AI provider, then answers from the FAQ", (*durVal)(&c.RobotAITimeout)},
		{"webhooks", "PARLEY_WEBHOOKS", "webhooks", "LIST", "comma-separated merchant webhook endpoints, each URL|SECRET (events are signed with SECRET); empty: none", (*listVal)(&c.Webhooks)},
		{"webhook_timeout", "PARLEY_WEBHOOK_TIMEOUT", "webhook-timeout", "DURATION", "one webhook delivery attempt may take this long", (*durVal)(&c.WebhookTimeout)},
		{"webhook_max_backoff", "PARLEY_WEBHOOK_MAX_BACKOFF", "webhook-max-backoff", "DURATION", "failed webhook deliveries are retried, waiting twice as long each time up to this", (*durVal)(&c.WebhookMaxBackoff)},
		{"retransmit_after", "PARLEY_RETRANSMIT_AFTER", "retransmit-after", "DURATION", "an unacknowledged push is sent again after this, then twice as long each time", (*durVal)(&c.RetransmitAfter)},
		{"retransmit_min", "PARLEY_RETRANSMIT_MIN", "retransmit-min", "DURATION", "floor of the retransmission timeout measured from each session's acknowledgements", (*durVal)(&c.RetransmitMin)},
		{"retransmit_limit", "PARLEY_RETRANSMIT_LIMIT", "retransmit-limit", "N", "resends before a session counts as lagging", (*intVal)(&c.RetransmitLimit)},
		{"password_cost", "PARLEY_PASSWORD_COST", "password-cost", "N", "bcrypt cost of new passwords", (*intVal)(&c.PasswordCost)},
		{"log_level", "PARLEY_LOG_LEVEL", "log-level", "LEVEL", "debug, info, warn or error; debug also logs every trace event", (*strVal)(&c.LogLevel)},
		{"trace_capacity", "PARLEY_TRACE_CAPACITY", "trace-capacity", "N", "message events kept in memory for `parley trace` (about 200 bytes each)", (*intVal)(&c.TraceCapacity)},
		{"admin_token", "PARLEY_ADMIN_TOKEN", "admin-token", "TOKEN", "bearer token of /v0/admin/…; empty disables the admin endpoints (prefer the variable: a flag shows in ps)", (*strVal)(&c.AdminToken)},
		{"review_hook_url", "PARLEY_REVIEW_HOOK_URL", "review-hook-url", "URL", "risk-review service every message is posted to before it is stored (signed); empty: none", (*strVal)(&c.ReviewHookURL)},
		{"review_hook_secret", "PARLEY_REVIEW_HOOK_SECRET", "review-hook-secret", "SECRET", "HMAC-SHA256 key signing review requests, at least 16 bytes", (*strVal)(&c.ReviewHookSecret)},
		{"review_hook_timeout", "PARLEY_REVIEW_HOOK_TIMEOUT", "review-hook-timeout", "DURATION", "how long a message waits for the review service's answer", (*durVal)(&c.ReviewHookTimeout)},
		{"review_hook_fail", "PARLEY_REVIEW_HOOK_FAIL", "review-hook-fail", "MODE", "without an answer: open (deliver), closed (block) or review (hold for staff)", (*strVal)(&c.ReviewHookFail)},
		{"review_hook_breaker_failures", "PARLEY_REVIEW_HOOK_BREAKER_FAILURES", "review-hook-breaker-failures", "N", "failures in a row after which the review service is not called for a while", (*intVal)(&c.ReviewHookBreakerFailures)},
		{"review_hook_breaker_cooldown", "PARLEY_REVIEW_HOOK_BREAKER_COOLDOWN", "review-hook-breaker-cooldown", "DURATION", "how long the review service is not called once the breaker opened", (*durVal)(&c.ReviewHookBreakerCooldown)},
		{"tls_cert", "PARLEY_TLS_CERT", "tls-cert", "FILE", "PEM certificate chain: serve TLS with it (reloaded when the file changes)", (*strVal)(&c.TLSCert)},
		{"tls_key", "PARLEY_TLS_KEY", "tls-key", "FILE", "PEM private key of tls_cert", (*strVal)(&c.TLSKey)},
		{"acme_hosts", "PARLEY_ACME_HOSTS", "acme-hosts", "LIST", "comma-separated host names: serve TLS with certificates from Let's Encrypt for them", (*listVal)(&c.ACMEHosts)},
		{"acme_email", "PARLEY_ACME_EMAIL", "acme-email", "EMAIL", "contact address given to the ACME certificate authority (optional)", (*strVal)(&c.ACMEEmail)},
		{"acme_http", "PARLEY_ACME_HTTP", "acme-http", "ADDR", "address for the ACME HTTP-01 challenge handler, e.g. :80; empty leaves only the TLS-ALPN-01 challenge on listen", (*strVal)(&c.ACMEHTTP)},
		{"jwt_keys", "PARLEY_JWT_KEYS", "jwt-keys", "JSON|FILE", "keys of the jwt login scheme by kid, {\"kid\":{\"alg\":\"HS256|RS256|EdDSA\",\"key\"|\"key_file\":…}}, inline or a file's path; empty: scheme off", (*jwtKeysVal)(&c.JWTKeys)},
		{"jwt_audience", "PARLEY_JWT_AUDIENCE", "jwt-audience", "AUD", "the aud customer JWTs must name; empty: not checked", (*strVal)(&c.JWTAudience)},
		{"jwt_issuer", "PARLEY_JWT_ISSUER", "jwt-issuer", "ISS", "the iss customer JWTs must carry; empty: not checked", (*strVal)(&c.JWTIssuer)},
		{"hmac_key", "PARLEY_HMAC_KEY", "hmac-key", "KEY", "key of the hmac login scheme (Chatwoot's identifier_hash), at least 32 bytes; empty: scheme off", (*strVal)(&c.HMACKey)},
		{"hsts_max_age", "PARLEY_HSTS_MAX_AGE", "hsts-max-age", "DURATION", "max-age of the Strict-Transport-Security header sent with TLS; 0s sends none", (*durVal)(&c.HSTSMaxAge)},
	}
}

// LoadEnv applies PARLEY_* variables over c; getenv is os.Getenv in
// production. An empty variable is the same as an unset one.
func (c *Config) LoadEnv(getenv func(string) string) error {
	for _, s := range c.Settings() {
		if v := getenv(s.Env); v != "" {
			if err := s.Value.Set(v); err != nil {
				return fmt.Errorf("%s: %w", s.Env, err)
			}
		}
	}
	return nil
}

// WriteSettingsHelp prints every setting with its flag, variable, JSON key,
// default (the value in c) and meaning: the settings part of `parley serve
// --help`.
func (c *Config) WriteSettingsHelp(w io.Writer) {
	for _, s := range c.Settings() {
		def := s.Value.String()
		if def == "" {
			def = "empty"
		}
		fmt.Fprintf(w, "  --%s %s\n      %s; JSON %q; default %s\n      %s\n", s.Flag, s.Arg, s.Env, s.Key, def, s.Help)
	}
}

type strVal string

func (v *strVal) Set(s string) error { *v = strVal(s); return nil }
func (v *strVal) String() string     { return string(*v) }

type intVal int

func (v *intVal) Set(s string) error {
	n, err := strconv.Atoi(s)
	*v = intVal(n)
	return err
}
func (v *intVal) String() string { return strconv.Itoa(int(*v)) }

type floatVal float64

func (v *floatVal) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	*v = floatVal(f)
	return err
}
func (v *floatVal) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

// listVal is a comma-separated list, as PARLEY_ALLOWED_ORIGINS always was.
type listVal []string

func (v *listVal) Set(s string) error { *v = strings.Split(s, ","); return nil }
func (v *listVal) String() string     { return strings.Join(*v, ",") }

type durVal Duration

func (v *durVal) Set(s string) error {
	d, err := time.ParseDuration(s)
	*v = durVal(d)
	return err
}
func (v *durVal) String() string { return shortDuration(time.Duration(*v)) }

// shortDuration writes 336h rather than time's 336h0m0s, as operators
// write durations.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
