package policy

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Headers of a review request. The signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)); receivers
// recompute it and refuse timestamps far from their clock, so a captured
// request cannot be replayed later.
const (
	HeaderTimestamp = "X-Parley-Timestamp"
	HeaderSignature = "X-Parley-Signature"
)

// What the gateway does with a message when the review service cannot
// answer (timeout, error status, an answer it cannot read, breaker open).
const (
	FailOpen   = "open"   // deliver as if the service said allow
	FailClosed = "closed" // block it
	FailReview = "review" // hold it for a person
)

// HookConfig configures the risk-review service.
type HookConfig struct {
	URL     string
	Secret  string
	Timeout time.Duration
	// Fail is FailOpen, FailClosed or FailReview.
	Fail string
	// BreakerFailures consecutive failures open the breaker for
	// BreakerCooldown.
	BreakerFailures int
	BreakerCooldown time.Duration
}

// HookRequest is the JSON body the gateway posts.
type HookRequest struct {
	Topic   string          `json:"topic"`
	MsgID   string          `json:"msgid,omitempty"`
	From    string          `json:"from"`
	Role    string          `json:"role"` // customer or staff
	Text    string          `json:"text"`
	Content json.RawMessage `json:"content"`
}

// HookAnswer is what the service answers, with status 200. For mask,
// Words lists what to mask in the text (matched like word rules).
type HookAnswer struct {
	Verdict string   `json:"verdict"`
	Words   []string `json:"words,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

// maxHookAnswer bounds the answer read from the service.
const maxHookAnswer = 64 << 10

// Hook calls the risk-review service.
type Hook struct {
	cfg    HookConfig
	client *http.Client
	br     *breaker
	now    func() time.Time
}

// NewHook returns a client of the service cfg describes.
func NewHook(cfg HookConfig) *Hook {
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = 5
	}
	h := &Hook{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}, now: time.Now}
	h.br = &breaker{failures: cfg.BreakerFailures, cooldown: cfg.BreakerCooldown, now: func() time.Time { return h.now() }}
	return h
}

// ErrBreakerOpen is the failure of a call the breaker did not let out.
var ErrBreakerOpen = errors.New("review service: circuit breaker open")

// Ask sends req and returns the service's answer, or an error that says
// why there is none; the caller then applies the fail mode (Failure).
func (h *Hook) Ask(ctx context.Context, req HookRequest) (HookAnswer, error) {
	if !h.br.allow() {
		return HookAnswer{}, ErrBreakerOpen
	}
	ans, err := h.call(ctx, req)
	h.br.done(err == nil)
	return ans, err
}

// Failure is the answer that stands in for one the service did not give.
func (h *Hook) Failure(err error) HookAnswer {
	v := Allow
	switch h.cfg.Fail {
	case FailClosed:
		v = Block
	case FailReview:
		v = Review
	}
	return HookAnswer{Verdict: v, Reason: "review service unavailable: " + err.Error()}
}

func (h *Hook) call(ctx context.Context, req HookRequest) (HookAnswer, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return HookAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return HookAnswer{}, err
	}
	ts := strconv.FormatInt(h.now().Unix(), 10)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set(HeaderTimestamp, ts)
	hr.Header.Set(HeaderSignature, Sign(h.cfg.Secret, ts, body))
	res, err := h.client.Do(hr)
	if err != nil {
		return HookAnswer{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(res.Body, maxHookAnswer))
		return HookAnswer{}, fmt.Errorf("review service answered %s", res.Status)
	}
	var ans HookAnswer
	dec := json.NewDecoder(io.LimitReader(res.Body, maxHookAnswer))
	if err := dec.Decode(&ans); err != nil {
		return HookAnswer{}, fmt.Errorf("review service answer is not JSON: %w", err)
	}
	switch ans.Verdict {
	case Allow, Block, Review:
	case Mask:
		for _, w := range ans.Words {
			if CheckWord(w) != nil {
				return HookAnswer{}, fmt.Errorf("review service asked to mask %q", w)
			}
		}
	default:
		return HookAnswer{}, fmt.Errorf("review service verdict %q is not allow, block, mask or review", ans.Verdict)
	}
	return ans, nil
}

// Sign is the signature of a request body sent at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
