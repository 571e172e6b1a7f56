package chaos

import (
	"strconv"
	"testing"
)

// good is a consistent run: five messages in topic "t", all acknowledged,
// all given to receiver "r" in order.
func good() (map[string][]Entry, []Ack, []Receipt) {
	var hist []Entry
	var acks []Ack
	for seq := 1; seq <= 5; seq++ {
		id := "m" + strconv.Itoa(seq)
		hist = append(hist, Entry{seq, id})
		acks = append(acks, Ack{"t", id, seq})
	}
	app := append([]Entry(nil), hist...)
	return map[string][]Entry{"t": hist}, acks, []Receipt{{Receiver: "r", Topic: "t", App: app}}
}

// TestCheckerDetects feeds the checker one bad run per anomaly class and
// expects exactly that class to be counted, so that a checker blind to a
// class cannot let a chaos run pass.
func TestCheckerDetects(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(h map[string][]Entry, acks []Ack, rc []Receipt) ([]Ack, []Receipt)
		want  Anomalies
	}{
		{"clean", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) { return a, r }, Anomalies{}},
		{"acknowledged, then lost", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			a = append(a, Ack{"t", "m6", 6}) // the gateway said 6; the history ends at 5
			return a, r
		}, Anomalies{Lost: 1}},
		{"acknowledged at another seq", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			a = append(a, Ack{"t", "m2", 3}) // a repeated pub answered with a new seq
			return a, r
		}, Anomalies{Lost: 1}},
		{"stored twice", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			h["t"] = append(h["t"], Entry{6, "m2"})
			r[0].Passed = []int{6} // the receiver rightly passed over it
			return a, r
		}, Anomalies{DupStored: 1}},
		{"delivered twice", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			h["t"] = append(h["t"], Entry{6, "m2"})
			r[0].App = append(r[0].App, Entry{6, "m2"})
			return a, r
		}, Anomalies{DupStored: 1, DupDelivered: 1}},
		{"given out of order", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			app := r[0].App
			app[2], app[3] = app[3], app[2]
			return a, r
		}, Anomalies{Order: 1}},
		{"skipped", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			r[0].App = append(r[0].App[:2:2], r[0].App[3:]...)
			return a, r
		}, Anomalies{Order: 1}},
		{"passed over wrongly", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			r[0].App = r[0].App[:4]
			r[0].Passed = []int{5} // m5 is not a repeat: it was lost to the application
			return a, r
		}, Anomalies{Order: 1}},
		{"wrong message at a seq", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			r[0].App[1].MsgID = "m9"
			return a, r
		}, Anomalies{Order: 1}},
		{"hole in the history", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			h["t"] = append(h["t"], Entry{7, "m7"}) // no seq 6
			r[0].App = append(r[0].App, Entry{7, "m7"})
			return a, r
		}, Anomalies{Order: 1}},
		{"never seen", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			r[0].App = r[0].App[:3]
			return a, r
		}, Anomalies{NeverSeen: 2}},
		{"a receiver given nothing", func(h map[string][]Entry, a []Ack, r []Receipt) ([]Ack, []Receipt) {
			r = append(r, Receipt{Receiver: "late", Topic: "t"})
			return a, r
		}, Anomalies{NeverSeen: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, acks, receipts := good()
			acks, receipts = c.spoil(h, acks, receipts)
			got := Check(h, acks, receipts)
			details := got.Details
			got.Details = nil
			if got.String() != c.want.String() {
				t.Fatalf("got %v, want %v; details %q", got, c.want, details)
			}
			if got.Zero() != (len(details) == 0) {
				t.Fatalf("%v with details %q", got, details)
			}
		})
	}
}
