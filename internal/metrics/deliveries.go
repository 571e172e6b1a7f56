package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DeliveryMetric is the name of the histogram of the server's own share of
// a delivery's latency.
const DeliveryMetric = "parley_delivery_seconds"

// Deliveries is a histogram of the time from a message's commit (the moment
// the topic handles the committed batch that also acks the sender) to the
// moment a {data} frame carrying it was written to a receiver's socket: the
// server's own share of delivery latency, without the network and the
// receiver. Each first delivery to a session is observed once; resends
// after a lost acknowledgement are not. Safe for concurrent use; the
// counters are atomic, so writers of many connections observe it freely.
type Deliveries struct {
	hist prometheus.Histogram
}

// NewDeliveries returns an empty histogram, to be passed to sessions (they
// observe) and to Sources.Collectors (so /metrics shows it). The buckets run
// from 100 µs to about 26 s, doubling.
func NewDeliveries() *Deliveries {
	return &Deliveries{hist: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    DeliveryMetric,
		Help:    "Seconds from a message's commit to its {data} frame written to a receiver's socket (WebSocket).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 19),
	})}
}

// ObserveWritten records one delivery per stamp in stored (zero stamps are
// frames that are not first deliveries and are skipped), all written at
// written. Reading the clock once per write, not per frame, keeps this cheap.
func (d *Deliveries) ObserveWritten(stored []time.Time, written time.Time) {
	if d == nil {
		return
	}
	for _, at := range stored {
		if !at.IsZero() {
			d.hist.Observe(written.Sub(at).Seconds())
		}
	}
}

// Collector is the histogram, for registering.
func (d *Deliveries) Collector() prometheus.Collector { return d.hist }
