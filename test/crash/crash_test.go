package crash

import (
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// rounds is how many times the gateway is killed; PARLEY_CRASH_ROUNDS
// raises it for long runs (make crash).
func rounds() int {
	if n, err := strconv.Atoi(os.Getenv("PARLEY_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}

func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real server processes")
	}
	killNine(t)
}

// killNine kills the gateway with SIGKILL several times while senders
// write, restarts it over the same store, and checks that every
// acknowledged message is there once, at its seq. env adds to the
// process's environment (the store, say).
func killNine(t *testing.T, env ...string) {
	dir := t.TempDir()
	env = append([]string{"PARLEY_RATE_PER_SECOND=100000", "PARLEY_RATE_BURST=100000"}, env...)
	proc := servertest.StartProcess(t, dir, env...)
	senders, topics := setup(t, proc.Addr)

	for round := 0; round < rounds(); round++ {
		target := total(senders) + 100 + rand.IntN(400)
		errs := runSenders(proc.Addr, senders, nil)
		waitFor(t, func() bool { return total(senders) >= target }, "acks before kill")
		proc.Kill()
		checkErrs(t, errs)
		proc = servertest.StartProcess(t, dir, env...)
	}
	drain := make(chan struct{})
	close(drain)
	checkErrs(t, runSenders(proc.Addr, senders, drain))
	for _, s := range senders {
		if !s.drained() {
			t.Fatalf("%s still has unacknowledged messages after draining", s.name)
		}
	}
	for i, s := range senders {
		verifyHistory(t, proc.Addr, topics[i], s)
	}
	t.Logf("%d kills, %d messages acknowledged", rounds(), total(senders))
}

// setup creates alice, bob and carol; alice and carol write to bob, and
// alice to a group of the three.
func setup(t *testing.T, addr string) ([]*sender, []reader) {
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	clients := map[string]*servertest.Client{}
	for _, name := range []string{"alice", "bob", "carol"} {
		c, err := servertest.DialAddr(t, addr, "")
		if err != nil {
			t.Fatal(err)
		}
		c.Hi()
		if ctrl := c.Signup(name+run, "pass123"); ctrl.Code() != 200 {
			t.Fatalf("signup: %v", ctrl)
		}
		clients[name] = c
	}
	alice, bob, carol := clients["alice"], clients["bob"], clients["carol"]
	group := alice.Sub("new1").Get("topic").(string)
	for _, invitee := range []*servertest.Client{bob, carol} {
		id := alice.ID()
		if ctrl := alice.Request(id, servertest.Msg{"set": servertest.Msg{"id": id, "topic": group,
			"sub": servertest.Msg{"user": invitee.User, "mode": "JRWPS"}}}); ctrl.Code() != 200 {
			t.Fatalf("invite: %v", ctrl)
		}
	}
	senders := []*sender{
		newSender("a2b", alice.Token, bob.User),
		newSender("c2b", carol.Token, bob.User),
		newSender("a2g", alice.Token, group),
	}
	readers := []reader{{bob.Token, alice.User}, {bob.Token, carol.User}, {bob.Token, group}}
	return senders, readers
}

// reader says who reads a sender's topic back, and under which name.
type reader struct {
	token string
	topic string
}

func runSenders(addr string, senders []*sender, drain <-chan struct{}) <-chan error {
	errs := make(chan error, len(senders))
	if drain == nil {
		drain = make(chan struct{}) // never closed: run until the kill
	}
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.run(addr, drain)
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	return errs
}

func checkErrs(t *testing.T, errs <-chan error) {
	t.Helper()
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func total(senders []*sender) int {
	n := 0
	for _, s := range senders {
		n += s.ackedCount()
	}
	return n
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter with a deadline
	}
}

// verifyHistory reads the whole topic back and checks the promise: seqs
// 1..N with no gap, every msgid exactly once, every acknowledged msgid at
// the seq it was acknowledged with.
func verifyHistory(t *testing.T, addr string, r reader, s *sender) {
	t.Helper()
	c, err := servertest.DialAddr(t, addr, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Hi()
	c.LoginToken(r.token)
	c.Sub(r.topic)
	bySeq := map[int]string{}
	before := 0
	for {
		id := c.ID()
		data := servertest.Msg{"limit": 100}
		if before > 0 {
			data["before"] = before
		}
		c.Send(servertest.Msg{"get": servertest.Msg{"id": id, "topic": r.topic, "what": "data", "data": data}})
		n := 0
		for {
			m := c.Read()
			if d := m.Obj("data"); d != nil {
				seq := d.Int("seq")
				bySeq[seq] = d.Get("head.msgid").(string)
				if before == 0 || seq < before {
					before = seq
				}
				n++
				continue
			}
			if m.Get("ctrl.id") == id {
				break
			}
		}
		if n == 0 {
			break
		}
	}
	seen := map[string]int{}
	for seq := 1; seq <= len(bySeq); seq++ {
		msgid, ok := bySeq[seq]
		if !ok {
			t.Fatalf("%s: seq %d missing of %d: gap", s.name, seq, len(bySeq))
		}
		if prev, dup := seen[msgid]; dup {
			t.Fatalf("%s: msgid %s stored twice, at %d and %d", s.name, msgid, prev, seq)
		}
		seen[msgid] = seq
	}
	for msgid, seq := range s.acked {
		if seen[msgid] != seq {
			t.Fatalf("%s: %s acknowledged with seq %d, stored at %d", s.name, msgid, seq, seen[msgid])
		}
	}
	if len(seen) != len(s.acked) {
		t.Fatalf("%s: %d stored, %d acknowledged (all were resent until acknowledged)", s.name, len(seen), len(s.acked))
	}
}
