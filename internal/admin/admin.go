// Package admin is Parley's operator API: the server side of the
// authenticated admin endpoints and the `parley trace` client that reads
// them. Both sides share the query and response types defined here.
package admin

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/trace"
)

// TracePath is where the server answers trace queries.
const TracePath = "/v0/admin/trace"

// TraceResponse is the body of a successful trace query. Events is never
// null: a query that finds nothing answers {"events":[]}.
type TraceResponse struct {
	Events []trace.Event `json:"events"`
}

// Query asks for the events of one message: by MsgID (optionally within
// Topic), or by Topic and Seq. Topic is the internal topic name.
type Query struct {
	Topic string
	MsgID string
	Seq   int
}

// ParseQuery reads a query from URL parameters msgid, topic and seq.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{Topic: v.Get("topic"), MsgID: v.Get("msgid")}
	if s := v.Get("seq"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, fmt.Errorf("seq %q is not a number", s)
		}
		q.Seq = n
	}
	return q, q.Validate()
}

// Values encodes q as URL parameters.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.MsgID != "" {
		v.Set("msgid", q.MsgID)
	}
	if q.Topic != "" {
		v.Set("topic", q.Topic)
	}
	if q.Seq != 0 {
		v.Set("seq", strconv.Itoa(q.Seq))
	}
	return v
}

// Validate checks that q names exactly one message.
func (q Query) Validate() error {
	switch {
	case q.MsgID != "" && q.Seq != 0:
		return errors.New("give either msgid or seq, not both")
	case q.MsgID == "" && q.Seq == 0:
		return errors.New("give msgid (and optionally topic), or topic and seq")
	case q.MsgID == "" && q.Seq < 1:
		return fmt.Errorf("seq must be at least 1, not %d", q.Seq)
	case q.Seq != 0 && q.Topic == "":
		return errors.New("seq needs a topic")
	}
	return checkTopic(q.Topic)
}

// checkTopic rejects the names that exist only in a client's view of its
// topics: the trace knows topics by their internal names.
func checkTopic(t string) error {
	if t == proto.TopicMe || t == proto.TopicFnd || t == proto.TopicSys ||
		strings.HasPrefix(t, proto.PrefixNew) || strings.HasPrefix(t, proto.PrefixNewCh) {
		return fmt.Errorf("topic %q is a client-side alias; use the internal name "+
			"(grp… for groups, p2p… for one-to-one chats, usr… for a user's me topic) or query by msgid alone", t)
	}
	return nil
}

// Run answers q from rec, oldest event first.
func (q Query) Run(rec *trace.Recorder) []trace.Event {
	if q.MsgID != "" {
		return rec.ByMsgID(q.Topic, q.MsgID)
	}
	return rec.BySeq(q.Topic, q.Seq)
}

// String describes q for messages: `msgid "m1" in grpX`, `seq 7 of grpX`.
func (q Query) String() string {
	var s string
	if q.MsgID != "" {
		s = fmt.Sprintf("msgid %q", q.MsgID)
		if q.Topic != "" {
			s += " in " + q.Topic
		}
		return s
	}
	return fmt.Sprintf("seq %d of %s", q.Seq, q.Topic)
}
