package server_test

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// BenchmarkCustomerLogin is one connection's hi and login, end to end over
// WebSocket: a returning customer's jwt login (signature, the mapping
// look-up; the profile is unchanged, so nothing is written), a token login
// for comparison, and a refused (forged) jwt on an open connection.
func BenchmarkCustomerLogin(b *testing.B) {
	m := newMerchant(b)
	srv := servertest.Start(b, m.configure(b), func(c *server.Config) { c.LoginAddressBurst = 1 << 30 })
	tok := m.token(b, jwt.MapClaims{"sub": "bench-1", "name": "Bench", "order": "B-1"})
	login := func(scheme, secret string, want int) {
		c := srv.Dial(b)
		defer c.Close()
		c.Hi()
		id := c.ID()
		if ctrl := c.Request(id, Msg{"login": Msg{"id": id, "scheme": scheme, "secret": secret}}); ctrl.Code() != want {
			b.Fatalf("%s login: %v", scheme, ctrl)
		}
	}
	login("jwt", tok, 200) // creates the customer
	c := srv.Dial(b)
	c.Hi()
	id := c.ID()
	token, _ := c.Request(id, Msg{"login": Msg{"id": id, "scheme": "jwt", "secret": tok}}).Get("params.token").(string)
	c.Close()
	b.Run("jwt", func(b *testing.B) {
		for b.Loop() {
			login("jwt", tok, 200)
		}
	})
	b.Run("token", func(b *testing.B) {
		for b.Loop() {
			login("token", token, 200)
		}
	})
	b.Run("forged", func(b *testing.B) {
		forged := tok[:len(tok)-4] + "AAAA"
		c := srv.Dial(b)
		defer c.Close()
		c.Hi()
		for b.Loop() {
			id := c.ID()
			if ctrl := c.Request(id, Msg{"login": Msg{"id": id, "scheme": "jwt", "secret": forged}}); ctrl.Code() != 401 {
				b.Fatalf("forged: %v", ctrl)
			}
		}
	})
}
