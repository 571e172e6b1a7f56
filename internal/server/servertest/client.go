package servertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Timeout bounds every wait for a server frame.
const Timeout = 5 * time.Second

// Msg is a decoded server frame.
type Msg map[string]any

// Client is a raw wire-level client: it sends JSON frames and reads server
// frames one at a time, failing the test when one does not come in time.
type Client struct {
	t    testing.TB
	conn *websocket.Conn
	next atomic.Int64
	// User and Token are set by the helpers that log in.
	User  string
	Token string
}

// Dial connects a client to the server's WebSocket endpoint.
func (s *Server) Dial(t testing.TB) *Client {
	t.Helper()
	c, err := DialAddr(t, s.Addr, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

// DialAddr connects to addr with an optional API key.
func DialAddr(t testing.TB, addr, apiKey string) (*Client, error) {
	url := "ws://" + addr + "/v0/channels"
	if apiKey != "" {
		url += "?apikey=" + apiKey
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	c := &Client{t: t, conn: conn}
	c.next.Store(100)
	t.Cleanup(func() { conn.Close() })
	return c, nil
}

// ID returns a fresh request id.
func (c *Client) ID() string { return strconv.FormatInt(c.next.Add(1), 10) }

// SendRaw sends one text frame as is.
func (c *Client) SendRaw(frame string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// Send encodes v as JSON and sends it.
func (c *Client) Send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatalf("marshal: %v", err)
	}
	c.SendRaw(string(b))
}

// ReadRaw returns the next server frame's text.
func (c *Client) ReadRaw() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(Timeout))
	_, b, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(b)
}

// Read returns the next server frame, decoded.
func (c *Client) Read() Msg {
	c.t.Helper()
	raw := c.ReadRaw()
	var m Msg
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", raw, err)
	}
	return m
}

// ReadErr returns the error that ends the connection, for tests of
// disconnects; it fails if a frame arrives instead.
func (c *Client) ReadErr() error {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(Timeout))
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			return err
		}
		_ = b
	}
}

// Until reads frames until match returns true and returns that frame,
// keeping none of the others.
func (c *Client) Until(what string, match func(Msg) bool) Msg {
	c.t.Helper()
	deadline := time.Now().Add(Timeout)
	for time.Now().Before(deadline) {
		if m := c.Read(); match(m) {
			return m
		}
	}
	c.t.Fatalf("no frame matching %s within %v", what, Timeout)
	return nil
}

// Ctrl reads frames until the ctrl with id arrives and returns it.
func (c *Client) Ctrl(id string) Msg {
	c.t.Helper()
	m := c.Until("ctrl "+id, func(m Msg) bool { return m.Get("ctrl.id") == id })
	return m.Obj("ctrl")
}

// Request sends v (which must carry id) and returns its ctrl reply.
func (c *Client) Request(id string, v any) Msg {
	c.t.Helper()
	c.Send(v)
	return c.Ctrl(id)
}

// Hi opens the session.
func (c *Client) Hi() Msg {
	id := c.ID()
	return c.Request(id, Msg{"hi": Msg{"id": id, "ver": "0.25.3", "ua": "servertest"}})
}

// HiDevice opens the session as device dev (hi.dev).
func (c *Client) HiDevice(dev string) Msg {
	id := c.ID()
	return c.Request(id, Msg{"hi": Msg{"id": id, "ver": "0.25.3", "ua": "servertest", "dev": dev}})
}

// Signup creates a basic account and logs in; it sets User and Token.
func (c *Client) Signup(login, password string) Msg {
	c.t.Helper()
	id := c.ID()
	secret := base64.StdEncoding.EncodeToString([]byte(login + ":" + password))
	ctrl := c.Request(id, Msg{"acc": Msg{"id": id, "user": "new", "scheme": "basic", "secret": secret,
		"login": true, "desc": Msg{"public": Msg{"fn": login}}}})
	c.remember(ctrl)
	return ctrl
}

// Login logs in with the basic scheme; it sets User and Token on success.
func (c *Client) Login(login, password string) Msg {
	c.t.Helper()
	id := c.ID()
	secret := base64.StdEncoding.EncodeToString([]byte(login + ":" + password))
	ctrl := c.Request(id, Msg{"login": Msg{"id": id, "scheme": "basic", "secret": secret}})
	c.remember(ctrl)
	return ctrl
}

// LoginToken logs in with a token.
func (c *Client) LoginToken(token string) Msg {
	c.t.Helper()
	id := c.ID()
	ctrl := c.Request(id, Msg{"login": Msg{"id": id, "scheme": "token", "secret": token}})
	c.remember(ctrl)
	return ctrl
}

func (c *Client) remember(ctrl Msg) {
	if ctrl.Code() == 200 {
		c.User, _ = ctrl.Get("params.user").(string)
		c.Token, _ = ctrl.Get("params.token").(string)
	}
}

// Sub attaches to topic and returns the ctrl reply.
func (c *Client) Sub(topic string) Msg {
	c.t.Helper()
	id := c.ID()
	return c.Request(id, Msg{"sub": Msg{"id": id, "topic": topic}})
}

// Pub publishes content with an optional msgid and returns the ctrl reply.
func (c *Client) Pub(topic string, content any, msgid string) Msg {
	c.t.Helper()
	id := c.ID()
	pub := Msg{"id": id, "topic": topic, "content": content}
	if msgid != "" {
		pub["head"] = Msg{"msgid": msgid}
	}
	return c.Request(id, Msg{"pub": pub})
}

// Connect dials, says hi and signs up a fresh account.
func (s *Server) Connect(t testing.TB, login string) *Client {
	t.Helper()
	c := s.Dial(t)
	c.Hi()
	if ctrl := c.Signup(login, "pass123"); ctrl.Code() != 200 {
		t.Fatalf("signup %s: %v", login, ctrl)
	}
	return c
}

// Get walks a dotted path ("ctrl.params.seq") through nested objects.
func (m Msg) Get(path string) any {
	var cur any = map[string]any(m)
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[path[start:i]]
		start = i + 1
	}
	return cur
}

// Obj returns the nested object at key.
func (m Msg) Obj(key string) Msg {
	v, _ := m[key].(map[string]any)
	return Msg(v)
}

// Code is a ctrl's code.
func (m Msg) Code() int {
	f, _ := m["code"].(float64)
	return int(f)
}

// Int returns the number at path, or -1.
func (m Msg) Int(path string) int {
	f, ok := m.Get(path).(float64)
	if !ok {
		return -1
	}
	return int(f)
}

func (m Msg) String() string {
	b, _ := json.Marshal(map[string]any(m))
	return fmt.Sprint(string(b))
}
