package policy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Input is a message to decide on.
type Input struct {
	Topic   string
	MsgID   string
	From    proto.Uid
	Staff   bool // the sender is staff (rules of scope staff apply), else a customer
	Content json.RawMessage
}

// Decision is what to do with a message.
type Decision struct {
	// Verdict is Allow, Block, Mask or Review.
	Verdict string
	// Reason names the words or the review service's reason, for audit.
	Reason string
	// Content is the masked content when Verdict is Mask.
	Content json.RawMessage
	// Replayed is set when the msgid was decided before (a retry): State
	// is the held message's state then, and Seq its seq once approved.
	Replayed bool
	State    string
	Seq      int
}

// VerdictFunc hears of every reviewer's verdict on a held message:
// approved (with the seq it got) or rejected (seq 0). It runs after the
// verdict is stored and must not block; the server sets one to tell
// merchants' systems (webhooks).
type VerdictFunc func(topic, msgid string, seq int, verdict string)

// Engine decides on messages. It is safe for concurrent use: rules are an
// immutable compiled set swapped in whole when they change.
type Engine struct {
	store store.Policies
	hook  *Hook // nil: no review service
	rules atomic.Pointer[ruleSet]
	bufs  sync.Pool // *scanBuf

	mu sync.Mutex
	// held is the state of every held message with a msgid, by topic and
	// msgid: a retried pub is answered from it without a store read.
	held map[heldKey]heldState
}

type heldKey struct{ topic, msgid string }

type heldState struct {
	state string
	seq   int
}

// NewEngine loads the rules and the held messages' states from st. hook
// may be nil.
func NewEngine(ctx context.Context, st store.Policies, hook *Hook) (*Engine, error) {
	e := &Engine{store: st, hook: hook, held: map[heldKey]heldState{}}
	e.bufs.New = func() any { return &scanBuf{} }
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	all, err := st.ListHeld(ctx, "", 0)
	if err != nil {
		return nil, fmt.Errorf("policy: load held messages: %w", err)
	}
	for _, h := range all {
		e.remember(h.Topic, h.MsgID, h.State, h.SeqID)
	}
	return e, nil
}

// Reload compiles the rules stored now; checks under way finish with the
// rules they started with.
func (e *Engine) Reload(ctx context.Context) error {
	words, err := e.store.PolicyWords(ctx)
	if err != nil {
		return fmt.Errorf("policy: load rules: %w", err)
	}
	rules := make([]Rule, len(words))
	for i, w := range words {
		rules[i] = Rule{Word: w.Word, Action: w.Action, Scope: w.Scope}
	}
	e.rules.Store(compile(rules))
	return nil
}

// Refresh reloads the rules when the stored ones differ from those in
// force: another gateway on the same database changed them.
func (e *Engine) Refresh(ctx context.Context) error {
	words, err := e.store.PolicyWords(ctx)
	if err != nil {
		return fmt.Errorf("policy: load rules: %w", err)
	}
	cur := e.rules.Load().rules
	same := len(words) == len(cur)
	for i := 0; same && i < len(words); i++ {
		same = words[i].Word == cur[i].Word && words[i].Action == cur[i].Action && words[i].Scope == cur[i].Scope
	}
	if same {
		return nil
	}
	return e.Reload(ctx)
}

// KeepFresh calls Refresh every interval until ctx ends, logging failures
// through logf.
func (e *Engine) KeepFresh(ctx context.Context, every time.Duration, logf func(err error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := e.Refresh(ctx); err != nil && ctx.Err() == nil {
				logf(err)
			}
		}
	}
}

// Rules lists the rules in force, by word.
func (e *Engine) Rules() []Rule { return append([]Rule(nil), e.rules.Load().rules...) }

// remember records the state of a held message with a msgid.
func (e *Engine) remember(topic, msgid, state string, seq int) {
	if msgid == "" {
		return
	}
	e.mu.Lock()
	e.held[heldKey{topic, msgid}] = heldState{state: state, seq: seq}
	e.mu.Unlock()
}

// prior returns what was decided on (topic, msgid) before, if it was held.
func (e *Engine) prior(topic, msgid string) (heldState, bool) {
	if msgid == "" {
		return heldState{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.held[heldKey{topic, msgid}]
	return s, ok
}

// Check decides on in. A msgid held before gets its earlier verdict; then
// the word rules decide, and, unless they block, the review service (when
// configured) is asked too: the more severe verdict wins. It may wait for
// the review service up to its timeout.
func (e *Engine) Check(ctx context.Context, in Input) Decision {
	if p, ok := e.prior(in.Topic, in.MsgID); ok {
		return replay(p)
	}
	rules := e.rules.Load()
	if len(rules.rules) == 0 && e.hook == nil {
		// Nothing would read the text: no need to decode the content.
		return Decision{Verdict: Allow}
	}
	text := textOf(in.Content)
	buf := e.bufs.Get().(*scanBuf)
	wv := rules.check(text, in.Staff, buf)
	e.bufs.Put(buf)
	d := Decision{Verdict: wv.action, Reason: strings.Join(wv.words, ", ")}
	masks := wv.masks
	if e.hook != nil && d.Verdict != Block {
		ans := e.ask(ctx, in, text)
		if severity(ans.Verdict) > severity(d.Verdict) {
			d.Verdict, d.Reason = ans.Verdict, hookReason(ans)
		}
		if ans.Verdict == Mask {
			masks = append(masks, maskWords(text, ans.Words, in.Staff)...)
		}
	}
	if d.Verdict == Mask || (d.Verdict == Allow && len(masks) > 0) {
		d = e.masked(d, in.Content, text, masks)
	}
	return d
}

// ask consults the review service; its failures take the fail mode.
func (e *Engine) ask(ctx context.Context, in Input, text string) HookAnswer {
	role := "customer"
	if in.Staff {
		role = "staff"
	}
	ans, err := e.hook.Ask(ctx, HookRequest{Topic: in.Topic, MsgID: in.MsgID, From: in.From.UserID(),
		Role: role, Text: text, Content: in.Content})
	if err != nil {
		return e.hook.Failure(err)
	}
	return ans
}

func hookReason(a HookAnswer) string {
	if a.Reason != "" {
		return "review service: " + a.Reason
	}
	return "review service: " + a.Verdict
}

// masked fills in the masked content; a mask that covers nothing (the
// service said mask but named no word in the text) delivers as it is.
func (e *Engine) masked(d Decision, content json.RawMessage, text string, masks [][2]int) Decision {
	if len(masks) == 0 {
		d.Verdict = Allow
		return d
	}
	c, err := withText(content, maskText(text, masks))
	if err != nil { // content that textOf could read is valid JSON
		d.Verdict = Block
		d.Reason = "cannot mask: " + err.Error()
		return d
	}
	d.Verdict, d.Content = Mask, c
	return d
}

// maskWords finds the review service's words in text, as rules would.
func maskWords(text string, words []string, staff bool) [][2]int {
	rules := make([]Rule, len(words))
	for i, w := range words {
		rules[i] = Rule{Word: w, Action: Mask, Scope: ScopeAll}
	}
	return compile(rules).check(text, staff, &scanBuf{}).masks
}

// replay turns an earlier held state into the decision a retry gets.
func replay(p heldState) Decision {
	d := Decision{Replayed: true, State: p.state, Seq: p.seq}
	switch p.state {
	case store.HeldBlocked, store.HeldRejected:
		d.Verdict = Block
	case store.HeldPending:
		d.Verdict = Review
	default: // approved: the message is stored; the store's dedup answers
		d.Verdict = Allow
	}
	return d
}

// Hold stores a blocked or held message and remembers its state. A msgid
// held already keeps its first record, which is returned.
func (e *Engine) Hold(ctx context.Context, h *store.HeldMessage) (*store.HeldMessage, error) {
	if h.ID == "" {
		h.ID = newHeldID()
	}
	got, err := e.store.SaveHeld(ctx, h)
	if err != nil && got == nil {
		return nil, err
	}
	e.remember(got.Topic, got.MsgID, got.State, got.SeqID)
	return got, nil
}

// newHeldID makes the id of a held message: 16 random hex digits.
func newHeldID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
