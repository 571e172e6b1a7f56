// Package crash tests that Parley keeps its promise across crashes: every
// message acknowledged before a SIGKILL is stored after the restart, with the
// seq it was acknowledged with, and a client that resends unacknowledged
// messages with the same msgid never creates a duplicate.
package crash

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// window is how many pubs a sender keeps in flight.
const window = 32

// sender publishes numbered messages to one topic and keeps what a careful
// client keeps: which msgids were acknowledged with which seq, and which
// are still waiting and must be resent after a reconnect.
type sender struct {
	name  string
	token string
	topic string

	mu      sync.Mutex
	next    int            // number of the next new message
	acked   map[string]int // msgid → seq
	pending []string       // sent or to send, not acknowledged, in order
}

func newSender(name, token, topic string) *sender {
	return &sender{name: name, token: token, topic: topic, acked: map[string]int{}}
}

func (s *sender) ackedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked)
}

// outstanding returns the msgids waiting for an ack, then, unless draining,
// a fresh one.
func (s *sender) take(draining bool, inflight map[string]bool) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.pending {
		if !inflight[id] {
			return id, true
		}
	}
	if draining {
		return "", false
	}
	s.next++
	id := s.name + "-" + strconv.Itoa(s.next)
	s.pending = append(s.pending, id)
	return id, true
}

func (s *sender) ack(msgid string, seq int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.acked[msgid]; ok && prev != seq {
		return fmt.Errorf("%s acknowledged with seq %d, earlier with %d", msgid, seq, prev)
	}
	s.acked[msgid] = seq
	for i, id := range s.pending {
		if id == msgid {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			break
		}
	}
	return nil
}

func (s *sender) drained() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) == 0
}

// run connects and publishes until the connection breaks or, once drain is
// closed, until nothing is pending. Protocol violations are returned as
// errors; a broken connection is not one.
func (s *sender) run(addr string, drain <-chan struct{}) error {
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/v0/channels", nil)
	if err != nil {
		return nil
	}
	defer conn.Close()
	if err := s.attach(conn); err != nil {
		return nil
	}
	acks := make(chan ackOrErr, window)
	go readAcks(conn, acks)
	inflight := map[string]bool{}
	for {
		draining := isClosed(drain)
		if draining && s.drained() {
			return nil
		}
		if len(inflight) < window {
			if id, ok := s.take(draining, inflight); ok {
				if send(conn, pubFrame(id, s.topic)) != nil {
					return nil
				}
				inflight[id] = true
				continue
			}
		}
		select {
		case a := <-acks:
			if a.err != nil {
				return nil
			}
			delete(inflight, a.id)
			if a.code == 202 {
				if err := s.ack(a.id, a.seq); err != nil {
					return err
				}
			}
		case <-time.After(10 * time.Second):
			return fmt.Errorf("%s: no ack for 10s", s.name)
		}
	}
}

func (s *sender) attach(conn *websocket.Conn) error {
	for i, frame := range []any{
		map[string]any{"hi": map[string]any{"id": "h", "ver": "0.25"}},
		map[string]any{"login": map[string]any{"id": "l", "scheme": "token", "secret": s.token}},
		map[string]any{"sub": map[string]any{"id": "s", "topic": s.topic}},
	} {
		if err := send(conn, frame); err != nil {
			return err
		}
		id := []string{"h", "l", "s"}[i]
		for {
			m, err := read(conn)
			if err != nil {
				return err
			}
			if ctrl, ok := m["ctrl"].(map[string]any); ok && ctrl["id"] == id {
				if code := int(ctrl["code"].(float64)); code >= 400 {
					return fmt.Errorf("%s: %s failed: %v", s.name, id, ctrl)
				}
				break
			}
		}
	}
	return nil
}

func pubFrame(msgid, topic string) any {
	return map[string]any{"pub": map[string]any{"id": msgid, "topic": topic, "content": msgid,
		"head": map[string]any{"msgid": msgid}}}
}

type ackOrErr struct {
	id   string
	code int
	seq  int
	err  error
}

// readAcks forwards the ctrl replies to pubs; the data echoes are ignored.
func readAcks(conn *websocket.Conn, out chan<- ackOrErr) {
	for {
		m, err := read(conn)
		if err != nil {
			out <- ackOrErr{err: err}
			return
		}
		ctrl, ok := m["ctrl"].(map[string]any)
		if !ok {
			continue
		}
		id, _ := ctrl["id"].(string)
		a := ackOrErr{id: id, code: int(ctrl["code"].(float64))}
		if p, ok := ctrl["params"].(map[string]any); ok {
			if seq, ok := p["seq"].(float64); ok {
				a.seq = int(seq)
			}
		}
		out <- a
	}
}

func send(conn *websocket.Conn, v any) error {
	b, _ := json.Marshal(v)
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return conn.WriteMessage(websocket.TextMessage, b)
}

func read(conn *websocket.Conn) (map[string]any, error) {
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, b, err := conn.ReadMessage()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
