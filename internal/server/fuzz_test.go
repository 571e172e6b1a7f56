package server_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// FuzzWireFrames sends arbitrary text frames (one per line of the input)
// over a real WebSocket connection to a real server, then the network probe
// "1". The server answers the probe in order, after the replies it sends at
// once, so everything up to the "0" is read and checked: each frame must be
// one JSON server message, and the connection must stay open. One server
// serves the whole fuzz run. As with FuzzSessionReceive, bound minimisation:
//
//	go test -run '^$' -fuzz FuzzWireFrames -fuzztime 20000x -fuzzminimizetime 10x ./internal/server/
func FuzzWireFrames(f *testing.F) {
	srv := servertest.Start(f, func(c *server.Config) { c.MaxMessageSize = 4096 })
	for _, seed := range []string{
		`{"hi":{"id":"1","ver":"0.25"}}
{"acc":{"id":"2","user":"new","scheme":"anonymous","login":true,"desc":{"public":{"fn":"F"}}}}
{"sub":{"id":"3","topic":"me","get":{"what":"desc sub"}}}
{"sub":{"id":"4","topic":"newG","set":{"desc":{"defacs":{"auth":"JRWPS"}}}}}
{"pub":{"id":"5","topic":"me","content":"x"}}
{"note":{"topic":"me","what":"kp"}}
{"leave":{"id":"6","topic":"me","unsub":true}}`,
		`1
{}
not json
{"hi":{"id":"1","ver":"0.25"},"pub":{"topic":"x"}}
{"hi":{"id":"2","ver":"9.x"}}
{"login":{"id":"3","scheme":"token","secret":"AAAA"}}
{"action":{"id":"4","what":"ping"}}`,
		"{\"hi\":{\"id\":\"\xff\"}}\n\x00\n{\"pub\":{\"id\":\"1\",\"topic\":\"me\",\"content\":\"\u2028<>&\"}}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		c := srv.Dial(t)
		defer c.Close()
		for _, frame := range bytes.Split(input, []byte{'\n'}) {
			c.SendRaw(string(frame))
		}
		c.SendRaw("1")
		for {
			raw := c.ReadRaw() // fails the test if the connection closes or stalls
			if raw == "0" {
				return
			}
			var top map[string]json.RawMessage
			if err := json.Unmarshal([]byte(raw), &top); err != nil || len(top) != 1 {
				t.Fatalf("server frame is not one JSON message: %q", raw)
			}
			for k, v := range top {
				switch k {
				case "ctrl", "data", "meta", "pres", "info":
				default:
					t.Fatalf("server sent a %q message: %q", k, raw)
				}
				var body map[string]any
				if err := json.Unmarshal(v, &body); err != nil {
					t.Fatalf("server %s is not an object: %q", k, raw)
				}
			}
		}
	})
}
