package server_test

import (
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// One {datares} naming a topic many times reaches the topic once, with its
// highest seq: the peer gets one {info}, not one per entry.
func TestDataResOneInfoPerTopic(t *testing.T) {
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	const n = 50
	for i := 1; i <= n; i++ {
		mustCode(t, "pub", a.Pub(b.User, fmt.Sprint(i), ""), 202)
	}
	acks := make([]Msg, 0, 4*n)
	for range 4 {
		for seq := 1; seq <= n; seq++ {
			acks = append(acks, Msg{"topic": a.User, "seq": seq})
		}
	}
	id := b.ID()
	mustCode(t, "datares", b.Request(id, Msg{"datares": Msg{"id": id, "acks": acks}}), 200)
	// The typing note goes through the same topic after the acks: every
	// {info} the acks caused reaches a before it.
	b.Send(Msg{"note": Msg{"topic": a.User, "what": "kp"}})
	var recv []int
	a.Until("info kp", func(m Msg) bool {
		if m.Get("info.what") == "recv" {
			recv = append(recv, m.Int("info.seq"))
		}
		return m.Get("info.what") == "kp"
	})
	if len(recv) != 1 || recv[0] != n {
		t.Fatalf("a got recv infos %v for one datares, want one for seq %d", recv, n)
	}
}

// A {datares} over the entry limit is refused whole with 400.
func TestDataResTooManyAcks(t *testing.T) {
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "pub", a.Pub(b.User, "x", ""), 202)
	acks := make([]Msg, 1500)
	for i := range acks {
		acks[i] = Msg{"topic": a.User, "seq": 1}
	}
	id := b.ID()
	ctrl := b.Request(id, Msg{"datares": Msg{"id": id, "acks": acks}})
	if ctrl.Code() != 400 || ctrl["text"] != "too many acknowledgements" {
		t.Fatalf("datares of 1500 acks: %v, want 400 too many acknowledgements", ctrl)
	}
	ranges := make([]Msg, 300)
	for i := range ranges {
		ranges[i] = Msg{"low": i + 1}
	}
	id = b.ID()
	ctrl = b.Request(id, Msg{"datares": Msg{"id": id, "acks": []Msg{{"topic": a.User, "ranges": ranges}}}})
	mustCode(t, "datares of 300 ranges", ctrl, 400)
}

// Each topic a {datares} touches costs a rate-limit token.
func TestDataResChargedPerTopic(t *testing.T) {
	srv := servertest.Start(t, func(c *server.Config) { c.RateBurst, c.RatePerSecond = 20, 0.01 })
	b := anon(t, srv) // hi and signup took two tokens
	acks := make([]Msg, 30)
	for i := range acks {
		acks[i] = Msg{"topic": fmt.Sprintf("grpTopic%03d", i), "seq": 1}
	}
	id := b.ID()
	mustCode(t, "datares of 30 topics with 18 tokens left", b.Request(id, Msg{"datares": Msg{"id": id, "acks": acks}}), 429)
	id = b.ID()
	mustCode(t, "datares of 10 topics", b.Request(id, Msg{"datares": Msg{"id": id, "acks": acks[:10]}}), 200)
}
