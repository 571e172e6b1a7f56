package chaos

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// window is how many pubs a sender keeps unacknowledged on one connection.
const window = 32

// Ack is one ctrl 202 a sender received: the msgid was stored at Seq.
type Ack struct {
	Topic string // the harness's label of the topic
	MsgID string
	Seq   int
}

// sender publishes quota numbered messages to one topic, and keeps what a
// careful client keeps: the msgids not yet acknowledged, which it sends
// again — with the same msgid — on every new connection and whenever an
// answer is overdue, until each one is acknowledged.
type sender struct {
	clientRun
	label, token, view string
	quota              int

	// Owned by the sender's goroutine; read by the test once it is done.
	next     int
	pending  []string // msgids not acknowledged, oldest first
	acked    map[string]int
	acks     []Ack
	problems []string // answers a correct gateway never gives

	ackedN, pubs, resent, dupAcks atomic.Int64
	done                          chan struct{}
	mu                            sync.Mutex // guards problems for reading during a run
}

func newSender(cfg clientCfg, label, token, view string, quota int) *sender {
	return &sender{clientRun: clientRun{clientCfg: cfg}, label: label, token: token, view: view, quota: quota,
		acked: map[string]int{}, done: make(chan struct{})}
}

func (s *sender) run() {
	defer close(s.done)
	s.loop(s.session)
}

func (s *sender) finished() bool { return s.next == s.quota && len(s.pending) == 0 }

func (s *sender) problem(format string, args ...any) {
	s.mu.Lock()
	s.problems = append(s.problems, fmt.Sprintf(s.name+": "+format, args...))
	s.mu.Unlock()
}

// session attaches to the topic and publishes until the quota is
// acknowledged or the connection fails.
func (s *sender) session(c *wsConn) (done, healthy bool, err error) {
	if err := c.hello(s.token); err != nil {
		return false, false, err
	}
	acks := &ackCoalescer{}
	if err := c.subscribe(s.view, acks.see); err != nil {
		return false, false, err
	}
	inflight := map[string]time.Time{} // msgid → sent on this connection
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	for {
		if s.finished() {
			return true, true, nil
		}
		if err := s.fill(c, inflight); err != nil {
			return false, true, err
		}
		select {
		case m, ok := <-c.in:
			if !ok {
				return false, true, c.err
			}
			if m.Data != nil {
				acks.see(m)
			} else if m.Ctrl != nil {
				if err := s.answer(m.Ctrl, inflight); err != nil {
					return false, true, err
				}
			}
		case now := <-tick.C:
			for id, sent := range inflight {
				if now.Sub(sent) > resendAfter {
					delete(inflight, id) // the next fill sends it again
					s.resent.Add(1)
				}
			}
		case <-s.stop:
			return true, true, nil
		}
		// A sender in a group receives the others' messages; it
		// acknowledges them so the gateway does not keep them pending.
		if len(c.in) == 0 {
			if err := acks.flush(c); err != nil {
				return false, true, err
			}
		}
	}
}

// fill sends unacknowledged msgids not in flight, then new ones, up to the
// window.
func (s *sender) fill(c *wsConn, inflight map[string]time.Time) error {
	send := func(id string) error {
		inflight[id] = time.Now()
		s.pubs.Add(1)
		return c.send(obj{"pub": obj{"id": id, "topic": s.view, "noecho": true,
			"head": obj{"msgid": id}, "content": "chaos " + id}})
	}
	for _, id := range s.pending {
		if len(inflight) >= window {
			return nil
		}
		if _, ok := inflight[id]; !ok {
			if err := send(id); err != nil {
				return err
			}
		}
	}
	for len(inflight) < window && s.next < s.quota {
		s.next++
		id := s.name + "-" + strconv.Itoa(s.next)
		s.pending = append(s.pending, id)
		if err := send(id); err != nil {
			return err
		}
	}
	return nil
}

// answer handles the ctrl answering a pub, whose id is its msgid.
func (s *sender) answer(ctrl *ctrlMsg, inflight map[string]time.Time) error {
	id := ctrl.ID
	if !strings.HasPrefix(id, s.name+"-") {
		return nil // a late answer to a repeated hi, login or sub
	}
	switch {
	case ctrl.Code == 202:
		delete(inflight, id)
		s.ack(id, ctrl.Params.Seq, ctrl.Params.Duplicate)
	case ctrl.Code == 429 || ctrl.Code == 500 || ctrl.Code == 503:
		delete(inflight, id) // nothing was stored; send it again
	case ctrl.Code == 409:
		return fmt.Errorf("pub %s answered 409: attach again", id)
	case ctrl.Code >= 300:
		s.problem("pub %s answered %d %s", id, ctrl.Code, ctrl.Text)
		delete(inflight, id)
	}
	return nil
}

// ack records a ctrl 202. Every one is kept, not just the first: a repeated
// msgid must be answered with the seq it was first stored at.
func (s *sender) ack(id string, seq int, dup bool) {
	if dup {
		s.dupAcks.Add(1)
	}
	if seq <= 0 {
		s.problem("pub %s acknowledged without a seq", id)
		return
	}
	s.acks = append(s.acks, Ack{Topic: s.label, MsgID: id, Seq: seq})
	if prev, ok := s.acked[id]; ok {
		if prev != seq {
			s.problem("%s acknowledged at seq %d, earlier at %d", id, seq, prev)
		}
		return
	}
	for i, p := range s.pending {
		if p == id {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			s.acked[id] = seq
			s.ackedN.Add(1)
			return
		}
	}
	s.problem("ctrl 202 for %s, which was never sent", id)
}

// ackCoalescer acknowledges the highest seq seen per topic with one note
// recv each, instead of one note per frame.
type ackCoalescer struct{ high map[string]int }

func (a *ackCoalescer) see(m *serverMsg) {
	if m.Data == nil {
		return
	}
	if a.high == nil {
		a.high = map[string]int{}
	}
	a.high[m.Data.Topic] = max(a.high[m.Data.Topic], m.Data.Seq)
}

func (a *ackCoalescer) flush(c *wsConn) error {
	for topic, seq := range a.high {
		if err := c.send(obj{"note": obj{"topic": topic, "what": "recv", "seq": seq}}); err != nil {
			return err
		}
		delete(a.high, topic)
	}
	return nil
}
