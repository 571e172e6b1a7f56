package server_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// {action} is answered by ctrl: a registered action with its result, an
// unknown one with 404, and none before login.
func TestActions(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	c := srv.Dial(t)
	c.Hi()
	mustCode(t, "before login", c.Request("1", Msg{"action": Msg{"id": "1", "what": "ping"}}), 401)
	c = anon(t, srv)
	ping := c.Request("2", Msg{"action": Msg{"id": "2", "what": "ping"}})
	mustCode(t, "ping", ping, 200)
	if ping.Get("params.pong") == nil {
		t.Fatalf("ping answered %v, want params.pong", ping)
	}
	unknown := c.Request("3", Msg{"action": Msg{"id": "3", "what": "transfer.nowhere", "params": Msg{"x": 1}}})
	mustCode(t, "unknown", unknown, 404)
	if unknown.Get("params.what") != "transfer.nowhere" {
		t.Fatalf("unknown action answered %v", unknown)
	}
}
