package servertest

import (
	"net"
	"testing"

	"github.com/gorilla/websocket"
)

// DialFrom connects a client to addr's WebSocket endpoint from the local
// address from (any of 127.0.0.0/8 reaches a loopback server on Linux), so
// a test can play clients at several addresses.
func DialFrom(t testing.TB, addr, from string) (*Client, error) {
	d := *websocket.DefaultDialer
	nd := &net.Dialer{Timeout: Timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	d.NetDial = nd.Dial
	conn, _, err := d.Dial("ws://"+addr+"/v0/channels", nil)
	if err != nil {
		return nil, err
	}
	c := &Client{t: t, conn: conn}
	c.next.Store(100)
	t.Cleanup(func() { conn.Close() })
	return c, nil
}
