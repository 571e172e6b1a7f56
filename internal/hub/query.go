package hub

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// handleGet answers {get}. The reads run off the actor (see query).
func (t *topic) handleGet(r *Request) {
	g := r.Msg.Get
	// A get that asks for nothing Parley knows would otherwise go
	// unanswered, and clients wait for every id they send.
	if len(parseWhat(g.What)) == 0 {
		t.reply(r, proto.Malformed(g.ID, r.View, proto.Now()))
		return
	}
	if _, ok := t.attached[r.Sess]; !ok {
		t.peek(r)
		return
	}
	t.query(r, g.ID, &g.MsgGetQuery)
}

// getParts are the parts a get may ask for. Parley keeps no credentials or
// aux data, so those parts are answered empty rather than ignored.
var getParts = map[string]bool{"desc": true, "sub": true, "tags": true, "cred": true, "aux": true,
	"data": true, "del": true}

// parseWhat returns the known parts named in a get's what.
func parseWhat(s string) map[string]bool {
	what := map[string]bool{}
	for _, w := range strings.Fields(s) {
		if getParts[w] {
			what[w] = true
		}
	}
	return what
}

// snapshot is what a query needs of the topic, copied inside the actor so the
// reads can run on their own goroutine without touching actor state.
type snapshot struct {
	topic store.Topic
	user  store.User
	sub   store.Subscription
	subs  []store.Subscription
	mode  proto.AccessMode
	// loaded is false for a p2p topic that does not exist yet; member
	// says whether the caller has a subscription.
	loaded bool
	member bool
	// attached is false for a session peeking at the topic (see peek).
	attached bool
	// fndQuery is the session's search terms on fnd.
	fndQuery []string
}

func (t *topic) snapshot(r *Request) *snapshot {
	uid := r.Sess.UserID()
	_, attached := t.attached[r.Sess]
	s := &snapshot{topic: t.desc, user: t.user, mode: t.mode(uid), loaded: t.loaded, attached: attached,
		fndQuery: t.fnd[r.Sess]}
	if sub := t.subs[uid]; sub != nil {
		s.sub, s.member = *sub, true
	}
	for _, sub := range t.subs {
		s.subs = append(s.subs, *sub)
	}
	// Map order is random; members are listed in the order they joined so
	// that the same question gets the same answer.
	slices.SortFunc(s.subs, func(a, b store.Subscription) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.User, b.User)
	})
	return s
}

// query answers the parts of q in the protocol's order: desc, sub, data,
// del. A query for data first waits for the messages published before it.
func (t *topic) query(r *Request, id string, q *proto.MsgGetQuery) {
	what := parseWhat(q.What)
	// Asking for messages from since on says the client has since-1: more
	// than the topic has ever had if since is past the next seq.
	if what["data"] && q.Data != nil && q.Data.SinceID > t.desc.SeqID+1 {
		t.beyondHistory(r.Sess.UserID(), q.Data.SinceID-1, "get data since")
	}
	if what["data"] {
		t.pub.afterWrites(func() { t.runQuery(r, id, q, what) })
		return
	}
	t.runQuery(r, id, q, what)
}

// runQuery does the reads on a goroutine so a slow read never stalls the
// topic; replies of one query still arrive in order.
func (t *topic) runQuery(r *Request, id string, q *proto.MsgGetQuery, what map[string]bool) {
	qr := &querier{hub: t.hub, kind: t.kind, name: t.name, view: r.View, id: id,
		sess: r.Sess, snap: t.snapshot(r), rctx: t.hub.readContext(r.Sess)}
	read := func() {
		if qr.rctx.Err() == nil { // the session may have ended while this waited
			qr.run(q, what)
		}
	}
	if !t.hub.reads.submit(r.Sess, r.Msg.Get != nil, read) {
		t.reply(r, proto.TooMany(id, r.View, proto.Now()))
	}
}

// run sends the parts asked for, in the protocol's order.
func (qr *querier) run(q *proto.MsgGetQuery, what map[string]bool) {
	if !qr.snap.attached && !qr.peerKnown() {
		return
	}
	if what["desc"] {
		qr.desc()
	}
	if what["sub"] {
		qr.subs(q.Sub)
	}
	if what["tags"] {
		qr.tags()
	}
	for _, part := range []string{"cred", "aux"} {
		if what[part] {
			qr.send(proto.NoContent(qr.id, qr.view, part, proto.Now()))
		}
	}
	if what["data"] {
		qr.data(q.Data)
	}
	if what["del"] {
		qr.del(q.Del)
	}
}

// querier runs one query's reads and sends its replies.
type querier struct {
	hub  *Hub
	kind topicKind
	name string
	view string
	id   string
	sess Subscriber
	snap *snapshot
	rctx context.Context // ends with the session
}

func (q *querier) ctx() context.Context { return q.rctx }

func (q *querier) send(m *proto.ServerMsg) { q.sess.Send(Frame{Bytes: q.hub.encode(m)}) }

func (q *querier) fail(err error) {
	if q.rctx.Err() != nil {
		return // the session ended or the server is stopping: nobody to answer
	}
	q.hub.log.Warn("query failed", "topic", q.name, "err", err)
	q.send(proto.Internal(q.id, q.view, proto.Now()))
}

func (q *querier) meta(m *proto.MsgServerMeta) {
	m.ID, m.Topic, m.Timestamp = q.id, q.view, proto.Now()
	q.send(&proto.ServerMsg{Meta: m})
}

// tags sends the topic's tags, or the user's on "me"; none is ctrl 204.
func (q *querier) tags() {
	tags := q.snap.topic.Tags
	switch {
	case q.kind == kindMe:
		tags = q.snap.user.Tags
	case !q.snap.attached && !q.snap.member:
		tags = nil // a topic's tags are its members' business
	}
	if len(tags) == 0 {
		q.send(proto.NoContent(q.id, q.view, "tags", proto.Now()))
		return
	}
	q.meta(&proto.MsgServerMeta{Tags: tags})
}

// data sends the matching messages, newest first, then ctrl 208 or 204.
func (q *querier) data(opts *proto.MsgGetOpts) {
	if !q.snap.attached || !q.snap.mode.IsSet(proto.ModeRead) {
		q.send(proto.Forbidden(q.id, q.view, proto.Now()))
		return
	}
	mq := store.MessageQuery{Limit: q.hub.limits.MaxResults}
	if opts != nil && len(opts.Ranges) > maxRanges {
		q.send(proto.Malformed(q.id, q.view, proto.Now()))
		return
	}
	if opts != nil {
		mq.Since, mq.Before, mq.Ranges = opts.SinceID, opts.BeforeID, toRanges(opts.Ranges)
		if opts.Limit > 0 && opts.Limit < mq.Limit {
			mq.Limit = opts.Limit
		}
		// Ranges that select nothing (hi <= low) select nothing: without
		// this the query would have no ranges left and read everything.
		if len(opts.Ranges) > 0 && len(mq.Ranges) == 0 {
			q.send(proto.NoContent(q.id, q.view, "data", proto.Now()))
			return
		}
	}
	if len(mq.Ranges) == 0 {
		mq.Before = q.untilSnapshot(mq.Before)
	}
	msgs, err := q.hub.store.GetMessages(q.ctx(), q.name, q.sess.UserID(), mq)
	if err != nil {
		q.fail(err)
		return
	}
	service := q.kind == kindGroup && q.snap.topic.Owner == proto.ZeroUid
	page := make([]Frame, 0, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		if q.hub.hidden(service, m, q.sess.UserID()) {
			continue // a private note, never paged by a customer
		}
		page = append(page, Frame{Bytes: q.hub.encode(dataMsg(m, q.view)), Topic: q.view, Seq: m.SeqID})
	}
	// One batch, so the connection's writer takes the page whole: one
	// system call, and on a protobuf connection one compressed frame,
	// rather than whatever pieces it found queued each time it woke.
	sendAll(q.sess, page)
	sent := len(page)
	if sent == 0 {
		q.send(proto.NoContent(q.id, q.view, "data", proto.Now()))
		return
	}
	q.send(proto.CtrlParams(q.id, q.view, proto.CodeDelivered, "delivered",
		map[string]any{"what": "data", "count": sent}, proto.Now()))
}

// untilSnapshot bounds a page (before, exclusive; 0 for none) at the last
// message stored when the query was taken. The session is attached, so
// every message stored after that reaches it live; without the bound a read
// that ran late (it waits its turn among the reads) would send those
// messages a second time, and a client that does not deduplicate by seq
// would show them twice.
func (q *querier) untilSnapshot(before int) int {
	last := q.snap.topic.SeqID + 1
	if before <= 0 || before > last {
		return last
	}
	return before
}

// del sends the deletion log the caller can see, or ctrl 204.
func (q *querier) del(opts *proto.MsgGetOpts) {
	if !q.snap.attached {
		q.send(proto.Forbidden(q.id, q.view, proto.Now()))
		return
	}
	since, limit := 0, q.hub.limits.MaxResults
	if opts != nil {
		since = opts.SinceID
		if opts.Limit > 0 {
			limit = opts.Limit
		}
	}
	ranges, delID, err := q.hub.store.DeletionLog(q.ctx(), q.name, q.sess.UserID(), since, limit)
	if err != nil {
		q.fail(err)
		return
	}
	if delID == 0 {
		q.send(proto.NoContent(q.id, q.view, "del", proto.Now()))
		return
	}
	q.meta(&proto.MsgServerMeta{Del: &proto.MsgDelValues{DelID: delID, DelSeq: fromRanges(ranges)}})
}

// dataMsg is the {data} form of a stored message as viewer sees it.
func dataMsg(m *store.Message, view string) *proto.ServerMsg {
	d := &proto.MsgServerData{Topic: view, From: m.From.UserID(), Timestamp: proto.TimeOf(m.CreatedAt),
		SeqID: m.SeqID, Head: m.Head, Content: m.Content, DeletedAt: proto.TimePtr(m.DeletedAt)}
	return &proto.ServerMsg{Data: d}
}

// maxRanges bounds the ranges of one get data or del msg. Each becomes a
// term of one SQL statement, and SQLite refuses an expression more than
// 1,000 deep: a longer list was a store error (500) on every request.
// Clients ask for a few ranges (the holes they see); more is 400.
const maxRanges = 128

// toRanges converts wire ranges (hi exclusive, zero for a single id) to
// store ranges, dropping invalid ones.
func toRanges(in []proto.MsgDelRange) []store.Range {
	var out []store.Range
	for _, r := range in {
		hi := r.Hi
		if hi == 0 {
			hi = r.Low + 1
		}
		if r.Low > 0 && hi > r.Low {
			out = append(out, store.Range{Low: r.Low, Hi: hi})
		}
	}
	return out
}

func fromRanges(in []store.Range) []proto.MsgDelRange {
	out := make([]proto.MsgDelRange, 0, len(in))
	for _, r := range in {
		w := proto.MsgDelRange{Low: r.Low}
		if r.Hi != r.Low+1 {
			w.Hi = r.Hi
		}
		out = append(out, w)
	}
	return out
}
