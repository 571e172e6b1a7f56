package ws

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A batch written by frameWriter in one go reaches a standard client as
// separate messages, whatever the length encoding each one needs: 7-bit,
// 16-bit and 64-bit lengths and their boundaries.
func TestFrameWriterBatchIsReadAsSeparateMessages(t *testing.T) {
	conns := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		conns <- c
	}))
	defer srv.Close()
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-conns
	defer server.Close()

	sizes := []int{0, 1, 125, 126, 127, 300, 0xFFFF, 0x10000, 70_000}
	frames := make([][]byte, len(sizes))
	for i, n := range sizes {
		frames[i] = bytes.Repeat([]byte{byte('a' + i)}, n)
	}
	var fw frameWriter
	done := make(chan error, 1)
	go func() { done <- fw.write(server.UnderlyingConn(), frames) }()
	client.SetReadDeadline(time.Now().Add(deadline))
	for i, want := range frames {
		kind, got, err := client.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if kind != websocket.TextMessage || !bytes.Equal(got, want) {
			t.Fatalf("message %d: kind %d, %d bytes, want text of %d", i, kind, len(got), len(want))
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, b := range fw.bufs {
		if b != nil {
			t.Fatalf("buffer %d still referenced after the write", i)
		}
	}
}

// headerLen, which slices the headers apart, agrees with appendHeader.
func TestHeaderLenMatchesAppendHeader(t *testing.T) {
	for _, n := range []int{0, 125, 126, 0xFFFF, 0x10000, 1 << 40} {
		if got := len(appendHeader(nil, n)); got != headerLen(n) {
			t.Errorf("payload %d: header %d bytes, headerLen says %d", n, got, headerLen(n))
		}
	}
}
