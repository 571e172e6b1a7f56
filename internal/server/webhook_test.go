package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
	"github.com/parley-im/parley/internal/webhook"
)

const hookSecret = "hook-secret"

// hookReceiver is a merchant's endpoint that dedupes by event id: apps
// holds each event's first delivery, in arrival order.
type hookReceiver struct {
	t         *testing.T
	mu        sync.Mutex
	failFirst int // answer 500 to this many requests without looking
	deliv     map[string]int
	apps      []webhook.Body
	requests  int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	if h.failFirst > 0 {
		h.failFirst--
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	if err := webhook.Verify([]byte(hookSecret), r.Header, body, time.Now(), 5*time.Minute); err != nil {
		h.t.Errorf("a delivery that does not verify: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b webhook.Body
	if err := json.Unmarshal(body, &b); err != nil || b.ID == "" || b.ID != r.Header.Get(webhook.HeaderEventID) {
		h.t.Errorf("delivery %s: %v (header id %q)", body, err, r.Header.Get(webhook.HeaderEventID))
	}
	h.deliv[b.ID]++
	if h.deliv[b.ID] == 1 {
		h.apps = append(h.apps, b)
		// Every third new event is taken but its answer "lost": the
		// outbox must send it again, and the id lets us drop it.
		if len(h.apps)%3 == 0 {
			http.Error(w, "answer lost", http.StatusBadGateway)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// messages returns the message.created seqs per topic, in first-delivery
// order, and how many conversation events were seen.
func (h *hookReceiver) messages() (map[string][]int, map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	seqs := map[string][]int{}
	kinds := map[string]int{}
	for _, b := range h.apps {
		if b.Type == webhook.TypeMessageCreated {
			var d webhook.MessageData
			json.Unmarshal(b.Data, &d)
			seqs[d.Topic] = append(seqs[d.Topic], d.Seq)
		}
		kinds[b.Type]++
	}
	dups := 0
	for _, n := range h.deliv {
		dups += n - 1
	}
	return seqs, kinds, dups
}

// TestWebhooksSurviveDownReceiverAndRestart: events made while the
// receiver refuses connections, kept across a server restart, then
// answered with 500s and lost answers, all arrive — with the event of a
// message stored just before a crash — each message once at
// the application level (no two event ids for one message), in order per
// conversation, signed.
func TestWebhooksSurviveDownReceiverAndRestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: connection refused
	dir := t.TempDir()
	opts := func(c *server.Config) {
		c.AdminToken = deskToken
		c.Webhooks = []string{"http://" + addr + "/hook|" + hookSecret}
		c.WebhookMaxBackoff = server.Duration(200 * time.Millisecond)
	}
	s := servertest.StartIn(t, dir, opts)
	setupDesk(t, s)
	const perCustomer = 5
	topics := map[string]bool{}
	var lastTopic string
	var lastUser proto.Uid
	for _, login := range []string{"wa", "wb"} {
		c := s.Connect(t, login)
		topic := act(c, "", "service.open", msgT{"team": "sales"}).Get("params.topic").(string)
		topics[topic] = true
		lastTopic, lastUser = topic, proto.ParseUserID(c.User)
		c.Sub(topic)
		for i := range perCustomer {
			if ctrl := c.Pub(topic, fmt.Sprintf("message %d", i), fmt.Sprintf("%s-%d", login, i)); ctrl.Code() != 202 {
				t.Fatalf("pub: %v", ctrl)
			}
		}
		// A retried message is one message, one event.
		c.Pub(topic, "message 0", login+"-0")
	}
	s.Stop()
	// A message stored whose event the process did not live to write (a
	// crash between the two): written to the store directly.
	st, err := sqlite.Open(filepath.Join(dir, "parley.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(context.Background(), []*store.Message{{Topic: lastTopic, From: lastUser, MsgID: "crashed",
		CreatedAt: time.Now().UTC(), Content: json.RawMessage(`"sent just before the crash"`)}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	wantSeqs := map[string]int{}
	for topic := range topics {
		wantSeqs[topic] = perCustomer
	}
	wantSeqs[lastTopic]++

	recv := &hookReceiver{t: t, failFirst: 4, deliv: map[string]int{}}
	var hs *http.Server
	for deadline := time.Now().Add(5 * time.Second); ; {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			hs = &http.Server{Handler: recv}
			go hs.Serve(ln)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cannot listen on %s again: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond) // the port is being released
	}
	defer hs.Close()

	s = servertest.StartIn(t, dir, opts)
	defer s.Stop()
	var seqs map[string][]int
	var kinds map[string]int
	var dups int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		seqs, kinds, dups = recv.messages()
		if kinds[webhook.TypeMessageCreated] >= 2*perCustomer+1 && kinds["conversation.queued"] >= 2 && dups > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling the receiver's count
	}
	if kinds[webhook.TypeMessageCreated] != 2*perCustomer+1 || kinds["conversation.queued"] != 2 {
		t.Fatalf("events seen: %v; want %d message.created and 2 conversation.queued", kinds, 2*perCustomer+1)
	}
	if dups == 0 {
		t.Error("no delivery was repeated: the lost answers were not retried")
	}
	for topic := range topics {
		got := seqs[topic]
		if len(got) != wantSeqs[topic] {
			t.Errorf("%s: message seqs %v, want %d", topic, got, wantSeqs[topic])
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Errorf("%s: message events out of order: %v", topic, got)
			}
		}
	}
	recv.mu.Lock()
	requests := recv.requests
	recv.mu.Unlock()
	t.Logf("%d requests for %d events (%d repeated)", requests, len(recv.apps), dups)
}
