package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Normalisation makes received frames comparable with a transcript's
// expected frames: values that differ from run to run become placeholders.
//
//   - ts, created, updated, touched, expires, when, deleted → "$TS"
//   - token → "$TOKEN", sid → "$SID", epoch → "$EPOCH", build → "$BUILD"
//   - every usr… id becomes $U1, $U2 … and every grp… name $G1, $G2 … in
//     order of first appearance in the run, inside any string, key or value.
//
// First appearance follows the text of the frame, so frames are decoded
// token by token rather than into a map, whose order is lost.

// stampKeys are the keys whose string values are timestamps.
var stampKeys = map[string]bool{"ts": true, "created": true, "updated": true, "touched": true,
	"expires": true, "when": true, "deleted": true}

// fixedKeys are replaced whatever their value.
var fixedKeys = map[string]string{"token": "$TOKEN", "sid": "$SID", "epoch": "$EPOCH", "build": "$BUILD"}

// idPattern matches user ids and group names: a prefix and 11 base64url
// characters.
var idPattern = regexp.MustCompile(`(usr|grp)[A-Za-z0-9_-]{11}`)

// idMap binds real ids to placeholders in both directions.
type idMap struct {
	toPH   map[string]string
	toReal map[string]string
	next   map[string]int // "U", "G" → last number used
}

func newIDMap() *idMap {
	return &idMap{toPH: map[string]string{}, toReal: map[string]string{}, next: map[string]int{}}
}

func (m *idMap) clone() *idMap {
	c := newIDMap()
	for k, v := range m.toPH {
		c.toPH[k] = v
	}
	for k, v := range m.toReal {
		c.toReal[k] = v
	}
	for k, v := range m.next {
		c.next[k] = v
	}
	return c
}

// placeholder returns the placeholder of a real id, binding a new one on
// first sight.
func (m *idMap) placeholder(real string) string {
	if ph, ok := m.toPH[real]; ok {
		return ph
	}
	letter := "U"
	if strings.HasPrefix(real, "grp") {
		letter = "G"
	}
	m.next[letter]++
	ph := "$" + letter + strconv.Itoa(m.next[letter])
	m.toPH[real], m.toReal[ph] = ph, real
	return ph
}

// normaliser rewrites one received frame.
type normaliser struct {
	ids   *idMap
	token string // the raw token seen in the frame, if any
}

// normalise decodes a received frame into generic JSON values with the
// run-dependent parts replaced.
func normalise(ids *idMap, frame string) (any, string, error) {
	n := &normaliser{ids: ids}
	dec := json.NewDecoder(strings.NewReader(frame))
	v, err := n.value(dec, "")
	if err != nil {
		return nil, "", err
	}
	if dec.More() {
		return nil, "", fmt.Errorf("trailing data after the JSON value")
	}
	return v, n.token, nil
}

func (n *normaliser) value(dec *json.Decoder, key string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if ph, ok := fixedKeys[key]; ok {
		if s, isStr := tok.(string); isStr && key == "token" {
			n.token = s
		}
		if d, isDelim := tok.(json.Delim); isDelim {
			if err := n.skip(dec, d); err != nil {
				return nil, err
			}
		}
		return ph, nil
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return n.object(dec)
		}
		return n.array(dec)
	case string:
		if stampKeys[key] {
			return "$TS", nil
		}
		return n.ids.replace(v), nil
	}
	return tok, nil
}

func (n *normaliser) object(dec *json.Decoder) (any, error) {
	obj := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		name := n.ids.replace(key)
		v, err := n.value(dec, key)
		if err != nil {
			return nil, err
		}
		obj[name] = v
	}
	_, err := dec.Token() // '}'
	return obj, err
}

func (n *normaliser) array(dec *json.Decoder) (any, error) {
	arr := []any{}
	for dec.More() {
		v, err := n.value(dec, "")
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	_, err := dec.Token() // ']'
	return arr, err
}

// skip consumes the rest of an object or array whose opening delimiter has
// been read.
func (n *normaliser) skip(dec *json.Decoder, open json.Delim) error {
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// replace substitutes placeholders for the ids inside s.
func (m *idMap) replace(s string) string {
	return idPattern.ReplaceAllStringFunc(s, m.placeholder)
}

// sendPattern matches the placeholders a transcript may use in sent frames.
var sendPattern = regexp.MustCompile(`\$(U|G)(\d+)|\$BASIC\(([^:)]*):([^)]*)\)|\$RAW64\(([^)]*)\)|\$TOKEN\(([A-Z][A-Z0-9]*)\)|\$RUN`)

// expandSend turns a sent frame's placeholders into real values:
//
//   - $U2, $G1: the real id bound to the placeholder;
//   - $BASIC(alice:pass123): standard base64 of "alice<run>:pass123", where
//     <run> is unique to the run, so every run has its own accounts;
//   - $RAW64(text): standard base64 of text, as is;
//   - $TOKEN(A): the last token client A received;
//   - $RUN: the run's unique suffix.
func expandSend(text string, ids *idMap, run string, tokens map[string]string) (string, error) {
	var fail error
	out := sendPattern.ReplaceAllStringFunc(text, func(ph string) string {
		sub := sendPattern.FindStringSubmatch(ph)
		switch {
		case sub[1] != "":
			real, ok := ids.toReal[ph]
			if !ok && fail == nil {
				fail = fmt.Errorf("%s is not bound yet", ph)
			}
			return real
		case strings.HasPrefix(ph, "$BASIC("):
			return base64.StdEncoding.EncodeToString([]byte(sub[3] + run + ":" + sub[4]))
		case strings.HasPrefix(ph, "$RAW64("):
			return base64.StdEncoding.EncodeToString([]byte(sub[5]))
		case strings.HasPrefix(ph, "$TOKEN("):
			tok, ok := tokens[sub[6]]
			if !ok && fail == nil {
				fail = fmt.Errorf("client %s has received no token", sub[6])
			}
			return tok
		}
		return run
	})
	return out, fail
}

// canonical writes a generic JSON value with sorted keys, for messages.
func canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(buf.String())
}

// The runner's own checks: placeholders bind in order of first appearance,
// in keys and inside strings too, and sent frames expand them back.
func TestNormalise(t *testing.T) {
	ids := newIDMap()
	frame := `{"ctrl":{"id":"1","ts":"2026-11-22T09:40:44.49Z","params":{"user":"usrAAAAAAAAAAE",
		"token":"c2VjcmV0","expires":"2026-12-06T09:40:44Z","sid":"x","build":"b","epoch":12345,
		"desc":{"note":"grpBBBBBBBBBBB and usrCCCCCCCCCCC","usrAAAAAAAAAAE":[{"when":"t","seq":3}]}}}}`
	got, token, err := normalise(ids, frame)
	if err != nil {
		t.Fatal(err)
	}
	want := decode(`{"ctrl":{"id":"1","ts":"$TS","params":{"user":"$U1","token":"$TOKEN","expires":"$TS",
		"sid":"$SID","build":"$BUILD","epoch":"$EPOCH",
		"desc":{"note":"$G1 and $U2","$U1":[{"when":"$TS","seq":3}]}}}}`)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("normalised\n  %s\nwant\n  %s", canonical(got), canonical(want))
	}
	if token != "c2VjcmV0" {
		t.Errorf("token %q", token)
	}
	sent, err := expandSend(`{"sub":{"topic":"$U2","x":"$G1","s":"$BASIC(al:pw)","k":"$TOKEN(A)","r":"$RUN"}}`,
		ids, "x1", map[string]string{"A": "tok"})
	if err != nil {
		t.Fatal(err)
	}
	const wantSent = `{"sub":{"topic":"usrCCCCCCCCCCC","x":"grpBBBBBBBBBBB","s":"YWx4MTpwdw==","k":"tok","r":"x1"}}`
	if sent != wantSent {
		t.Errorf("expanded %s\nwant     %s", sent, wantSent)
	}
	if _, err := expandSend(`{"topic":"$U9"}`, ids, "x1", nil); err == nil {
		t.Error("an unbound placeholder expanded")
	}
}

// A received frame that differs from the transcript fails the run, naming
// the transcript's line.
func TestTranscriptMismatchFails(t *testing.T) {
	srv := servertest.Start(t)
	sc := parseScript(t, "inline", strings.NewReader(`# a wrong expectation
A> {"hi":{"id":"1","ver":"0.25"}}
A< {"ctrl":{"id":"1","code":200,"text":"ok","ts":"$TS"}}
`))
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runScript(rec, srv, sc)
	}()
	<-done
	if !strings.Contains(rec.msg, "inline:3") || !strings.Contains(rec.msg, `"code":201`) {
		t.Fatalf("the run failed with %q, want the mismatch at inline:3", rec.msg)
	}
}

// recorder is a TB whose Fatalf records the message and ends the goroutine.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
