package security

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// lpSession creates a long-polling session from address from and returns
// its sid.
func lpSession(t *testing.T, p *servertest.Process, from string) string {
	t.Helper()
	code, body := post(t, httpClient(from), "http://"+p.Addr+"/v0/channels/lp", nil, "")
	var m struct {
		Ctrl struct {
			Params struct {
				Sid string `json:"sid"`
			} `json:"params"`
		} `json:"ctrl"`
	}
	if json.Unmarshal([]byte(body), &m); code != 201 || m.Ctrl.Params.Sid == "" {
		t.Fatalf("create: HTTP %d %s", code, body)
	}
	return m.Ctrl.Params.Sid
}

// A long-polling sid was the whole credential: a second client that learnt
// it published as the user. Now a session answers only the address that
// created it, and the same 404 as an unknown sid tells a thief nothing.
func TestEdgeLongPollSidBoundToAddress(t *testing.T) {
	p := startServer(t)
	sid := lpSession(t, p, "127.0.0.1")
	url := "http://" + p.Addr + "/v0/channels/lp?sid=" + sid
	hi := `{"hi":{"id":"1","ver":"0.25"}}`
	if code, body := post(t, httpClient("127.0.0.2"), url, nil, hi); code != 404 {
		t.Fatalf("sid used from another address: HTTP %d %s, want 404", code, body)
	}
	if code, body := post(t, httpClient("127.0.0.1"), url, nil, hi); code != 204 {
		t.Fatalf("sid used by its creator: HTTP %d %s, want 204", code, body)
	}
	if code, body := post(t, httpClient("127.0.0.1"), url, nil, ""); code != 200 || ctrlCode(body) != 200 {
		t.Fatalf("creator's poll: HTTP %d %s, want the hi answer", code, body)
	}
}

// The trace shows each event's session; it used to be the sid. Now it is a
// label that cannot be turned back into the sid.
func TestEdgeTraceShowsNoSid(t *testing.T) {
	p := startServer(t, "PARLEY_ADMIN_TOKEN=secret-admin")
	c := dial(t, p)
	sid, _ := c.Hi().Get("params.sid").(string)
	id := c.ID()
	if code := c.Request(id, map[string]any{"acc": map[string]any{"id": id, "user": "new",
		"scheme": "anonymous", "login": true}}).Code(); code != 200 {
		t.Fatalf("signup: %d", code)
	}
	id = c.ID()
	grp := c.Request(id, map[string]any{"sub": map[string]any{"id": id, "topic": "new"}})
	topic, _ := grp["topic"].(string)
	if code := c.Pub(topic, "hello", "m-trace-1").Code(); code != 202 {
		t.Fatalf("pub: %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.Addr+"/v0/admin/trace?msgid=m-trace-1", nil)
	req.Header.Set("Authorization", "Bearer secret-admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if sid == "" || resp.StatusCode != 200 || !strings.Contains(string(body), `"session":"`) {
		t.Fatalf("trace: HTTP %d %s (sid %q)", resp.StatusCode, body, sid)
	}
	if strings.Contains(string(body), sid) {
		t.Fatalf("the trace shows the sid %s: %s", sid, body)
	}
}
