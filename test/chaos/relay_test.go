package chaos

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// frameCount is how many numbered frames each relay test sends.
const frameCount = 600

// upstream is a WebSocket server standing in for the gateway: with ?send=N
// it sends the frames 0..N-1 at once; everything it receives goes to got.
type upstream struct {
	*httptest.Server
	got   chan int
	ended chan struct{} // closed when the (single) connection ends
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{got: make(chan int, 4*frameCount), ended: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer close(u.ended)
		defer c.Close()
		n, _ := strconv.Atoi(r.URL.Query().Get("send"))
		for i := range n {
			if c.WriteMessage(websocket.TextMessage, []byte(strconv.Itoa(i))) != nil {
				return
			}
		}
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			i, _ := strconv.Atoi(string(b))
			u.got <- i
		}
	}))
	t.Cleanup(u.Close)
	return u
}

// dialThrough starts an upstream and a relay with faults f in front of it,
// and connects a client; with toClient the upstream sends frameCount
// numbered frames at once, otherwise the client does.
func dialThrough(t *testing.T, f Faults, toClient bool) (*upstream, *Relay, *websocket.Conn) {
	t.Helper()
	u := newUpstream(t)
	relay, err := NewRelay(strings.TrimPrefix(u.URL, "http://"), f, 42)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(relay.Close)
	path := "/v0/channels"
	if toClient {
		path += "?send=" + strconv.Itoa(frameCount)
	}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+relay.Addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if !toClient {
		for i := range frameCount {
			if err := c.WriteMessage(websocket.TextMessage, []byte(strconv.Itoa(i))); err != nil {
				break // cut: what was written is what the relay may have seen
			}
		}
	}
	return u, relay, c
}

// through relays frameCount numbered frames in one direction and returns
// them in the order they arrived, how long they took from the first to the
// last, and the relay's counts. It reads exactly
// as many frames as the counts say should arrive, so a relay that counts a
// fault it did not commit fails the checks below instead of passing.
func through(t *testing.T, f Faults, toClient bool) ([]int, time.Duration, Stats) {
	t.Helper()
	u, relay, c := dialThrough(t, f, toClient)
	if !pollUntil(10*time.Second, func() bool { return relay.Stats().Frames == frameCount }) {
		t.Fatalf("relay saw %d of %d frames", relay.Stats().Frames, frameCount)
	}
	st := relay.Stats()
	want := int(st.Frames - st.Dropped + st.Duplicated)
	var got []int
	var first time.Time
	for len(got) < want {
		var i int
		if toClient {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, b, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("got %d of %d frames: %v", len(got), want, err)
			}
			i, _ = strconv.Atoi(string(b))
		} else {
			select {
			case i = <-u.got:
			case <-time.After(5 * time.Second):
				t.Fatalf("upstream got %d of %d frames", len(got), want)
			}
		}
		if len(got) == 0 {
			first = time.Now()
		}
		got = append(got, i)
	}
	span := time.Since(first)
	// Nothing more may come: a frame counted as dropped but sent anyway
	// would show up here. Absence can only be awaited for a while; held
	// and delayed frames are out within MaxDelay (50 ms).
	if toClient {
		c.SetReadDeadline(time.Now().Add(quiet))
		if _, b, err := c.ReadMessage(); err == nil {
			t.Fatalf("frame %s came after the %d expected", b, want)
		}
	} else {
		select {
		case i := <-u.got:
			t.Fatalf("frame %d came after the %d expected", i, want)
		case <-time.After(quiet):
		}
	}
	return got, span, relay.Stats()
}

// quiet is how long a relay test waits to be sure no frame is still coming.
const quiet = 200 * time.Millisecond

// cutThrough relays with a cut probability and returns how many frames made
// it before the cut, and the relay's counts.
func cutThrough(t *testing.T, toClient bool) (int, Stats) {
	t.Helper()
	u, relay, c := dialThrough(t, Faults{Cut: 0.01}, toClient)
	n := 0
	if toClient {
		for {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, _, err := c.ReadMessage(); err != nil {
				if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
					t.Fatalf("the connection stayed up after %d frames", n)
				}
				break
			}
			n++
		}
	} else {
		select {
		case <-u.ended:
		case <-time.After(5 * time.Second):
			t.Fatalf("the upstream connection stayed up")
		}
		n = len(u.got)
	}
	return n, relay.Stats()
}

// census counts what happened to 0..frameCount-1 in got.
func census(got []int) (missing, extra, descents int) {
	seen := map[int]int{}
	for i, v := range got {
		seen[v]++
		if i > 0 && v < got[i-1] {
			descents++
		}
	}
	for i := range frameCount {
		if seen[i] == 0 {
			missing++
		}
	}
	return missing, len(got) - (frameCount - missing), descents
}

func TestRelayFaults(t *testing.T) {
	for _, dir := range []struct {
		name     string
		toClient bool
	}{{"to client", true}, {"to gateway", false}} {
		t.Run(dir.name, func(t *testing.T) {
			t.Run("clean", func(t *testing.T) {
				got, _, st := through(t, Faults{}, dir.toClient)
				if m, x, d := census(got); m+x+d != 0 || st.Dropped+st.Duplicated+st.Delayed+st.Reordered != 0 {
					t.Fatalf("a relay without faults changed the stream: %d missing, %d extra, %d descents; %v", m, x, d, st)
				}
			})
			t.Run("drop", func(t *testing.T) {
				got, _, st := through(t, Faults{Drop: 0.1}, dir.toClient)
				m, x, d := census(got)
				if st.Dropped == 0 || int64(m) != st.Dropped || x != 0 || d != 0 {
					t.Fatalf("%d missing, %d extra, %d descents; %v", m, x, d, st)
				}
			})
			t.Run("duplicate", func(t *testing.T) {
				got, _, st := through(t, Faults{Dup: 0.1}, dir.toClient)
				m, x, d := census(got)
				if st.Duplicated == 0 || int64(x) != st.Duplicated || m != 0 || d != 0 {
					t.Fatalf("%d missing, %d extra, %d descents; %v", m, x, d, st)
				}
			})
			t.Run("reorder", func(t *testing.T) {
				got, _, st := through(t, Faults{Reorder: 0.1}, dir.toClient)
				m, x, d := census(got)
				// Each swap of neighbours makes exactly one descent.
				if st.Reordered == 0 || int64(d) != st.Reordered || m != 0 || x != 0 {
					t.Fatalf("%d missing, %d extra, %d descents; %v", m, x, d, st)
				}
			})
			t.Run("delay", func(t *testing.T) {
				got, span, st := through(t, Faults{Delay: 0.1}, dir.toClient)
				m, x, d := census(got)
				if st.Delayed == 0 || d == 0 || m != 0 || x != 0 {
					t.Fatalf("%d missing, %d extra, %d descents; %v", m, x, d, st)
				}
				// Some 60 frames wait up to 50 ms each: the longest wait
				// is over 20 ms unless the relay does not really wait.
				if span < 20*time.Millisecond {
					t.Fatalf("the stream took %v: frames were not held", span)
				}
			})
			t.Run("cut", func(t *testing.T) {
				n, st := cutThrough(t, dir.toClient)
				if st.Cuts != 1 || st.Frames >= frameCount || int64(n) >= st.Frames {
					t.Fatalf("%d frames through a cut connection; %v", n, st)
				}
			})
		})
	}
}
