package ws

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// query is a frame the session answers, unauthenticated, with a ctrl that
// carries its id.
func query(id string) []byte {
	return []byte(`{"get":{"id":"` + id + `","topic":"me","what":"desc"}}`)
}

// replyID returns the id of a ctrl reply.
func replyID(t *testing.T, reply string) string {
	t.Helper()
	_, rest, ok := strings.Cut(reply, `"id":"`)
	id, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("reply without an id: %s", reply)
	}
	return id
}

// Frames are handled one at a time and in order while connections are
// handed between waiting goroutines and goroutines kept from earlier
// frames: several connections at once, each sending bursts of 1 to 5
// frames and waiting for the answers in between.
func TestFramesAreHandledInOrderAcrossHandOffs(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	const conns, rounds = 6, 40
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		clients[i], _ = f.dial(t, nil)
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := 0
			for r := range rounds {
				burst := 1 + r%5
				for k := range burst {
					if err := c.WriteMessage(websocket.TextMessage, query(fmt.Sprintf("%d-%d", i, seq+k))); err != nil {
						t.Error(err)
						return
					}
				}
				for range burst {
					c.SetReadDeadline(time.Now().Add(deadline))
					_, b, err := c.ReadMessage()
					if err != nil {
						t.Error(err)
						return
					}
					if got, want := replyID(t, string(b)), fmt.Sprintf("%d-%d", i, seq); got != want {
						t.Errorf("connection %d: answer for %s, want %s", i, got, want)
						return
					}
					seq++
				}
			}
		}()
	}
	wg.Wait()
	// The goroutine that handled a connection's last frames parks after
	// the answer went out; poll until some has.
	limit := time.Now().Add(deadline)
	for p := f.h.stacks.parked(); p < 1 || p > f.h.stacks.pool.Max(); p = f.h.stacks.parked() {
		if time.Now().After(limit) {
			t.Fatalf("%d goroutines kept after the frames, want 1 to %d", p, f.h.stacks.pool.Max())
		}
		runtime.Gosched()
	}
}

// deepFrame is a frame whose decoding recurses depth levels into the
// decoder (a pub's head is decoded into map[string]any), growing the
// handling goroutine's stack to hundreds of KB.
func deepFrame(id string, depth int) []byte {
	return []byte(`{"pub":{"id":"` + id + `","topic":"grpx","head":{"a":` +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + `},"content":"x"}}`)
}

// A connection that goes quiet waits for its next frame on a goroutine
// that has not handled frames: the stack that handling a frame grew must
// not stay pinned by an idle connection. Only the one goroutine the pool
// may keep holds such a stack.
func TestIdleConnectionsWaitOnSmallStacks(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	f.h.stacks.init()
	f.h.stacks.pool.SetMax(1)
	// A collection would halve the stacks of parked goroutines, hiding
	// grown ones; a stack freed outside a collection goes back at once.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const conns, depth = 32, 2000
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		clients[i], _ = f.dial(t, nil)
	}
	before := stackInuse()
	for i, c := range clients {
		id := fmt.Sprint(i)
		if err := c.WriteMessage(websocket.TextMessage, deepFrame(id, depth)); err != nil {
			t.Fatal(err)
		}
		if got := replyID(t, read(t, c)); got != id {
			t.Fatalf("answer for %s, want %s", got, id)
		}
	}
	// The reply goes out before the goroutine that handled the frame
	// starts the next waiter and parks or exits; poll until the stacks
	// of all but one are given back.
	const perConn = 16 << 10
	limit := time.Now().Add(deadline)
	for {
		grown := stackInuse() - before
		if grown < conns*perConn+2<<20 {
			return
		}
		if time.Now().After(limit) {
			t.Fatalf("stacks grew by %d KB for %d idle connections, want under %d KB each plus one grown stack",
				grown>>10, conns, perConn>>10)
		}
		runtime.Gosched()
	}
}

// stackInuse is the memory held by goroutine stacks.
func stackInuse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.StackInuse)
}
