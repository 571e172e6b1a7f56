package chaos

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// receiver reads one or more topics as an application would: each topic's
// stream hands its application every message once, in seq order, whatever
// the gateway or the relay did to the frames. It acknowledges what it has
// with note recv, or, if useDataRes, with one datares for all topics.
type receiver struct {
	clientRun
	token      string
	useDataRes bool
	streams    []*stream // owned by the receiver's goroutine until done closes

	nextID atomic.Int64
	// catchUp asks for the final catch-up: once nothing is missing, each
	// topic is asked for anything after its last seq until the answer is
	// "nothing". caughtUp is set when every topic got that answer.
	catchUp, caughtUp atomic.Bool
	given, fetches    atomic.Int64 // messages given to the application; gets sent
	gapFetches        atomic.Int64 // of which for a gap (a seq jump)
	done              chan struct{}
}

func newReceiver(cfg clientCfg, token string, useDataRes bool, streams []*stream) *receiver {
	return &receiver{clientRun: clientRun{clientCfg: cfg}, token: token, useDataRes: useDataRes, streams: streams,
		done: make(chan struct{})}
}

func (r *receiver) run() {
	defer close(r.done)
	r.loop(r.session)
}

func (r *receiver) id(prefix string) string {
	return prefix + strconv.FormatInt(r.nextID.Add(1), 10)
}

// attachment is the state of one stream on one connection.
type attachment struct {
	subIDs   map[string]bool // every try's id: a late answer is as good
	sent     time.Time       // of the last try
	tries    int
	attached bool
}

// session attaches to every topic, asking for what came after the last seq
// it has, then receives until the connection fails or stop closes.
func (r *receiver) session(c *wsConn) (done, healthy bool, err error) {
	if err := c.hello(r.token); err != nil {
		return false, false, err
	}
	byView := map[string]*stream{}
	att := map[*stream]*attachment{}
	for _, s := range r.streams {
		byView[s.view] = s
		att[s] = &attachment{subIDs: map[string]bool{}}
		if err := r.subscribe(c, s, att[s]); err != nil {
			return false, false, err
		}
	}
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				return false, r.attachedAll(att), c.err
			}
			if err := r.handle(m, byView, att); err != nil {
				return false, r.attachedAll(att), err
			}
		case now := <-tick.C:
			for s, a := range att {
				if !a.attached && now.Sub(a.sent) > requestTimeout {
					if a.tries == requestTries {
						return false, false, fmt.Errorf("sub %s: no answer to %d tries", s.view, a.tries)
					}
					if err := r.subscribe(c, s, a); err != nil {
						return false, false, err
					}
				}
				s.expire(now)
			}
		case <-r.stop:
			return true, true, nil
		}
		if err := r.ask(c, att); err != nil {
			return false, true, err
		}
		if len(c.in) == 0 {
			if err := r.ack(c); err != nil {
				return false, true, err
			}
		}
	}
}

// subscribe sends a sub for s asking for the messages after its last seq.
// The get rides on the sub, so its answer carries the sub's id too; if an
// earlier try went through, this one is answered 304 without data, and the
// fetch is asked for again when it expires.
func (r *receiver) subscribe(c *wsConn, s *stream, a *attachment) error {
	id := r.id("sub")
	a.subIDs[id], a.sent = true, time.Now()
	a.tries++
	s.fetch = &fetch{id: id, low: s.last + 1, sent: a.sent, final: r.catchUp.Load()}
	r.fetches.Add(1)
	return c.send(obj{"sub": obj{"id": id, "topic": s.view,
		"get": obj{"what": "data", "data": obj{"since": s.last + 1}}}})
}

func (r *receiver) attachedAll(att map[*stream]*attachment) bool {
	for _, a := range att {
		if !a.attached {
			return false
		}
	}
	return true
}

// handle takes one server frame.
func (r *receiver) handle(m *serverMsg, byView map[string]*stream, att map[*stream]*attachment) error {
	switch {
	case m.Data != nil:
		s := byView[m.Data.Topic]
		if s == nil {
			return nil
		}
		before := len(s.app)
		s.data(m.Data.Seq, m.Data.Head.MsgID)
		r.given.Add(int64(len(s.app) - before))
	case m.Ctrl != nil:
		for _, s := range r.streams {
			a := att[s]
			ctrl := m.Ctrl
			if a.subIDs[ctrl.ID] {
				switch ctrl.Code {
				case 200, 304, 208, 204: // a 208 or 204 answers the sub's get: the sub went through
					a.attached = true
				default:
					return fmt.Errorf("sub %s answered %d %s", s.view, ctrl.Code, ctrl.Text)
				}
			}
			if s.fetch == nil || ctrl.ID != s.fetch.id || ctrl.Code == 200 || ctrl.Code == 304 {
				continue
			}
			switch ctrl.Code {
			case 208, 204:
				before := len(s.app)
				s.fetched(ctrl.Code, ctrl.Params.Count)
				r.given.Add(int64(len(s.app) - before))
			case 409:
				return fmt.Errorf("get on %s answered 409", s.view)
			default: // 429, 500, 503: ask again on the next round
				s.fetch = nil
			}
		}
	}
	return nil
}

// ask sends a get data for each attached topic with a gap and no get in
// flight, and in the final catch-up an open-ended one for each topic with
// nothing missing that has not yet been told "nothing after".
func (r *receiver) ask(c *wsConn, att map[*stream]*attachment) error {
	catchUp := r.catchUp.Load()
	tails := 0
	for _, s := range r.streams {
		if s.tail {
			tails++
		}
		if !att[s].attached || s.fetch != nil {
			continue
		}
		data := obj{}
		if low, hi, ok := s.gap(); ok {
			data["since"], data["before"] = low, hi
			s.fetch = &fetch{low: low, hi: hi}
			r.gapFetches.Add(1)
		} else if catchUp && !s.tail && len(s.buf) == 0 {
			data["since"] = s.last + 1
			s.fetch = &fetch{low: s.last + 1, final: true}
		} else {
			continue
		}
		s.fetch.id, s.fetch.sent = r.id("get"), time.Now()
		r.fetches.Add(1)
		if err := c.send(obj{"get": obj{"id": s.fetch.id, "topic": s.view, "what": "data", "data": data}}); err != nil {
			return err
		}
	}
	if catchUp && tails == len(r.streams) {
		r.caughtUp.Store(true)
	}
	return nil
}

// ack acknowledges every topic whose settled seq moved, or which received
// something again (the gateway may not have heard the last ack).
func (r *receiver) ack(c *wsConn) error {
	var acks []obj
	for _, s := range r.streams {
		if !s.ackDirty || s.last == 0 {
			continue
		}
		s.ackDirty = false
		if !r.useDataRes {
			if err := c.send(obj{"note": obj{"topic": s.view, "what": "recv", "seq": s.last}}); err != nil {
				return err
			}
			continue
		}
		acks = append(acks, obj{"topic": s.view, "seq": s.last})
	}
	if len(acks) > 0 {
		return c.send(obj{"datares": obj{"acks": acks}})
	}
	return nil
}
