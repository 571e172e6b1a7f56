package hub

import (
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// BatchSender is a Subscriber that can queue several frames at once. A group
// commit makes a batch of messages durable together; handing each session
// everything the batch produced for it in one call lets its writer send it in
// one system call and wakes that writer once, where a call per frame usually
// woke a writer, and made a write, per frame (with 1,000 receivers one writev
// per frame was a third of the server's CPU).
type BatchSender interface {
	// SendBatch queues frames in order, as Send would one at a time.
	SendBatch(fs []Frame) bool
}

// fanOut collects what the topic sends while it handles one committed batch,
// per session and in order, and hands each session its frames at the end.
// Every session sees exactly the frames, in exactly the order, it would have
// been sent one at a time (the sender's ctrl 202 before its echo, catch-up
// before new data); only the moment they are queued moves, by at most one
// batch. Owned by the topic's run.
type fanOut struct {
	active bool
	bySess map[Subscriber]int // index into queues
	queues []sessionQueue
	pres   []*store.Message // messages announced on members' "me" at the end
	stored time.Time        // when the batch being fanned out was handled
}

type sessionQueue struct {
	s      Subscriber
	frames []Frame
}

// begin starts collecting.
func (f *fanOut) begin() {
	f.active = true
	f.bySess = map[Subscriber]int{}
	f.stored = time.Now() // once per committed batch: the deliveries' start
}

// add queues fr for s. It reports false when not collecting: the caller
// sends at once.
func (f *fanOut) add(s Subscriber, fr Frame) bool {
	if !f.active {
		return false
	}
	i, ok := f.bySess[s]
	if !ok {
		i = len(f.queues)
		f.bySess[s] = i
		f.queues = append(f.queues, sessionQueue{s: s})
	}
	f.queues[i].frames = append(f.queues[i].frames, fr)
	return true
}

// end stops collecting, sends each session its frames and announces the
// batch's messages to members' "me". Nothing collected is kept, so an idle
// topic holds no frames.
func (f *fanOut) end(t *topic) {
	queues, pres := f.queues, f.pres
	*f = fanOut{}
	for _, q := range queues {
		sendAll(q.s, q.frames)
	}
	t.presMsgs(pres)
}

// sendAll queues frames for s, in one call when s can take a batch.
func sendAll(s Subscriber, frames []Frame) {
	if bs, ok := s.(BatchSender); ok && len(frames) > 1 {
		bs.SendBatch(frames)
		return
	}
	for _, fr := range frames {
		s.Send(fr)
	}
}

// emit sends fr to s, or collects it while a batch is being fanned out.
func (t *topic) emit(s Subscriber, fr Frame) {
	if !t.fan.add(s, fr) {
		s.Send(fr)
	}
}

// presMsgs sends {pres what=msg} on "me" for each of msgs to every member
// who may read, skipping their sessions attached here (they got the data).
// Each member's "me" is looked up once for all of msgs, and the events are
// made only for a "me" that is running.
func (t *topic) presMsgs(msgs []*store.Message) {
	if len(msgs) == 0 {
		return
	}
	// Built at the first member whose "me" runs: in a conversation whose
	// members have no "me" running, a batch costs no more than a look-up
	// per member.
	var attachedBy map[proto.Uid]map[string]bool
	var actors []string
	for uid, sub := range t.subs {
		if !sub.Mode().IsSet(proto.ModeRead) {
			continue
		}
		me := proto.MeName(uid)
		if !t.hub.reachable(me) {
			continue
		}
		if attachedBy == nil {
			attachedBy = t.sessionsByUser()
			actors = make([]string, len(msgs))
			for i, m := range msgs {
				actors[i] = m.From.UserID()
			}
		}
		src, skip := t.viewFor(uid), attachedBy[uid]
		vis, acts := msgs, actors
		if v := t.visibleTo(msgs, uid); len(v) != len(msgs) {
			vis, acts = v, make([]string, len(v))
			for i, m := range v {
				acts[i] = m.From.UserID()
			}
		}
		t.hub.routeLoadedAll(me, len(vis), func(i int) event {
			return &presEvent{msg: &proto.ServerMsg{Pres: &proto.MsgServerPres{Topic: proto.TopicMe, Src: src,
				What: "msg", SeqID: vis[i].SeqID, AcsActor: acts[i]}}, skip: skip}
		})
	}
}

// sessionsByUser returns, per user, the ids of their sessions attached here,
// so {pres what=msg} skips sessions that get the {data} itself.
func (t *topic) sessionsByUser() map[proto.Uid]map[string]bool {
	by := map[proto.Uid]map[string]bool{}
	for s := range t.attached {
		uid := s.UserID()
		if by[uid] == nil {
			by[uid] = map[string]bool{}
		}
		by[uid][s.SessionID()] = true
	}
	return by
}
