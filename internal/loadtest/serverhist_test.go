package loadtest

import (
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-im/parley/internal/metrics"
)

// The histogram as the server exposes it is read back, and the difference
// of two scrapes gives quantiles inside the right buckets.
func TestServerDeliveryFromScrapes(t *testing.T) {
	d := metrics.NewDeliveries()
	reg := prometheus.NewRegistry()
	reg.MustRegister(d.Collectors()...)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	now := time.Now()
	observe := func(ms float64, n int) {
		stamps := make([]time.Time, n)
		for i := range stamps {
			stamps[i] = now.Add(-time.Duration(ms * float64(time.Millisecond)))
		}
		d.ObserveWritten(stamps, now, now)
	}
	observe(5000, 10) // before the window: must not count
	bs, err := scrapeDeliveries(t.Context(), srv.URL, deliveryMetric)
	if err != nil {
		t.Fatal(err)
	}
	observe(3, 98)  // bucket (1.6 ms, 3.2 ms]
	observe(150, 2) // bucket (102.4 ms, 204.8 ms]
	as, err := scrapeDeliveries(t.Context(), srv.URL, deliveryMetric)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := as[0].since(bs[0])
	if err != nil {
		t.Fatal(err)
	}
	s := diff.summary()
	if s.Count != 100 {
		t.Fatalf("count %d, want 100", s.Count)
	}
	if s.P50 <= 1.6 || s.P50 > 3.2 || s.P99 <= 102.4 || s.P99 > 204.8 {
		t.Errorf("p50 %v ms, p99 %v ms; want in (1.6, 3.2] and (102.4, 204.8]", s.P50, s.P99)
	}
	if want := (98*3 + 2*150) / 100.0; math.Abs(s.Mean-want) > 0.01 {
		t.Errorf("mean %v ms, want %v", s.Mean, want)
	}
}

// A /metrics without the histogram is an error, not a zero.
func TestServerDeliveryMissing(t *testing.T) {
	srv := httptest.NewServer(promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{}))
	defer srv.Close()
	if _, err := scrapeDeliveries(t.Context(), srv.URL, deliveryMetric); err == nil {
		t.Fatal("no error for a /metrics without the delivery histogram")
	}
}
