package server_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/trace"
)

// A {data} frame the receiver does not acknowledge is sent again, byte for
// byte (same seq, same msgid), until it is acknowledged, to a WebSocket
// client that speaks {datares} (an empty one asks for it up front).
func TestUnacknowledgedDataIsRetransmitted(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.RetransmitAfter = server.Duration(50 * time.Millisecond) })
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	optInLive(t, b)
	mustCode(t, "pub", a.Pub(b.User, "hello", "m-1"), 202)

	first := b.Until("data", hasKey("data"))
	again := b.Until("a second copy", hasKey("data"))
	if again.String() != first.String() {
		t.Fatalf("retransmitted %v, first sent %v", again, first)
	}
	b.Send(Msg{"note": Msg{"topic": a.User, "what": "recv", "seq": 1}})
	// The session handles B's frames in order, and its outbox is FIFO: once
	// this answer is read, no copy of seq 1 queued before the ack is left.
	id := b.ID()
	b.Send(Msg{"get": Msg{"id": id, "topic": a.User, "what": "desc"}})
	b.Until("desc", func(m Msg) bool { return m.Get("meta.id") == id })
	mustCode(t, "pub 2", a.Pub(b.User, "next", "m-2"), 202)
	for i := 0; i < 2; i++ { // seq 2, then its own retransmission
		if m := b.Until("data", hasKey("data")); m.Int("data.seq") != 2 {
			t.Fatalf("after the ack of seq 1 got %v", m)
		}
	}
}

// A WebSocket client that acknowledges with note recv only (tinode-sdk) is
// not sent copies on a live connection, however late it acknowledges.
func TestNoteRecvOnlyClientIsNotRetransmitted(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.RetransmitAfter = server.Duration(20 * time.Millisecond) })
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "pub", a.Pub(b.User, "hello", "m-1"), 202)
	b.Until("data", isData(1))
	// Ten timeouts pass, enough for copies after 20, 40 and 80 ms.
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		id := b.ID()
		b.Send(Msg{"get": Msg{"id": id, "topic": a.User, "what": "desc"}})
		b.Until("desc", func(m Msg) bool {
			if m.Int("data.seq") == 1 {
				t.Fatalf("seq 1 sent again to a client that never sent datares")
			}
			return m.Get("meta.id") == id
		})
	}
	b.Send(Msg{"note": Msg{"topic": a.User, "what": "recv", "seq": 1}})
	mustCode(t, "pub 2", a.Pub(b.User, "next", "m-2"), 202)
	if m := b.Until("data", hasKey("data")); m.Int("data.seq") != 2 {
		t.Fatalf("after the late ack got %v, want seq 2", m)
	}
}

// optInLive sends an empty {datares}, as a Parley client may right after
// hi to be retransmitted to from its first message on.
func optInLive(t *testing.T, c *servertest.Client) {
	t.Helper()
	id := c.ID()
	mustCode(t, "datares", c.Request(id, Msg{"datares": Msg{"id": id}}), 200)
}

// A session coming back is pushed what its user has not acknowledged. When
// that reaches further back than the topic keeps in memory, it is first told
// where the gap starts, then sent the rest in order.
func TestAttachPushesMissedMessagesWithGapNotice(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	id := b.ID()
	mustCode(t, "leave", b.Request(id, Msg{"leave": Msg{"id": id, "topic": a.User}}), 200)
	const n = 300
	for i := 1; i <= n; i++ {
		a.Send(Msg{"pub": Msg{"id": "p" + strconv.Itoa(i), "topic": b.User, "noecho": true, "content": i}})
	}
	a.Until("last ack", func(m Msg) bool { return m.Get("ctrl.id") == "p"+strconv.Itoa(n) })

	mustCode(t, "resub", b.Sub(a.User), 200)
	gap := b.Read()
	if gap.Get("pres.what") != "gap" || gap.Int("pres.seq") != 1 {
		t.Fatalf("first frame after attach %v, want pres gap seq 1", gap)
	}
	first := b.Read().Int("data.seq")
	if first <= 1 || n-first+1 > 256 {
		t.Fatalf("catch-up starts at seq %d", first)
	}
	for seq := first + 1; seq <= n; seq++ {
		if m := b.Read(); m.Int("data.seq") != seq {
			t.Fatalf("got %v, want data seq %d", m, seq)
		}
	}
}

// A client that asks for the gap itself (sub with get data since) gets that
// page and no pushes on top of it.
func TestAttachWithGetDataIsNotPushed(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	id := b.ID()
	mustCode(t, "leave", b.Request(id, Msg{"leave": Msg{"id": id, "topic": a.User}}), 200)
	for i := 1; i <= 3; i++ {
		mustCode(t, "pub", a.Pub(b.User, i, ""), 202)
	}
	id = b.ID()
	b.Send(Msg{"sub": Msg{"id": id, "topic": a.User, "get": Msg{"what": "data", "data": Msg{"since": 2}}}})
	mustCode(t, "sub", b.Read().Obj("ctrl"), 200)
	for _, seq := range []int{3, 2} {
		if m := b.Read(); m.Int("data.seq") != seq {
			t.Fatalf("got %v, want the page's data seq %d", m, seq)
		}
	}
	if m := b.Read(); m.Int("ctrl.code") != 208 {
		t.Fatalf("got %v after the page, want ctrl 208", m)
	}
}

// {datares} acknowledges several topics in one frame, cumulatively or by
// range, and is answered when it has an id.
func TestDataResAcknowledges(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.RetransmitAfter = server.Duration(50 * time.Millisecond) })
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "pub", a.Pub(b.User, "one", ""), 202)
	mustCode(t, "pub", a.Pub(b.User, "two", ""), 202)
	b.Until("seq 2", isData(2))
	id := b.ID()
	ctrl := b.Request(id, Msg{"datares": Msg{"id": id, "acks": []Msg{{"topic": a.User, "seq": 1},
		{"topic": a.User, "ranges": []Msg{{"low": 2}}}}}})
	mustCode(t, "datares", ctrl, 200)
	// Both are acknowledged: the next data frame is the new message, not a
	// retransmission (copies sent before the datares may still arrive).
	mustCode(t, "pub 3", a.Pub(b.User, "three", ""), 202)
	b.Until("seq 3", isData(3))
	if m := b.Until("next data", hasKey("data")); m.Int("data.seq") != 3 {
		t.Fatalf("after acknowledging 1 and 2 got %v", m)
	}
}

// Real traffic is traced end to end: "where is message X" is one query.
func TestMessageLifeIsTraced(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "pub", a.Pub(b.User, "traced", "m-trace"), 202)
	b.Until("data", isData(1))
	b.Send(Msg{"note": Msg{"topic": a.User, "what": "recv", "seq": 1}})

	rec := srv.Server().Trace()
	want := map[trace.Stage]bool{trace.Accepted: true, trace.Stored: true, trace.Pushed: true, trace.Acked: true}
	deadline := time.Now().Add(servertest.Timeout)
	for {
		seen := map[trace.Stage]bool{}
		for _, e := range rec.ByMsgID("", "m-trace") {
			seen[e.Stage] = true
		}
		if len(seen) == len(want) && seen[trace.Acked] && seen[trace.Pushed] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("traced stages %v, want %v", seen, want)
		}
		time.Sleep(5 * time.Millisecond) // polling the recorder with a deadline
	}
}

// Receipts are not forwarded member to member in large groups (the traffic
// grows with the square of the size); typing still is.
func TestNoReceiptStormInLargeGroups(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	owner := anon(t, srv)
	members := make([]*servertest.Client, 33)
	for i := range members {
		members[i] = anon(t, srv)
	}
	name := group(t, owner, members...)
	mustCode(t, "pub", members[0].Pub(name, "hi", ""), 202)
	owner.Until("data", isData(1))
	m := members[1] // not the sender, whose marks are already at 1
	m.Until("data", isData(1))
	m.Send(Msg{"note": Msg{"topic": name, "what": "recv", "seq": 1}})
	m.Send(Msg{"note": Msg{"topic": name, "what": "kp"}})
	info := owner.Until("info", hasKey("info"))
	if info.Get("info.what") != "kp" {
		t.Fatalf("owner of a 34-member group got %v before the typing note", info)
	}
}
