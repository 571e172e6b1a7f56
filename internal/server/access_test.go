package server_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// getData asks for messages with opts and returns the seqs that came
// before the closing ctrl, and that ctrl's code.
func getData(t *testing.T, c *servertest.Client, topic string, opts Msg) ([]int, int) {
	t.Helper()
	id := c.ID()
	c.Send(Msg{"get": Msg{"id": id, "topic": topic, "what": "data", "data": opts}})
	var seqs []int
	for {
		m := c.Read()
		if m["data"] != nil {
			seqs = append(seqs, m.Int("data.seq"))
			continue
		}
		if m.Get("ctrl.id") == id {
			return seqs, m.Obj("ctrl").Code()
		}
	}
}

// A range whose hi is not above its low selects nothing (hi is exclusive;
// only an absent hi means "just low"). Such ranges used to be dropped,
// leaving a query without ranges that returned the whole history.
func TestGetDataEmptyRanges(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	owner := anon(t, srv)
	name := group(t, owner)
	for seq := 1; seq <= 3; seq++ {
		mustCode(t, "pub", owner.Pub(name, "m", ""), 202)
		owner.Until("data", isData(seq))
	}
	for _, tc := range []struct {
		ranges []Msg
		want   []int
	}{
		{[]Msg{{"low": 2, "hi": 2}}, nil},
		{[]Msg{{"low": 9, "hi": 9}}, nil},
		{[]Msg{{"low": 3, "hi": 1}}, nil},
		{[]Msg{{"low": 2}}, []int{2}},
		{[]Msg{{"low": 2, "hi": 2}, {"low": 1, "hi": 2}}, []int{1}},
	} {
		seqs, code := getData(t, owner, name, Msg{"ranges": tc.ranges})
		wantCode := 208
		if tc.want == nil {
			wantCode = 204
		}
		if code != wantCode || len(seqs) != len(tc.want) || (len(seqs) > 0 && seqs[0] != tc.want[0]) {
			t.Errorf("ranges %v: got seqs %v and code %d, want %v and %d", tc.ranges, seqs, code, tc.want, wantCode)
		}
	}
}
