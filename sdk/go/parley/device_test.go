package parley

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Every client has a device id, made up when none is configured, and keeps
// it for its whole life.
func TestDeviceIDGeneratedOrConfigured(t *testing.T) {
	a, b := New(), New()
	if a.DeviceID() == "" || a.DeviceID() == b.DeviceID() || !strings.HasPrefix(a.DeviceID(), "go-") {
		t.Fatalf("generated device ids %q and %q, want distinct non-empty ids", a.DeviceID(), b.DeviceID())
	}
	if c := New(WithDeviceID("phone-1")); c.DeviceID() != "phone-1" {
		t.Fatalf("configured device id came back as %q", c.DeviceID())
	}
}

// The server keeps what the SDK's device acknowledged: after another device
// of the same user acknowledged more, a session as the SDK's device is
// pushed what that device has not seen.
func TestDeviceIDReachesServer(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice", WithDeviceID("alice-phone")), newClient(t, a, "bob")
	ab, ba := pair(t, alice, bob)
	var sent []*Message
	for i := range 3 {
		sent = append(sent, bob.Send(ba, fmt.Sprint("m", i)))
	}
	waitFor(t, "alice's phone acknowledged 3", func() bool { return sent[2].Status() >= StatusDelivered })
	alice.mu.Lock()
	token := alice.token
	alice.mu.Unlock()
	alice.Close()

	for i := 3; i < 5; i++ {
		bob.Send(ba, fmt.Sprint("m", i))
	}
	laptop := srv.Dial(t)
	laptop.HiDevice("alice-laptop")
	laptop.LoginToken(token)
	laptop.Sub(ab)
	laptop.Until("seq 5", func(m servertest.Msg) bool { return m.Int("data.seq") == 5 })
	laptop.Send(servertest.Msg{"note": servertest.Msg{"topic": ab, "what": "recv", "seq": 5}})
	laptop.Send(servertest.Msg{"get": servertest.Msg{"id": "d", "topic": ab, "what": "desc"}})
	if d := laptop.Until("desc", func(m servertest.Msg) bool { return m.Get("meta.id") == "d" }); d.Int("meta.desc.recv") != 5 {
		t.Fatalf("alice's recv mark %v, want 5 before the phone comes back", d)
	}

	phone := srv.Dial(t)
	phone.HiDevice("alice-phone")
	phone.LoginToken(token)
	phone.Sub(ab)
	for _, seq := range []int{4, 5} {
		if m := phone.Until("data", func(m servertest.Msg) bool { return m["data"] != nil }); m.Int("data.seq") != seq {
			t.Fatalf("the phone's session got %v, want data seq %d", m, seq)
		}
	}
}
