package proto_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/proto"
)

// Seeds shared by the fuzz targets below. More inputs live in
// testdata/fuzz/<target>/, in Go's corpus format.
var clientFrameSeeds = []string{
	`{"hi":{"id":"1","ver":"0.25","ua":"tinodejs/0.25.3","lang":"en-US","platf":"web"}}`,
	`{"acc":{"id":"2","user":"new","scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM=","login":true,"tags":["alice"],"desc":{"public":{"fn":"Alice"},"defacs":{"auth":"JRWPS","anon":"N"}},"cred":[{"meth":"email","val":"a@example.com","params":{"x":1}}]}}`,
	`{"acc":{"id":"2a","user":"new","scheme":"anonymous","login":true}}`,
	`{"login":{"id":"3","scheme":"basic","secret":"Ym9iOmJvYjEyMw=="}}`,
	`{"login":{"id":"3t","scheme":"token","secret":"AQAAAAAAAAAAAAAAFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}`,
	`{"sub":{"id":"4","topic":"me","get":{"what":"desc sub tags","sub":{"ims":"2026-01-02T03:04:05.6Z","limit":24}}}}`,
	`{"sub":{"id":"5","topic":"new123","set":{"desc":{"defacs":{"auth":"JRWPS","anon":"N"},"public":{"fn":"g"}},"sub":{"mode":"JRWPS"},"tags":["x"]}}}`,
	`{"sub":{"id":"5p","topic":"usrAQAAAAAAAAA","get":{"what":"data","data":{"since":1,"limit":10}}}}`,
	`{"leave":{"id":"6","topic":"grpAAAAAAAAAAA","unsub":true}}`,
	`{"pub":{"id":"7","topic":"usrAQAAAAAAAAA","noecho":true,"head":{"mime":"text/x-drafty","msgid":"m1"},"content":{"txt":"hi <b>&","fmt":[{"at":0,"len":2,"tp":"ST"}]}}}`,
	`{"pub":{"id":"7s","topic":"grpX","content":"plain"},"extra":{"attachments":["/v0/file/s/x.jpg"],"obo":"usrAQAAAAAAAAA"}}`,
	`{"get":{"id":"8","topic":"grpX","what":"data del","data":{"since":3,"before":10,"limit":5},"del":{"ims":"2026-01-02T03:04:05Z"}}}`,
	`{"get":{"id":"8d","topic":"me","what":"desc","desc":{"ims":"2026-11-22T09:40:44.49Z"}}}`,
	`{"set":{"id":"9","topic":"grpX","desc":{"public":{"fn":"x"},"private":{"comment":"y"}},"sub":{"user":"usrAQAAAAAAAAA","mode":"+W-P"}}}`,
	`{"del":{"id":"10","topic":"grpX","what":"msg","delseq":[{"low":1,"hi":3},{"low":7}],"hard":true}}`,
	`{"del":{"id":"10u","what":"user","user":"usrAQAAAAAAAAA"}}`,
	`{"note":{"topic":"grpX","what":"read","seq":12}}`,
	`{"note":{"topic":"grpX","what":"kp","event":"x","payload":{"a":[1,2.5,null,true]}}}`,
	`{"action":{"id":"11","topic":"grpX","what":"order.paid","params":{"n":1}}}`,
	`{"datares":{"id":"12","acks":[{"topic":"grpX","seq":4},{"topic":"usrAQAAAAAAAAA","ranges":[{"low":1,"hi":2}]}]}}`,
	`{"hi":{},"login":{}}`,
	`{"HI":{"Id":"x"}}`,
	`{}`,
	`1`,
	`{"hi":{"id":"\u00e9\ud83d\ude00\u2028"}}`,
	"{\"pub\":{\"id\":\"1\",\"topic\":\"grpX\",\"content\":\"\xff\"}}",
	`{"pub":{"id":"1","topic":"grpX","content":"\udc80\\udc80"}}`,
}

// imsOf lists the timestamps a client message can carry.
func imsOf(m *proto.ClientMsg) []*proto.Time {
	var qs []*proto.MsgGetQuery
	if m.Get != nil {
		qs = append(qs, &m.Get.MsgGetQuery)
	}
	if m.Sub != nil && m.Sub.Get != nil {
		qs = append(qs, m.Sub.Get)
	}
	var out []*proto.Time
	for _, q := range qs {
		for _, o := range []*proto.MsgGetOpts{q.Desc, q.Sub, q.Data, q.Del} {
			if o != nil && o.IfModifiedSince != nil {
				out = append(out, o.IfModifiedSince)
			}
		}
	}
	return out
}

// FuzzDecodeClient: DecodeClient never panics, accepts only valid UTF-8
// JSON, and whatever it accepts survives EncodeClient and a second decode
// unchanged.
func FuzzDecodeClient(f *testing.F) {
	for _, s := range clientFrameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := proto.DecodeClient(frame)
		if errors.Is(err, proto.ErrInvalidText) {
			if m == nil || proto.ValidText(frame) {
				t.Fatalf("DecodeClient(%q) = %v, %v: refused valid text, or gave no message to answer", frame, m, err)
			}
			return
		}
		if err != nil {
			if m != nil {
				t.Fatalf("DecodeClient returned a message with error %v", err)
			}
			if !errors.Is(err, proto.ErrMalformed) {
				t.Fatalf("DecodeClient error = %v, want ErrMalformed", err)
			}
			return
		}
		if !json.Valid(frame) || !utf8.Valid(frame) {
			t.Fatalf("DecodeClient accepted %q, which is not valid UTF-8 JSON", frame)
		}
		if k := kind(m); k == "" || k == "many" {
			t.Fatalf("DecodeClient accepted %q holding %s messages", frame, k)
		}
		for _, ts := range imsOf(m) {
			if ts.Location() != time.UTC || ts.Nanosecond()%int(time.Millisecond) != 0 {
				t.Fatalf("decoded ims %v is not UTC milliseconds", ts.Time)
			}
		}
		b, err := proto.EncodeClient(m)
		if err != nil {
			t.Fatalf("EncodeClient of decoded %q: %v", frame, err)
		}
		m2, err := proto.DecodeClient(b)
		if err != nil {
			t.Fatalf("decoded %q, re-encoded as %q, which does not decode: %v", frame, b, err)
		}
		if m2.ID() != m.ID() || m2.Topic() != m.Topic() || kind(m2) != kind(m) {
			t.Fatalf("round trip of %q via %q changed %s id %q topic %q to %s id %q topic %q",
				frame, b, kind(m), m.ID(), m.Topic(), kind(m2), m2.ID(), m2.Topic())
		}
		// A second round trip is a fixed point.
		b2, err := proto.EncodeClient(m2)
		if err != nil {
			t.Fatalf("EncodeClient of %q: %v", b, err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("encoding is not stable for %q:\n first  %q\n second %q", frame, b, b2)
		}
	})
}

// checkParsedMode checks a mode that ParseMode or ApplyMode accepted.
func checkParsedMode(t *testing.T, in string, m proto.AccessMode) {
	t.Helper()
	if m&^0xFF != 0 {
		t.Fatalf("%q parsed to %#x, outside the 8 access bits", in, uint(m))
	}
	s := m.String()
	if s == "" {
		t.Fatalf("%q parsed to %#x, whose String() is empty", in, uint(m))
	}
	for _, variant := range []string{s, strings.ToLower(s), " " + s + " "} {
		back, err := proto.ParseMode(variant)
		if err != nil || back != m {
			t.Fatalf("%q parsed to %s, but ParseMode(%q) = %s, %v", in, s, variant, back, err)
		}
	}
}

var modeSeeds = []string{"", "N", "n", "J", "JRWPASDO", "jrwps", " JPS ", "JRX", "NJ", "+W-P", "-PS+AD", "+", "-",
	"+N", "W+P", "JRWPé", "\t+w\n", "+J+R+W-J-R-W"}

// FuzzParseMode: ParseMode never panics, fails only with ModeInvalid, and
// String of what it accepts parses back to the same mode.
func FuzzParseMode(f *testing.F) {
	for _, s := range modeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := proto.ParseMode(s)
		if err != nil {
			if m != proto.ModeInvalid || !errors.Is(err, proto.ErrBadMode) {
				t.Fatalf("ParseMode(%q) = %#x, %v; want ModeInvalid, ErrBadMode", s, uint(m), err)
			}
		} else {
			checkParsedMode(t, s, m)
			// Only the mode letters, in either case, or a lone N, are accepted.
			if trimmed := strings.TrimSpace(s); !strings.EqualFold(trimmed, "N") {
				for _, c := range trimmed {
					if !strings.ContainsRune("JRWPASDOjrwpasdo", c) {
						t.Fatalf("ParseMode(%q) = %s accepted the character %q", s, m, c)
					}
				}
			}
		}
		// A full mode means the same to ApplyMode, whatever the base.
		if trimmed := strings.TrimSpace(s); trimmed == "" || (trimmed[0] != '+' && trimmed[0] != '-') {
			for _, base := range []proto.AccessMode{proto.ModeNone, proto.ModeCFull} {
				a, aerr := proto.ApplyMode(base, s)
				if a != m || (aerr == nil) != (err == nil) {
					t.Fatalf("ApplyMode(%s, %q) = %s, %v but ParseMode = %s, %v", base, s, a, aerr, m, err)
				}
			}
		}
	})
}

// FuzzApplyMode: ApplyMode never panics; applying the same change twice
// changes nothing more; a delta leaves bits it does not name alone; and
// String of the result parses back to it.
func FuzzApplyMode(f *testing.F) {
	for i, s := range modeSeeds {
		f.Add(uint(i*37)&0xFF, s)
	}
	f.Add(uint(proto.ModeInvalid), "+J")
	f.Add(^uint(0), "-O")
	f.Fuzz(func(t *testing.T, base uint, s string) {
		m := proto.AccessMode(base)
		res, err := proto.ApplyMode(m, s)
		if err != nil {
			if res != proto.ModeInvalid || !errors.Is(err, proto.ErrBadMode) {
				t.Fatalf("ApplyMode(%#x, %q) = %#x, %v; want ModeInvalid, ErrBadMode", base, s, uint(res), err)
			}
			return
		}
		again, err := proto.ApplyMode(res, s)
		if err != nil || again != res {
			t.Fatalf("ApplyMode(%#x, %q) = %#x, but applied again = %#x, %v", base, s, uint(res), uint(again), err)
		}
		trimmed := strings.TrimSpace(s)
		if trimmed != "" && (trimmed[0] == '+' || trimmed[0] == '-') {
			named := strings.ToUpper(trimmed)
			for i, letter := range "JRWPASDO" {
				bit := proto.AccessMode(1) << i
				if !strings.ContainsRune(named, letter) && res&bit != m&bit {
					t.Fatalf("ApplyMode(%#x, %q) = %#x changed %c, which it does not name", base, s, uint(res), letter)
				}
			}
			if res&^0xFF != m&^0xFF {
				t.Fatalf("ApplyMode(%#x, %q) = %#x changed bits above the access bits", base, s, uint(res))
			}
		} else if other, _ := proto.ApplyMode(^m, s); other != res {
			t.Fatalf("full mode %q gave %#x from %#x but %#x from %#x", s, uint(res), base, uint(other), uint(^m))
		}
		if m&^0xFF == 0 {
			checkParsedMode(t, s, res)
		}
	})
}

// FuzzParseUserID: ParseUserID, IsGroupName and ParseP2P never panic; what
// they accept is the canonical form of a value that encodes back to it; and
// every value's encodings parse back.
func FuzzParseUserID(f *testing.F) {
	for _, s := range []string{"", "usr", "usrAQAAAAAAAAA", "usrCAcGBQQDAgE", "usr__________8", "usrAAAAAAAAAAA",
		"usrAQAAAAAA\nAA", "usrAQAAAAAAAA=", "grpAQAAAAAAAAA", "p2pAQAAAAAAAAACAAAAAAAAAA",
		"p2pAgAAAAAAAAABAAAAAAAAAA", "fndAQAAAAAAAAA", "usr+/+/+/+/+/+"} {
		f.Add(s, uint64(len(s))*0x9E3779B97F4A7C15)
	}
	f.Fuzz(func(t *testing.T, s string, v uint64) {
		if u := proto.ParseUserID(s); u != proto.ZeroUid {
			canon := u.UserID()
			if canon != s {
				t.Fatalf("ParseUserID(%q) = %#x, whose user id is %q", s, uint64(u), canon)
			}
			if proto.ParseUserID(canon) != u {
				t.Fatalf("ParseUserID(%q) = %#x, but %q parses to %#x", s, uint64(u), canon, uint64(proto.ParseUserID(canon)))
			}
			if !proto.IsGroupName("grp" + s[3:]) {
				t.Fatalf("user id %q is valid but group name grp%s is not", s, s[3:])
			}
		}
		if proto.IsGroupName(s) {
			if len(s) != 14 || proto.ParseUserID("usr"+s[3:]) == proto.ZeroUid && s[3:] != "AAAAAAAAAAA" {
				t.Fatalf("IsGroupName(%q) = true but it is not grp + an id", s)
			}
		}
		if a, b, ok := proto.ParseP2P(s); ok {
			if name := proto.P2PName(a, b); a <= b && name != s {
				t.Fatalf("ParseP2P(%q) = %#x, %#x, whose p2p name is %q", s, uint64(a), uint64(b), name)
			}
			x, y, ok := proto.ParseP2P(proto.P2PName(a, b))
			if !ok || x != min(a, b) || y != max(a, b) {
				t.Fatalf("P2PName(%#x, %#x) does not parse back: %#x, %#x, %v", uint64(a), uint64(b), uint64(x), uint64(y), ok)
			}
			if a != b && (proto.P2PPeer(s, a) != b || proto.P2PPeer(s, b) != a) {
				t.Fatalf("P2PPeer(%q) does not give the other user", s)
			}
		}

		// Every value encodes to forms that parse back.
		u := proto.Uid(v)
		if u != proto.ZeroUid {
			if got := proto.ParseUserID(u.UserID()); got != u {
				t.Fatalf("ParseUserID(%q) = %#x, want %#x", u.UserID(), uint64(got), v)
			}
		}
		if g := proto.GroupName(v); !proto.IsGroupName(g) || len(g) != 14 {
			t.Fatalf("GroupName(%#x) = %q is not a group name", v, g)
		}
		w := proto.Uid(v*0x9E3779B97F4A7C15 + 1)
		n := proto.P2PName(u, w)
		if n != proto.P2PName(w, u) {
			t.Fatalf("P2PName(%#x, %#x) is not symmetric", v, uint64(w))
		}
		if x, y, ok := proto.ParseP2P(n); !ok || x != min(u, w) || y != max(u, w) {
			t.Fatalf("ParseP2P(%q) = %#x, %#x, %v", n, uint64(x), uint64(y), ok)
		}
	})
}

// FuzzTimeUnmarshal: UnmarshalJSON never panics, and whatever it accepts is
// a UTC millisecond time that marshals to 20–24 characters and back.
func FuzzTimeUnmarshal(f *testing.F) {
	for _, s := range []string{`"2026-11-22T09:40:44.49Z"`, `"2026-11-22T09:40:44Z"`, `"2026-11-22T10:40:44.123+01:00"`,
		`"2026-11-22T09:40:44.123456789Z"`, `"2026-11-22T09:40:44.9996Z"`, `"0001-01-01T00:00:00Z"`,
		`"9999-12-31T23:59:59.998Z"`, `"1970-01-01T00:00:00-23:59"`, `""`, `null`, `1764150044490`, `"yesterday"`,
		`"2026-11-22T09:40:44\u002e49Z"`, `"2026-02-30T00:00:00Z"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tm proto.Time
		if err := tm.UnmarshalJSON(b); err != nil {
			return
		}
		if tm.Location() != time.UTC || tm.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("UnmarshalJSON(%q) = %v, not UTC milliseconds", b, tm.Time)
		}
		out, err := json.Marshal(tm)
		if err != nil {
			t.Fatalf("marshal %v: %v", tm.Time, err)
		}
		checkWireTime(t, out, tm.Time)
		var back proto.Time
		if err := back.UnmarshalJSON(out); err != nil || !back.Equal(tm.Time) {
			t.Fatalf("UnmarshalJSON(%q) = %v, marshalled %s, read back %v, %v", b, tm.Time, out, back.Time, err)
		}
	})
}
