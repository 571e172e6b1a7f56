package proto_test

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// wireTime is the shape tinode-sdk accepts: RFC 3339 in UTC, at most three
// fraction digits and no trailing zero in the fraction.
var wireTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,2}[1-9])?Z$`)

// checkWireTime checks one marshalled proto.Time: quoted, 20–24 characters
// inside the quotes (tinode-sdk makes a Date only of strings that long),
// well-formed, and parsing back to exactly want.
func checkWireTime(t *testing.T, b []byte, want time.Time) {
	t.Helper()
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		t.Fatalf("marshalled time %s is not a JSON string", b)
	}
	s := string(b[1 : len(b)-1])
	if n := len(s); n < 20 || n > 24 {
		t.Fatalf("marshalled time %q is %d characters, want 20–24 (for %v)", s, n, want)
	}
	if !wireTime.MatchString(s) {
		t.Fatalf("marshalled time %q is not UTC RFC 3339 with trimmed milliseconds (for %v)", s, want)
	}
	back, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("marshalled time %q does not parse: %v", s, err)
	}
	if !back.Equal(want) {
		t.Fatalf("marshalled time %q reads back as %v, want %v", s, back, want)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return b
}

func TestTimeMarshalExact(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 22, 9, 40, 44, 490_000_000, time.UTC), "2026-11-22T09:40:44.49Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 0, time.UTC), "2026-11-22T09:40:44Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 500_000_000, time.UTC), "2026-11-22T09:40:44.5Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 1_000_000, time.UTC), "2026-11-22T09:40:44.001Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 123_000_000, time.UTC), "2026-11-22T09:40:44.123Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 100_000_000, time.UTC), "2026-11-22T09:40:44.1Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 10_000_000, time.UTC), "2026-11-22T09:40:44.01Z"},
		// Rounded to the nearest millisecond, halves up.
		{time.Date(2026, 11, 22, 9, 40, 44, 495_123_456, time.UTC), "2026-11-22T09:40:44.495Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 495_500_000, time.UTC), "2026-11-22T09:40:44.496Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 499_999, time.UTC), "2026-11-22T09:40:44Z"},
		{time.Date(2026, 11, 22, 9, 40, 44, 999_600_000, time.UTC), "2026-11-22T09:40:45Z"},
		{time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC), "2027-01-01T00:00:00Z"},
		// Always UTC with Z, never an offset.
		{time.Date(2026, 11, 22, 4, 40, 44, 490_000_000, est), "2026-11-22T09:40:44.49Z"},
		{time.Date(2026, 11, 22, 23, 0, 0, 0, time.FixedZone("", 3600*14)), "2026-11-22T09:00:00Z"},
		// The zero time still has a date's length.
		{time.Time{}, "0001-01-01T00:00:00Z"},
	}
	for _, tc := range tests {
		// Time{…} built directly, skipping TimeOf, must still be rounded and UTC.
		got := string(mustMarshal(t, proto.Time{Time: tc.in}))
		if got != `"`+tc.want+`"` {
			t.Errorf("marshal %v = %s, want %q", tc.in, got, tc.want)
		}
		if got := string(mustMarshal(t, proto.TimeOf(tc.in))); got != `"`+tc.want+`"` {
			t.Errorf("marshal TimeOf(%v) = %s, want %q", tc.in, got, tc.want)
		}
	}
}

// Many random instants, over the years real clocks show and over the whole
// four-digit range, all marshal to what tinode-sdk parses as a date.
func TestTimeMarshalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 24))
	zones := []*time.Location{time.UTC, time.FixedZone("A", -12*3600), time.FixedZone("B", 5*3600+1800), time.Local}
	lo := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	year1 := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range 20000 {
		var tm time.Time
		if i%2 == 0 {
			tm = time.Unix(0, lo+r.Int64N(hi-lo))
		} else {
			// Year 1 to 9998, so that rounding cannot leave the 4-digit range.
			sec := r.Int64N(9997 * 365 * 86400)
			tm = time.Unix(year1+sec, r.Int64N(int64(time.Second)))
		}
		switch i % 4 { // land on whole seconds and whole milliseconds too
		case 1:
			tm = tm.Truncate(time.Second)
		case 2:
			tm = tm.Truncate(time.Millisecond)
		case 3:
			tm = tm.Truncate(10 * time.Millisecond)
		}
		tm = tm.In(zones[r.IntN(len(zones))])
		want := tm.UTC().Round(time.Millisecond)
		checkWireTime(t, mustMarshal(t, proto.Time{Time: tm}), want)
		pt := proto.TimeOf(tm)
		if pt.Location() != time.UTC || !pt.Equal(want) || pt.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("TimeOf(%v) = %v, want %v in UTC", tm, pt.Time, want)
		}
		b := mustMarshal(t, pt)
		var back proto.Time
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if !back.Equal(pt.Time) || back.Location() != time.UTC {
			t.Fatalf("round trip of %s = %v, want %v", b, back.Time, pt.Time)
		}
	}
}

func TestNow(t *testing.T) {
	before := time.Now().Add(-time.Millisecond)
	n := proto.Now()
	after := time.Now().Add(time.Millisecond)
	if n.Location() != time.UTC {
		t.Errorf("Now() is in %v, want UTC", n.Location())
	}
	if n.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Now() = %v has sub-millisecond precision", n.Time)
	}
	if n.Before(before) || n.After(after) {
		t.Errorf("Now() = %v, not between %v and %v", n.Time, before, after)
	}
	checkWireTime(t, mustMarshal(t, n), n.Time)
}

func TestTimePtr(t *testing.T) {
	if p := proto.TimePtr(time.Time{}); p != nil {
		t.Errorf("TimePtr(zero) = %v, want nil", p)
	}
	in := time.Date(2026, 1, 2, 3, 4, 5, 6_700_000, time.FixedZone("X", 3600))
	p := proto.TimePtr(in)
	if p == nil {
		t.Fatal("TimePtr returned nil for a non-zero time")
	}
	if want := time.Date(2026, 1, 2, 2, 4, 5, 7_000_000, time.UTC); !p.Equal(want) || p.Location() != time.UTC {
		t.Errorf("TimePtr(%v) = %v, want %v", in, p.Time, want)
	}
	// Omitted when nil, as optional timestamps in server messages are.
	b := mustMarshal(t, proto.MsgTopicDesc{})
	if strings.Contains(string(b), "created") || strings.Contains(string(b), "updated") {
		t.Errorf("empty desc marshals timestamps: %s", b)
	}
}

func TestTimeUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2026-11-22T09:40:44.49Z"`, time.Date(2026, 11, 22, 9, 40, 44, 490_000_000, time.UTC), false},
		{`"2026-11-22T09:40:44Z"`, time.Date(2026, 11, 22, 9, 40, 44, 0, time.UTC), false},
		{`"2026-11-22T10:40:44.123+01:00"`, time.Date(2026, 11, 22, 9, 40, 44, 123_000_000, time.UTC), false},
		{`"2026-11-22T09:40:44.123456789Z"`, time.Date(2026, 11, 22, 9, 40, 44, 123_000_000, time.UTC), false},
		{`"2026-11-22T09:40:44.9996Z"`, time.Date(2026, 11, 22, 9, 40, 45, 0, time.UTC), false},
		{`"2026-11-22T09:40:44.0004Z"`, time.Date(2026, 11, 22, 9, 40, 44, 0, time.UTC), false},
		{`"2026-11-22T09:40:44\u002e49Z"`, time.Date(2026, 11, 22, 9, 40, 44, 490_000_000, time.UTC), false},
		{`""`, time.Time{}, true},
		{`"2026-11-22"`, time.Time{}, true},
		{`"2026-11-22 09:40:44Z"`, time.Time{}, true},
		{`"2026-11-22T09:40:44"`, time.Time{}, true}, // no zone
		{`"2026-11-22T09:40:44.49z"`, time.Time{}, true},
		{`"2026-13-22T09:40:44Z"`, time.Time{}, true},
		{`"2026-11-31T09:40:44Z"`, time.Time{}, true},
		{`"2026-11-22T25:40:44Z"`, time.Time{}, true},
		{`"yesterday"`, time.Time{}, true},
		{`1764150044490`, time.Time{}, true}, // Tinode clients send strings, not numbers
		{`null`, time.Time{}, true},
		{`{}`, time.Time{}, true},
		{`["2026-11-22T09:40:44Z"]`, time.Time{}, true},
		{`"2026-11-22T09:40:44Z`, time.Time{}, true},
	}
	for _, tc := range tests {
		var got proto.Time
		err := got.UnmarshalJSON([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("UnmarshalJSON(%s) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("UnmarshalJSON(%s) = %v, want %v", tc.in, got.Time, tc.want)
		}
		checkWireTime(t, mustMarshal(t, got), tc.want)
	}
}

// Optional timestamps in client messages are pointers: null or a missing
// field leaves them nil.
func TestTimeOptionalField(t *testing.T) {
	for _, in := range []string{`{}`, `{"ims":null}`} {
		var o proto.MsgGetOpts
		if err := json.Unmarshal([]byte(in), &o); err != nil || o.IfModifiedSince != nil {
			t.Errorf("unmarshal %s: ims = %v, err = %v; want nil, nil", in, o.IfModifiedSince, err)
		}
	}
	var o proto.MsgGetOpts
	if err := json.Unmarshal([]byte(`{"ims":"2026-01-02T03:04:05.006Z"}`), &o); err != nil || o.IfModifiedSince == nil {
		t.Fatalf("unmarshal ims: %v, %v", o.IfModifiedSince, err)
	}
	if want := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC); !o.IfModifiedSince.Equal(want) {
		t.Errorf("ims = %v, want %v", o.IfModifiedSince.Time, want)
	}
}
