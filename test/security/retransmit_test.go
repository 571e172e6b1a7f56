package security

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// retransmitLimit is the limit the retransmission attack runs with: small,
// so that the whole life of a frame fits in the test.
const retransmitLimit = 3

// A client that acknowledges quickly once, which brings its session's
// retransmission timeout down to the floor, and then never acknowledges
// again, gets each frame at most 1 + retransmit_limit times, fast resends
// included; after that its session gives up and new messages come alone.
// The copies come after the measured timeout (a few tens of milliseconds),
// not after retransmit_after: with the fixed 5 s of before, this test would
// wait 5 + 10 + 20 s for the last copy.
func TestRetransmissionsBoundedAfterFastAcks(t *testing.T) {
	p := startServer(t, "PARLEY_RETRANSMIT_MIN=20ms", "PARLEY_RETRANSMIT_AFTER=5s",
		"PARLEY_RETRANSMIT_LIMIT=3", "PARLEY_RATE_PER_SECOND=10000", "PARLEY_RATE_BURST=10000")
	anon := func() *servertest.Client {
		c := dial(t, p)
		c.Hi()
		id := c.ID()
		ctrl := c.Request(id, servertest.Msg{"acc": servertest.Msg{"id": id, "user": "new", "scheme": "anonymous", "login": true,
			// Anonymous accounts reach each other only if they say so.
			"desc": servertest.Msg{"defacs": servertest.Msg{"anon": "JRWPA"}}}})
		if ctrl.Code() != 200 {
			t.Fatalf("anonymous signup: %v", ctrl)
		}
		c.User, _ = ctrl.Get("params.user").(string)
		return c
	}
	a, b := anon(), anon()
	for _, sub := range []servertest.Msg{a.Sub(b.User), b.Sub(a.User)} {
		if sub.Code() != 200 {
			t.Fatalf("sub: %v", sub)
		}
	}
	isData := func(m servertest.Msg) bool { return m["data"] != nil }
	// b speaks datares (an empty one, as a Parley client may send up front),
	// so it is retransmitted to on a live connection.
	if id := b.ID(); b.Request(id, servertest.Msg{"datares": servertest.Msg{"id": id}}).Code() != 200 {
		t.Fatal("datares not answered 200")
	}

	// One prompt ack: the session's timeout is now the 20 ms floor.
	if ctrl := a.Pub(b.User, "first", "m-1"); ctrl.Code() != 202 {
		t.Fatalf("pub: %v", ctrl)
	}
	b.Until("seq 1", isData)
	b.Send(servertest.Msg{"note": servertest.Msg{"topic": a.User, "what": "recv", "seq": 1}})
	id := b.ID()
	b.Send(servertest.Msg{"get": servertest.Msg{"id": id, "topic": a.User, "what": "desc"}})
	b.Until("desc after the ack", func(m servertest.Msg) bool { return m.Get("meta.id") == id })

	const n = 10 // seqs 2..11, never acknowledged
	for i := 0; i < n; i++ {
		a.Send(servertest.Msg{"pub": servertest.Msg{"id": a.ID(), "topic": b.User, "noecho": true, "content": i}})
	}
	copies := map[int]int{}
	for done := 0; done < n; {
		seq := b.Until("a copy", isData).Int("data.seq")
		if seq < 2 || seq > n+1 {
			t.Fatalf("got seq %d", seq)
		}
		if copies[seq]++; copies[seq] == 1+retransmitLimit {
			done++
		}
		if copies[seq] > 1+retransmitLimit {
			t.Fatalf("seq %d sent %d times, limit %d retransmissions", seq, copies[seq], retransmitLimit)
		}
	}
	// Every copy is out; a new message must not bring more of them.
	if ctrl := a.Pub(b.User, "marker", "m-marker"); ctrl.Code() != 202 {
		t.Fatalf("pub: %v", ctrl)
	}
	for {
		m := b.Until("the marker", isData)
		if m.Int("data.seq") == n+2 {
			break
		}
		t.Fatalf("seq %d sent again after %d copies", m.Int("data.seq"), 1+retransmitLimit)
	}
}
