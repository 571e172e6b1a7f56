package chaos

import (
	"fmt"
	"strconv"
	"time"
)

// readHistory reads a topic's whole history straight from the gateway at
// addr (not through the relay: the referee must not be fooled by the chaos)
// and returns it in seq order. It asks for the topic's last seq, then for
// every window [since, since+100) up to it, so a seq missing in the middle
// cannot end the reading early; frames outside the window asked for (pushed
// ones) are left out.
func readHistory(addr, token, view string) ([]Entry, error) {
	c, err := dial(addr, false) // the referee reads JSON, whatever the clients speak
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := c.hello(token); err != nil {
		return nil, err
	}
	if err := c.subscribe(view, nil); err != nil {
		return nil, err
	}
	if err := c.send(obj{"get": obj{"id": "desc", "topic": view, "what": "desc"}}); err != nil {
		return nil, err
	}
	top := -1
	err = c.until(readTimeout, func(m *serverMsg) bool {
		if m.Meta != nil && m.Meta.ID == "desc" && m.Meta.Desc != nil {
			top = m.Meta.Desc.Seq
		}
		return top >= 0
	})
	if err != nil {
		return nil, fmt.Errorf("desc of %s: %w", view, err)
	}
	var out []Entry
	for since := 1; since <= top; since += pageLimit {
		page, err := readWindow(c, view, since, since+pageLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
	}
	return out, nil
}

// readTimeout bounds the wait for a part of the history.
const readTimeout = 10 * time.Second

// readWindow reads the messages with since ≤ seq < before, in seq order.
func readWindow(c *wsConn, view string, since, before int) ([]Entry, error) {
	got := map[int][]string{}
	ctrl, err := c.request("w"+strconv.Itoa(since)+"-", func(id string) any {
		return obj{"get": obj{"id": id, "topic": view, "what": "data",
			"data": obj{"since": since, "before": before, "limit": pageLimit}}}
	}, func(m *serverMsg) {
		if d := m.Data; d != nil && d.Topic == view && d.Seq >= since && d.Seq < before {
			got[d.Seq] = append(got[d.Seq], d.Head.MsgID)
		}
	})
	if err != nil {
		return nil, err
	}
	if ctrl.Code == 204 {
		return nil, nil
	}
	if ctrl.Code != 208 || ctrl.Params.Count != len(got) {
		return nil, fmt.Errorf("%s [%d, %d): ctrl %d, count %d, %d seqs", view, since, before,
			ctrl.Code, ctrl.Params.Count, len(got))
	}
	var out []Entry
	for seq := since; seq < before; seq++ {
		for i, msgid := range got[seq] {
			// The same seq twice with the same msgid is a repeated
			// frame; with another msgid it is kept, and the checker
			// sees it.
			if i == 0 || msgid != got[seq][0] {
				out = append(out, Entry{Seq: seq, MsgID: msgid})
			}
		}
	}
	return out, nil
}
