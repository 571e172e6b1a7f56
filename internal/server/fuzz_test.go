package server_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// FuzzWireFrames sends arbitrary frames (one per line of the input) over a
// real WebSocket connection to a real server, then the network probe "1".
// Lines that are UTF-8 go in text frames; the others in binary frames, which
// reach the server's decoder (a text frame that is not UTF-8 closes the
// connection with 1007, tested in internal/transport/ws). The server answers
// the probe in order, after the replies it sends at once, so everything up
// to the "0" is read and checked: each frame must be valid UTF-8 (what a
// browser insists on) and one JSON server message, and the connection must
// stay open. One server
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
		// A poison message and card: an anonymous user in a group of their
		// own, publishing and describing with bytes that are not UTF-8.
		`{"hi":{"id":"1","ver":"0.25"}}
{"acc":{"id":"2","user":"new","scheme":"anonymous","login":true}}
{"sub":{"id":"3","topic":"newG","set":{"desc":{"public":{"fn":"g"}}}}}
` + "{\"pub\":{\"id\":\"4\",\"topic\":\"newG\",\"content\":\"a\xffb\"}}\n" +
			"{\"set\":{\"id\":\"5\",\"topic\":\"me\",\"desc\":{\"public\":{\"fn\":\"\xc3\"}}}}\n" +
			`{"pub":{"id":"6","topic":"me","content":"\udc80"}}
{"get":{"id":"7","topic":"me","what":"desc"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		c := srv.Dial(t)
		defer c.Close()
		for _, frame := range bytes.Split(input, []byte{'\n'}) {
			if utf8.Valid(frame) {
				c.SendRaw(string(frame))
			} else {
				c.SendBinary(frame)
			}
		}
		c.SendRaw("1")
		for {
			raw := c.ReadRaw() // fails the test if the connection closes or stalls
			if raw == "0" {
				return
			}
			if !utf8.ValidString(raw) {
				t.Fatalf("server frame is not UTF-8: %q", raw)
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
