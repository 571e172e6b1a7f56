package sdk_test

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/sdk/go/parley"
)

// A program that chats reliably: messages show at once, are retried with
// the same msgid across reconnects and server restarts, and arrive once,
// in the server's order.
func Example() {
	ctx := context.Background()
	c := parley.New(parley.WithAddress("localhost:6060"))
	defer c.Close()
	if err := c.Connect(ctx); err != nil {
		return
	}
	if err := c.Login(ctx, parley.Basic("alice", "secret")); err != nil {
		return
	}
	peer := "usrAbCdEfGhIjK"
	c.Join(ctx, peer)
	defer c.OnMessage(func(m *parley.Message) { fmt.Printf("%s: %s\n", m.From, m.Content) })()
	defer c.OnStatus(func(s parley.StatusChange) { fmt.Println(s.Message.MsgID, s.Status) })()
	c.Send(peer, map[string]string{"txt": "hello"}) // on screen now; the network follows
}
