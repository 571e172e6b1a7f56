package session

import (
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

func deadlineSession(hi, login time.Duration) *Session {
	deps := &Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg := &Config{OutboxBytes: 1 << 20, RatePerSecond: 100, RateBurst: 100, HiTimeout: hi, LoginTimeout: login}
	return New(deps, cfg, KindWebSocket, "192.0.2.1")
}

// closedWith drains s and returns its close reason, nil while it is open.
func closedWith(s *Session) *proto.Disconnect {
	_, bye := s.Drain(0)
	return bye
}

// A connection that never says hi, or says hi and never logs in, is closed
// with its documented code once its deadline passes, and not before.
func TestDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		silent := deadlineSession(10*time.Second, time.Minute)
		greeted := deadlineSession(10*time.Second, time.Minute)
		time.Sleep(5 * time.Second)
		greeted.Receive([]byte(`{"hi":{"id":"1","ver":"0.25"}}`))
		time.Sleep(6 * time.Second)
		synctest.Wait()
		if bye := closedWith(silent); bye == nil || *bye != proto.DisconnectNoHi {
			t.Fatalf("no hi after 11s: closed with %v, want %v", bye, proto.DisconnectNoHi)
		}
		if bye := closedWith(greeted); bye != nil {
			t.Fatalf("hi at 5s: closed at 11s with %v", bye)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if bye := closedWith(greeted); bye == nil || *bye != proto.DisconnectNoLogin {
			t.Fatalf("no login a minute after hi: closed with %v, want %v", bye, proto.DisconnectNoLogin)
		}
		silent.End()
		greeted.End()
	})
}

// A login stops the deadline for good; zero timeouts set none.
func TestDeadlineStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := deadlineSession(10*time.Second, time.Minute)
		in.Receive([]byte(`{"hi":{"id":"1","ver":"0.25"}}`))
		in.dl.stop() // what loggedIn does
		unlimited := deadlineSession(0, 0)
		time.Sleep(time.Hour)
		synctest.Wait()
		for name, s := range map[string]*Session{"logged in": in, "no timeouts": unlimited} {
			if bye := closedWith(s); bye != nil {
				t.Fatalf("%s: closed with %v", name, bye)
			}
			s.End()
		}
	})
}
