package server_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// PostgreSQL's text cannot hold a NUL, which JSON can ("\u0000"). A tag or
// search term carrying one must get the answers it gets on SQLite, not an
// internal error, and must not keep the account from being updated.
func TestPostgresNULInTagsAndSearch(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	srv := servertest.Start(t, func(c *server.Config) { c.Store = db })
	a := srv.Connect(t, "alice")
	mustCode(t, "sub me", a.Sub("me"), 200)
	id := a.ID()
	mustCode(t, "set tags", a.Request(id, Msg{"set": Msg{"id": id, "topic": "me",
		"tags": []string{"abc\u0000def", "support"}}}), 200)
	mustCode(t, "sub fnd", a.Sub("fnd"), 200)
	for _, term := range []string{"x\u0000y", "abc\u0000def"} {
		id = a.ID()
		mustCode(t, "set fnd", a.Request(id, Msg{"set": Msg{"id": id, "topic": "fnd", "desc": Msg{"public": term}}}), 200)
		id = a.ID()
		mustCode(t, "get fnd "+term, a.Request(id, Msg{"get": Msg{"id": id, "topic": "fnd", "what": "sub"}}), 204)
	}
}
