package chaos

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// numSenders and the topology: s1 writes to r1 and s2 to r2 one to one; s3
// and s4 write to a group that r1..r4 read. r2 and r4 acknowledge with
// datares, r1 and r3 with note recv.
const numSenders = 4

// reader is who reads a topic's history for the checker, under which name.
type reader struct{ token, view string }

// harness is one run's clients, relay and referees.
type harness struct {
	cfg       Config
	relays    []*Relay
	senders   []*sender
	receivers []*receiver
	readers   map[string]reader // topic label → reader
	stop      chan struct{}
}

// setup signs up the users and creates the topics directly on the gateway at
// addr, then builds clients that will connect through relays: client i
// through relays[i%len(relays)], so a cluster's clients spread over its
// nodes.
func setup(t *testing.T, addr string, relays []*Relay, cfg Config) *harness {
	t.Helper()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	users := map[string]*servertest.Client{}
	for _, name := range []string{"s1", "s2", "s3", "s4", "r1", "r2", "r3", "r4"} {
		c, err := servertest.DialAddr(t, addr, "")
		if err != nil {
			t.Fatal(err)
		}
		c.Hi()
		if ctrl := c.Signup("chaos"+name+run, "pass123"); ctrl.Code() != 200 {
			t.Fatalf("signup %s: %v", name, ctrl)
		}
		users[name] = c
	}
	for _, pair := range [][2]string{{"s1", "r1"}, {"s2", "r2"}} {
		if ctrl := users[pair[0]].Sub(users[pair[1]].User); ctrl.Code() != 200 {
			t.Fatalf("p2p %v: %v", pair, ctrl)
		}
	}
	owner := users["s3"]
	group := owner.Sub("new1").Get("topic").(string)
	for _, name := range []string{"s4", "r1", "r2", "r3", "r4"} {
		id := owner.ID()
		if ctrl := owner.Request(id, servertest.Msg{"set": servertest.Msg{"id": id, "topic": group,
			"sub": servertest.Msg{"user": users[name].User, "mode": "JRWPS"}}}); ctrl.Code() != 200 {
			t.Fatalf("invite %s: %v", name, ctrl)
		}
		if ctrl := users[name].Sub(group); ctrl.Code() != 200 {
			t.Fatalf("%s accepting the invitation: %v", name, ctrl)
		}
	}
	for _, c := range users {
		c.Close()
	}

	h := &harness{cfg: cfg, relays: relays, stop: make(chan struct{}), readers: map[string]reader{
		"p2p1":  {users["r1"].Token, users["s1"].User},
		"p2p2":  {users["r2"].Token, users["s2"].User},
		"group": {users["r3"].Token, group},
	}}
	client := func(i int, name string) clientCfg {
		// Each client's jitter has its own stream of the run's seed.
		return clientCfg{name: name, addr: relays[i%len(relays)].Addr, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(1000+i))), stop: h.stop,
			pb: cfg.Codec.protobuf(i)}
	}
	targets := []struct{ label, view string }{
		{"p2p1", users["r1"].User}, {"p2p2", users["r2"].User}, {"group", group}, {"group", group}}
	for i, tg := range targets {
		quota := cfg.Messages / numSenders
		if i < cfg.Messages%numSenders {
			quota++
		}
		name := "s" + strconv.Itoa(i+1)
		h.senders = append(h.senders, newSender(client(i, name), tg.label, users[name].Token, tg.view, quota))
	}
	streams := [][]*stream{
		{newStream("p2p1", users["s1"].User), newStream("group", group)},
		{newStream("p2p2", users["s2"].User), newStream("group", group)},
		{newStream("group", group)},
		{newStream("group", group)},
	}
	for i, st := range streams {
		name := "r" + strconv.Itoa(i+1)
		h.receivers = append(h.receivers, newReceiver(client(10+i, name), users[name].Token, i%2 == 1, st))
	}
	return h
}

func (h *harness) start() {
	for _, s := range h.senders {
		go s.run()
	}
	for _, r := range h.receivers {
		go r.run()
	}
}

// acked is how many distinct messages senders have seen acknowledged.
func (h *harness) acked() int {
	n := int64(0)
	for _, s := range h.senders {
		n += s.ackedN.Load()
	}
	return int(n)
}

// waitFor polls cond until it holds or the run's timeout passes; on timeout
// the error says where every client stands.
func (h *harness) waitFor(what string, cond func() bool) error {
	if !pollUntil(h.cfg.Timeout, cond) {
		return fmt.Errorf("timed out after %v waiting for %s:\n%s", h.cfg.Timeout, what, h.progress())
	}
	return nil
}

func (h *harness) progress() string {
	var b strings.Builder
	for _, s := range h.senders {
		fmt.Fprintf(&b, "  %s: %d/%d acked, %d pubs (%d resent after a timeout), %d dials, %d refused, last error %v\n",
			s.name, s.ackedN.Load(), s.quota, s.pubs.Load(), s.resent.Load(), s.dials.Load(), s.fails.Load(), s.lastErr.Load())
	}
	for _, r := range h.receivers {
		fmt.Fprintf(&b, "  %s: %d given, caught up %v, %d dials, last error %v\n",
			r.name, r.given.Load(), r.caughtUp.Load(), r.dials.Load(), r.lastErr.Load())
	}
	fmt.Fprintf(&b, "  relays: %v\n", h.relayStats())
	return b.String()
}

// finish waits for the senders to have everything acknowledged and the
// receivers to have caught up, stops every client, reads the history from
// the gateway at addr and checks it.
func (h *harness) finish(addr string) (Anomalies, []string, error) {
	defer func() {
		if !isClosed(h.stop) {
			close(h.stop)
		}
	}()
	for _, s := range h.senders {
		if err := h.waitFor("senders to finish", func() bool { return isClosed(s.done) }); err != nil {
			return Anomalies{}, nil, err
		}
	}
	for _, r := range h.receivers {
		r.catchUp.Store(true)
	}
	err := h.waitFor("receivers to catch up", func() bool {
		for _, r := range h.receivers {
			if !r.caughtUp.Load() {
				return false
			}
		}
		return true
	})
	if err != nil {
		return Anomalies{}, nil, err
	}
	close(h.stop)
	for _, r := range h.receivers {
		<-r.done
	}
	history := map[string][]Entry{}
	for label, rd := range h.readers {
		entries, err := readHistory(addr, rd.token, rd.view)
		if err != nil {
			return Anomalies{}, nil, fmt.Errorf("reading %s: %w", label, err)
		}
		history[label] = entries
	}
	var acks []Ack
	var problems []string
	for _, s := range h.senders {
		acks = append(acks, s.acks...)
		problems = append(problems, s.problems...)
	}
	var receipts []Receipt
	for _, r := range h.receivers {
		for _, st := range r.streams {
			receipts = append(receipts, Receipt{Receiver: r.name, Topic: st.label, App: st.app, Passed: st.passed})
		}
	}
	return Check(history, acks, receipts), problems, nil
}

// stopAll stops every client and waits until each has let go of its
// connection, so nothing outlives the test.
func (h *harness) stopAll() {
	if !isClosed(h.stop) {
		close(h.stop)
	}
	for _, s := range h.senders {
		<-s.done
	}
	for _, r := range h.receivers {
		<-r.done
	}
}
