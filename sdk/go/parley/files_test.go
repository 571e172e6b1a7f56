package parley

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"slices"
	"testing"

	"golang.org/x/time/rate"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// slowConn writes at most the limiter's bytes per second: a slow uplink.
type slowConn struct {
	net.Conn
	lim *rate.Limiter
}

func (c slowConn) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), c.lim.Burst())
		if err := c.lim.WaitN(context.Background(), k); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, nil
}

// throttled is an HTTP client whose uploads go out at bytesPerSec.
func throttled(bytesPerSec int) *http.Client {
	d := &net.Dialer{}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return slowConn{Conn: c, lim: rate.NewLimiter(rate.Limit(bytesPerSec), 16<<10)}, nil
	}}}
}

// contents lists the pool's messages as receivers show them: the file as
// "file", texts by their text.
func contents(c *Client, topic string) []string {
	var out []string
	for _, m := range c.Messages(topic) {
		if bytes.Contains(m.Content, []byte(`"ent"`)) {
			out = append(out, "file")
		} else {
			out = append(out, string(m.Content))
		}
	}
	return out
}

// A file is sent in its place: three texts typed while its 5 MB upload
// crawls through a slow uplink wait behind it, and every receiver sees
// the file, then text 1, 2, 3.
func TestSendFileKeepsOrder(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice := newClient(t, a, "alice", WithHTTPClient(throttled(10<<20)))
	bob := newClient(t, a, "bob")
	sa, sb := watch(alice), watch(bob)
	ab, ba := pair(t, alice, bob)

	data := bytes.Repeat([]byte("parcel photo "), (5<<20)/13)
	file := alice.SendFile(ab, File{Name: "parcel.bin", MimeType: "application/octet-stream",
		Size: int64(len(data)), Body: bytes.NewReader(data)})
	for i := 1; i <= 3; i++ {
		alice.Send(ab, fmt.Sprintf("text %d", i))
	}
	if s := file.Status(); s != StatusSending {
		t.Fatalf("the file is %v before its upload could finish", s)
	}
	// On the sender's screen at once, in order, with virtual seqs.
	if got := contents(alice, ab); !slices.Equal(got, []string{"file", `"text 1"`, `"text 2"`, `"text 3"`}) {
		t.Fatalf("alice's screen right after sending: %v", got)
	}
	converged(t, alice, ab, sa, bob, ba, sb, 4)
	want := []string{"file", `"text 1"`, `"text 2"`, `"text 3"`}
	if got := contents(bob, ba); !slices.Equal(got, want) {
		t.Fatalf("bob sees %v, want %v", got, want)
	}
	if file.Seq() != 1 {
		t.Fatalf("the file has seq %d, want 1", file.Seq())
	}
}

// An upload that fails marks its file Failed; the texts behind it go on.
func TestSendFileFailureLetsOthersGo(t *testing.T) {
	srv := servertest.Start(t, func(c *server.Config) { c.FileMaxSize = 64 << 10 })
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice"), newClient(t, a, "bob")
	ab, ba := pair(t, alice, bob)
	file := alice.SendFile(ab, File{Name: "big.bin", Body: bytes.NewReader(make([]byte, 1<<20))})
	for i := 1; i <= 3; i++ {
		alice.Send(ab, fmt.Sprintf("text %d", i))
	}
	waitFor(t, "the file to fail", func() bool { return file.Status() == StatusFailed })
	waitFor(t, "bob to get the three texts", func() bool {
		return slices.Equal(contents(bob, ba), []string{`"text 1"`, `"text 2"`, `"text 3"`})
	})
}

// An image goes out as Drafty's IM entity with the dimensions the server
// read and its preview, both linked, so the peer can load both.
func TestSendFileImage(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice"), newClient(t, a, "bob")
	ab, ba := pair(t, alice, bob)
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 300, 200)))
	file := alice.SendFile(ab, File{Name: "parcel.png", MimeType: "image/png", Body: &img})
	waitFor(t, "the image to arrive", func() bool { return len(bob.Messages(ba)) == 1 })
	waitFor(t, "the image to be confirmed", func() bool { return file.Seq() == 1 })
	var d struct {
		Ent []struct {
			Tp   string
			Data struct {
				Ref, Preref   string
				Width, Height int
			}
		}
	}
	if err := json.Unmarshal(bob.Messages(ba)[0].Content, &d); err != nil || len(d.Ent) != 1 {
		t.Fatalf("bob's message: %s (%v)", bob.Messages(ba)[0].Content, err)
	}
	e := d.Ent[0]
	if e.Tp != "IM" || e.Data.Width != 300 || e.Data.Height != 200 || e.Data.Ref == "" || e.Data.Preref == "" {
		t.Fatalf("entity %+v, want IM 300×200 with ref and preref", e)
	}
	for _, ref := range []string{e.Data.Ref, e.Data.Preref} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+srv.Addr+ref, nil)
		req.Header.Set("X-Tinode-Auth", "Token "+bob.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("bob GET %s: HTTP %d", ref, resp.StatusCode)
		}
	}
}
