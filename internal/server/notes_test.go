package server_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// pubHead publishes content with head and returns the ctrl.

// notesData asks for data with opts and returns every {data} seq and content
// until the ctrl, and the ctrl.
func notesData(c *servertest.Client, topic string, opts msgT) (map[int]any, msgT) {
	id := c.ID()
	get := msgT{"id": id, "topic": topic, "what": "data"}
	if opts != nil {
		get["data"] = opts
	}
	c.Send(msgT{"get": get})
	got := map[int]any{}
	for {
		m := c.Read()
		if m.Get("ctrl.id") == id {
			return got, m.Obj("ctrl")
		}
		if m.Get("data.topic") == topic {
			got[m.Int("data.seq")] = m.Get("data.content")
		}
	}
}

// TestPrivateNotes: staff see a note; the customer is never pushed one,
// not live, not on resume, not in {pres msg}, and cannot page it by any
// range.
func TestPrivateNotes(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	cust := s.Connect(t, "cust")
	cust.Sub("me")
	topic := act(cust, "", "service.open", nil).Get("params.topic").(string)
	cust.Sub(topic)
	assignedSeq := event(cust, topic, "assigned").Int("data.seq")
	ann.Sub(topic)
	sue := staffLogin(t, s, "sue")
	act(sue, topic, "conv.join", nil)
	sue.Sub(topic)

	// Who may write a note.
	if ctrl := pubHead(cust, topic, msgT{"private": true}, "sneaky"); ctrl.Code() != 403 {
		t.Errorf("a customer's private pub: %v, want 403", ctrl)
	}
	if ctrl := pubHead(ann, topic, msgT{"private": "yes"}, "x"); ctrl.Code() != 403 {
		t.Errorf("private not true: %v, want 403", ctrl)
	}
	note := pubHead(ann, topic, msgT{"private": true}, "customer sounds angry")
	if note.Code() != 202 {
		t.Fatalf("agent's note: %v", note)
	}
	noteSeq := note.Int("params.seq")
	sue.Until("the note, for the supervisor", func(m msgT) bool { return m.Int("data.seq") == noteSeq })
	// Live: the customer's next frame of the topic is the reply after it.
	reply := ann.Pub(topic, "How can I help?", "")
	next := cust.Until("a frame after the note", func(m msgT) bool {
		return m.Get("data.topic") == topic || (m.Get("pres.what") == "msg" && m.Get("pres.src") == topic)
	})
	if next.Int("data.seq") != reply.Int("params.seq") {
		t.Fatalf("the customer's next frame after the note: %v (note at seq %d)", next, noteSeq)
	}

	// Paging: every query shape leaves the note out.
	for name, opts := range map[string]msgT{
		"everything": nil,
		"since":      {"since": noteSeq},
		"before":     {"before": noteSeq + 1},
		"range":      {"ranges": []msgT{{"low": noteSeq}}},
		"ranges":     {"ranges": []msgT{{"low": assignedSeq, "hi": noteSeq + 2}}},
	} {
		got, ctrl := notesData(cust, topic, opts)
		if _, leaked := got[noteSeq]; leaked {
			t.Errorf("get data %s: the customer paged the note: %v", name, got)
		}
		if name == "range" && ctrl.Code() != 204 {
			t.Errorf("get data of the note's seq alone: %v, want 204", ctrl)
		}
		if c, ok := ctrl.Get("params.count").(float64); ok && int(c) != len(got) {
			t.Errorf("get data %s: count %v, %d sent", name, c, len(got))
		}
	}
	if got, _ := notesData(ann, topic, msgT{"ranges": []msgT{{"low": noteSeq}}}); got[noteSeq] != "customer sounds angry" {
		t.Errorf("the agent pages the note: %v", got)
	}

	// Resume: the customer goes away, a note and a message follow; coming
	// back, they are pushed the message and not the note.
	cust.Close()
	note2 := pubHead(ann, topic, msgT{"private": true}, "second note").Int("params.seq")
	after := ann.Pub(topic, "Are you still there?", "").Int("params.seq")
	back := s.Dial(t)
	back.Hi()
	back.Login("cust", "pass123")
	back.Sub(topic)
	m := back.Until("the message after the second note", func(m msgT) bool {
		return m.Get("data.topic") == topic && m.Int("data.seq") >= note2
	})
	if m.Int("data.seq") != after {
		t.Errorf("on resume the customer got %v first, want seq %d (note at %d)", m, after, note2)
	}
	// The notes did not count as the agent's first response.
}
