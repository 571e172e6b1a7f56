package security

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/server/servertest"
)

// One address may hold max_conns_per_address connections; more are refused
// while other addresses still get in, and a closed connection frees its
// slot. (Before the cap, 5,000 idle sockets from one client used up a
// 4,096-descriptor server.)
func TestEdgeConnectionsPerAddress(t *testing.T) {
	p := startServer(t, "PARLEY_MAX_CONNS_PER_ADDRESS=5")
	var held []*servertest.Client
	for i := 0; i < 5; i++ {
		c, err := servertest.DialFrom(t, p.Addr, "127.0.0.1")
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		if code := c.Hi().Code(); code != 201 {
			t.Fatalf("connection %d: hi %d", i+1, code)
		}
		held = append(held, c)
	}
	if served(p.Addr, "127.0.0.1") {
		t.Fatal("a sixth connection from one address was served")
	}
	other, err := servertest.DialFrom(t, p.Addr, "127.0.0.2")
	if err != nil {
		t.Fatalf("another address was refused: %v", err)
	}
	if code := other.Hi().Code(); code != 201 {
		t.Fatalf("another address: hi %d", code)
	}
	held[0].Close()
	deadline := time.Now().Add(servertest.Timeout)
	for {
		c, err := servertest.DialFrom(t, p.Addr, "127.0.0.1")
		if err == nil && c.Hi().Code() == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed connection's slot was not freed: %v", err)
		}
	}
}

// served reports whether a WebSocket from address from gets its hi
// answered.
func served(addr, from string) bool {
	d := *websocket.DefaultDialer
	nd := &net.Dialer{Timeout: servertest.Timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	d.NetDial = nd.Dial
	c, _, err := d.Dial("ws://"+addr+"/v0/channels", nil)
	if err != nil {
		return false
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte(`{"hi":{"id":"1","ver":"0.25"}}`))
	c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	_, _, err = c.ReadMessage()
	return err == nil
}

// Long-polling sessions need no credentials, so they are bounded per
// address (429) and in total (503), each answered with a ctrl body.
func TestEdgeLongPollSessionsBounded(t *testing.T) {
	p := startServer(t, "PARLEY_MAX_CONNS_PER_ADDRESS=4", "PARLEY_MAX_LONG_POLL_SESSIONS=6")
	url := "http://" + p.Addr + "/v0/channels/lp"
	create := func(from string) (int, string) { return post(t, httpClient(from), url, nil, "") }
	for i := 0; i < 4; i++ {
		if code, body := create("127.0.0.1"); code != 201 {
			t.Fatalf("session %d: HTTP %d %s", i+1, code, body)
		}
	}
	if code, body := create("127.0.0.1"); code != 429 || ctrlCode(body) != 429 {
		t.Fatalf("fifth session from one address: HTTP %d %s, want 429", code, body)
	}
	for i := 0; i < 2; i++ {
		if code, body := create("127.0.0.2"); code != 201 {
			t.Fatalf("session from a second address: HTTP %d %s", code, body)
		}
	}
	if code, body := create("127.0.0.3"); code != 503 || ctrlCode(body) != 503 {
		t.Fatalf("a seventh session in all: HTTP %d %s, want 503", code, body)
	}
}

// closeCode is the WebSocket close code that ended c.
func closeCode(t *testing.T, c *servertest.Client) int {
	t.Helper()
	var ce *websocket.CloseError
	if err := c.ReadErr(); !errors.As(err, &ce) {
		t.Fatalf("connection ended with %v, want a close frame", err)
	}
	return ce.Code
}

// A WebSocket that never says hi, or never logs in, no longer lives as
// long as it answers pings: it is closed with 4010 or 4011.
func TestEdgeHiAndLoginDeadlines(t *testing.T) {
	p := startServer(t, "PARLEY_HI_TIMEOUT=1s", "PARLEY_LOGIN_TIMEOUT=2s")
	silent, greeted := dial(t, p), dial(t, p)
	if code := greeted.Hi().Code(); code != 201 {
		t.Fatalf("hi: %d", code)
	}
	if code := closeCode(t, silent); code != 4010 {
		t.Fatalf("no hi: close code %d, want 4010", code)
	}
	if code := closeCode(t, greeted); code != 4011 {
		t.Fatalf("no login: close code %d, want 4011", code)
	}
}

// Idle keep-alive connections and connections that never finish their
// request header are closed by the server.
func TestEdgeHTTPTimeouts(t *testing.T) {
	p := startServer(t, "PARLEY_HTTP_IDLE_TIMEOUT=1s", "PARLEY_READ_HEADER_TIMEOUT=1s")
	keepAlive, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer keepAlive.Close()
	fmt.Fprintf(keepAlive, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(keepAlive)
	if line, err := br.ReadString('\n'); err != nil || line != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("healthz: %q %v", line, err)
	}
	half, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	fmt.Fprintf(half, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	for name, r := range map[string]*bufio.Reader{"idle keep-alive": br, "half a header": bufio.NewReader(half)} {
		c := keepAlive
		if name == "half a header" {
			c = half
		}
		c.SetReadDeadline(time.Now().Add(servertest.Timeout))
		for {
			if _, err := r.ReadByte(); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("%s: still open after %v", name, servertest.Timeout)
				}
				break
			}
		}
	}
}
