package hub

import (
	"context"
	"errors"
	"unicode"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/trace"
)

// maxMsgIDLen bounds the client message id (a UUID is 36 characters).
const maxMsgIDLen = 64

// maxAppendBatch caps how many messages of one topic go to the store in one
// Append; more wait for the next round.
const maxAppendBatch = 1024

// publisher pipelines a topic's messages to the store: while one batch is
// being committed the next accumulates, so the actor never waits on a disk
// write and consecutive messages share a commit.
type publisher struct {
	queue    []pendingPub
	inflight bool
	// queued and done count messages ever queued and ever finished.
	queued, done int
	// deferred are reads that must see the messages queued before them,
	// oldest first.
	deferred []deferredRead
}

// deferredRead runs once the first upTo messages of the topic are done.
type deferredRead struct {
	upTo int
	run  func()
}

type pendingPub struct {
	req   *Request
	msg   *store.Message
	files []string // uploads head.attachments names, linked before storing
	// replaces is the seq head.replace names (an edit, richmsg.go), 0 if
	// none; it is checked against the store before the batch is stored.
	replaces int
	// done, if set, hears the store's result (a server-made message, Post).
	done func(store.AppendResult)
	// hold, if set, is the record of a message the policy keeps out of
	// the topic (blocked or held for review): it is stored instead of msg,
	// and replaced by the stored record (a retry finds the first one).
	hold *store.HeldMessage
	// masked says the policy masked msg's content.
	masked bool
}

type appendDone struct {
	batch []pendingPub
	res   []store.AppendResult
	err   error
	// marks is what the topic's mark writes were when the batch was sent
	// (marksSince): whether the store found the marks the actor holds.
	marks marksSince
}

func (p *publisher) busy() bool { return p.inflight || len(p.queue) > 0 }

// handlePub validates a {pub} and queues it for storage. The sender's ctrl 202
// and the fan-out follow once the store has made it durable.
func (t *topic) handlePub(r *Request) {
	pub := r.Msg.Pub
	now := proto.Now()
	if _, ok := t.attached[r.Sess]; !ok {
		t.reply(r, proto.AttachFirst(pub.ID, r.View, now))
		return
	}
	if t.kind == kindMe || t.kind == kindFnd || !t.mode(r.Sess.UserID()).IsSet(proto.ModeWrite) {
		t.reply(r, proto.Forbidden(pub.ID, r.View, now))
		return
	}
	msgID, ok := headMsgID(pub.Head)
	fileIDs, okFiles := pubAttachments(pub.Head, r.Msg.Extra)
	_, _, okReply := seqRef(pub.Head, "reply", t.desc.SeqID)
	replaces, _, okReplace := seqRef(pub.Head, "replace", t.desc.SeqID)
	if !ok || !okFiles || !okReply || !okReplace || len(pub.Content) == 0 || !validDrafty(pub.Content, fileIDs) {
		t.reply(r, proto.Malformed(pub.ID, r.View, now))
		return
	}
	if !t.mayWritePrivate(pub.Head, r.Sess.UserID()) {
		t.reply(r, proto.Forbidden(pub.ID, r.View, now))
		return
	}
	msg := &store.Message{Topic: t.name, MsgID: msgID, From: r.Sess.UserID(),
		CreatedAt: now.Time, Head: pub.Head, Content: pub.Content, Device: r.Sess.DeviceID()}
	pp := pendingPub{req: r, msg: msg, files: fileIDs, replaces: replaces}
	if !t.applyPolicy(r, &pp) {
		return
	}
	t.record(trace.Accepted, r, msg, 0, "")
	t.pub.queue = append(t.pub.queue, pp)
	t.pub.queued++
	t.pub.flush(t)
}

// headMsgID returns the client message id from head; a missing id is valid
// (no deduplication), a non-string, over-long or unprintable one is not.
func headMsgID(head map[string]any) (string, bool) {
	v, present := head["msgid"]
	if !present {
		return "", true
	}
	s, ok := v.(string)
	return s, ok && s != "" && len(s) <= maxMsgIDLen && printable(s)
}

// printable reports whether s is only letters, marks, numbers, punctuation,
// symbols and spaces. Msgids are printed by operators' tools (parley trace,
// logs): a control character (ESC, BEL) would drive their terminal, and a
// format character (a right-to-left override) would disguise the id.
func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return false
		}
	}
	return true
}

func (p *publisher) flush(t *topic) {
	if p.inflight || len(p.queue) == 0 {
		return
	}
	n := min(len(p.queue), maxAppendBatch)
	batch := p.queue[:n:n]
	p.queue = p.queue[n:]
	p.inflight = true
	marks := t.marks.since()
	// A write in flight finishes even during shutdown, so what the store
	// accepted is acknowledged or, at worst, retried by the client.
	t.hub.stores.run(func() {
		res, err := t.storeBatch(t.writeContext(), batch)
		t.appended <- appendDone{batch: batch, res: res, err: err, marks: marks}
	})
}

// storeBatch writes a batch: edits whose original does not allow them are
// refused one by one, the others' attachments are linked, then they are
// appended. It runs off the actor.
func (t *topic) storeBatch(ctx context.Context, batch []pendingPub) ([]store.AppendResult, error) {
	res := make([]store.AppendResult, len(batch))
	var msgs []*store.Message
	var kept []pendingPub
	var idx []int
	for i := range batch {
		if batch[i].hold != nil {
			// Kept out of the topic, without a seq. Its uploads are linked
			// now, so they outlive the wait for a reviewer (unsent ones are
			// removed after file_unsent_ttl); nobody has its link yet.
			err := t.linkAttachments(ctx, batch[i:i+1])
			if err == nil {
				var held *store.HeldMessage
				if held, err = t.hub.policy.Hold(ctx, batch[i].hold); err == nil {
					batch[i].hold = held
				}
			}
			res[i].Err = err
			continue
		}
		if batch[i].replaces > 0 {
			if err := t.checkEdit(ctx, &batch[i]); err != nil {
				res[i].Err = err
				continue
			}
		}
		msgs = append(msgs, batch[i].msg)
		kept = append(kept, batch[i])
		idx = append(idx, i)
	}
	if len(msgs) == 0 {
		return res, nil
	}
	if err := t.linkAttachments(ctx, kept); err != nil {
		return nil, err
	}
	stored, err := t.hub.store.Append(ctx, msgs)
	if err != nil {
		return nil, err
	}
	for j, i := range idx {
		res[i] = stored[j]
	}
	return res, nil
}

// finish handles a committed batch in order, then sends the next one.
func (p *publisher) finish(t *topic, d appendDone) {
	p.inflight = false
	if errors.Is(d.err, store.ErrFenced) {
		// Another node owns the topic now: nothing was stored, and the
		// senders retry there with the same msgids.
		p.queue = append(d.batch, p.queue...)
		p.failFenced(t)
		return
	}
	t.fan.begin()
	stored := t.marks.unchangedSince(d.marks)
	for i := range d.batch {
		res := store.AppendResult{Err: d.err}
		if d.err == nil {
			res = d.res[i]
		}
		t.published(&d.batch[i], res, stored)
	}
	t.fan.end(t)
	p.done += len(d.batch)
	p.flush(t)
	// Only the reads waiting for this batch run, not all of them once the
	// publisher idles: under a steady stream of pubs it never would.
	for len(p.deferred) > 0 && p.deferred[0].upTo <= p.done {
		next := p.deferred[0]
		p.deferred = p.deferred[1:]
		next.run()
	}
}

// afterWrites runs fn once every message queued so far is stored, so a
// client reading right after publishing sees its own messages.
func (p *publisher) afterWrites(fn func()) {
	if p.done == p.queued {
		fn()
		return
	}
	p.deferred = append(p.deferred, deferredRead{upTo: p.queued, run: fn})
}

// published acknowledges one stored message to its sender and fans it out.
// marksStored says the store moved the sender's marks as the actor does
// (senderMarks).
func (t *topic) published(pp *pendingPub, res store.AppendResult, marksStored bool) {
	r := pp.req
	id := r.Msg.Pub.ID
	if pp.done != nil {
		pp.done(res)
	}
	if pp.hold != nil {
		t.heldAnswered(pp, res.Err)
		return
	}
	if refusal := editErr(r, res.Err); refusal != nil {
		t.reply(r, refusal)
		return
	}
	if res.Err != nil {
		t.record(trace.Failed, r, pp.msg, 0, res.Err.Error())
		t.hub.log.Error("append failed", "topic", t.name, "msgid", pp.msg.MsgID, "err", res.Err)
		t.reply(r, storeErr(r, res.Err))
		return
	}
	stage := trace.Stored
	if res.Duplicate {
		stage = trace.Duplicate
	}
	t.record(stage, r, pp.msg, res.SeqID, "")
	if id != "" {
		params := map[string]any{"seq": res.SeqID}
		if res.Duplicate {
			params["duplicate"] = true
		}
		if pp.masked {
			maskedParams(params, pp.msg.Content)
		}
		t.reply(r, proto.CtrlParams(id, r.View, proto.CodeAccepted, "accepted", params, proto.TimeOf(res.CreatedAt)))
	}
	if res.Duplicate {
		return
	}
	m := pp.msg
	m.SeqID, m.CreatedAt = res.SeqID, res.CreatedAt
	t.desc.SeqID, t.desc.TouchedAt = m.SeqID, m.CreatedAt
	t.recent.add(m)
	t.senderMarks(m.From, m.SeqID, marksStored)
	t.senderDeviceMark(r.Sess, m.SeqID, marksStored)
	if t.hub.published != nil && t.isService() {
		t.hub.published(t.name, m.From, m.SeqID, m.Head)
	}
	var skip Subscriber
	if r.Msg.Pub.NoEcho {
		skip = r.Sess
	}
	t.broadcast(m, skip)
}

// broadcast sends {data} to attached readers, encoded once per view, and
// {pres what=msg} on "me" to members' sessions not attached here (after the
// batch, see fanOut).
func (t *topic) broadcast(m *store.Message, skip Subscriber) {
	frames := map[string][]byte{}
	for s, view := range t.attached {
		if s == skip || !t.mode(s.UserID()).IsSet(proto.ModeRead) {
			t.pushed[s] = m.SeqID // nothing owed: not a hole to fill later
			continue
		}
		f, ok := frames[view]
		if !ok {
			f = t.hub.encode(dataMsg(m, view))
			frames[view] = f
		}
		t.catchUp(s, view, m.SeqID-1)
		t.pushData(s, view, m, f)
	}
	if t.fan.active {
		t.fan.pres = append(t.fan.pres, m)
	} else {
		t.presMsgs([]*store.Message{m})
	}
}

// record notes a step of a published message in the hub's trace.
func (t *topic) record(stage trace.Stage, r *Request, m *store.Message, seq int, detail string) {
	t.hub.trace.Record(trace.Event{Stage: stage, Topic: t.name, Seq: seq, MsgID: m.MsgID,
		Session: r.Sess.SessionID(), User: r.Sess.UserID().UserID(), Detail: detail})
}
