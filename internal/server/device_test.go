package server_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// device connects as the user of token from device dev.
func device(t *testing.T, srv *servertest.Server, token, dev string) *servertest.Client {
	t.Helper()
	c := srv.Dial(t)
	if dev == "" {
		mustCode(t, "hi", c.Hi(), 201)
	} else {
		mustCode(t, "hi", c.HiDevice(dev), 201)
	}
	mustCode(t, "login", c.LoginToken(token), 200)
	return c
}

// publish sends from..to as pipelined pubs without echo and waits for the
// last one's ack.
func publish(t *testing.T, c *servertest.Client, topic string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		c.Send(Msg{"pub": Msg{"id": "p" + strconv.Itoa(i), "topic": topic, "noecho": true, "content": i}})
	}
	c.Until("ack of "+strconv.Itoa(to), func(m Msg) bool { return m.Get("ctrl.id") == "p"+strconv.Itoa(to) })
}

// readData reads the {data} frames from..to, in order, failing on any
// other data frame.
func readData(t *testing.T, c *servertest.Client, from, to int) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		m := c.Until("data", hasKey("data"))
		if m.Int("data.seq") != seq {
			t.Fatalf("got %v, want data seq %d", m, seq)
		}
	}
}

// ackAndSync acknowledges up to seq and waits until the topic has taken
// it: the desc it answers afterwards shows the user's recv mark.
func ackAndSync(t *testing.T, c *servertest.Client, topic string, seq int) Msg {
	t.Helper()
	c.Send(Msg{"note": Msg{"topic": topic, "what": "recv", "seq": seq}})
	return descOf(t, c, topic)
}

// descOf asks for the topic's desc, failing if a {data} comes first.
func descOf(t *testing.T, c *servertest.Client, topic string) Msg {
	t.Helper()
	id := c.ID()
	c.Send(Msg{"get": Msg{"id": id, "topic": topic, "what": "desc"}})
	m := c.Until("desc", func(m Msg) bool { return m.Get("meta.id") == id || m["data"] != nil })
	if m["data"] != nil {
		t.Fatalf("got %v, want no more data before the desc", m)
	}
	return m.Obj("meta").Obj("desc")
}

// Two devices of one user: A acknowledges up to 100 while B is offline at
// 50. B coming back is pushed 51..100, not left at A's position, also after
// a server restart; a device the server does not know starts at the
// user's mark.
func TestSecondDeviceResumesFromItsOwnMark(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := servertest.StartIn(t, dir)
	peer, user := anon(t, srv), anon(t, srv)
	user.Close()
	mustCode(t, "peer sub", peer.Sub(user.User), 200)
	devA, devB := device(t, srv, user.Token, "dev-a"), device(t, srv, user.Token, "dev-b")
	mustCode(t, "a sub", devA.Sub(peer.User), 200)
	mustCode(t, "b sub", devB.Sub(peer.User), 200)

	publish(t, peer, user.User, 1, 50)
	readData(t, devA, 1, 50)
	readData(t, devB, 1, 50)
	ackAndSync(t, devA, peer.User, 50)
	ackAndSync(t, devB, peer.User, 50)
	devB.Close()

	publish(t, peer, user.User, 51, 100)
	readData(t, devA, 51, 100)
	if d := ackAndSync(t, devA, peer.User, 100); d.Int("recv") != 100 {
		t.Fatalf("user's recv mark %v, want 100", d)
	}

	devB = device(t, srv, user.Token, "dev-b")
	mustCode(t, "b resub", devB.Sub(peer.User), 200)
	readData(t, devB, 51, 100)
	ackAndSync(t, devB, peer.User, 70) // B is cut off again at 70
	devB.Close()
	devC := device(t, srv, user.Token, "dev-c")
	mustCode(t, "c sub", devC.Sub(peer.User), 200)
	descOf(t, devC, peer.User) // nothing pushed: a new device starts at the user's mark

	srv.Stop()
	srv = servertest.StartIn(t, dir)
	devB = device(t, srv, user.Token, "dev-b")
	mustCode(t, "b sub after restart", devB.Sub(peer.User), 200)
	readData(t, devB, 71, 100)
	devA = device(t, srv, user.Token, "dev-a")
	mustCode(t, "a sub after restart", devA.Sub(peer.User), 200)
	descOf(t, devA, peer.User) // nothing pushed: A had everything
}

// hi.dev must be a bounded id of letters, digits and "._:-".
func TestHiDeviceValidated(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	for _, dev := range []string{"bad dev", string(make([]byte, 256)), "émoji"} {
		c := srv.Dial(t)
		mustCode(t, "hi with dev "+strconv.Quote(dev), c.HiDevice(dev), 400)
	}
	c := srv.Dial(t)
	mustCode(t, "hi with a push token", c.HiDevice("fcm:APA91b-xyz_0.9"), 201)
	mustCode(t, "later hi clearing dev", c.HiDevice("\u2421"), 200)
}

// copyDir copies the files of a stopped server's data directory: a backup.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue // files/: uploads, which these tests do not make
		}
		if strings.HasSuffix(e.Name(), "-shm") {
			// SQLite's shared-memory index, rebuilt on open and no part
			// of a backup; the last connection to close removes it, and
			// a pool's connection can still be closing as the copy runs.
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// rejoin connects with token and attaches to topic.
func rejoin(t *testing.T, srv *servertest.Server, token, topic string) *servertest.Client {
	t.Helper()
	c := device(t, srv, token, "")
	mustCode(t, "sub "+topic, c.Sub(topic), 200)
	return c
}

// A server restored from an older backup is found out by the first client
// that reports a position the topic never reached: the topic takes a new
// epoch, attached sessions are told, and it survives a restart. An operator
// can also renew every epoch at start (--new-epochs).
func TestRestoredBackupGetsNewEpoch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := servertest.StartIn(t, dir)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	publish(t, a, b.User, 1, 3)
	readData(t, b, 1, 3)
	epoch0 := ackAndSync(t, b, a.User, 3)["epoch"]
	srv.Stop()
	backup := copyDir(t, dir)

	srv = servertest.StartIn(t, dir)
	ra := rejoin(t, srv, a.Token, b.User)
	rb := rejoin(t, srv, b.Token, a.User)
	publish(t, ra, b.User, 4, 6)
	rb.Until("data 6", isData(6))
	ackAndSync(t, rb, a.User, 6)
	srv.Stop()

	srv = servertest.StartIn(t, backup) // the restore: seq 3 again
	ra = rejoin(t, srv, a.Token, b.User)
	rb = rejoin(t, srv, b.Token, a.User)
	if d := descOf(t, rb, a.User); d["epoch"] != epoch0 || d.Int("seq") != 3 {
		t.Fatalf("restored desc %v, want epoch %v and seq 3", d, epoch0)
	}
	rb.Send(Msg{"note": Msg{"topic": a.User, "what": "recv", "seq": 6}})
	upd := ra.Until("pres upd", func(m Msg) bool { return m.Get("pres.what") == "upd" })
	epoch1 := upd.Get("pres.epoch")
	if upd.Get("pres.topic") != b.User || epoch1 == nil || epoch1 == epoch0 {
		t.Fatalf("after B reported seq 6 of 3, A got %v; want pres upd with a new epoch", upd)
	}
	if d := descOf(t, rb, a.User); d["epoch"] != epoch1 {
		t.Fatalf("desc epoch %v, want the new %v", d["epoch"], epoch1)
	}
	srv.Stop()

	srv = servertest.StartIn(t, backup)
	rb = rejoin(t, srv, b.Token, a.User)
	if d := descOf(t, rb, a.User); d["epoch"] != epoch1 {
		t.Fatalf("desc epoch after restart %v, want %v kept", d["epoch"], epoch1)
	}
	srv.Stop()

	srv = servertest.StartIn(t, backup, func(c *server.Config) { c.NewEpochs = true })
	rb = rejoin(t, srv, b.Token, a.User)
	if d := descOf(t, rb, a.User); d["epoch"] == epoch1 || d["epoch"] == nil {
		t.Fatalf("desc epoch after --new-epochs %v, want a new one (was %v)", d["epoch"], epoch1)
	}
}
