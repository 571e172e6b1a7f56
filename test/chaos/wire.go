package chaos

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// serverMsg is the part of a server frame the harness looks at. It is
// decoded here, not with internal/proto, so the harness sees the wire as an
// independent client does.
type serverMsg struct {
	Ctrl *ctrlMsg `json:"ctrl"`
	Data *dataMsg `json:"data"`
	Pres *presMsg `json:"pres"`
	Meta *metaMsg `json:"meta"`
}

type ctrlMsg struct {
	ID     string `json:"id"`
	Topic  string `json:"topic"`
	Code   int    `json:"code"`
	Text   string `json:"text"`
	Params struct {
		Seq       int    `json:"seq"`
		Duplicate bool   `json:"duplicate"`
		What      string `json:"what"`
		Count     int    `json:"count"`
	} `json:"params"`
}

type dataMsg struct {
	Topic string `json:"topic"`
	Seq   int    `json:"seq"`
	Head  struct {
		MsgID string `json:"msgid"`
	} `json:"head"`
}

type metaMsg struct {
	ID   string `json:"id"`
	Desc *struct {
		Seq int `json:"seq"`
	} `json:"desc"`
}

type presMsg struct {
	Topic string `json:"topic"`
	What  string `json:"what"`
	Seq   int    `json:"seq"`
}

// wireTimeout bounds a single write, and a read when the server has been
// silent that long (the gateway pings, but the relay answers those pings
// itself, so a client may hear nothing while it has nothing to receive).
const (
	writeTimeout = 5 * time.Second
	idleTimeout  = 30 * time.Second
)

// wsConn is one client connection. A goroutine reads and decodes frames into
// in, which is closed when the connection fails; only the owner writes.
type wsConn struct {
	c  *websocket.Conn
	pb bool // parley-protobuf: binary frames of delimited messages
	in chan *serverMsg
	// err is why the reader stopped; read it only after in is closed.
	err error
}

var errUpstream = errors.New("dial refused")

// dial connects to a Parley WebSocket endpoint at addr, speaking protobuf
// when pb is set. Protobuf is asked for with ?format=protobuf rather than
// the subprotocol: the relay passes the query through to the gateway.
func dial(addr string, pb bool) (*wsConn, error) {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	url := "ws://" + addr + "/v0/channels"
	if pb {
		url += "?format=protobuf"
	}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusBadGateway {
			return nil, errUpstream
		}
		return nil, err
	}
	w := &wsConn{c: c, pb: pb, in: make(chan *serverMsg, 1024)}
	go w.readLoop()
	return w, nil
}

func (w *wsConn) readLoop() {
	defer close(w.in)
	for {
		w.c.SetReadDeadline(time.Now().Add(idleTimeout))
		kind, b, err := w.c.ReadMessage()
		if err != nil {
			w.err = err
			return
		}
		frames := [][]byte{b}
		if w.pb {
			if frames, err = protobufToJSON(kind, b); err != nil {
				w.err = err
				return
			}
		}
		for _, f := range frames {
			m := &serverMsg{}
			if err := json.Unmarshal(f, m); err != nil {
				w.err = fmt.Errorf("server sent invalid JSON %q: %w", f, err)
				return
			}
			w.in <- m
		}
	}
}

// send writes v as one frame: JSON text, or a binary protobuf frame.
func (w *wsConn) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	kind := websocket.TextMessage
	if w.pb {
		kind = websocket.BinaryMessage
		if b, err = jsonToProtobuf(b); err != nil {
			return err
		}
	}
	w.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	return w.c.WriteMessage(kind, b)
}

// close drops the connection and waits for the reader to stop.
func (w *wsConn) close() {
	w.c.Close()
	for range w.in {
	}
}

// obj is a client frame under construction.
type obj = map[string]any

// errTimeout is until's error when nothing matched in time.
var errTimeout = errors.New("no answer in time")

// request sends the frame build(id) makes and returns the ctrl answering it.
// When none comes within requestTimeout it sends the frame again under a
// fresh id, up to requestTries times: under the relay a request or its
// answer may just vanish, and a new connection would cost more than a
// retry. A late answer to an earlier try is as good. Frames that come
// meanwhile are passed to other, which may be nil.
func (w *wsConn) request(name string, build func(id string) any, other func(*serverMsg)) (*ctrlMsg, error) {
	ids := map[string]bool{}
	for try := 1; try <= requestTries; try++ {
		id := name + strconv.Itoa(try)
		ids[id] = true
		if err := w.send(build(id)); err != nil {
			return nil, err
		}
		var ctrl *ctrlMsg
		err := w.until(requestTimeout, func(m *serverMsg) bool {
			if m.Ctrl != nil && ids[m.Ctrl.ID] {
				ctrl = m.Ctrl
				return true
			}
			if other != nil {
				other(m)
			}
			return false
		})
		if ctrl != nil {
			return ctrl, nil
		}
		if !errors.Is(err, errTimeout) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil, fmt.Errorf("%s: no answer to %d tries", name, requestTries)
}

// until passes frames to match until it returns true.
func (w *wsConn) until(timeout time.Duration, match func(*serverMsg) bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case m, ok := <-w.in:
			if !ok {
				return fmt.Errorf("connection ended: %v", w.err)
			}
			if match(m) {
				return nil
			}
		case <-deadline.C:
			return errTimeout
		}
	}
}

// hello opens the session and logs in with token. A repeated hi is
// answered 200, and a repeated login "already authenticated" (409): both
// mean success, as the relay may have duplicated the request or lost the
// first answer.
func (w *wsConn) hello(token string) error {
	ctrl, err := w.request("hi", func(id string) any {
		return obj{"hi": obj{"id": id, "ver": "0.25", "ua": "parley-chaos"}}
	}, nil)
	if err != nil {
		return err
	}
	if ctrl.Code != 200 && ctrl.Code != 201 {
		return fmt.Errorf("hi answered %d %s", ctrl.Code, ctrl.Text)
	}
	ctrl, err = w.request("login", func(id string) any {
		return obj{"login": obj{"id": id, "scheme": "token", "secret": token}}
	}, nil)
	if err != nil {
		return err
	}
	if ctrl.Code != 200 && ctrl.Code != 409 {
		return fmt.Errorf("login answered %d %s", ctrl.Code, ctrl.Text)
	}
	return nil
}

// subscribe attaches to view; "already subscribed" (304) is success too.
func (w *wsConn) subscribe(view string, other func(*serverMsg)) error {
	ctrl, err := w.request("sub", func(id string) any { return obj{"sub": obj{"id": id, "topic": view}} }, other)
	if err != nil {
		return err
	}
	if ctrl.Code != 200 && ctrl.Code != 304 {
		return fmt.Errorf("sub %s answered %d %s", view, ctrl.Code, ctrl.Text)
	}
	return nil
}
