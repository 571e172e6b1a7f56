package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

const deskToken = "desk-test-token"

// adminDo sends an admin API request and returns the status and decoded body.
func adminDo(t *testing.T, addr, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	return adminDoToken(t, addr, token, method, path, body)
}

// adminDoTB is adminDo with the test token, for benchmarks.
func adminDoTB(t testing.TB, addr, method, path, body string) (int, map[string]any) {
	return adminDoToken(t, addr, deskToken, method, path, body)
}

func adminDoToken(t testing.TB, addr, token, method, path, body string) (int, map[string]any) {
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var v map[string]any
	json.Unmarshal(b, &v)
	return res.StatusCode, v
}

func withAdmin(c *server.Config) { c.AdminToken = deskToken }

// meTrusted asks for the me description and returns its trusted object.
func meTrusted(t *testing.T, c *servertest.Client) map[string]any {
	t.Helper()
	id := c.ID()
	c.Send(servertest.Msg{"get": servertest.Msg{"id": id, "topic": "me", "what": "desc"}})
	m := c.Until("me desc", func(m servertest.Msg) bool { return m.Get("meta.id") == id })
	tr, _ := m.Get("meta.desc.trusted").(map[string]any)
	return tr
}

func TestStaffRoleShownInMeDesc(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	if code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"sales"}`); code != 201 {
		t.Fatalf("team add: %d %v", code, body)
	}
	code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/staff",
		`{"login":"ann","password":"pass123","role":"agent","teams":["sales"],"capacity":3}`)
	if code != 201 {
		t.Fatalf("staff add: %d %v", code, body)
	}
	c := s.Dial(t)
	c.Hi()
	if ctrl := c.Login("ann", "pass123"); ctrl.Code() != 200 {
		t.Fatalf("agent login: %v", ctrl)
	}
	if tr := meTrusted(t, c); tr["role"] != "agent" {
		t.Fatalf("me trusted = %v, want role agent", tr)
	}
	// A change while the agent is connected shows in the next description.
	if code, body := adminDo(t, s.Addr, deskToken, "PATCH", "/v0/admin/staff/ann", `{"role":"supervisor"}`); code != 200 {
		t.Fatalf("staff set: %d %v", code, body)
	}
	if tr := meTrusted(t, c); tr["role"] != "supervisor" {
		t.Fatalf("me trusted after the change = %v, want role supervisor", tr)
	}
	// A customer has no role in trusted.
	cust := s.Connect(t, "carl")
	if tr := meTrusted(t, cust); tr["role"] != nil {
		t.Errorf("a customer's trusted = %v, want no role", tr)
	}
}

func TestStaffDisableClosesSessionsAndRefusesLogin(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/staff", `{"login":"bo","password":"pass123","role":"agent"}`)
	c := s.Dial(t)
	c.Hi()
	if ctrl := c.Login("bo", "pass123"); ctrl.Code() != 200 {
		t.Fatalf("login: %v", ctrl)
	}
	token := c.Token
	if code, body := adminDo(t, s.Addr, deskToken, "PATCH", "/v0/admin/staff/bo", `{"disabled":true}`); code != 200 ||
		body["staff"].(map[string]any)["disabled"] != true {
		t.Fatalf("disable: %d %v", code, body)
	}
	if err := c.ReadErr(); !strings.Contains(err.Error(), "4005") {
		t.Errorf("the disabled agent's session ended with %v, want close 4005", err)
	}
	for name, login := range map[string]func(*servertest.Client) servertest.Msg{
		"password": func(c *servertest.Client) servertest.Msg { return c.Login("bo", "pass123") },
		"token":    func(c *servertest.Client) servertest.Msg { return c.LoginToken(token) },
	} {
		c := s.Dial(t)
		c.Hi()
		if ctrl := login(c); ctrl.Code() != 401 {
			t.Errorf("%s login of a disabled agent: %v, want 401", name, ctrl)
		}
	}
	adminDo(t, s.Addr, deskToken, "PATCH", "/v0/admin/staff/bo", `{"disabled":false}`)
	c2 := s.Dial(t)
	c2.Hi()
	if ctrl := c2.Login("bo", "pass123"); ctrl.Code() != 200 {
		t.Errorf("login after enabling: %v", ctrl)
	}
}

func TestStaffSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := servertest.StartIn(t, dir, withAdmin)
	adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"vip","on_offline":"keep"}`)
	adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/staff",
		`{"login":"cy","password":"pass123","role":"admin","teams":["vip"],"capacity":0}`)
	s.Stop()
	s = servertest.StartIn(t, dir, withAdmin)
	code, body := adminDo(t, s.Addr, deskToken, "GET", "/v0/admin/staff", "")
	got, _ := json.Marshal(body["staff"])
	if code != 200 || !containsAll(got, `"login":"cy"`, `"role":"admin"`, `"capacity":0`, `"teams":["vip"]`, `"disabled":false`) {
		t.Errorf("staff after a restart: %d %s", code, got)
	}
	code, body = adminDo(t, s.Addr, deskToken, "GET", "/v0/admin/teams", "")
	got, _ = json.Marshal(body["teams"])
	if code != 200 || !containsAll(got, `"name":"vip"`, `"on_offline":"keep"`) {
		t.Errorf("teams after a restart: %d %s", code, got)
	}
}

// TestStaffAPIErrors: each refusal has its status and says why.
func TestStaffAPIErrors(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	s.Connect(t, "cust")
	adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"sales"}`)
	cases := []struct {
		name, token, method, path, body string
		code                            int
	}{
		{"no token", "", "GET", "/v0/admin/staff", "", 401},
		{"wrong token", "nope", "POST", "/v0/admin/teams", `{"name":"x"}`, 401},
		{"bad team name", deskToken, "POST", "/v0/admin/teams", `{"name":"a b"}`, 400},
		{"bad on_offline", deskToken, "POST", "/v0/admin/teams", `{"name":"x","on_offline":"drop"}`, 400},
		{"team taken", deskToken, "POST", "/v0/admin/teams", `{"name":"sales"}`, 409},
		{"unknown team", deskToken, "PATCH", "/v0/admin/teams/ghost", `{"on_offline":"keep"}`, 404},
		{"unknown field", deskToken, "POST", "/v0/admin/teams", `{"name":"x","onoffline":"keep"}`, 400},
		{"not JSON", deskToken, "POST", "/v0/admin/staff", `login=x`, 400},
		{"too large", deskToken, "POST", "/v0/admin/teams", `{"name":"` + strings.Repeat("a", 70000) + `"}`, 400},
		{"bad role", deskToken, "POST", "/v0/admin/staff", `{"login":"zed","password":"pass123","role":"root"}`, 400},
		{"customer role on add", deskToken, "POST", "/v0/admin/staff", `{"login":"zed","password":"pass123","role":"customer"}`, 400},
		{"weak password", deskToken, "POST", "/v0/admin/staff", `{"login":"zed","password":"x","role":"agent"}`, 400},
		{"negative capacity", deskToken, "POST", "/v0/admin/staff", `{"login":"zed","password":"pass123","role":"agent","capacity":-1}`, 400},
		{"huge capacity", deskToken, "POST", "/v0/admin/staff", `{"login":"zed","password":"pass123","role":"agent","capacity":100000}`, 400},
		{"staff unknown team", deskToken, "POST", "/v0/admin/staff", `{"login":"zed","password":"pass123","role":"agent","teams":["ghost"]}`, 404},
		{"login of a customer", deskToken, "POST", "/v0/admin/staff", `{"login":"cust","password":"pass123","role":"agent"}`, 409},
		{"customer without role", deskToken, "PATCH", "/v0/admin/staff/cust", `{"capacity":2}`, 409},
		{"unknown login", deskToken, "PATCH", "/v0/admin/staff/ghost", `{"role":"agent"}`, 404},
		{"wrong method", deskToken, "DELETE", "/v0/admin/teams", ``, 405},
	}
	for _, c := range cases {
		code, body := adminDo(t, s.Addr, c.token, c.method, c.path, c.body)
		if code != c.code {
			t.Errorf("%s: %d %v, want %d", c.name, code, body, c.code)
		} else if c.code != 405 && body["error"] == nil {
			t.Errorf("%s: %d without an error text", c.name, code)
		}
	}
	// A customer promoted by an explicit role keeps their account.
	if code, body := adminDo(t, s.Addr, deskToken, "PATCH", "/v0/admin/staff/cust",
		`{"role":"agent","add_teams":["sales"]}`); code != 200 {
		t.Errorf("promoting a customer: %d %v", code, body)
	}
}

// TestStaffAPIDisabledWithoutToken: with no admin token the endpoints do
// not exist.
func TestStaffAPIDisabledWithoutToken(t *testing.T) {
	s := servertest.Start(t)
	for _, p := range []string{"/v0/admin/staff", "/v0/admin/teams"} {
		if code, _ := adminDo(t, s.Addr, "anything", "GET", p, ""); code != 404 {
			t.Errorf("GET %s without an admin token configured: %d, want 404", p, code)
		}
	}
}

func containsAll(b []byte, parts ...string) bool {
	for _, p := range parts {
		if !bytes.Contains(b, []byte(p)) {
			return false
		}
	}
	return true
}
