package action

import (
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

type caller struct{}

func (caller) SessionID() string { return "s" }
func (caller) UserID() proto.Uid { return 1 }
func (caller) AuthLevel() int    { return 20 }

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	r.Register("echo", func(req *Request) Result {
		return Result{Code: proto.CodeOK, Text: "ok", Params: map[string]any{"topic": req.Topic, "user": req.Caller.UserID().UserID()}}
	})
	m := r.Handle("7", &Request{Caller: caller{}, Topic: "grpX", What: "echo"})
	if c := m.Ctrl; c.ID != "7" || c.Code != 200 || c.Params["topic"] != "grpX" || c.Params["user"] != proto.Uid(1).UserID() {
		t.Fatalf("echo: %+v", c)
	}
	if c := r.Handle("8", &Request{Caller: caller{}, What: "ping"}).Ctrl; c.Code != 200 || c.Params["pong"] == nil {
		t.Fatalf("ping: %+v", c)
	}
	if c := r.Handle("9", &Request{Caller: caller{}, What: "nope"}).Ctrl; c.Code != 404 || c.Text != "unknown action" {
		t.Fatalf("unknown: %+v", c)
	}
	if names := r.Names(); len(names) != 2 || names[0] != "echo" || names[1] != "ping" {
		t.Fatalf("names %v", names)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a name twice did not panic")
		}
	}()
	r.Register("ping", nil)
}
