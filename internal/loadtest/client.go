package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/proto"
)

// requestTimeout bounds every request/response exchange (signups under
// load are slow: bcrypt).
const requestTimeout = 60 * time.Second

var errClosed = errors.New("connection closed")

// client is one WebSocket session speaking the Tinode JSON protocol.
type client struct {
	conn *websocket.Conn
	pb   bool // protobuf frames (parley-protobuf) instead of JSON
	wmu  sync.Mutex
	next atomic.Int64

	mu      sync.Mutex
	pending map[string]func(*proto.MsgServerCtrl)
	closed  bool

	// onData and onCtrl (unsolicited ctrls) run on the reader goroutine;
	// set them before start.
	onData func(*proto.MsgServerData)
	onCtrl func(*proto.MsgServerCtrl)
	onPres func(*proto.MsgServerPres)

	done chan struct{}
	err  error

	User, Token string

	topicsMap *sync.Map // topic name → *recv
}

func dial(ctx context.Context, addr, apiKey string, pb bool, wire *atomic.Int64) (*client, error) {
	u := url.URL{Scheme: "ws", Host: addr, Path: "/v0/channels"}
	if apiKey != "" {
		u.RawQuery = "apikey=" + url.QueryEscape(apiKey)
	}
	d := websocket.Dialer{HandshakeTimeout: 15 * time.Second, ReadBufferSize: 2048, WriteBufferSize: 2048,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{nc, wire}, nil
		}}
	if pb {
		d.Subprotocols, d.EnableCompression = []string{"parley-protobuf"}, true
	}
	conn, resp, err := d.DialContext(ctx, u.String(), nil)
	if err != nil {
		return nil, refusal(err, resp)
	}
	if pb && conn.Subprotocol() != "parley-protobuf" {
		conn.Close()
		return nil, fmt.Errorf("%s does not speak parley-protobuf", addr)
	}
	c := &client{conn: conn, pb: pb, pending: map[string]func(*proto.MsgServerCtrl){}, done: make(chan struct{})}
	return c, nil
}

// refusal explains a failed upgrade: when the server answered with HTTP
// instead of switching protocols, its status and the start of its body
// say why (a connection limit, a missing API key), where the library only
// says "bad handshake".
func refusal(err error, resp *http.Response) error {
	if resp == nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Errorf("upgrade refused: HTTP %s: %s", resp.Status, strings.TrimSpace(string(body)))
}

// countingConn counts the bytes read from the socket, as they crossed the
// wire (compressed or not), for bytes per delivered message.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *client) start() { go c.readLoop() }

func (c *client) id() string { return strconv.FormatInt(c.next.Add(1), 10) }

func (c *client) readLoop() {
	defer func() {
		c.mu.Lock()
		c.closed = true
		p := c.pending
		c.pending = map[string]func(*proto.MsgServerCtrl){}
		c.mu.Unlock()
		for _, f := range p {
			f(nil)
		}
		close(c.done)
	}()
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		c.decode(b)
	}
}

// decode handles every server message of frame b: one JSON message, or a
// batch of protobuf ones.
func (c *client) decode(b []byte) {
	if !c.pb {
		var m proto.ServerMsg
		if json.Unmarshal(b, &m) == nil {
			c.handle(&m)
		}
		return
	}
	msgs, err := pbx.SplitBatch(b, 0)
	if err != nil {
		return
	}
	for _, p := range msgs {
		if m, err := pbx.DecodeServer(p); err == nil {
			c.handle(m)
		}
	}
}

func (c *client) handle(m *proto.ServerMsg) {
	{
		switch {
		case m.Ctrl != nil:
			c.mu.Lock()
			f := c.pending[m.Ctrl.ID]
			if f != nil {
				delete(c.pending, m.Ctrl.ID)
			}
			c.mu.Unlock()
			if f != nil {
				f(m.Ctrl)
			} else if c.onCtrl != nil {
				c.onCtrl(m.Ctrl)
			}
		case m.Data != nil:
			if c.onData != nil {
				c.onData(m.Data)
			}
		case m.Pres != nil:
			if c.onPres != nil {
				c.onPres(m.Pres)
			}
		}
	}
}

func (c *client) send(v any) error {
	kind, b, err := websocket.TextMessage, []byte(nil), error(nil)
	if m, ok := v.(*proto.ClientMsg); ok && c.pb {
		kind, b, err = websocket.BinaryMessage, nil, nil
		var one []byte
		if one, err = pbx.EncodeClient(m); err == nil {
			b = pbx.AppendDelimited(nil, one)
		}
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	// The library deflates every message once compression is negotiated;
	// a single pub only grows and costs the server an inflate.
	c.conn.EnableWriteCompression(len(b) >= 1024)
	return c.conn.WriteMessage(kind, b)
}

// async sends v, whose request id is id, and calls f with the ctrl reply
// (nil if the connection ends first).
func (c *client) async(id string, v any, f func(*proto.MsgServerCtrl)) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	c.pending[id] = f
	c.mu.Unlock()
	if err := c.send(v); err != nil {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return err
	}
	return nil
}

// request sends v and waits for its ctrl.
func (c *client) request(ctx context.Context, id string, v any) (*proto.MsgServerCtrl, error) {
	ch := make(chan *proto.MsgServerCtrl, 1)
	if err := c.async(id, v, func(m *proto.MsgServerCtrl) { ch <- m }); err != nil {
		return nil, err
	}
	t := time.NewTimer(requestTimeout)
	defer t.Stop()
	select {
	case m := <-ch:
		if m == nil {
			return nil, fmt.Errorf("%w: %v", errClosed, c.err)
		}
		return m, nil
	case <-t.C:
		return nil, fmt.Errorf("request %s timed out", id)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// call sends v and waits for a ctrl with one of codes.
func (c *client) call(ctx context.Context, id string, v any, what string, codes ...int) (*proto.MsgServerCtrl, error) {
	m, err := c.request(ctx, id, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for _, code := range codes {
		if m.Code == code {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%s: ctrl %d %s %v", what, m.Code, m.Text, m.Params)
}

func (c *client) hi(ctx context.Context) error {
	id := c.id()
	_, err := c.call(ctx, id, &proto.ClientMsg{Hi: &proto.MsgClientHi{ID: id, Version: "0.25", UserAgent: "parley-bench/1"}}, "hi", 200, 201)
	return err
}

func (c *client) remember(m *proto.MsgServerCtrl) {
	c.User, _ = m.Params["user"].(string)
	c.Token, _ = m.Params["token"].(string)
}

// signup creates a basic account with a random login and logs in. With
// credEmail it offers login@credEmail; a server that answers 300 (the
// credential must be validated first) gets a basic login carrying
// credResp as the confirmation.
func (c *client) signup(ctx context.Context, credEmail, credResp string) error {
	var b [6]byte
	rand.Read(b[:])
	login := "lt" + hex.EncodeToString(b[:])
	id := c.id()
	m, err := c.call(ctx, id, signupMsg(id, login, credEmail), "signup", 200, 300)
	if err != nil {
		return err
	}
	if m.Code == 300 {
		if credResp == "" {
			return fmt.Errorf("signup: the server wants the credential validated (ctrl 300 %s %v): give --cred-resp", m.Text, m.Params)
		}
		id = c.id()
		if m, err = c.call(ctx, id, credLoginMsg(id, login, credResp), "signup: validating login", 200); err != nil {
			return err
		}
	}
	c.remember(m)
	if c.User == "" || c.Token == "" {
		return fmt.Errorf("signup: no user or token in %v", m.Params)
	}
	return nil
}

// signupMsg is the {acc} creating login's account, with an email
// credential when credEmail names a domain.
func signupMsg(id, login, credEmail string) *proto.ClientMsg {
	acc := &proto.MsgClientAcc{ID: id, User: "new", Scheme: "basic",
		Secret: []byte(login + ":bench-" + login), Login: true,
		Desc: &proto.MsgSetDesc{Public: json.RawMessage(`{"fn":"` + login + `"}`)}}
	if credEmail != "" {
		acc.Cred = []proto.MsgCredClient{{Method: "email", Value: login + "@" + credEmail}}
	}
	return &proto.ClientMsg{Acc: acc}
}

// credLoginMsg is the basic {login} that answers a validation request for
// the email credential with resp.
func credLoginMsg(id, login, resp string) *proto.ClientMsg {
	return &proto.ClientMsg{Login: &proto.MsgClientLogin{ID: id, Scheme: "basic",
		Secret: []byte(login + ":bench-" + login),
		Cred:   []proto.MsgCredClient{{Method: "email", Response: resp}}}}
}

// loginToken logs in with a token received earlier.
func (c *client) loginToken(ctx context.Context, token string) error {
	id := c.id()
	// The token is the base64 text of the secret's bytes: JSON carries
	// that text, protobuf the bytes themselves.
	var v any = map[string]any{"login": map[string]any{"id": id, "scheme": "token", "secret": token}}
	if c.pb {
		secret, err := base64.StdEncoding.DecodeString(token)
		if err != nil {
			return fmt.Errorf("token login: token is not base64: %w", err)
		}
		v = &proto.ClientMsg{Login: &proto.MsgClientLogin{ID: id, Scheme: "token", Secret: secret}}
	}
	m, err := c.call(ctx, id, v, "token login", 200)
	if err != nil {
		return err
	}
	user := c.User
	c.remember(m)
	if c.User == "" {
		c.User = user
	}
	if c.Token == "" {
		c.Token = token
	}
	return nil
}

// sub attaches to topic; it returns the ctrl (whose Topic names a new group).
func (c *client) sub(ctx context.Context, topic string) (*proto.MsgServerCtrl, error) {
	id := c.id()
	return c.call(ctx, id, &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: id, Topic: topic}}, "sub "+topic, 200, 304)
}

func (c *client) note(topic string, seq int) error {
	return c.send(&proto.ClientMsg{Note: &proto.MsgClientNote{Topic: topic, What: "recv", SeqID: seq}})
}

func (c *client) close() {
	c.conn.Close()
}

// drop ends the connection abruptly, without a close frame.
func (c *client) drop() { c.conn.UnderlyingConn().Close() }

// payload is the content the tool publishes: the sender's counter, the
// (scheduled) send time, and padding up to the requested size.
type payload struct {
	N  int    `json:"n"`
	TS int64  `json:"ts"`
	P  string `json:"p,omitempty"`
}

func makeContent(n int, ts time.Time, pad string) json.RawMessage {
	b, _ := json.Marshal(payload{N: n, TS: ts.UnixNano(), P: pad})
	return b
}

func padding(size int) string {
	// {"n":123456,"ts":1700000000000000000,"p":""} is about 45 bytes.
	n := size - 45
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

func parseContent(raw json.RawMessage) (n int, ts int64, ok bool) {
	var p payload
	p.N = -1
	if json.Unmarshal(raw, &p) != nil || p.TS == 0 {
		return -1, 0, false
	}
	return p.N, p.TS, true
}
