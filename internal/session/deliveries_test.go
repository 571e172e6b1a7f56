package session

import (
	"log/slog"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/metrics"
)

// deliveryCount returns how many deliveries d observed and their sum in
// seconds, commit to write.
func deliveryCount(t *testing.T, d *metrics.Deliveries) (uint64, float64) {
	return histCount(t, d, 0)
}

// queuedCount is the same for commit to the writer taking the frames.
func queuedCount(t *testing.T, d *metrics.Deliveries) (uint64, float64) {
	return histCount(t, d, 1)
}

func histCount(t *testing.T, d *metrics.Deliveries, i int) (uint64, float64) {
	t.Helper()
	var m dto.Metric
	if err := d.Collectors()[i].(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

func measuredSession(t *testing.T) (*Session, *metrics.Deliveries) {
	t.Helper()
	d := metrics.NewDeliveries()
	cfg := &Config{Version: "0.25", MaxMessageSize: 4096, MaxTopics: 8, OutboxBytes: 1 << 20,
		RatePerSecond: 100, RateBurst: 100, RetransmitAfter: time.Hour}
	s := New(&Deps{Log: slog.New(slog.DiscardHandler), Deliveries: d}, cfg, KindWebSocket, "test")
	t.Cleanup(func() { s.win.stop(); s.dl.stop(); s.cancel() })
	return s, d
}

// Each live delivery is observed once, when the writer reports the frames
// of its drain written, as the time from the commit to that write. Frames
// without a commit time (answers), frames the window does not track (a
// second push of the same seq) and a second report are not observed.
func TestDeliveryObservedOnceAtWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, d := measuredSession(t)
		stored := time.Now()
		time.Sleep(30 * time.Millisecond)
		s.SendBatch([]hub.Frame{
			{Bytes: []byte(`{"ctrl":{}}`)},
			{Bytes: []byte("d1"), Topic: "grpA", Seq: 1, Stored: stored},
			{Bytes: []byte("d2"), Topic: "grpA", Seq: 2, Stored: stored},
			{Bytes: []byte("d1 again"), Topic: "grpA", Seq: 1, Stored: stored},
		})
		if n, _ := deliveryCount(t, d); n != 0 {
			t.Fatalf("%d deliveries observed before the write", n)
		}
		frames, _ := s.Drain(0)
		if len(frames) != 4 {
			t.Fatalf("drained %d frames, want 4", len(frames))
		}
		time.Sleep(20 * time.Millisecond) // the write itself
		s.Written()
		s.Written()
		n, sum := deliveryCount(t, d)
		if n != 2 || math.Abs(sum-2*0.050) > 1e-9 {
			t.Fatalf("observed %d deliveries summing %.6fs, want 2 of 50ms each", n, sum)
		}
		if n, sum := queuedCount(t, d); n != 2 || math.Abs(sum-2*0.030) > 1e-9 {
			t.Fatalf("observed %d queued summing %.6fs, want 2 of 30ms each (taken at the drain)", n, sum)
		}
		// Another push with no commit time (history, a reply) adds nothing.
		s.Send(hub.Frame{Bytes: []byte("d3"), Topic: "grpA", Seq: 3})
		s.Drain(0)
		s.Written()
		if n, _ := deliveryCount(t, d); n != 2 {
			t.Fatalf("%d deliveries after an unstamped push, want 2", n)
		}
	})
}

// A drain that takes part of the queue reports only its own frames; the
// rest are observed at their own write.
func TestDeliveryPartialDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, d := measuredSession(t)
		stored := time.Now()
		s.SendBatch([]hub.Frame{
			{Bytes: []byte("d1"), Topic: "grpA", Seq: 1, Stored: stored},
			{Bytes: []byte("d2"), Topic: "grpA", Seq: 2, Stored: stored},
		})
		time.Sleep(10 * time.Millisecond)
		s.Drain(1)
		s.Written()
		time.Sleep(10 * time.Millisecond)
		s.Drain(1)
		s.Written()
		n, sum := deliveryCount(t, d)
		if n != 2 || math.Abs(sum-(0.010+0.020)) > 1e-9 {
			t.Fatalf("observed %d deliveries summing %.6fs, want 10ms and 20ms", n, sum)
		}
	})
}

// A session without a histogram neither stamps nor observes.
func TestDeliveryUnmeasuredSession(t *testing.T) {
	s := testSession(t, KindWebSocket)
	s.SendBatch([]hub.Frame{{Bytes: []byte("d1"), Topic: "grpA", Seq: 1, Stored: time.Now()}})
	s.Drain(0)
	s.Written()
	if s.out.handed != nil || s.out.stamps != nil {
		t.Fatal("an unmeasured session kept delivery stamps")
	}
}
