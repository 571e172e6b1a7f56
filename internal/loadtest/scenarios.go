package loadtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Run runs one scenario: pairs, fanout, idle, storm or openloop.
func Run(ctx context.Context, scenario string, o Options) (*Result, error) {
	if o.Receipts == "" {
		o.Receipts = ReceiptsTinode
	}
	if o.ReceiptDelay <= 0 {
		o.ReceiptDelay = defaultReceiptDelay
	}
	r := newRun(o)
	res := &Result{Scenario: scenario, Addr: o.Addr, Params: map[string]any{}, Receipts: o.Receipts}
	res.Params["receipts"] = string(o.Receipts)
	if o.Receipts == ReceiptsTinode {
		res.Params["receipt_delay"] = o.ReceiptDelay.String()
	}
	done := make(chan struct{})
	defer close(done)
	if o.Receipts == ReceiptsBatch {
		go r.flushAcks(done)
	}
	defer r.stopReceipts()
	cpu0, cpuOK := cpuSeconds(o.PIDs)
	var err error
	switch scenario {
	case "pairs":
		err = r.pairs(ctx, res, 0)
	case "openloop":
		err = r.pairs(ctx, res, o.Rate)
	case "fanout":
		err = r.fanout(ctx, res)
	case "idle":
		err = r.idle(ctx, res)
	case "storm":
		err = r.storm(ctx, res)
	default:
		return nil, fmt.Errorf("unknown scenario %q", scenario)
	}
	if err != nil {
		return nil, err
	}
	res.ReceiptsSent = r.receiptsSent.Load()
	r.efficiency(res, cpu0, cpuOK)
	return res, nil
}

// efficiency fills the server CPU and RSS figures: over the measured
// window when the scenario has one, else over the whole scenario.
func (r *run) efficiency(res *Result, cpu0 float64, cpuOK bool) {
	if len(r.o.PIDs) == 0 {
		return
	}
	var cpu float64
	var rss, msgs, deliveries int64
	if r.cpu != nil {
		var ok bool
		if cpu, rss, ok = r.cpu.result(); !ok {
			res.Notes = append(res.Notes, "server CPU not measured: /proc/PID/stat unreadable")
			return
		}
		msgs, deliveries = r.ackedIn.Load(), res.Measured
	} else {
		cpu1, ok := cpuSeconds(r.o.PIDs)
		if !ok || !cpuOK {
			res.Notes = append(res.Notes, "server CPU not measured: /proc/PID/stat unreadable")
			return
		}
		cpu, rss = cpu1-cpu0, rssKB(r.o.PIDs)
		msgs, deliveries = res.Acked, res.Delivered
	}
	res.ServerCPUSeconds, res.ServerRSSKB = cpu, rss
	if cpu <= 0 {
		return
	}
	res.MsgPerCPUSecond = float64(msgs) / cpu
	res.DeliveriesPerCPUSecond = float64(deliveries) / cpu
	if msgs > 0 {
		res.CPUMicrosPerMsg = cpu * 1e6 / float64(msgs)
	}
}

// measure sets the measured window [now+warmup, now+warmup+duration) and
// returns its start and end.
func (r *run) measure(now time.Time) (time.Time, time.Time) {
	from := now.Add(r.o.Warmup)
	to := from.Add(r.o.Duration)
	r.from.Store(from.UnixNano())
	r.to.Store(to.UnixNano())
	r.cpu = watchCPU(r.o.PIDs, from, to)
	return from, to
}

func (r *run) endRun(ctx context.Context, res *Result) {
	if !r.drain(ctx, r.o.Drain) {
		res.Notes = append(res.Notes, fmt.Sprintf("not everything acknowledged arrived within the %v drain", r.o.Drain))
	}
	r.settleReceipts(ctx)
}

// pairs: N one-to-one topics, one sender and one receiver each. rate 0 is
// closed loop with a window; otherwise open loop at rate msg/s in total.
func (r *run) pairs(ctx context.Context, res *Result, rate float64) error {
	p := r.o.Pairs
	res.Params["pairs"], res.Params["window"], res.Params["size"] = p, r.o.Window, r.o.Size
	if rate > 0 {
		res.Params["rate"] = rate
	}
	cs, err := r.signups(ctx, 2*p)
	if err != nil {
		return err
	}
	defer closeAll(cs)
	snd, rcv := cs[:p], cs[p:]
	streams := make([]*stream, p)
	err = parallel(ctx, p, r.o.ConnectPar, func(i int) error {
		streams[i] = &stream{}
		if _, err := snd[i].sub(ctx, p2p(rcv[i].User)); err != nil {
			return err
		}
		r.listen(rcv[i], p2p(snd[i].User), streams[i])
		_, err := rcv[i].sub(ctx, p2p(snd[i].User))
		return err
	})
	if err != nil {
		return err
	}
	pctx, stop := context.WithCancel(ctx)
	go r.progress(pctx, res.Scenario, r.rates())
	start := time.Now()
	from, end := r.measure(start)
	pad := padding(r.o.Size)
	window := r.o.Window
	if rate > 0 {
		window = 1 << 16 // open loop: the clock decides, not the window
	}
	var wg sync.WaitGroup
	for i := 0; i < p; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Spread open-loop senders' phases over one interval.
			st := start
			if rate > 0 {
				st = start.Add(time.Duration(float64(time.Second) / rate * float64(i)))
			}
			r.sender(ctx, snd[i], p2p(rcv[i].User), streams[i], end, window, rate/float64(p), pad, st)
		}(i)
	}
	wg.Wait()
	r.endRun(ctx, res)
	stop()
	res.Seconds = end.Sub(from).Seconds()
	r.finish(res)
	res.MsgPerSec = float64(r.ackedIn.Load()) / res.Seconds
	return nil
}

// fanout: one sender, a group of N receivers.
func (r *run) fanout(ctx context.Context, res *Result) error {
	n := r.o.Conns
	res.Params["receivers"], res.Params["window"], res.Params["size"] = n, r.o.Window, r.o.Size
	if r.o.Rate > 0 {
		res.Params["rate"] = r.o.Rate
	}
	cs, err := r.signups(ctx, n+1)
	if err != nil {
		return err
	}
	defer closeAll(cs)
	snd := cs[0]
	ctrl, err := snd.sub(ctx, "new")
	if err != nil {
		return err
	}
	grp := ctrl.Topic
	st := &stream{}
	err = parallel(ctx, n, r.o.ConnectPar, func(i int) error {
		r.listen(cs[i+1], grp, st)
		_, err := cs[i+1].sub(ctx, grp)
		return err
	})
	if err != nil {
		return err
	}
	pctx, stop := context.WithCancel(ctx)
	go r.progress(pctx, res.Scenario, r.rates())
	start := time.Now()
	from, end := r.measure(start)
	dw := watchDeliveries(ctx, r.o.MetricsURL, from)
	window := r.o.Window
	if r.o.Rate > 0 {
		window = 1 << 16
	}
	r.sender(ctx, snd, grp, st, end, window, r.o.Rate, padding(r.o.Size), start)
	r.endRun(ctx, res)
	dw.done(ctx, res)
	stop()
	res.Seconds = end.Sub(from).Seconds()
	r.finish(res)
	res.MsgPerSec = float64(r.ackedIn.Load()) / res.Seconds
	return nil
}

// groupsFor creates ceil(n/per) groups owned by owner.
func groupsFor(ctx context.Context, owner *client, n, per int) ([]string, error) {
	g := (n + per - 1) / per
	if g < 1 {
		g = 1
	}
	out := make([]string, g)
	for i := range out {
		ctrl, err := owner.sub(ctx, "new")
		if err != nil {
			return nil, err
		}
		out[i] = ctrl.Topic
	}
	return out, nil
}

// tokenClients opens n sessions logged in with the accounts' tokens (round
// robin), each attached to topics[i%len(topics)] as a receiver.
func (r *run) tokenClients(ctx context.Context, n int, accts []*client, topics []string, streams []*stream, rvs []*recv) ([]*client, error) {
	cs := make([]*client, n)
	err := parallel(ctx, n, r.o.ConnectPar, func(i int) error {
		c, err := r.newClient(ctx)
		if err != nil {
			return err
		}
		cs[i] = c
		a := accts[i%len(accts)]
		c.User = a.User
		if err := c.loginToken(ctx, a.Token); err != nil {
			return err
		}
		t := topics[i%len(topics)]
		if rvs != nil && rvs[i] != nil {
			rv := rvs[i]
			rv.mu.Lock()
			rv.c = c
			rv.mu.Unlock()
			c.topicsMap.Store(t, rv)
		} else {
			rv := r.listen(c, t, streams[i%len(topics)])
			if rvs != nil {
				rvs[i] = rv
			}
		}
		_, err = c.sub(ctx, t)
		return err
	})
	if err != nil {
		closeAll(cs)
		return nil, err
	}
	return cs, nil
}

func (r *run) accountCount(n int) int {
	a := r.o.Accounts
	if a > n {
		a = n
	}
	if a < 1 {
		a = 1
	}
	return a
}

// audience signs up an owner and accounts users, whose tokens the n
// connections of idle and storm share, and creates groups of at most per
// members for them, each with a stream to publish on. Only the owner stays
// connected; the caller closes it.
func (r *run) audience(ctx context.Context, accounts, n, per int) (owner *client, users []*client, groups []string, streams []*stream, err error) {
	accts, err := r.signups(ctx, accounts+1)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	owner, users = accts[0], accts[1:]
	for _, c := range users {
		c.close()
	}
	if groups, err = groupsFor(ctx, owner, n, per); err != nil {
		owner.close()
		return nil, nil, nil, nil, err
	}
	streams = make([]*stream, len(groups))
	for i := range streams {
		streams[i] = &stream{}
	}
	return owner, users, groups, streams, nil
}

// idle: N authenticated connections, one topic each; server RSS per
// connection. At the end each topic gets one message, which every
// connection must receive (so the connections were alive).
func (r *run) idle(ctx context.Context, res *Result) error {
	n := r.o.Conns
	a := r.accountCount(n)
	res.Params["conns"], res.Params["accounts"] = n, a
	owner, users, groups, streams, err := r.audience(ctx, a, n, 1000)
	if err != nil {
		return err
	}
	defer owner.close()
	before := rssKB(r.o.PIDs)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go r.progress(pctx, res.Scenario, func() string {
		r.rmu.Lock()
		n := len(r.recvs)
		r.rmu.Unlock()
		return fmt.Sprintf("connections=%d server rss=%d kB", n, rssKB(r.o.PIDs))
	})
	cs, err := r.tokenClients(ctx, n, users, groups, streams, nil)
	if err != nil {
		return err
	}
	defer closeAll(cs)
	after := rssKB(r.o.PIDs)
	hold := time.NewTimer(r.o.Duration)
	start := time.Now()
	select {
	case <-hold.C:
	case <-ctx.Done():
		hold.Stop()
		return ctx.Err()
	}
	end := rssKB(r.o.PIDs)
	for i, g := range groups {
		r.publish(owner, g, streams[i], 0, time.Now(), "", func() {})
	}
	r.endRun(ctx, res)
	stop()
	res.Seconds = time.Since(start).Seconds()
	r.finish(res)
	if len(r.o.PIDs) > 0 {
		res.RSSBeforeKB, res.RSSAfterKB, res.RSSEndKB = before, after, end
		res.BytesPerConn = float64(after-before) * 1024 / float64(n)
	} else {
		res.Notes = append(res.Notes, "no --pid: server memory not measured")
	}
	return nil
}

// storm: M clients subscribed; all drop; K messages per group are sent
// while they are away; all reconnect at once with a token login and sub
// with get data since their last seq + 1; time until all caught up.
func (r *run) storm(ctx context.Context, res *Result) error {
	m, k := r.o.Conns, r.o.Messages
	a := r.accountCount(m)
	res.Params["clients"], res.Params["messages_per_group"], res.Params["accounts"] = m, k, a
	owner, users, groups, streams, err := r.audience(ctx, a, m, 100)
	if err != nil {
		return err
	}
	defer owner.close()
	res.Params["groups"] = len(groups)
	rvs := make([]*recv, m)
	cs, err := r.tokenClients(ctx, m, users, groups, streams, rvs)
	if err != nil {
		return err
	}
	// One message per group while everyone is attached.
	for i, g := range groups {
		r.publish(owner, g, streams[i], 0, time.Now(), "", func() {})
	}
	if !r.drain(ctx, r.o.Drain) {
		closeAll(cs)
		return fmt.Errorf("storm: clients did not get the first message")
	}
	// Everyone drops.
	for _, c := range cs {
		c.drop()
	}
	for _, c := range cs {
		<-c.done
	}
	// K messages per group while they are away.
	pad := padding(r.o.Size)
	sem := make(chan struct{}, r.o.Window)
	for j := 1; j <= k; j++ {
		for i, g := range groups {
			sem <- struct{}{}
			r.publish(owner, g, streams[i], j, time.Now(), pad, func() { <-sem })
		}
	}
	for i := 0; i < r.o.Window; i++ {
		sem <- struct{}{}
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go r.progress(pctx, res.Scenario, func() string {
		done := 0
		for _, rv := range rvs {
			rv.mu.Lock()
			if !rv.doneAt.IsZero() {
				done++
			}
			rv.mu.Unlock()
		}
		return fmt.Sprintf("caught up %d/%d recv=%d", done, m, r.delivered.Load())
	})
	// All reconnect at once.
	t0 := time.Now()
	var wg sync.WaitGroup
	var emu sync.Mutex
	var errs []string
	ncs := make([]*client, m)
	for i := 0; i < m; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := r.rejoin(ctx, i, rvs[i], users[i%len(users)], groups[i%len(groups)], t0, ncs); err != nil {
				emu.Lock()
				errs = append(errs, err.Error())
				emu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	defer closeAll(ncs)
	r.drain(ctx, r.o.Drain+r.o.Duration)
	stop()
	var h Hist
	last := t0
	for _, rv := range rvs {
		rv.mu.Lock()
		if !rv.doneAt.IsZero() {
			h.RecordDuration(rv.doneAt.Sub(t0))
			if rv.doneAt.After(last) {
				last = rv.doneAt
			}
		}
		rv.mu.Unlock()
	}
	res.Seconds = time.Since(t0).Seconds()
	r.finish(res)
	res.CatchUpSeconds = last.Sub(t0).Seconds()
	res.CatchUp = h.Summary()
	if len(errs) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d reconnects failed, first: %s", len(errs), errs[0]))
	}
	return nil
}

func (r *run) rejoin(ctx context.Context, i int, rv *recv, acct *client, topic string, t0 time.Time, out []*client) error {
	c, err := r.newClient(ctx)
	if err != nil {
		return err
	}
	out[i] = c
	c.User = acct.User
	if err := c.loginToken(ctx, acct.Token); err != nil {
		return err
	}
	rv.mu.Lock()
	rv.c, rv.paging, rv.startAt = c, true, t0
	since := rv.chk.Max() + 1
	rv.mu.Unlock()
	c.topicsMap.Store(topic, rv)
	id := c.id()
	_, err = c.call(ctx, id, &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: id, Topic: topic,
		Get: &proto.MsgGetQuery{What: "data", Data: &proto.MsgGetOpts{SinceID: since, Limit: 100}}}}, "sub "+topic, 200)
	return err
}

// p2p is the one-to-one topic name for a peer: its user id ("usr…").
func p2p(user string) string {
	if strings.HasPrefix(user, "usr") {
		return user
	}
	return "usr" + user
}
