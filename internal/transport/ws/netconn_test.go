package ws

import (
	"net"
	"testing"
)

type wrapped struct{ net.Conn }

func (w wrapped) Socket() net.Conn { return w.Conn }

// transforming is a wrapper that changes the bytes, as TLS does.
type transforming struct{ net.Conn }

func (t transforming) NetConn() net.Conn { return t.Conn }

// Frames are written to the socket under any listener wrapper: through the
// wrapper net.Buffers would fall back to a write per frame.
func TestNetConnUnwraps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := netConn(wrapped{wrapped{c}}).(*net.TCPConn); !ok {
		t.Fatal("netConn did not reach the *net.TCPConn")
	}
	if _, ok := netConn(wrapped{transforming{c}}).(transforming); !ok {
		t.Fatal("netConn went under a wrapper that changes the bytes")
	}
}
