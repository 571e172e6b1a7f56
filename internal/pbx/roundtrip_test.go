package pbx

import (
	"encoding/json"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/parley-im/parley/internal/proto"
)

// clientSamples hold every client message type, with every field the model
// has set at least once.
var clientSamples = []string{
	`{"hi":{"id":"1","ua":"test/1.0","ver":"0.25","dev":"dev-1","lang":"zh-CN","platf":"web","bkg":true}}`,
	`{"acc":{"id":"2","user":"new","scheme":"basic","secret":"YWxpY2U6c2VjcmV0","login":true,"tags":["email:a@example.com"],"desc":{"defacs":{"auth":"JRWPS","anon":"N"},"public":{"fn":"Alice 张"},"private":{"note":1},"trusted":{"verified":true}},"cred":[{"meth":"email","val":"a@example.com","resp":"123","params":{"k":"v"}}]}}`,
	`{"acc":{"id":"2b","user":"usrAAAAAAAAAAA","token":"tok","status":"ok","authlevel":"auth","scheme":"token"}}`,
	`{"login":{"id":"3","scheme":"basic","secret":"YWxpY2U6c2VjcmV0","cred":[{"meth":"email","val":"a@example.com"}]}}`,
	`{"sub":{"id":"4","topic":"grpAAAA","set":{"desc":{"public":"x"},"sub":{"mode":"JRWP"},"tags":["a","b"]},"get":{"what":"desc sub data del","desc":{"ims":"2026-01-02T03:04:05.678Z"},"sub":{"user":"usrX","limit":5},"data":{"since":3,"before":9,"limit":20},"del":{"since":1,"limit":10}}}}`,
	`{"leave":{"id":"5","topic":"grpAAAA","unsub":true}}`,
	`{"pub":{"id":"6","topic":"usrB","noecho":true,"head":{"msgid":"m-1","mime":"text/x-drafty","n":3},"content":{"txt":"你好 hello","fmt":[{"at":0,"len":2}]}}}`,
	`{"pub":{"id":"6b","topic":"usrB","content":"plain"}}`,
	`{"get":{"id":"7","topic":"grpAAAA","what":"data","data":{"ranges":[{"low":1,"hi":5},{"low":9}],"topic":"t"}}}`,
	`{"set":{"id":"8","topic":"me","desc":{"defacs":{"auth":"JRW"},"private":{"comment":"x"}},"sub":{"user":"usrC","mode":"JR"},"tags":["tag:1"],"cred":{"meth":"email","val":"b@example.com"}}}`,
	`{"del":{"id":"9","topic":"grpAAAA","what":"msg","delseq":[{"low":1,"hi":3}],"hard":true}}`,
	`{"del":{"id":"9b","topic":"grpAAAA","what":"sub","user":"usrC"}}`,
	`{"del":{"id":"9c","what":"cred","cred":{"meth":"email","val":"a@example.com"}}}`,
	`{"del":{"id":"9d","what":"topic","topic":"grpAAAA"}}`,
	`{"del":{"id":"9e","what":"user","user":"usrC","hard":true}}`,
	`{"note":{"topic":"usrB","what":"recv","seq":12,"unread":3}}`,
	`{"note":{"topic":"usrB","what":"kp"}}`,
	`{"note":{"topic":"usrB","what":"kpa"}}`,
	`{"note":{"topic":"usrB","what":"call","seq":4,"event":"hang-up","payload":{"x":1}}}`,
	`{"action":{"id":"10","topic":"grpAAAA","what":"ping","params":{"a":[1,2]}}}`,
	`{"datares":{"id":"11","acks":[{"topic":"usrB","seq":10},{"topic":"grpA","ranges":[{"low":3,"hi":5}]}]}}`,
	`{"pub":{"id":"12","topic":"grpA","content":"x"},"extra":{"attachments":["/v0/file/s/abc"],"obo":"usrD","authlevel":"root"}}`,
}

// TestClientRoundTrip: JSON → model → protobuf → model gives the same model
// (compared as its JSON) for every client message type.
func TestClientRoundTrip(t *testing.T) {
	for _, src := range clientSamples {
		m1, err := proto.DecodeClient([]byte(src))
		if err != nil {
			t.Fatalf("json decode %s: %v", src, err)
		}
		b, err := EncodeClient(m1)
		if err != nil {
			t.Fatalf("protobuf encode %s: %v", src, err)
		}
		m2, err := DecodeClient(b)
		if err != nil {
			t.Fatalf("protobuf decode %s: %v", src, err)
		}
		want, _ := proto.EncodeClient(m1)
		got, _ := proto.EncodeClient(m2)
		if string(got) != string(want) {
			t.Errorf("round trip changed the message\n want %s\n  got %s", want, got)
		}
	}
}

// serverSamples hold every server message type.
var serverSamples = []string{
	`{"ctrl":{"id":"1","code":201,"text":"created","params":{"build":"parley","maxMessageSize":262144,"sid":"abc","ver":"0.25"},"ts":"2026-12-06T13:24:31.123Z"}}`,
	`{"ctrl":{"id":"6","topic":"usrB","code":202,"text":"accepted","params":{"duplicate":true,"seq":17},"ts":"2026-12-06T13:24:31Z"}}`,
	`{"data":{"topic":"usrB","from":"usrA","ts":"2026-12-06T13:24:31.5Z","seq":17,"head":{"msgid":"m-1"},"content":{"txt":"你好"}}}`,
	`{"data":{"topic":"grpA","ts":"2026-12-06T13:24:31.5Z","deleted":"2026-12-06T14:00:00Z","seq":3}}`,
	`{"pres":{"topic":"me","src":"usrB","what":"on","ua":"tn-cli"}}`,
	`{"pres":{"topic":"grpA","what":"gap","seq":5}}`,
	`{"pres":{"topic":"grpA","what":"upd","epoch":1765000000123}}`,
	`{"pres":{"topic":"me","src":"grpA","what":"acs","tgt":"usrB","act":"usrA","dacs":{"want":"+W","given":"-P","mode":"JRW"}}}`,
	`{"pres":{"topic":"grpA","what":"del","clear":4,"delseq":[{"low":1,"hi":4}]}}`,
	`{"meta":{"id":"4","topic":"grpA","ts":"2026-12-06T13:24:31.123Z","desc":{"created":"2026-01-01T00:00:00Z","updated":"2026-01-02T00:00:00Z","touched":"2026-01-03T00:00:00Z","online":true,"defacs":{"auth":"JRWPS","anon":"N"},"acs":{"want":"JRWPASDO","given":"JRWPASDO","mode":"JRWPASDO"},"seq":17,"read":10,"recv":12,"clear":2,"epoch":99,"subcnt":3,"public":{"fn":"Group"},"private":{"x":1},"trusted":{"staff":true},"state":"del"}}}`,
	`{"meta":{"id":"5","topic":"me","ts":"2026-12-06T13:24:31.123Z","sub":[{"updated":"2026-01-02T00:00:00Z","touched":"2026-01-03T00:00:00Z","online":true,"acs":{"want":"JRW","given":"JRW","mode":"JRW"},"read":3,"recv":4,"public":{"fn":"B"},"private":"p","topic":"usrB","seq":9,"clear":1,"seen":{"when":"2026-01-04T00:00:00Z","ua":"web"}},{"deleted":"2026-01-05T00:00:00Z","acs":{},"user":"usrC"}]}}`,
	`{"meta":{"id":"6","topic":"grpA","ts":"2026-12-06T13:24:31.123Z","del":{"clear":3,"delseq":[{"low":1,"hi":3}]},"tags":["a","b"],"cred":[{"meth":"email","val":"a@example.com","done":true}]}}`,
	`{"info":{"topic":"usrB","src":"usrB","from":"usrA","what":"read","seq":17}}`,
	`{"info":{"topic":"usrB","from":"usrA","what":"kpa"}}`,
	`{"info":{"topic":"usrB","from":"usrA","what":"call","seq":3,"event":"offer","payload":{"sdp":"x"}}}`,
}

// TestServerRoundTrip: JSON → model → protobuf → model encodes to the same
// JSON bytes for every server message type.
func TestServerRoundTrip(t *testing.T) {
	for _, src := range serverSamples {
		var m1 proto.ServerMsg
		if err := json.Unmarshal([]byte(src), &m1); err != nil {
			t.Fatalf("json decode %s: %v", src, err)
		}
		b, err := EncodeServer(&m1)
		if err != nil {
			t.Fatalf("protobuf encode %s: %v", src, err)
		}
		m2, err := DecodeServer(b)
		if err != nil {
			t.Fatalf("protobuf decode %s: %v", src, err)
		}
		want, _ := proto.Encode(&m1)
		got, _ := proto.Encode(m2)
		if string(got) != string(want) {
			t.Errorf("round trip changed the message\n want %s\n  got %s", want, got)
		}
	}
}

// TestTinodeFieldNumbers pins the numbers Tinode's gRPC clients rely on,
// writing frames field by field as a client of the pbx schema would.
func TestTinodeFieldNumbers(t *testing.T) {
	// ClientMsg.pub = 6 { id = 1, topic = 2, head = 4 {key 1, value 2}, content = 5 }
	var pub []byte
	pub = protowire.AppendTag(pub, 1, protowire.BytesType)
	pub = protowire.AppendString(pub, "p1")
	pub = protowire.AppendTag(pub, 2, protowire.BytesType)
	pub = protowire.AppendString(pub, "usrB")
	var entry []byte
	entry = protowire.AppendTag(entry, 1, protowire.BytesType)
	entry = protowire.AppendString(entry, "msgid")
	entry = protowire.AppendTag(entry, 2, protowire.BytesType)
	entry = protowire.AppendBytes(entry, []byte(`"m-9"`))
	pub = protowire.AppendTag(pub, 4, protowire.BytesType)
	pub = protowire.AppendBytes(pub, entry)
	pub = protowire.AppendTag(pub, 5, protowire.BytesType)
	pub = protowire.AppendBytes(pub, []byte(`"hi"`))
	var msg []byte
	msg = protowire.AppendTag(msg, 6, protowire.BytesType)
	msg = protowire.AppendBytes(msg, pub)
	m, err := DecodeClient(msg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pub == nil || m.Pub.ID != "p1" || m.Pub.Topic != "usrB" || m.Pub.Head["msgid"] != "m-9" ||
		string(m.Pub.Content) != `"hi"` {
		t.Fatalf("pub decoded as %+v", m.Pub)
	}

	// ServerMsg.data = 2 { topic 1, from_user_id 2, seq_id 4, content 6, timestamp 7 }
	b, err := EncodeServer(&proto.ServerMsg{Data: &proto.MsgServerData{Topic: "usrA", From: "usrB",
		SeqID: 5, Timestamp: proto.Time{Time: proto.Now().Time}, Content: json.RawMessage(`1`)}})
	if err != nil {
		t.Fatal(err)
	}
	fields := fieldNumbers(t, b)
	if len(fields) != 1 || fields[0] != 2 {
		t.Fatalf("ServerMsg fields %v, want [2]", fields)
	}
	_, _, n := protowire.ConsumeTag(b)
	inner, _ := protowire.ConsumeBytes(b[n:])
	if got := fieldNumbers(t, inner); !equal(got, []protowire.Number{1, 2, 4, 6, 7}) {
		t.Fatalf("ServerData fields %v", got)
	}
}

// fieldNumbers lists the top-level field numbers of a message in order.
func fieldNumbers(t *testing.T, b []byte) []protowire.Number {
	t.Helper()
	var out []protowire.Number
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag")
		}
		out = append(out, num)
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			t.Fatalf("bad field %d", num)
		}
		b = b[m:]
	}
	return out
}

func equal(a, b []protowire.Number) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeClientRefuses: what is not one valid client message is
// malformed; bad text inside a JSON value is ErrInvalidText with the id.
func TestDecodeClientRefuses(t *testing.T) {
	bad := map[string][]byte{
		"garbage":          {0xff, 0xff, 0xff},
		"empty":            {},
		"content not json": mustEncodeRaw(t, &ClientMsg{Message: &ClientMsg_Pub{Pub: &ClientPub{Id: "1", Topic: "t", Content: []byte("{nope")}}}),
		"head not json":    mustEncodeRaw(t, &ClientMsg{Message: &ClientMsg_Pub{Pub: &ClientPub{Head: map[string][]byte{"k": []byte("x")}}}}),
		"time out of range": mustEncodeRaw(t, &ClientMsg{Message: &ClientMsg_Get{Get: &ClientGet{Query: &GetQuery{
			What: "desc", Desc: &GetOpts{IfModifiedSince: 1 << 62}}}}}),
	}
	for name, b := range bad {
		if _, err := DecodeClient(b); !errors.Is(err, proto.ErrMalformed) || errors.Is(err, proto.ErrInvalidText) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
	b := mustEncodeRaw(t, &ClientMsg{Message: &ClientMsg_Pub{Pub: &ClientPub{Id: "7", Topic: "t", Content: []byte(`"\ud800"`)}}})
	m, err := DecodeClient(b)
	if !errors.Is(err, proto.ErrInvalidText) || m == nil || m.ID() != "7" {
		t.Fatalf("lone surrogate: %v, %+v", err, m)
	}
}
