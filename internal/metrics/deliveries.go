package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DeliveryMetric is the name of the histogram of the server's own share of
// a delivery's latency; QueuedMetric the part of it before the writer took
// the frame (the rest is the write, which waits when the client does not read).
const (
	DeliveryMetric = "parley_delivery_seconds"
	QueuedMetric   = "parley_delivery_queued_seconds"
)

// Deliveries is a histogram of the time from a message's commit (the moment
// the topic handles the committed batch that also acks the sender) to the
// moment a {data} frame carrying it was written to a receiver's socket: the
// server's own share of delivery latency, without the network and the
// receiver. Each first delivery to a session is observed once; resends
// after a lost acknowledgement are not. Safe for concurrent use; the
// counters are atomic, so writers of many connections observe it freely.
type Deliveries struct {
	hist   prometheus.Histogram // commit → written
	queued prometheus.Histogram // commit → taken by the connection's writer
}

// NewDeliveries returns an empty histogram, to be passed to sessions (they
// observe) and to Sources.Collectors (so /metrics shows it). The buckets run
// from 100 µs to about 26 s, doubling.
func NewDeliveries() *Deliveries {
	buckets := prometheus.ExponentialBuckets(0.0001, 2, 19)
	return &Deliveries{
		hist: prometheus.NewHistogram(prometheus.HistogramOpts{Name: DeliveryMetric, Buckets: buckets,
			Help: "Seconds from a message's commit to its {data} frame written to a receiver's socket (WebSocket)."}),
		queued: prometheus.NewHistogram(prometheus.HistogramOpts{Name: QueuedMetric, Buckets: buckets,
			Help: "Seconds from a message's commit to its {data} frame taken from the session's queue by the writer (WebSocket)."}),
	}
}

// ObserveWritten records one delivery per stamp in stored (zero stamps are
// frames that are not first deliveries and are skipped), all taken from the
// queue at taken and written at written. Reading the clock once per drain
// and once per write, not per frame, keeps this cheap.
func (d *Deliveries) ObserveWritten(stored []time.Time, taken, written time.Time) {
	if d == nil {
		return
	}
	for _, at := range stored {
		if !at.IsZero() {
			d.queued.Observe(taken.Sub(at).Seconds())
			d.hist.Observe(written.Sub(at).Seconds())
		}
	}
}

// Collectors are the histograms, for registering.
func (d *Deliveries) Collectors() []prometheus.Collector {
	return []prometheus.Collector{d.hist, d.queued}
}
