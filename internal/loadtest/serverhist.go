package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// deliveryMetric is the server's histogram of its own share of each
// delivery: from the message's commit to the frame written to the socket;
// queuedMetric the part before the connection's writer took the frame.
const (
	deliveryMetric = "parley_delivery_seconds"
	queuedMetric   = "parley_delivery_queued_seconds"
)

// ServerLatency is the server's share of delivery latency over the
// measured window, from the difference of two scrapes of its /metrics.
// Quantiles are interpolated within the histogram's buckets (which double
// from 0.1 ms), so they are estimates good to about a bucket's width.
type ServerLatency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Mean  float64 `json:"mean_ms"`
}

// deliveryHist is one scrape: cumulative counts per upper bound, ascending,
// the last being +Inf.
type deliveryHist struct {
	bounds []float64
	counts []float64
	sum    float64
}

// scrapeDeliveries reads the histograms names from one scrape of a
// Prometheus text endpoint (one scrape, so they cover the same moment).
func scrapeDeliveries(ctx context.Context, url string, names ...string) ([]*deliveryHist, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // the load tool may hold its core
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	out := make([]*deliveryHist, len(names))
	for i, name := range names {
		if out[i], err = parseDeliveries(bytes.NewReader(body), name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseDeliveries picks the histogram name out of the text format.
func parseDeliveries(r io.Reader, deliveryMetric string) (*deliveryHist, error) {
	h := &deliveryHist{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, deliveryMetric+`_bucket{le="`):
			rest := strings.TrimPrefix(line, deliveryMetric+`_bucket{le="`)
			le, val, ok := strings.Cut(rest, `"} `)
			if !ok {
				return nil, fmt.Errorf("bad bucket line %q", line)
			}
			b, err1 := strconv.ParseFloat(le, 64)
			c, err2 := strconv.ParseFloat(val, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad bucket line %q", line)
			}
			h.bounds, h.counts = append(h.bounds, b), append(h.counts, c)
		case strings.HasPrefix(line, deliveryMetric+"_sum "):
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, deliveryMetric+"_sum "), 64)
			if err != nil {
				return nil, fmt.Errorf("bad sum line %q", line)
			}
			h.sum = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(h.bounds) == 0 || !math.IsInf(h.bounds[len(h.bounds)-1], 1) {
		return nil, fmt.Errorf("no %s histogram (a server without it, or not Parley)", deliveryMetric)
	}
	if !sort.Float64sAreSorted(h.bounds) {
		return nil, fmt.Errorf("%s buckets out of order", deliveryMetric)
	}
	return h, nil
}

// since returns what was observed after before (same buckets).
func (h *deliveryHist) since(before *deliveryHist) (*deliveryHist, error) {
	if len(before.bounds) != len(h.bounds) {
		return nil, fmt.Errorf("%s buckets changed between scrapes", deliveryMetric)
	}
	d := &deliveryHist{bounds: h.bounds, counts: make([]float64, len(h.counts)), sum: h.sum - before.sum}
	for i := range h.counts {
		d.counts[i] = h.counts[i] - before.counts[i]
	}
	return d, nil
}

// quantile interpolates linearly within the bucket holding q of the
// observations; one in the +Inf bucket is reported as the last finite bound.
func (h *deliveryHist) quantile(q float64) float64 {
	total := h.counts[len(h.counts)-1]
	rank := q * total
	lower, below := 0.0, 0.0
	for i, c := range h.counts {
		if c >= rank {
			if math.IsInf(h.bounds[i], 1) {
				return lower
			}
			if c == below {
				return h.bounds[i]
			}
			return lower + (h.bounds[i]-lower)*(rank-below)/(c-below)
		}
		lower, below = h.bounds[i], c
	}
	return lower
}

// summary is the histogram in milliseconds; nil when it is empty.
func (h *deliveryHist) summary() *ServerLatency {
	n := h.counts[len(h.counts)-1]
	if n <= 0 {
		return nil
	}
	round := func(s float64) float64 { return math.Round(s*1e6) / 1e3 }
	return &ServerLatency{Count: uint64(n), P50: round(h.quantile(0.5)), P99: round(h.quantile(0.99)),
		Mean: round(h.sum / n)}
}

// deliveryWatch scrapes the server's histograms when measuring starts; done
// scrapes them again and returns the differences.
type deliveryWatch struct {
	url    string
	before chan []*deliveryHist
	err    chan error
}

var watchedMetrics = []string{deliveryMetric, queuedMetric}

// watchDeliveries starts the first scrape at from; url "" watches nothing.
func watchDeliveries(ctx context.Context, url string, from time.Time) *deliveryWatch {
	if url == "" {
		return nil
	}
	w := &deliveryWatch{url: url, before: make(chan []*deliveryHist, 1), err: make(chan error, 1)}
	go func() {
		t := time.NewTimer(time.Until(from))
		defer t.Stop()
		select {
		case <-ctx.Done():
			w.err <- ctx.Err()
			return
		case <-t.C:
		}
		hs, err := scrapeDeliveries(ctx, url, watchedMetrics...)
		if err != nil {
			w.err <- fmt.Errorf("at the start: %w", err)
			return
		}
		w.before <- hs
	}()
	return w
}

// done scrapes again and fills res.ServerDelivery and res.ServerQueued, or
// notes why not.
func (w *deliveryWatch) done(ctx context.Context, res *Result) {
	if w == nil {
		return
	}
	var before []*deliveryHist
	select {
	case before = <-w.before:
	case err := <-w.err:
		res.Notes = append(res.Notes, "server delivery histogram: "+err.Error())
		return
	}
	after, err := scrapeDeliveries(ctx, w.url, watchedMetrics...)
	if err != nil {
		res.Notes = append(res.Notes, "server delivery histogram: at the end: "+err.Error())
		return
	}
	var out [2]*ServerLatency
	for i := range after {
		d, err := after[i].since(before[i])
		if err != nil {
			res.Notes = append(res.Notes, "server delivery histogram: "+err.Error())
			return
		}
		out[i] = d.summary()
	}
	res.ServerDelivery, res.ServerQueued = out[0], out[1]
}
