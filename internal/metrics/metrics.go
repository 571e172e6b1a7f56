// Package metrics exposes Parley's counters and gauges in the Prometheus
// text format. Every value is read from its owner at scrape time — message
// counts from the trace recorder, sessions and topics from the functions
// the server passes in — so nothing is counted twice and nothing here keeps
// state of its own. Each server builds its own registry; there are no
// globals.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-im/parley/internal/trace"
)

// Sources are where the metrics are read from. A nil Trace reports zero
// messages; a nil function reports a zero gauge.
type Sources struct {
	Trace           *trace.Recorder
	Sessions        func() int // live sessions
	Topics          func() int // running topic actors
	LaggingSessions func() int // sessions that stopped acknowledging deliveries
	// Collectors are other parts' metrics (customer-service routing).
	Collectors []prometheus.Collector
}

// NewRegistry returns a registry with Parley's metrics and the Go runtime
// and process collectors.
func NewRegistry(src Sources) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(src),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(src.Collectors...)
	return reg
}

// Handler serves the registry of src in the Prometheus exposition format,
// for GET /metrics.
func Handler(src Sources) http.Handler {
	reg := NewRegistry(src)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
