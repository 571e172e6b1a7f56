package chaos

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Result is one run's figures.
type Result struct {
	Mode     string
	Seed     uint64
	Kills    int
	Messages int   // distinct messages the senders published
	Pubs     int64 // pub frames sent, resends included
	Acked    int   // distinct messages acknowledged
	DupAcks  int64 // ctrl 202 with duplicate:true
	Given    int64 // messages given to applications, over all receivers
	Gets     int64 // get data sent by receivers (subs included)
	GapGets  int64 // of which for a gap: a seq jump in what arrived
	Again    int   // data frames receivers got again: retransmitted, duplicated, refetched
	Dials    int64 // client connections made
	Relay    Stats
	Repair   Repairs // how long frames dropped on the way to a client took to reach it
	Anomalies
	Duration time.Duration
}

func (h *harness) result(kills int, took time.Duration, a Anomalies) Result {
	mode := h.cfg.Mode
	if h.cfg.Codec != CodecJSON && h.cfg.Codec != "" {
		mode += "+" + string(h.cfg.Codec)
	}
	r := Result{Mode: mode, Seed: h.cfg.Seed, Kills: kills, Messages: h.cfg.Messages,
		Acked: h.acked(), Relay: h.relayStats(), Repair: h.relays[0].Repairs(), Anomalies: a, Duration: took}
	for _, s := range h.senders {
		r.Pubs += s.pubs.Load()
		r.DupAcks += s.dupAcks.Load()
		r.Dials += s.dials.Load()
	}
	for _, rc := range h.receivers {
		r.Given += rc.given.Load()
		r.Gets += rc.fetches.Load()
		r.GapGets += rc.gapFetches.Load()
		r.Dials += rc.dials.Load()
		<-rc.done // the streams are the receiver's until it is done
		for _, st := range rc.streams {
			r.Again += st.redundant
		}
	}
	return r
}

// relayStats sums the figures of the run's relays.
func (h *harness) relayStats() Stats {
	var sum Stats
	for _, r := range h.relays {
		s := r.Stats()
		sum.Conns += s.Conns
		sum.Frames += s.Frames
		sum.Dropped += s.Dropped
		sum.Duplicated += s.Duplicated
		sum.Delayed += s.Delayed
		sum.Reordered += s.Reordered
		sum.Cuts += s.Cuts
	}
	return sum
}

var reportHeader = []string{"date", "mode", "seed", "kills", "messages", "pubs sent", "acked",
	"dup acks", "given", "gets", "gap gets", "again", "dials", "frames", "dropped", "duplicated", "delayed", "reordered", "cuts",
	"lost", "dup stored", "dup delivered", "order", "never seen", "duration"}

// row is the result as a markdown table row, in reportHeader's order.
func (r Result) row() string {
	cells := []any{time.Now().UTC().Format("2006-01-02"), r.Mode, r.Seed, r.Kills, r.Messages,
		r.Pubs, r.Acked, r.DupAcks, r.Given, r.Gets, r.GapGets, r.Again, r.Dials, r.Relay.Frames, r.Relay.Dropped,
		r.Relay.Duplicated, r.Relay.Delayed, r.Relay.Reordered, r.Relay.Cuts,
		r.Lost, r.DupStored, r.DupDelivered, r.Order, r.NeverSeen, r.Duration.Round(100 * time.Millisecond)}
	var b strings.Builder
	b.WriteString("|")
	for _, c := range cells {
		fmt.Fprintf(&b, " %v |", c)
	}
	return b.String()
}

// appendReport appends r's row to the markdown file at path, writing the
// table's header first if the file is new or empty.
func appendReport(path string, r Result) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() == 0 {
		sep := make([]string, len(reportHeader))
		for i := range sep {
			sep[i] = "---"
		}
		fmt.Fprintf(f, "| %s |\n|%s|\n", strings.Join(reportHeader, " | "), strings.Join(sep, "|"))
	}
	_, err = fmt.Fprintln(f, r.row())
	return err
}
