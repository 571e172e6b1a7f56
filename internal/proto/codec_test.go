package proto_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// kind names the one message field of m that is set, "" if none is, and
// "many" if more than one is.
func kind(m *proto.ClientMsg) string {
	v := reflect.ValueOf(m).Elem()
	found := ""
	for i := 0; i < v.NumField(); i++ {
		name := strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0]
		if name == "extra" || v.Field(i).IsNil() {
			continue
		}
		if found != "" {
			return "many"
		}
		found = name
	}
	return found
}

func TestDecodeClientValid(t *testing.T) {
	tests := []struct {
		frame string
		kind  string
		id    string
		topic string
		check func(*testing.T, *proto.ClientMsg)
	}{
		{`{"hi":{"id":"1","ver":"0.25","ua":"TinodeWeb/0.25 (Chrome); tinodejs/0.25.3","lang":"en-US","platf":"web","bkg":true}}`,
			"hi", "1", "", func(t *testing.T, m *proto.ClientMsg) {
				if m.Hi.Version != "0.25" || m.Hi.Lang != "en-US" || m.Hi.Platform != "web" || !m.Hi.Background ||
					!strings.HasPrefix(m.Hi.UserAgent, "TinodeWeb") {
					t.Errorf("hi = %+v", m.Hi)
				}
			}},
		{`{"acc":{"id":"2","user":"new","scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM=","login":true,"tags":["alice"],"desc":{"public":{"fn":"Alice"},"defacs":{"auth":"JRWPS","anon":"N"}},"cred":[{"meth":"email","val":"a@example.com"}]}}`,
			"acc", "2", "", func(t *testing.T, m *proto.ClientMsg) {
				a := m.Acc
				if a.User != "new" || a.Scheme != "basic" || string(a.Secret) != "alice:alice123" || !a.Login ||
					len(a.Tags) != 1 || a.Desc == nil || string(a.Desc.Public) != `{"fn":"Alice"}` ||
					a.Desc.DefaultAcs == nil || a.Desc.DefaultAcs.Auth != "JRWPS" || len(a.Cred) != 1 || a.Cred[0].Method != "email" {
					t.Errorf("acc = %+v", a)
				}
			}},
		{`{"login":{"id":"3","scheme":"basic","secret":"Ym9iOmJvYjEyMw=="}}`, "login", "3", "",
			func(t *testing.T, m *proto.ClientMsg) {
				if m.Login.Scheme != "basic" || string(m.Login.Secret) != "bob:bob123" {
					t.Errorf("login = %+v, secret %q", m.Login, m.Login.Secret)
				}
			}},
		{`{"sub":{"id":"4","topic":"me","get":{"what":"desc sub","sub":{"limit":24}}}}`, "sub", "4", "me",
			func(t *testing.T, m *proto.ClientMsg) {
				if m.Sub.Get == nil || m.Sub.Get.What != "desc sub" || m.Sub.Get.Sub == nil || m.Sub.Get.Sub.Limit != 24 {
					t.Errorf("sub.get = %+v", m.Sub.Get)
				}
			}},
		{`{"sub":{"id":"5","topic":"new123","set":{"desc":{"defacs":{"auth":"JRWPS","anon":"N"},"public":{"fn":"g"}},"tags":["x"]}}}`,
			"sub", "5", "new123", func(t *testing.T, m *proto.ClientMsg) {
				s := m.Sub.Set
				if s == nil || s.Desc == nil || s.Desc.DefaultAcs.Auth != "JRWPS" || len(s.Tags) != 1 {
					t.Errorf("sub.set = %+v", s)
				}
			}},
		{`{"leave":{"id":"6","topic":"grpAAAAAAAAAAA","unsub":true}}`, "leave", "6", "grpAAAAAAAAAAA",
			func(t *testing.T, m *proto.ClientMsg) {
				if !m.Leave.Unsub {
					t.Error("leave.unsub not read")
				}
			}},
		{`{"pub":{"id":"7","topic":"usrAQAAAAAAAAA","noecho":true,"head":{"mime":"text/x-drafty","msgid":"m1"},"content":{"txt":"hi <b>","fmt":[]}}}`,
			"pub", "7", "usrAQAAAAAAAAA", func(t *testing.T, m *proto.ClientMsg) {
				p := m.Pub
				if !p.NoEcho || p.Head["msgid"] != "m1" || string(p.Content) != `{"txt":"hi <b>","fmt":[]}` {
					t.Errorf("pub = %+v, content %s", p, p.Content)
				}
			}},
		{`{"pub":{"id":"7b","topic":"t","content":"plain text"}}`, "pub", "7b", "t",
			func(t *testing.T, m *proto.ClientMsg) {
				if string(m.Pub.Content) != `"plain text"` {
					t.Errorf("content = %s", m.Pub.Content)
				}
			}},
		{`{"get":{"id":"8","topic":"grpX","what":"data","data":{"since":3,"before":10,"limit":5,"ims":"2026-01-02T03:04:05.6Z"}}}`,
			"get", "8", "grpX", func(t *testing.T, m *proto.ClientMsg) {
				g := m.Get
				if g.What != "data" || g.Data == nil || g.Data.SinceID != 3 || g.Data.BeforeID != 10 || g.Data.Limit != 5 ||
					g.Data.IfModifiedSince == nil ||
					!g.Data.IfModifiedSince.Equal(time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)) {
					t.Errorf("get = %+v", g)
				}
			}},
		{`{"set":{"id":"9","topic":"grpX","desc":{"public":{"fn":"x"}},"sub":{"user":"usrAQAAAAAAAAA","mode":"+W"}}}`,
			"set", "9", "grpX", func(t *testing.T, m *proto.ClientMsg) {
				s := m.Set
				if s.Desc == nil || string(s.Desc.Public) != `{"fn":"x"}` || s.Sub == nil || s.Sub.Mode != "+W" ||
					s.Sub.User != "usrAQAAAAAAAAA" {
					t.Errorf("set = %+v", s)
				}
			}},
		{`{"del":{"id":"10","topic":"grpX","what":"msg","delseq":[{"low":1,"hi":3},{"low":7}],"hard":true}}`,
			"del", "10", "grpX", func(t *testing.T, m *proto.ClientMsg) {
				d := m.Del
				if d.What != "msg" || !d.Hard || len(d.DelSeq) != 2 || d.DelSeq[0] != (proto.MsgDelRange{Low: 1, Hi: 3}) ||
					d.DelSeq[1] != (proto.MsgDelRange{Low: 7}) {
					t.Errorf("del = %+v", d)
				}
			}},
		{`{"note":{"topic":"grpX","what":"read","seq":12}}`, "note", "", "grpX",
			func(t *testing.T, m *proto.ClientMsg) {
				if m.Note.What != "read" || m.Note.SeqID != 12 {
					t.Errorf("note = %+v", m.Note)
				}
			}},
		{`{"action":{"id":"11","topic":"grpX","what":"order.paid","params":{"n":1}}}`, "action", "11", "grpX",
			func(t *testing.T, m *proto.ClientMsg) {
				if m.Action.What != "order.paid" || string(m.Action.Params) != `{"n":1}` {
					t.Errorf("action = %+v", m.Action)
				}
			}},
		{`{"datares":{"id":"12","acks":[{"topic":"grpX","seq":4},{"topic":"usrAQAAAAAAAAA","ranges":[{"low":1,"hi":2}]}]}}`,
			"datares", "12", "", func(t *testing.T, m *proto.ClientMsg) {
				d := m.DataRes
				if len(d.Acks) != 2 || d.Acks[0].Seq != 4 || len(d.Acks[1].Ranges) != 1 {
					t.Errorf("datares = %+v", d)
				}
			}},
		// extra may accompany any message.
		{`{"pub":{"id":"13","topic":"t","content":1},"extra":{"attachments":["/v0/file/s/x.jpg"],"obo":"usrAQAAAAAAAAA"}}`,
			"pub", "13", "t", func(t *testing.T, m *proto.ClientMsg) {
				if m.Extra == nil || len(m.Extra.Attachments) != 1 || m.Extra.OnBehalfOf != "usrAQAAAAAAAAA" {
					t.Errorf("extra = %+v", m.Extra)
				}
			}},
		// Unknown fields are ignored, at the top level and inside.
		{`{"hi":{"id":"14","ver":"0.25","future":{"x":[1,2]}},"bogus":true}`, "hi", "14", "", nil},
		{`{"sub":{"id":"15","topic":"me","get":{"what":"desc","newthing":1}},"zzz":null}`, "sub", "15", "me", nil},
		// An empty message body is still that message: the SDK strips empty fields.
		{`{"hi":{}}`, "hi", "", "", nil},
		{`{"leave":{"topic":"t"}}`, "leave", "", "t", nil},
		// Whitespace around the object is fine.
		{" \n\t{\"hi\":{\"id\":\"16\"}}\n ", "hi", "16", "", nil},
		// Unicode and escapes in ids and topics.
		{`{"get":{"id":"\u00e9\u2028<&>","topic":"grp\"x","what":"desc"}}`, "get", "é\u2028<&>", `grp"x`, nil},
	}
	for _, tc := range tests {
		m, err := proto.DecodeClient([]byte(tc.frame))
		if err != nil {
			t.Errorf("DecodeClient(%s): %v", tc.frame, err)
			continue
		}
		if k := kind(m); k != tc.kind {
			t.Errorf("DecodeClient(%s) decoded a %q message, want %q", tc.frame, k, tc.kind)
			continue
		}
		if m.ID() != tc.id || m.Topic() != tc.topic {
			t.Errorf("DecodeClient(%s): ID() = %q, Topic() = %q; want %q, %q", tc.frame, m.ID(), m.Topic(), tc.id, tc.topic)
		}
		if tc.check != nil {
			tc.check(t, m)
		}
		// Re-encoding gives the same message back.
		b, err := proto.EncodeClient(m)
		if err != nil {
			t.Errorf("EncodeClient(%s): %v", tc.frame, err)
			continue
		}
		m2, err := proto.DecodeClient(b)
		if err != nil {
			t.Errorf("DecodeClient(EncodeClient(%s)) = %s: %v", tc.frame, b, err)
			continue
		}
		if !reflect.DeepEqual(normalize(t, m), normalize(t, m2)) {
			t.Errorf("round trip of %s changed it:\n got %s", tc.frame, b)
		}
	}
}

// normalize re-encodes m for comparison, so that a nil and an empty slice,
// or two spellings of the same raw JSON, compare equal.
func normalize(t *testing.T, m *proto.ClientMsg) any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return v
}

func TestDecodeClientInvalid(t *testing.T) {
	for _, frame := range []string{
		``,
		` `,
		`1`, // the probe is the transport's business, not a message
		`"1"`,
		`null`,
		`true`,
		`[]`,
		`[{"hi":{}}]`,
		`{}`,                                 // no message
		`{"foo":{}}`,                         // unknown message
		`{"ctrl":{"code":200}}`,              // a server message
		`{"extra":{"obo":"usrAQAAAAAAAAA"}}`, // extra alone
		`{"hi":null}`,                        // null is no message
		`{"hi":{},"login":{"secret":""}}`,    // two messages in one frame
		`{"pub":{"topic":"t"},"note":{"topic":"t","what":"kp"}}`,
		`{"hi":{}}{"hi":{}}`, // two frames run together
		`{"hi":{}} x`,        // trailing garbage
		`{"hi":{}`,           // truncated
		`{"hi":{"id":1}}`,    // wrong type
		`{"hi":"x"}`,
		`{"hi":[]}`,
		`{"pub":{"topic":"t","content":}}`,
		`{"note":{"topic":"t","what":"read","seq":1.5}}`,
		`{"note":{"topic":"t","what":"read","seq":1e400}}`,
		`{"note":{"topic":"t","what":"read","seq":"3"}}`,
		`{"login":{"scheme":"basic","secret":"not base64!"}}`,         // secret must be standard base64
		`{"login":{"scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM"}}`, // nor unpadded
		`{"login":{"scheme":"basic","secret":"YWxp-2U6"}}`,            // nor base64url
		`{"login":{"scheme":"basic","secret":123}}`,
		`{"get":{"topic":"t","what":"data","data":{"ims":"yesterday"}}}`,
		`{"get":{"topic":"t","what":"data","data":{"ims":12}}}`,
		"{\"hi\":{\"id\":\"\x01\"}}", // control character in a string
		`{'hi':{}}`,
		`{hi:{}}`,
		`{"hi":{},}`,
		"\xef\xbb\xbf{\"hi\":{}}", // byte order mark
	} {
		m, err := proto.DecodeClient([]byte(frame))
		if err == nil {
			t.Errorf("DecodeClient(%q) = %+v, want an error", frame, m)
			continue
		}
		if !errors.Is(err, proto.ErrMalformed) {
			t.Errorf("DecodeClient(%q) error = %v, want ErrMalformed", frame, err)
		}
		if m != nil {
			t.Errorf("DecodeClient(%q) returned a message with its error", frame)
		}
	}
}

func TestDecodeClientSecret(t *testing.T) {
	tests := []struct {
		frame string
		want  []byte
	}{
		{`{"login":{"scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM="}}`, []byte("alice:alice123")},
		{`{"login":{"scheme":"basic","secret":"w6lsw6g6cMOkc3M="}}`, []byte("élè:päss")}, // b64EncodeUnicode of UTF-8
		{`{"login":{"scheme":"token","secret":"AAEC/w=="}}`, []byte{0, 1, 2, 0xff}},
		{`{"login":{"scheme":"basic","secret":""}}`, []byte{}},
		{`{"login":{"scheme":"basic"}}`, nil},
		{`{"login":{"scheme":"basic","secret":null}}`, nil},
		{`{"acc":{"user":"new","scheme":"basic","secret":"Ym9iOmJvYjEyMw=="}}`, []byte("bob:bob123")},
	}
	for _, tc := range tests {
		m, err := proto.DecodeClient([]byte(tc.frame))
		if err != nil {
			t.Errorf("DecodeClient(%s): %v", tc.frame, err)
			continue
		}
		var got []byte
		if m.Login != nil {
			got = m.Login.Secret
		} else {
			got = m.Acc.Secret
		}
		if !bytes.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("DecodeClient(%s) secret = %q (nil %v), want %q (nil %v)", tc.frame, got, got == nil, tc.want, tc.want == nil)
		}
	}
}

func TestIDAndTopic(t *testing.T) {
	tests := []struct {
		m         proto.ClientMsg
		id, topic string
	}{
		{proto.ClientMsg{Hi: &proto.MsgClientHi{ID: "a"}}, "a", ""},
		{proto.ClientMsg{Acc: &proto.MsgClientAcc{ID: "b", User: "usrX"}}, "b", ""},
		{proto.ClientMsg{Login: &proto.MsgClientLogin{ID: "c"}}, "c", ""},
		{proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "d", Topic: "me"}}, "d", "me"},
		{proto.ClientMsg{Leave: &proto.MsgClientLeave{ID: "e", Topic: "fnd"}}, "e", "fnd"},
		{proto.ClientMsg{Pub: &proto.MsgClientPub{ID: "f", Topic: "grp1"}}, "f", "grp1"},
		{proto.ClientMsg{Get: &proto.MsgClientGet{ID: "g", Topic: "grp2",
			MsgGetQuery: proto.MsgGetQuery{Sub: &proto.MsgGetOpts{Topic: "not this"}}}}, "g", "grp2"},
		{proto.ClientMsg{Set: &proto.MsgClientSet{ID: "h", Topic: "grp3"}}, "h", "grp3"},
		{proto.ClientMsg{Del: &proto.MsgClientDel{ID: "i", Topic: "grp4", User: "usrX"}}, "i", "grp4"},
		{proto.ClientMsg{Note: &proto.MsgClientNote{Topic: "grp5"}}, "", "grp5"},
		{proto.ClientMsg{Action: &proto.MsgClientAction{ID: "j", Topic: "grp6"}}, "j", "grp6"},
		{proto.ClientMsg{DataRes: &proto.MsgClientDataRes{ID: "k", Acks: []proto.MsgTopicAck{{Topic: "grp7"}}}}, "k", ""},
		{proto.ClientMsg{Extra: &proto.MsgClientExtra{OnBehalfOf: "usrX"}}, "", ""},
		{proto.ClientMsg{}, "", ""},
	}
	for _, tc := range tests {
		if got := tc.m.ID(); got != tc.id {
			t.Errorf("%s: ID() = %q, want %q", kind(&tc.m), got, tc.id)
		}
		if got := tc.m.Topic(); got != tc.topic {
			t.Errorf("%s: Topic() = %q, want %q", kind(&tc.m), got, tc.topic)
		}
	}
}

func TestEncode(t *testing.T) {
	ts := proto.TimeOf(time.Date(2026, 11, 22, 9, 40, 44, 490_000_000, time.UTC))
	m := proto.CtrlParams("<id>&", "grp<x>", 200, "a < b && c > d", map[string]any{
		"what": "<script>", "expires": ts, "n": 3}, ts)
	b, err := proto.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] == '\n' || bytes.HasSuffix(b, []byte("\r\n")) {
		t.Errorf("Encode output ends with a newline: %q", b)
	}
	if !json.Valid(b) {
		t.Fatalf("Encode output is not JSON: %s", b)
	}
	for _, esc := range []string{`\u003c`, `\u003e`, `\u0026`} {
		if bytes.Contains(b, []byte(esc)) {
			t.Errorf("Encode escaped HTML (%s): %s", esc, b)
		}
	}
	for _, raw := range []string{`"id":"<id>&"`, `"topic":"grp<x>"`, `"text":"a < b && c > d"`, `"what":"<script>"`,
		`"ts":"2026-11-22T09:40:44.49Z"`, `"expires":"2026-11-22T09:40:44.49Z"`, `"code":200`} {
		if !bytes.Contains(b, []byte(raw)) {
			t.Errorf("Encode output lacks %s: %s", raw, b)
		}
	}
	if !bytes.HasPrefix(b, []byte(`{"ctrl":{`)) || bytes.Count(b, []byte(`"ctrl"`)) != 1 {
		t.Errorf("Encode output is not one ctrl object: %s", b)
	}

	// Raw content passes through unescaped and compacted.
	d := &proto.ServerMsg{Data: &proto.MsgServerData{Topic: "grpX", From: "usrAQAAAAAAAAA", Timestamp: ts, SeqID: 5,
		Head: map[string]any{"mime": "text/html"}, Content: json.RawMessage("{ \"txt\" : \"<b>&amp;</b>\" }")}}
	b, err = proto.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"topic":"grpX","from":"usrAQAAAAAAAAA","ts":"2026-11-22T09:40:44.49Z","seq":5,"head":{"mime":"text/html"},"content":{"txt":"<b>&amp;</b>"}}}`
	if string(b) != want {
		t.Errorf("Encode(data) =\n %s\nwant\n %s", b, want)
	}

	// A data frame's seq and ts are always present; optional fields are not.
	b, err = proto.Encode(&proto.ServerMsg{Data: &proto.MsgServerData{Topic: "t", Timestamp: ts}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"data":{"topic":"t","ts":"2026-11-22T09:40:44.49Z","seq":0}}`; string(b) != want {
		t.Errorf("Encode(empty data) = %s, want %s", b, want)
	}

	// Encoding errors are returned, not swallowed or panicked on.
	if b, err := proto.Encode(&proto.ServerMsg{Data: &proto.MsgServerData{Content: json.RawMessage("{bad")}}); err == nil {
		t.Errorf("Encode with invalid raw content = %s, want an error", b)
	}
	if b, err := proto.Encode(proto.CtrlParams("", "", 200, "", map[string]any{"f": func() {}}, ts)); err == nil {
		t.Errorf("Encode with an unencodable param = %s, want an error", b)
	}
}

func TestEncodeMeta(t *testing.T) {
	ts := proto.TimeOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	m := &proto.ServerMsg{Meta: &proto.MsgServerMeta{ID: "7", Topic: "me", Timestamp: ts,
		Sub: []proto.MsgTopicSub{{Topic: "grpX", Acs: *proto.Acs(proto.ModeCPublic, proto.ModeCReadOnly), UpdatedAt: &ts,
			LastSeen: &proto.MsgLastSeen{When: &ts, UserAgent: "ua"}}}}}
	b, err := proto.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"meta":{"id":"7","topic":"me","ts":"2026-01-02T03:04:05Z","sub":[{"updated":"2026-01-02T03:04:05Z",` +
		`"acs":{"want":"JRWPS","given":"JR","mode":"JR"},"topic":"grpX","seen":{"when":"2026-01-02T03:04:05Z","ua":"ua"}}]}}`
	if string(b) != want {
		t.Errorf("Encode(meta) =\n %s\nwant\n %s", b, want)
	}
}

func TestCtrlHelpers(t *testing.T) {
	ts := proto.TimeOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tests := []struct {
		m    *proto.ServerMsg
		code int
	}{
		{proto.OK("i", "t", ts), 200},
		{proto.Created("i", "t", ts), 201},
		{proto.NoContent("i", "t", "cred", ts), 204},
		{proto.NotJoined("i", "t", ts), 304},
		{proto.AlreadySubscribed("i", "t", ts), 304},
		{proto.Malformed("i", "t", ts), 400},
		{proto.AuthRequired("i", "t", ts), 401},
		{proto.AuthFailed("i", "t", ts), 401},
		{proto.Forbidden("i", "t", ts), 403},
		{proto.TopicNotFound("i", "t", ts), 404},
		{proto.UserNotFound("i", "t", ts), 404},
		{proto.NotFound("i", "t", ts), 404},
		{proto.OutOfSequence("i", "t", ts), 409},
		{proto.AttachFirst("i", "t", ts), 409},
		{proto.TooLarge("i", "t", ts), 413},
		{proto.Policy("i", "t", ts), 422},
		{proto.TooMany("i", "t", ts), 429},
		{proto.Internal("i", "t", ts), 500},
		{proto.NotImplemented("i", "t", ts), 501},
		{proto.Unavailable("i", "t", ts), 503},
	}
	for _, tc := range tests {
		c := tc.m.Ctrl
		if c == nil || tc.m.Data != nil || tc.m.Meta != nil || tc.m.Pres != nil || tc.m.Info != nil {
			t.Errorf("helper for %d did not build a lone ctrl: %+v", tc.code, tc.m)
			continue
		}
		if c.Code != tc.code || c.ID != "i" || c.Topic != "t" || c.Text == "" || !c.Timestamp.Equal(ts.Time) {
			t.Errorf("ctrl = %+v, want code %d, id i, topic t, a text and ts %v", c, tc.code, ts.Time)
		}
	}
	if p := proto.NoContent("", "", "aux", ts).Ctrl.Params; p["what"] != "aux" {
		t.Errorf("NoContent params = %v", p)
	}
	// A ctrl with no id omits it: Tinode sends unsolicited errors that way.
	b, err := proto.Encode(proto.Malformed("", "", ts))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ctrl":{"code":400,"text":"malformed","ts":"2026-01-02T03:04:05Z"}}`; string(b) != want {
		t.Errorf("Encode(Malformed) = %s, want %s", b, want)
	}
}
