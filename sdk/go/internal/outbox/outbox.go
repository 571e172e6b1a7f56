// Package outbox is the SDK's retry queue. Each conversation's unacknowledged
// sends wait here in send order until the server acknowledges them. A send
// goes out once per connection; on the same connection it is repeated, with
// the same msgid, when its timeout passes, and given up after MaxAttempts
// timeouts. A new connection sends everything still waiting, in order, so
// messages written offline or lost in a dropped connection go out when the
// network returns; the server's msgid deduplication makes repeats harmless.
package outbox

import (
	"encoding/json"
	"sync"
	"time"
)

// Item is one send waiting for its acknowledgement.
type Item struct {
	Topic   string
	MsgID   string
	Content json.RawMessage
	// Attachments are the file URLs the content refers to (sent as the
	// message's extra.attachments, so the server links the files).
	Attachments []string
	// preparing holds the item, and everything behind it in its topic,
	// back until Ready: a file send whose upload is still running.
	preparing bool

	// Owned by the Outbox (under its lock).
	gen      uint64    // connection it was last written on; 0 = never
	deadline time.Time // when to repeat it on that connection
	timeouts int
}

// Outbox holds the unacknowledged sends of all conversations.
type Outbox struct {
	timeout     time.Duration
	maxAttempts int

	mu sync.Mutex
	// Guarded by mu.
	queues map[string][]*Item // per topic, in send order
	byID   map[string]*Item
}

// New returns an empty outbox.
func New(timeout time.Duration, maxAttempts int) *Outbox {
	return &Outbox{timeout: timeout, maxAttempts: maxAttempts,
		queues: map[string][]*Item{}, byID: map[string]*Item{}}
}

// Add queues a send behind the topic's earlier ones.
func (o *Outbox) Add(topic, msgid string, content json.RawMessage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byID[msgid] != nil {
		return
	}
	it := &Item{Topic: topic, MsgID: msgid, Content: content}
	o.queues[topic] = append(o.queues[topic], it)
	o.byID[msgid] = it
}

// AddPreparing queues a send whose content is not known yet (a file being
// uploaded). It keeps its place: sends added after it wait behind it until
// Ready gives its content, or Remove drops it (the upload failed).
func (o *Outbox) AddPreparing(topic, msgid string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byID[msgid] != nil {
		return
	}
	it := &Item{Topic: topic, MsgID: msgid, preparing: true}
	o.queues[topic] = append(o.queues[topic], it)
	o.byID[msgid] = it
}

// Ready gives a preparing send its content; it reports whether the send
// was still waiting.
func (o *Outbox) Ready(msgid string, content json.RawMessage, attachments []string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	it := o.byID[msgid]
	if it == nil {
		return false
	}
	it.Content, it.Attachments, it.preparing = content, attachments, false
	return true
}

// Topics lists the topics with waiting sends.
func (o *Outbox) Topics() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, len(o.queues))
	for t := range o.queues {
		out = append(out, t)
	}
	return out
}

// Len is the number of waiting sends.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.byID)
}

// Due returns, in send order, the topic's items to write now on connection
// gen, and marks them written. expired are items that timed out too often;
// they leave the outbox and the caller marks them failed.
func (o *Outbox) Due(topic string, gen uint64, now time.Time) (due, expired []*Item) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range o.queues[topic] {
		if it.preparing {
			break // order: nothing overtakes a send still being prepared
		}
		switch {
		case it.gen != gen:
		case now.Before(it.deadline):
			continue
		case it.timeouts+1 >= o.maxAttempts:
			expired = append(expired, it)
			continue
		default:
			it.timeouts++
		}
		it.gen, it.deadline = gen, now.Add(o.timeout)
		due = append(due, it)
	}
	for _, it := range expired {
		o.removeLocked(it.MsgID)
	}
	return due, expired
}

// Retry schedules an item for another write after delay on the same
// connection (after a transient error such as 429 or 503).
func (o *Outbox) Retry(msgid string, now time.Time, delay time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if it := o.byID[msgid]; it != nil {
		it.deadline = now.Add(delay)
	}
}

// Remove takes an item out (acknowledged, or rejected for good). It reports
// whether it was there.
func (o *Outbox) Remove(msgid string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.removeLocked(msgid)
}

func (o *Outbox) removeLocked(msgid string) bool {
	it := o.byID[msgid]
	if it == nil {
		return false
	}
	delete(o.byID, msgid)
	q := o.queues[it.Topic]
	for i, x := range q {
		if x == it {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(o.queues, it.Topic)
	} else {
		o.queues[it.Topic] = q
	}
	return true
}

// NextDeadline is the earliest time an item written on gen needs another
// look; ok is false when nothing is waiting on gen.
func (o *Outbox) NextDeadline(gen uint64) (t time.Time, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range o.byID {
		if it.gen == gen && (!ok || it.deadline.Before(t)) {
			t, ok = it.deadline, true
		}
	}
	return t, ok
}
