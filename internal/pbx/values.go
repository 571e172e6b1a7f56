package pbx

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// errValue is a bytes field that should hold JSON but does not, or a value
// the model cannot hold (a time outside years 1–9999, an unknown enum).
var errValue = fmt.Errorf("%w: bad protobuf value", proto.ErrMalformed)

// rawJSON checks that b is one JSON value in valid text and returns it as
// the model holds it; empty is absent.
func rawJSON(b []byte) (json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, errValue
	}
	if !proto.ValidText(b) {
		return nil, proto.ErrInvalidText
	}
	return json.RawMessage(b), nil
}

// anyMap turns a map of JSON-encoded values into the model's map.
func anyMap(in map[string][]byte) (map[string]any, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(in))
	for k, b := range in {
		if _, err := rawJSON(b); err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, errValue
		}
		out[k] = v
	}
	return out, nil
}

// bytesMap JSON-encodes each value of the model's map.
func bytesMap(in map[string]any) (map[string][]byte, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string][]byte, len(in))
	for k, v := range in {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, nil
}

// millis is t in milliseconds since the epoch, 0 for the zero time.
func millis(t proto.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func millisPtr(t *proto.Time) int64 {
	if t == nil {
		return 0
	}
	return millis(*t)
}

// errTime is a timestamp JSON could not write (RFC 3339 needs years 1–9999).
var errTime = errors.New("time out of range")

// timeOf is the model's time for ms; 0 is the zero time.
func timeOf(ms int64) (proto.Time, error) {
	if ms == 0 {
		return proto.Time{}, nil
	}
	t := proto.TimeOf(time.UnixMilli(ms))
	if y := t.Year(); y < 1 || y > 9999 {
		return proto.Time{}, errTime
	}
	return t, nil
}

// timePtr is timeOf for the model's optional times: 0 is nil.
func timePtr(ms int64) (*proto.Time, error) {
	if ms == 0 {
		return nil, nil
	}
	t, err := timeOf(ms)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ranges converts seq ranges to the wire.
func ranges(in []proto.MsgDelRange) []*SeqRange {
	if len(in) == 0 {
		return nil
	}
	out := make([]*SeqRange, len(in))
	for i, r := range in {
		out[i] = &SeqRange{Low: int32(r.Low), Hi: int32(r.Hi)}
	}
	return out
}

// delRanges converts seq ranges from the wire.
func delRanges(in []*SeqRange) []proto.MsgDelRange {
	if len(in) == 0 {
		return nil
	}
	out := make([]proto.MsgDelRange, len(in))
	for i, r := range in {
		out[i] = proto.MsgDelRange{Low: int(r.GetLow()), Hi: int(r.GetHi())}
	}
	return out
}

// The model names enum values by their JSON strings; the wire by numbers.
// A string with no number goes in the Parley field what_ext instead.
var (
	noteNames = map[InfoNote]string{InfoNote_READ: "read", InfoNote_RECV: "recv",
		InfoNote_KP: "kp", InfoNote_CALL: "call"}
	presNames = map[ServerPres_What]string{ServerPres_ON: "on", ServerPres_OFF: "off",
		ServerPres_UA: "ua", ServerPres_UPD: "upd", ServerPres_GONE: "gone", ServerPres_ACS: "acs",
		ServerPres_TERM: "term", ServerPres_MSG: "msg", ServerPres_READ: "read",
		ServerPres_RECV: "recv", ServerPres_DEL: "del", ServerPres_TAGS: "tags", ServerPres_AUX: "aux"}
	delNames = map[ClientDel_What]string{ClientDel_MSG: "msg", ClientDel_TOPIC: "topic",
		ClientDel_SUB: "sub", ClientDel_USER: "user", ClientDel_CRED: "cred"}
	eventNames = map[CallEvent]string{CallEvent_ACCEPT: "accept", CallEvent_ANSWER: "answer",
		CallEvent_HANG_UP: "hang-up", CallEvent_ICE_CANDIDATE: "ice-candidate",
		CallEvent_INVITE: "invite", CallEvent_OFFER: "offer", CallEvent_RINGING: "ringing"}
	levelNames = map[AuthLevel]string{AuthLevel_ANON: "anon", AuthLevel_AUTH: "auth",
		AuthLevel_ROOT: "root"}
)

// inverse builds the string → number table of one of the maps above.
func inverse[E comparable](m map[E]string) map[string]E {
	out := make(map[string]E, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// enums holds the string → number tables, built once per codec user.
type enums struct {
	note  map[string]InfoNote
	pres  map[string]ServerPres_What
	del   map[string]ClientDel_What
	event map[string]CallEvent
	level map[string]AuthLevel
}

var toWire = enums{note: inverse(noteNames), pres: inverse(presNames), del: inverse(delNames),
	event: inverse(eventNames), level: inverse(levelNames)}

// named splits a model string into the wire's enum number and, when it has
// none, the extension string.
func named[E comparable](table map[string]E, s string) (E, string) {
	if e, ok := table[s]; ok {
		return e, ""
	}
	var zero E
	return zero, s
}

// unnamed is named's inverse: the extension string wins when set.
func unnamed[E comparable](table map[E]string, e E, ext string) string {
	if ext != "" {
		return ext
	}
	return table[e]
}
