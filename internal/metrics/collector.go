package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/trace"
)

// collector reads Parley's values when Prometheus scrapes them.
type collector struct {
	src      Sources
	messages *prometheus.Desc
	gauges   []gauge
}

// gauge is one value read from a function.
type gauge struct {
	desc *prometheus.Desc
	read func() int
}

func newCollector(src Sources) *collector {
	return &collector{
		src: src,
		messages: prometheus.NewDesc("parley_messages_total",
			"Message events by stage since the server started (see internal/trace).", []string{"stage"}, nil),
		gauges: []gauge{
			{prometheus.NewDesc("parley_sessions", "Live client sessions.", nil, nil), src.Sessions},
			{prometheus.NewDesc("parley_topics", "Running topic actors.", nil, nil), src.Topics},
			{prometheus.NewDesc("parley_lagging_sessions",
				"Sessions that stopped acknowledging deliveries.", nil, nil), src.LaggingSessions},
		},
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.messages
	for _, g := range c.gauges {
		ch <- g.desc
	}
}

// Collect implements prometheus.Collector: every stage is reported, zero or
// not, so rates work from the first scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range trace.Stages {
		ch <- prometheus.MustNewConstMetric(c.messages, prometheus.CounterValue, float64(c.src.Trace.Count(s)), string(s))
	}
	for _, g := range c.gauges {
		v := 0
		if g.read != nil {
			v = g.read()
		}
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(v))
	}
}
