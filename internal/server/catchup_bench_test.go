package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/server/servertest"
)

// catchUpMissed is how many messages the reader missed.
const catchUpMissed = 1000

// BenchmarkCatchUp1000 is a client coming back to 1,000 missed messages
// and reading them in pages of 100 (newest first, as Tinode pages), over
// JSON and over protobuf, on one server: time per catch-up and bytes read
// from the socket.
func BenchmarkCatchUp1000(b *testing.B) {
	srv := servertest.Start(b)
	alice := srv.Connect(b, "alice")
	bob := srv.Connect(b, "bob")
	if c := alice.Sub(bob.User); c.Code() != 200 {
		b.Fatalf("sub: %v", c)
	}
	if c := bob.Sub(alice.User); c.Code() != 200 {
		b.Fatalf("sub: %v", c)
	}
	for i := 1; i <= catchUpMissed; i++ {
		alice.Send(servertest.Msg{"pub": servertest.Msg{"id": fmt.Sprint("p", i), "topic": bob.User,
			"head":    servertest.Msg{"msgid": fmt.Sprint("m-", i)},
			"content": fmt.Sprintf("您好，我的订单 %d 还没有发货，可以帮我查一下吗？ order status please", i)}})
	}
	for acked := 0; acked < catchUpMissed; {
		if m := alice.Read(); m.Int("ctrl.code") == 202 {
			acked++
		}
	}
	b.Run("json", func(b *testing.B) {
		var wire int64
		cpu := processCPU()
		for b.Loop() {
			wire += catchUpJSON(b, srv, alice.User)
		}
		reportCatchUp(b, wire, processCPU()-cpu)
	})
	b.Run("protobuf", func(b *testing.B) {
		var wire int64
		cpu := processCPU()
		for b.Loop() {
			wire += catchUpProtobuf(b, srv, alice.User)
		}
		reportCatchUp(b, wire, processCPU()-cpu)
	})
}

// reportCatchUp reports the bytes read per catch-up and the CPU time the
// process (the server and the reading client, which share it) spent per
// message caught up.
func reportCatchUp(b *testing.B, wire int64, cpu time.Duration) {
	b.ReportMetric(float64(wire)/float64(b.N), "wire-bytes/op")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*catchUpMissed), "cpu-µs/msg")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// catchUpJSON logs bob in over JSON, reads every page and returns the bytes
// the socket read.
func catchUpJSON(b *testing.B, srv *servertest.Server, topic string) int64 {
	var n atomic.Int64
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{nc, &n}, err
	}}
	conn, _, err := d.Dial("ws://"+srv.Addr+"/v0/channels", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	send := func(v string) {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(v)); err != nil {
			b.Fatal(err)
		}
	}
	// until reads until the ctrl with id, counting data frames.
	until := func(id string) (data int) {
		for {
			_, frame, err := conn.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			var m struct {
				Ctrl *struct{ ID string } `json:"ctrl"`
				Data *struct{ Seq int }   `json:"data"`
			}
			json.Unmarshal(frame, &m)
			if m.Data != nil {
				data++
			}
			if m.Ctrl != nil && m.Ctrl.ID == id {
				return data
			}
		}
	}
	send(`{"hi":{"id":"h","ver":"0.25"}}`)
	until("h")
	send(`{"login":{"id":"l","scheme":"basic","secret":"Ym9iOnBhc3MxMjM="}}`)
	until("l")
	// The first page comes with the sub (which then pushes nothing
	// older), the others with gets; each ends with a ctrl 208 whose id is
	// the request's.
	send(fmt.Sprintf(`{"sub":{"id":"s","topic":"%s","get":{"what":"data","data":{"since":1,"before":%d,"limit":100}}}}`,
		topic, catchUpMissed+1))
	got := until("s")
	got += until("s")
	for before := catchUpMissed + 1 - 100; before > 1; before -= 100 {
		id := fmt.Sprint("g", before)
		send(fmt.Sprintf(`{"get":{"id":"%s","topic":"%s","what":"data","data":{"since":1,"before":%d,"limit":100}}}`,
			id, topic, before))
		got += until(id)
	}
	if got != catchUpMissed {
		b.Fatalf("JSON catch-up got %d messages", got)
	}
	return n.Load()
}

// catchUpProtobuf is catchUpJSON over the parley-protobuf subprotocol.
func catchUpProtobuf(b *testing.B, srv *servertest.Server, topic string) int64 {
	c := dialProtobuf(b, srv, false, true)
	defer c.conn.Close()
	c.hi("0.25")
	c.login("bob")
	got := 0
	for before := catchUpMissed + 1; before > 1; before -= 100 {
		id := c.id()
		page := &pbx.GetQuery{What: "data", Data: &pbx.GetOpts{SinceId: 1, BeforeId: int32(before), Limit: 100}}
		if before == catchUpMissed+1 {
			c.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Sub{Sub: &pbx.ClientSub{Id: id, Topic: topic, GetQuery: page}}})
			c.ctrl(id) // the sub's own answer comes first
		} else {
			c.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Get{Get: &pbx.ClientGet{Id: id, Topic: topic, Query: page}}})
		}
		c.until("page end", func(m *pbx.ServerMsg) bool { return m.GetCtrl().GetId() == id })
		for _, m := range c.seen {
			if m.GetData() != nil {
				got++
			}
		}
		c.seen = c.seen[:0]
	}
	if got != catchUpMissed {
		b.Fatalf("protobuf catch-up got %d messages", got)
	}
	return c.wire.Load()
}
