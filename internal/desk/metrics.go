package desk

import (
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/proto"
)

// routerMetrics are the Prometheus counters and histograms of routing,
// observed as the effects are carried out (so they count what happened,
// once). Gauges (queues, agents) are read from the router at scrape time.
type routerMetrics struct {
	events    *prometheus.CounterVec // by team and event
	abandoned *prometheus.CounterVec // closed before any agent took it
	wait      *prometheus.HistogramVec
	response  *prometheus.HistogramVec
}

var latencyBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600}

func newRouterMetrics() *routerMetrics {
	return &routerMetrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_cs_conversation_events_total",
			Help: "Conversation events (queued, assigned, transferred, closed, reopened) by team."}, []string{"team", "event"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_cs_abandoned_total",
			Help: "Conversations closed before any agent took them, by team."}, []string{"team"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_cs_wait_seconds",
			Help: "Time from queued to the first assignment, by team.", Buckets: latencyBuckets}, []string{"team"}),
		response: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_cs_first_response_seconds",
			Help: "Time from the first assignment to the agent's first message, by team.", Buckets: latencyBuckets}, []string{"team"}),
	}
}

func (m *routerMetrics) observe(e Event) {
	c := e.Conv
	switch e.Kind {
	case EvQueued, EvAssigned, EvTransferred, EvClosed, EvReopened:
		m.events.WithLabelValues(c.Team, e.Kind).Inc()
	}
	switch {
	case e.Kind == EvAssigned && e.First:
		m.wait.WithLabelValues(c.Team).Observe(c.AssignedAt.Sub(c.QueuedAt).Seconds())
	case e.Kind == EvResponded:
		m.response.WithLabelValues(c.Team).Observe(c.FirstResponseAt.Sub(c.AssignedAt).Seconds())
	case e.Kind == EvClosed && c.AssignedAt.IsZero():
		m.abandoned.WithLabelValues(c.Team).Inc()
	}
}

// Collector returns the routing metrics for /metrics.
func (rt *Router) Collector() prometheus.Collector { return (*routerCollector)(rt) }

type routerCollector Router

var (
	queueDesc  = prometheus.NewDesc("parley_cs_queue_length", "Conversations waiting, by team.", []string{"team"}, nil)
	agentsDesc = prometheus.NewDesc("parley_cs_agents", "Staff taking conversations, by status.", []string{"status"}, nil)
	loadDesc   = prometheus.NewDesc("parley_cs_load", "Conversations held by agents, and their capacity.", []string{"kind"}, nil)
)

func (c *routerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDesc
	ch <- agentsDesc
	ch <- loadDesc
	m := c.metrics
	m.events.Describe(ch)
	m.abandoned.Describe(ch)
	m.wait.Describe(ch)
	m.response.Describe(ch)
}

func (c *routerCollector) Collect(ch chan<- prometheus.Metric) {
	rt := (*Router)(c)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if st, err := rt.State(ctx); err == nil {
		for team, n := range st.Queued {
			ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), team)
		}
		byStatus := map[string]int{StatusOnline: 0, StatusBusy: 0, StatusAway: 0, StatusOffline: 0}
		load, capacity := 0, 0
		for _, a := range st.Agents {
			byStatus[a.Status]++
			load += a.Load
			capacity += a.Capacity
		}
		for s, n := range byStatus {
			ch <- prometheus.MustNewConstMetric(agentsDesc, prometheus.GaugeValue, float64(n), s)
		}
		ch <- prometheus.MustNewConstMetric(loadDesc, prometheus.GaugeValue, float64(load), "held")
		ch <- prometheus.MustNewConstMetric(loadDesc, prometheus.GaugeValue, float64(capacity), "capacity")
	}
	m := c.metrics
	m.events.Collect(ch)
	m.abandoned.Collect(ch)
	m.wait.Collect(ch)
	m.response.Collect(ch)
}

// maxReport bounds the conversations one desk.metrics report reads.
const maxReport = 100_000

// Report is desk.metrics' answer: aggregates over the conversations
// closed since a time.
type Report struct {
	Since            proto.Time    `json:"since"`
	Conversations    int           `json:"conversations"`
	Abandoned        int           `json:"abandoned"`
	Transfers        int           `json:"transfers"`
	WaitP50          float64       `json:"wait_p50"` // seconds
	WaitP90          float64       `json:"wait_p90"`
	FirstResponseP50 float64       `json:"first_response_p50"`
	FirstResponseP90 float64       `json:"first_response_p90"`
	Agents           []AgentReport `json:"agents"`
	Truncated        bool          `json:"truncated,omitempty"`
}

// AgentReport is one agent's part: the conversations they last held.
type AgentReport struct {
	User             string  `json:"user"`
	Conversations    int     `json:"conversations"`
	Messages         int     `json:"messages"`
	FirstResponseP50 float64 `json:"first_response_p50"`
}

// Report aggregates the conversations closed since since.
func (rt *Router) Report(ctx context.Context, since time.Time) (Report, error) {
	list, err := rt.convs.ClosedConversations(ctx, since, maxReport)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Since: proto.TimeOf(since), Conversations: len(list), Agents: []AgentReport{},
		Truncated: len(list) == maxReport}
	var wait, resp []float64
	perAgent := map[proto.Uid]*AgentReport{}
	perAgentResp := map[proto.Uid][]float64{}
	for _, c := range list {
		rep.Transfers += c.Transfers
		if c.AssignedAt.IsZero() {
			rep.Abandoned++
			continue
		}
		wait = append(wait, c.AssignedAt.Sub(c.QueuedAt).Seconds())
		a := perAgent[c.LastAgent]
		if a == nil {
			a = &AgentReport{User: c.LastAgent.UserID()}
			perAgent[c.LastAgent] = a
		}
		a.Conversations++
		a.Messages += c.AgentMessages
		if !c.FirstResponseAt.IsZero() {
			d := c.FirstResponseAt.Sub(c.AssignedAt).Seconds()
			resp = append(resp, d)
			perAgentResp[c.LastAgent] = append(perAgentResp[c.LastAgent], d)
		}
	}
	rep.WaitP50, rep.WaitP90 = quantile(wait, 0.5), quantile(wait, 0.9)
	rep.FirstResponseP50, rep.FirstResponseP90 = quantile(resp, 0.5), quantile(resp, 0.9)
	for uid, a := range perAgent {
		a.FirstResponseP50 = quantile(perAgentResp[uid], 0.5)
		rep.Agents = append(rep.Agents, *a)
	}
	slices.SortFunc(rep.Agents, func(a, b AgentReport) int { return cmpString(a.User, b.User) })
	return rep, nil
}

// quantile is the nearest-rank quantile of xs (sorted in place); 0 for none.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	i := int(q*float64(len(xs)) + 0.5)
	return xs[min(max(i-1, 0), len(xs)-1)]
}
