package servertest

import (
	"time"

	"github.com/gorilla/websocket"
)

// SendBinary sends one binary frame as is: bytes that a text frame may not
// carry (not UTF-8) reach the server's decoder this way.
func (c *Client) SendBinary(frame []byte) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.BinaryMessage, frame); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// SendText sends bytes in one text frame, whatever they hold: the client
// does not check that they are UTF-8, which lets a test send a frame a
// standards-compliant client would refuse to.
func (c *Client) SendText(frame []byte) error {
	return c.conn.WriteMessage(websocket.TextMessage, frame)
}

// ReadFrame returns the next server frame's bytes, or the error that ended
// the connection (a *websocket.CloseError when the server closed it). It
// does not fail the test, so a test can expect a close.
func (c *Client) ReadFrame() ([]byte, error) {
	c.conn.SetReadDeadline(time.Now().Add(Timeout))
	_, b, err := c.conn.ReadMessage()
	return b, err
}
