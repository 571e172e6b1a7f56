package session_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
	"github.com/parley-im/parley/internal/store"
)

// loginCode logs a fresh session in with login:password and returns the
// ctrl code.
func loginCode(t *testing.T, env *fuzzEnv, login, password string) int {
	t.Helper()
	r := env.run(t)
	defer r.end()
	r.send(`{"hi":{"id":"h","ver":"0.25"}}`)
	secret := base64.StdEncoding.EncodeToString([]byte(login + ":" + password))
	for _, f := range r.send(`{"login":{"id":"l","scheme":"basic","secret":"` + secret + `"}}`) {
		var m struct{ Ctrl *proto.MsgServerCtrl }
		if json.Unmarshal(f, &m) == nil && m.Ctrl != nil && m.Ctrl.ID == "l" {
			return m.Ctrl.Code
		}
	}
	t.Fatal("no answer to login")
	return 0
}

// Accounts made before logins were normalized are keyed by the lowercased
// login. They still log in — also a look-alike made next to a normalized
// twin, whose own key the normalized one shadows.
func TestLegacyLoginsStillWork(t *testing.T) {
	env := newFuzzEnv(t)
	env.cfg = &session.Config{Version: "0.25", Build: "test", MaxMessageSize: 4096, MaxSubscribers: 16,
		MaxTopics: 8, OutboxBytes: 1 << 20, RatePerSecond: 1e6, RateBurst: 1 << 20}
	ctx := context.Background()
	now := time.Now().UTC().Round(time.Millisecond)
	for i, a := range []struct{ unique, password string }{
		{"basic:straße", "strasse-pw"},
		{"basic:ａｌｉｃｅ", "fullwidth-pw"}, // made next to "alice" before normalizing
	} {
		hash, err := bcrypt.GenerateFromPassword([]byte(a.password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		id := proto.Uid(100 + i)
		user := &store.User{ID: id, CreatedAt: now, UpdatedAt: now,
			Access: store.DefaultAccess{Auth: proto.ModeCAuth, Anon: proto.ModeNone}}
		rec := &store.AuthRecord{Unique: a.unique, UserID: id, Scheme: "basic", AuthLevel: store.AuthAuth, Secret: hash}
		if err := env.deps.Users.CreateUser(ctx, user, rec); err != nil {
			t.Fatal(err)
		}
	}
	env.subst = strings.NewReplacer()
	for _, tc := range []struct {
		login, password string
		want            int
	}{
		{"Straße", "strasse-pw", 200},
		{"ａｌｉｃｅ", "fullwidth-pw", 200},
		{"alice", "alice123", 200}, // the fixture's own alice, under the normalized key
		{"ＡＬＩＣＥ", "alice123", 200},
		{"ａｌｉｃｅ", "wrong", 401},
	} {
		if got := loginCode(t, env, tc.login, tc.password); got != tc.want {
			t.Errorf("login %q: %d, want %d", tc.login, got, tc.want)
		}
	}
}
