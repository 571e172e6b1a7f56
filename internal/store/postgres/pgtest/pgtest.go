// Package pgtest gives tests a PostgreSQL database of their own on the
// local server, so test packages running in parallel never see each
// other's rows, and drops it when the test ends.
//
// The server is PARLEY_TEST_POSTGRES (a postgres:// URL whose database is
// used only to create and drop others), by default the local one at
// 127.0.0.1:5432 as user postgres. When it does not answer, tests skip with
// a message saying so; under CI (CI set) they fail instead, because CI
// must have one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server tried when PARLEY_TEST_POSTGRES is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL is the server the tests use.
func ServerURL() string {
	if u := os.Getenv("PARLEY_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultURL
}

// Database creates a fresh, empty database and returns its URL. It is
// dropped, with any connections left to it, when the test ends.
func Database(t testing.TB) string {
	t.Helper()
	admin := connect(t, ServerURL())
	name := "parley_test_" + randomName()
	if _, err := admin.Exec(t.Context(), `CREATE DATABASE `+name); err != nil {
		admin.Close(context.Background())
		t.Fatalf("pgtest: create database: %v", err)
	}
	admin.Close(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withPath(t, ServerURL(), name, "")
}

// Schema creates a fresh schema in the database at dbURL and returns a URL
// whose connections use it. It is cheaper than a database, for suites that
// need many empty stores; the database's cleanup removes it.
func Schema(t testing.TB, dbURL string) string {
	t.Helper()
	c := connect(t, dbURL)
	defer c.Close(context.Background())
	name := "s_" + randomName()
	if _, err := c.Exec(t.Context(), `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	return withPath(t, dbURL, "", name)
}

// connect opens one connection, or skips (fails under CI) the test when
// the server does not answer.
func connect(t testing.TB, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err == nil {
		return c
	}
	// One line, so make test's summary can quote it.
	why := strings.Join(strings.Fields(err.Error()), " ")
	if os.Getenv("CI") != "" {
		t.Fatalf("pgtest: PostgreSQL at %s does not answer (%s); CI must start it", redact(u), why)
	}
	t.Skipf("pgtest: skipped: PostgreSQL at %s does not answer (%s); start it or set PARLEY_TEST_POSTGRES", redact(u), why)
	return nil
}

// withPath returns u naming database db (when not empty) and, when schema
// is set, with search_path set to it.
func withPath(t testing.TB, u, db, schema string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if db != "" {
		p.Path = "/" + db
	}
	if schema != "" {
		q := p.Query()
		q.Set("search_path", schema)
		p.RawQuery = q.Encode()
	}
	return p.String()
}

// redact hides a password in a URL shown in a test's output.
func redact(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return "(unparsable URL)"
}

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
