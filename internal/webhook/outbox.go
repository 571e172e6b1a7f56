// Package webhook tells the merchant's systems what happens in Parley:
// messages created, conversation events and review verdicts, as signed
// HTTP POSTs (sign.go) to the endpoints the operator configured.
//
// Delivery is at least once, from a durable outbox in the store: Enqueue
// returns once the event is stored for every endpoint, and an event leaves
// the outbox only when its endpoint answered 2xx, so a receiver that is
// down, or a server restart, loses nothing. A failed delivery is retried
// with exponential backoff, for ever (capped at MaxBackoff between tries).
// Events of one conversation go to an endpoint one at a time, in the order
// they were enqueued: a failing event holds back the later events of its
// conversation, never those of others. Every event has an id that stays the
// same across retries, so a receiver drops the duplicates that at least
// once implies (a 2xx lost on the way back).
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// Endpoint is a receiver: its URL and the secret its requests are signed
// with.
type Endpoint struct {
	URL    string
	Secret []byte
}

// Defaults of Config.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 10 * time.Minute
)

// Config configures an outbox.
type Config struct {
	Store     store.Webhooks
	Endpoints []Endpoint
	Timeout   time.Duration // one delivery attempt
	// MinBackoff is the wait after the first failure; it doubles with
	// each further one, up to MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	Client                 *http.Client // nil: a client of its own
	Log                    *slog.Logger
	Now                    func() time.Time
	// Parallel is how many deliveries run at once (of different
	// conversations); zero: 8.
	Parallel int
}

// Event is something to tell the merchant.
type Event struct {
	Type string // "message.created", "conversation.assigned", "review.verdict", …
	// Conversation is the service topic the event belongs to: events of
	// one conversation are delivered in order. Empty: no order.
	Conversation string
	Data         any // the event's own fields, as JSON
}

// Body is what a receiver gets: the JSON of each request.
type Body struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	CreatedAt    time.Time       `json:"created_at"`
	Conversation string          `json:"conversation,omitempty"`
	Data         json.RawMessage `json:"data"`
}

// Outbox stores events and delivers them.
type Outbox struct {
	cfg     Config
	secrets map[string][]byte
	wake    chan struct{}
	stop    context.CancelFunc
	ctx     context.Context
	done    chan struct{}
}

// New makes an outbox; Start delivers.
func New(cfg Config) *Outbox {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	cfg.MinBackoff = min(cfg.MinBackoff, cfg.MaxBackoff)
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	o := &Outbox{cfg: cfg, secrets: map[string][]byte{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	for _, e := range cfg.Endpoints {
		o.secrets[e.URL] = e.Secret
	}
	o.ctx, o.stop = context.WithCancel(context.Background())
	return o
}

// Enabled reports whether any endpoint is configured: with none, events
// need not even be made.
func (o *Outbox) Enabled() bool { return len(o.cfg.Endpoints) > 0 }

// Enqueue stores e for every endpoint and returns its id. With no
// endpoints it stores nothing.
func (o *Outbox) Enqueue(ctx context.Context, e Event) (string, error) {
	ids, err := o.EnqueueBatch(ctx, []Event{e}, nil)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}

// EnqueueBatch stores events, in order, in one store transaction with
// marks (how far each topic's messages are covered), and returns their
// ids.
func (o *Outbox) EnqueueBatch(ctx context.Context, events []Event, marks []store.WebhookMark) ([]string, error) {
	if len(o.cfg.Endpoints) == 0 || len(events) == 0 {
		return nil, nil
	}
	now := o.cfg.Now().UTC().Truncate(time.Millisecond)
	ids := make([]string, 0, len(events))
	rows := make([]*store.WebhookEvent, 0, len(events)*len(o.cfg.Endpoints))
	for _, e := range events {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return nil, fmt.Errorf("webhook: %s data: %w", e.Type, err)
		}
		id := newEventID()
		body, err := json.Marshal(Body{ID: id, Type: e.Type, CreatedAt: now, Conversation: e.Conversation, Data: data})
		if err != nil {
			return nil, err
		}
		key := e.Conversation
		if key == "" {
			key = id // no order to keep
		}
		for _, ep := range o.cfg.Endpoints {
			rows = append(rows, &store.WebhookEvent{ID: id, Endpoint: ep.URL, Key: key, Body: body, CreatedAt: now, NextAt: now})
		}
		ids = append(ids, id)
	}
	if err := o.cfg.Store.EnqueueWebhooks(ctx, rows, marks); err != nil {
		return nil, err
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return ids, nil
}

func newEventID() string {
	var b [16]byte
	rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}

// Start delivers in the background until Stop.
func (o *Outbox) Start() { go o.run() }

// Stop ends delivery; what is not delivered stays in the outbox for the
// next start.
func (o *Outbox) Stop() {
	o.stop()
	<-o.done
}

// scanLimit bounds one look at the outbox.
const scanLimit = 5000

// idleRecheck is how long the deliverer sleeps with nothing due and
// nothing enqueued (an event enqueued by another server process sharing
// the store is found by then).
const idleRecheck = 30 * time.Second

func (o *Outbox) run() {
	defer close(o.done)
	for {
		next, err := o.pass()
		if err != nil {
			o.warn("reading the webhook outbox", "", err)
			next = o.cfg.Now().Add(o.cfg.MinBackoff)
		}
		wait := idleRecheck
		if !next.IsZero() {
			wait = max(next.Sub(o.cfg.Now()), 0)
		}
		if wait == 0 {
			if o.ctx.Err() != nil {
				return
			}
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-o.wake:
		case <-t.C:
		case <-o.ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

// pass delivers the head event of every (endpoint, conversation) that is
// due, and returns when the next one is due (zero: none waiting).
func (o *Outbox) pass() (time.Time, error) {
	pending, err := o.cfg.Store.PendingWebhooks(o.ctx, scanLimit)
	if err != nil {
		return time.Time{}, err
	}
	now := o.cfg.Now()
	heads := map[string]bool{}
	var due []store.WebhookEvent
	var next time.Time
	for _, e := range pending {
		if _, ok := o.secrets[e.Endpoint]; !ok {
			continue // an endpoint no longer configured: kept for when it is again
		}
		k := e.Endpoint + "\x00" + e.Key
		if heads[k] {
			continue // behind an earlier event of its conversation
		}
		heads[k] = true
		if e.NextAt.After(now) {
			if next.IsZero() || e.NextAt.Before(next) {
				next = e.NextAt
			}
			continue
		}
		due = append(due, e)
	}
	o.deliverAll(due)
	if len(due) > 0 {
		return now, nil // look again: the delivered heads had followers
	}
	return next, nil
}

// deliverAll delivers events of different conversations side by side.
func (o *Outbox) deliverAll(due []store.WebhookEvent) {
	sem := make(chan struct{}, o.cfg.Parallel)
	var wg sync.WaitGroup
	for _, e := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o.deliverOne(e)
		}()
	}
	wg.Wait()
}

// deliverOne tries e once and records the outcome.
func (o *Outbox) deliverOne(e store.WebhookEvent) {
	err := o.send(e)
	ctx, cancel := context.WithTimeout(context.Background(), o.cfg.Timeout)
	defer cancel()
	if err == nil {
		if err := o.cfg.Store.WebhookDelivered(ctx, e.Seq); err != nil {
			o.warn("recording a webhook delivery (it will be sent again)", e.Endpoint, err)
		}
		return
	}
	attempts := e.Attempts + 1
	if err := o.cfg.Store.WebhookFailed(ctx, e.Seq, attempts, o.cfg.Now().Add(o.backoff(attempts)), err.Error()); err != nil {
		o.warn("recording a webhook failure", e.Endpoint, err)
	}
}

// backoff is the wait after the attempts-th failure.
func (o *Outbox) backoff(attempts int) time.Duration {
	d := o.cfg.MinBackoff
	for i := 1; i < attempts && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, o.cfg.MaxBackoff)
}

// send posts e, signed now.
func (o *Outbox) send(e store.WebhookEvent) error {
	ctx, cancel := context.WithTimeout(o.ctx, o.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint, bytes.NewReader(e.Body))
	if err != nil {
		return err
	}
	var b Body
	json.Unmarshal(e.Body, &b)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEventID, e.ID)
	req.Header.Set(HeaderEventType, b.Type)
	SetHeaders(req.Header, o.secrets[e.Endpoint], o.cfg.Now(), e.Body)
	resp, err := o.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

func (o *Outbox) warn(what, endpoint string, err error) {
	if o.cfg.Log != nil {
		o.cfg.Log.Warn(what, "endpoint", endpoint, "err", err)
	}
}
