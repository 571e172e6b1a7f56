package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// BenchmarkFreedSlotToAssigned measures, against a real server, the time
// from an agent's conv.close (a freed slot) to the {pres what=acs} of the
// next queued conversation reaching that agent: the close, the routing
// decision, the saved conversation, the membership and the push. One
// agent with capacity 1 works through a queue of b.N customers.
func BenchmarkFreedSlotToAssigned(b *testing.B) {
	s := servertest.Start(b, withAdmin)
	for _, req := range [][2]string{
		{"/v0/admin/teams", `{"name":"sales"}`},
		{"/v0/admin/staff", `{"login":"ann","password":"pass123","role":"agent","teams":["sales"],"capacity":1}`},
	} {
		if code, body := adminDoTB(b, s.Addr, "POST", req[0], req[1]); code != 201 {
			b.Fatalf("%s: %d %v", req[0], code, body)
		}
	}
	ann := s.Dial(b)
	ann.Hi()
	ann.Login("ann", "pass123")
	ann.Sub("me")
	topics := make([]string, b.N+1)
	for i := range topics {
		c := s.Connect(b, fmt.Sprintf("cust%d", i))
		topics[i] = act(c, "", "service.open", msgT{"team": "sales"}).Get("params.topic").(string)
		c.Close() // the queue is what counts, not the connections
	}
	act(ann, "", "agent.status", msgT{"status": "online"})
	invited(ann, topics[0])
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if ctrl := act(ann, topics[i], "conv.close", nil); ctrl.Code() != 200 {
			b.Fatalf("close: %v", ctrl)
		}
		invited(ann, topics[i+1])
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
