package loadtest

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Options configure a run.
type Options struct {
	Addr       string
	APIKey     string
	Duration   time.Duration // measured part of the run
	Warmup     time.Duration // sending before measuring
	Drain      time.Duration // at most this long for deliveries after the end
	Conns      int           // fanout receivers, idle connections, storm clients
	Pairs      int           // pairs and openloop
	Window     int           // pubs in flight per sender
	Rate       float64       // openloop (and optional fanout) msg/s, all senders together
	Size       int           // approximate content bytes
	Messages   int           // storm: messages per group while clients are away
	Accounts   int           // idle/storm: distinct accounts whose tokens are shared
	SignupPar  int           // concurrent account creations
	ConnectPar int           // concurrent connection set-ups
	PIDs       []int         // server processes: CPU and RSS per scenario (idle: RSS per connection)
	Receipts   Receipts      // how receivers acknowledge: tinode, batch or none
	// ReceiptDelay is the quiet time after the last {data} before a tinode
	// receipt is sent.
	ReceiptDelay time.Duration
	CredEmail    string    // sign-up: offer an email credential at this domain
	CredResp     string    // sign-up: the response that validates it, when the server asks
	Protobuf     bool      // speak the parley-protobuf subprotocol instead of JSON
	Progress     io.Writer // once-a-second progress line; nil for none
	// MetricsURL is the server's /metrics, scraped at the start of the
	// measured window and after the drain for the server's own share of
	// delivery latency (fanout); "" scrapes nothing.
	MetricsURL string
}

// Result is what a scenario measured.
type Result struct {
	Scenario string         `json:"scenario"`
	Addr     string         `json:"addr"`
	Params   map[string]any `json:"params"`
	Seconds  float64        `json:"seconds"` // measured duration

	Sent       int64         `json:"sent"`
	Acked      int64         `json:"acked"`
	Errors     int64         `json:"errors"`
	ErrorCodes map[int]int64 `json:"error_codes,omitempty"`
	Delivered  int64         `json:"delivered"` // distinct seqs received, whole run
	Measured   int64         `json:"measured"`  // deliveries inside the measured window

	MsgPerSec        float64  `json:"msg_per_sec,omitempty"`        // acked pubs per second
	DeliveriesPerSec float64  `json:"deliveries_per_sec,omitempty"` // received per second
	Latency          *Latency `json:"latency,omitempty"`
	// ServerDelivery is the server's share of Latency: commit to socket
	// write, from its histogram (Options.MetricsURL).
	ServerDelivery *ServerLatency `json:"server_delivery,omitempty"`
	// ServerQueued is the part of ServerDelivery before the connection's
	// writer took the frame; the rest is the write itself, which waits
	// when the receiver does not read.
	ServerQueued *ServerLatency `json:"server_queued,omitempty"`

	Lost        int64 `json:"lost"`
	Duplicates  int64 `json:"duplicates"`
	OutOfOrder  int64 `json:"out_of_order"`
	Redelivered int64 `json:"redelivered"`
	Receivers   int   `json:"receivers"`
	Incomplete  int   `json:"incomplete"` // receivers missing something at the end

	RSSBeforeKB  int64   `json:"rss_before_kb,omitempty"`
	RSSAfterKB   int64   `json:"rss_after_kb,omitempty"`
	RSSEndKB     int64   `json:"rss_end_kb,omitempty"`
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`

	CatchUpSeconds float64  `json:"catch_up_seconds,omitempty"`
	CatchUp        *Latency `json:"catch_up,omitempty"` // per-client catch-up times
	GapNotices     int64    `json:"gap_notices,omitempty"`

	// WireBytesIn is what every client read from its socket, set-up
	// included; WireBytesPerDelivery divides it by the deliveries.
	WireBytesIn          int64   `json:"wire_bytes_in"`
	WireBytesPerDelivery float64 `json:"wire_bytes_per_delivery,omitempty"`

	// Receipts names the receivers' acknowledgement pattern; ReceiptsSent
	// counts the {note recv} they sent.
	Receipts     Receipts `json:"receipts"`
	ReceiptsSent int64    `json:"receipts_sent"`

	// With --pid: the server's CPU time inside the measured window (the
	// whole scenario for idle and storm), its RSS at the end, and the
	// efficiency figures derived from them.
	ServerCPUSeconds       float64 `json:"server_cpu_seconds,omitempty"`
	ServerRSSKB            int64   `json:"server_rss_kb,omitempty"`
	MsgPerCPUSecond        float64 `json:"msg_per_cpu_second,omitempty"`        // acked pubs per server CPU-second
	DeliveriesPerCPUSecond float64 `json:"deliveries_per_cpu_second,omitempty"` // deliveries per server CPU-second
	CPUMicrosPerMsg        float64 `json:"cpu_us_per_msg,omitempty"`            // server CPU per acked pub

	Notes []string `json:"notes,omitempty"`
}

// stream is one topic's set of seqs the server acknowledged to our sender.
type stream struct {
	mu     sync.Mutex
	acked  bitset
	nAcked int
}

func (s *stream) ack(seq int) {
	s.mu.Lock()
	if !s.acked.has(seq) {
		s.acked.set(seq)
		s.nAcked++
	}
	s.mu.Unlock()
}

// recv is one receiver session on one topic.
type recv struct {
	mu      sync.Mutex
	c       *client
	topic   string
	st      *stream
	chk     Checker
	hist    Hist
	lastAck int
	paging  bool
	page    []*proto.MsgServerData
	doneAt  time.Time
	startAt time.Time

	receiptTimer *time.Timer // tinode receipts: re-armed on every new {data}
}

type run struct {
	o        Options
	from, to atomic.Int64 // measured window, unix ns

	sent, acked, ackedIn, errs atomic.Int64
	inflight                   atomic.Int64
	delivered, measured        atomic.Int64
	gapNotices                 atomic.Int64
	wireIn                     atomic.Int64  // bytes all clients read from their sockets
	receiptsSent               atomic.Int64  // {note recv} the receivers sent
	dialed                     atomic.Uint64 // clients dialed, for nextAddr

	emu      sync.Mutex
	errCodes map[int]int64

	cpu *cpuWindow // server CPU over the measured window; nil until measure

	rmu    sync.Mutex
	recvs  []*recv
	notify chan struct{}
}

func newRun(o Options) *run {
	return &run{o: o, errCodes: map[int]int64{}, notify: make(chan struct{}, 1)}
}

func (r *run) signal() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *run) errCode(code int) {
	r.errs.Add(1)
	r.emu.Lock()
	r.errCodes[code]++
	r.emu.Unlock()
}

func (r *run) inWindow(ns int64) bool {
	f, t := r.from.Load(), r.to.Load()
	return f != 0 && ns >= f && ns < t
}

// nextAddr is the server the next client dials: the addresses of --addr
// (the nodes of a cluster, comma-separated) in turn, so clients spread
// over the nodes.
func (r *run) nextAddr() string {
	addrs := strings.Split(r.o.Addr, ",")
	return addrs[(r.dialed.Add(1)-1)%uint64(len(addrs))]
}

// newClient dials, wires the handlers and says hi.
func (r *run) newClient(ctx context.Context) (*client, error) {
	c, err := dial(ctx, r.nextAddr(), r.o.APIKey, r.o.Protobuf, &r.wireIn)
	if err != nil {
		return nil, err
	}
	topics := &sync.Map{}
	c.onData = func(d *proto.MsgServerData) {
		if v, ok := topics.Load(d.Topic); ok {
			r.onData(v.(*recv), d)
		}
	}
	c.onCtrl = func(m *proto.MsgServerCtrl) {
		if w, _ := m.Params["what"].(string); w == "data" && (m.Code == 208 || m.Code == 204) {
			if v, ok := topics.Load(m.Topic); ok {
				r.pageEnd(v.(*recv), m)
			}
		}
	}
	c.onPres = func(p *proto.MsgServerPres) {
		if p.What == "gap" {
			r.gapNotices.Add(1)
		}
	}
	c.topicsMap = topics
	c.start()
	if err := c.hi(ctx); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// listen makes c a receiver of topic (the name as c sees it) for stream st.
func (r *run) listen(c *client, topic string, st *stream) *recv {
	rv := &recv{c: c, topic: topic, st: st}
	c.topicsMap.Store(topic, rv)
	r.rmu.Lock()
	r.recvs = append(r.recvs, rv)
	r.rmu.Unlock()
	return rv
}

func (r *run) onData(rv *recv, d *proto.MsgServerData) {
	now := time.Now()
	rv.mu.Lock()
	if rv.paging {
		rv.page = append(rv.page, d)
		rv.mu.Unlock()
		return
	}
	r.observe(rv, d, now)
	ack := r.afterData(rv)
	c := rv.c
	rv.mu.Unlock()
	if ack > 0 {
		r.receiptsSent.Add(1)
		c.note(rv.topic, ack)
	}
}

// observe feeds one {data} to the checker; rv.mu is held.
func (r *run) observe(rv *recv, d *proto.MsgServerData, now time.Time) {
	n, ts, _ := parseContent(d.Content)
	if !rv.chk.Observe(d.SeqID, n) {
		return
	}
	r.delivered.Add(1)
	if ts != 0 && r.inWindow(ts) {
		rv.hist.Record(now.UnixNano() - ts)
		r.measured.Add(1)
	}
	if rv.doneAt.IsZero() && !rv.startAt.IsZero() {
		rv.st.mu.Lock()
		if rv.chk.Lost(rv.st.acked) == 0 {
			rv.doneAt = now
		}
		rv.st.mu.Unlock()
	}
	r.signal()
}

// pageEnd handles the ctrl closing a get-data page: the page (newest first)
// is shown in seq order, and the next page is asked for if this one was full.
func (r *run) pageEnd(rv *recv, m *proto.MsgServerCtrl) {
	now := time.Now()
	rv.mu.Lock()
	page := rv.page
	rv.page, rv.paging = nil, false
	sort.Slice(page, func(i, j int) bool { return page[i].SeqID < page[j].SeqID })
	for _, d := range page {
		r.observe(rv, d, now)
	}
	more := len(page) >= 100
	since := rv.chk.Max() + 1
	if more {
		rv.paging = true
	}
	ack := r.afterPage(rv)
	c := rv.c
	rv.mu.Unlock()
	if ack > 0 {
		r.receiptsSent.Add(1)
		c.note(rv.topic, ack)
	}
	if more {
		id := c.id()
		c.send(&proto.ClientMsg{Get: &proto.MsgClientGet{ID: id, Topic: rv.topic,
			MsgGetQuery: proto.MsgGetQuery{What: "data", Data: &proto.MsgGetOpts{SinceID: since, Limit: 100}}}})
	}
	r.signal()
}

// complete reports whether nothing is in flight and every receiver has
// every acknowledged seq of its stream.
func (r *run) complete() bool {
	if r.inflight.Load() > 0 {
		return false
	}
	r.rmu.Lock()
	rs := append([]*recv(nil), r.recvs...)
	r.rmu.Unlock()
	for _, rv := range rs {
		rv.mu.Lock()
		rv.st.mu.Lock()
		lost := rv.chk.Lost(rv.st.acked)
		rv.st.mu.Unlock()
		rv.mu.Unlock()
		if lost > 0 {
			return false
		}
	}
	return true
}

// drain waits, at most d, for everything acknowledged to be delivered.
func (r *run) drain(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		if r.complete() {
			return true
		}
		select {
		case <-r.notify:
		case <-t.C:
			return r.complete()
		case <-ctx.Done():
			return false
		}
	}
}

// publish sends one pub and accounts for its ack.
func (r *run) publish(c *client, topic string, st *stream, n int, ts time.Time, pad string, release func()) {
	id := c.id()
	r.sent.Add(1)
	r.inflight.Add(1)
	err := c.async(id, &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: topic, NoEcho: true,
		Content: makeContent(n, ts, pad)}}, func(m *proto.MsgServerCtrl) {
		switch {
		case m == nil:
			r.errCode(0)
		case m.Code == 202:
			seq, _ := m.Params["seq"].(float64)
			st.ack(int(seq))
			r.acked.Add(1)
			if r.inWindow(time.Now().UnixNano()) {
				r.ackedIn.Add(1)
			}
		default:
			r.errCode(m.Code)
		}
		r.inflight.Add(-1)
		release()
		r.signal()
	})
	if err != nil {
		r.errCode(0)
		r.inflight.Add(-1)
		release()
	}
}

// sender publishes to topic until end: closed loop with window pubs in
// flight when rate is 0, otherwise open loop at rate msg/s, each message
// stamped with its scheduled send time.
func (r *run) sender(ctx context.Context, c *client, topic string, st *stream, end time.Time, window int, rate float64, pad string, start time.Time) {
	sem := make(chan struct{}, window)
	release := func() { <-sem }
	endT := time.NewTimer(time.Until(end))
	defer endT.Stop()
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	next := start
	wait := time.NewTimer(0)
	defer wait.Stop()
	for n := 0; ; n++ {
		ts := time.Now()
		if interval > 0 {
			if !next.Before(end) {
				return
			}
			if d := time.Until(next); d > 0 {
				wait.Reset(d)
				select {
				case <-wait.C:
				case <-endT.C:
					return
				case <-ctx.Done():
					return
				}
			}
			ts = next
			next = next.Add(interval)
		} else if !time.Now().Before(end) {
			return
		}
		select {
		case sem <- struct{}{}:
		case <-endT.C:
			return
		case <-ctx.Done():
			return
		case <-c.done:
			return
		}
		r.publish(c, topic, st, n, ts, pad, release)
	}
}

// parallel runs f(i) for i in [0,n) with at most par at once, returning the
// first error.
func parallel(ctx context.Context, n, par int, f func(i int) error) error {
	if par < 1 {
		par = 1
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, par)
	for i := 0; i < n; i++ {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// signups creates n accounts concurrently (bounded: bcrypt is slow on the
// server) and returns their logged-in clients.
func (r *run) signups(ctx context.Context, n int) ([]*client, error) {
	cs := make([]*client, n)
	err := parallel(ctx, n, r.o.SignupPar, func(i int) error {
		c, err := r.newClient(ctx)
		if err != nil {
			return err
		}
		if err := c.signup(ctx, r.o.CredEmail, r.o.CredResp); err != nil {
			c.close()
			return err
		}
		cs[i] = c
		return nil
	})
	if err != nil {
		closeAll(cs)
		return nil, err
	}
	return cs, nil
}

func closeAll(cs []*client) {
	for _, c := range cs {
		if c != nil {
			c.close()
		}
	}
}

// progress prints line() to the progress writer once a second until ctx ends.
func (r *run) progress(ctx context.Context, name string, line func() string) {
	if r.o.Progress == nil {
		return
	}
	start := time.Now()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(r.o.Progress)
			return
		case <-t.C:
			fmt.Fprintf(r.o.Progress, "\r%s %3ds %s   ", name, int(time.Since(start).Seconds()), line())
		}
	}
}

// rates returns a progress function showing per-second deltas.
func (r *run) rates() func() string {
	var lastSent, lastDel int64
	return func() string {
		s, d := r.sent.Load(), r.delivered.Load()
		out := fmt.Sprintf("sent=%d (%d/s) acked=%d recv=%d (%d/s) errors=%d", s, s-lastSent, r.acked.Load(), d, d-lastDel, r.errs.Load())
		lastSent, lastDel = s, d
		return out
	}
}

// finish fills the counters shared by every scenario.
func (r *run) finish(res *Result) {
	res.Sent, res.Acked, res.Errors = r.sent.Load(), r.acked.Load(), r.errs.Load()
	res.Delivered, res.Measured = r.delivered.Load(), r.measured.Load()
	r.emu.Lock()
	if len(r.errCodes) > 0 {
		res.ErrorCodes = map[int]int64{}
		for k, v := range r.errCodes {
			res.ErrorCodes[k] = v
		}
	}
	r.emu.Unlock()
	var h Hist
	r.rmu.Lock()
	defer r.rmu.Unlock()
	res.Receivers = len(r.recvs)
	for _, rv := range r.recvs {
		rv.mu.Lock()
		rv.st.mu.Lock()
		lost := rv.chk.Lost(rv.st.acked)
		rv.st.mu.Unlock()
		res.Lost += lost
		if lost > 0 {
			res.Incomplete++
		}
		res.Duplicates += rv.chk.Duplicates
		res.OutOfOrder += rv.chk.OutOfOrder
		res.Redelivered += rv.chk.Redelivered
		h.Merge(&rv.hist)
		rv.mu.Unlock()
	}
	if h.Count() > 0 {
		res.Latency = h.Summary()
	}
	res.GapNotices = r.gapNotices.Load()
	res.WireBytesIn = r.wireIn.Load()
	if res.Delivered > 0 {
		res.WireBytesPerDelivery = float64(res.WireBytesIn) / float64(res.Delivered)
	}
	if res.Seconds > 0 {
		res.DeliveriesPerSec = float64(res.Measured) / res.Seconds
	}
}
