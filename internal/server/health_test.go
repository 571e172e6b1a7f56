package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// keysFunc is a store.Keys whose answer the test chooses.
type keysFunc func() error

func (f keysFunc) GetOrCreateKey(context.Context, string, []byte) ([]byte, error) {
	if err := f(); err != nil {
		return nil, err
	}
	return []byte("key"), nil
}

// /healthz is 200 only while the store answers: a process that serves HTTP
// but cannot read its database must not look healthy to a load balancer.
func TestHealthzReflectsTheStore(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{{nil, http.StatusOK}, {errors.New("disk I/O error"), http.StatusServiceUnavailable}} {
		rec := httptest.NewRecorder()
		server.HealthHandler(keysFunc(func() error { return tc.err })).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != tc.want {
			t.Errorf("store error %v: /healthz %d, want %d", tc.err, rec.Code, tc.want)
		}
	}

	srv := servertest.Start(t)
	resp, err := http.Get("http://" + srv.Addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz of a running server: %d", resp.StatusCode)
	}
}
