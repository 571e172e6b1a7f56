package chaos

import (
	"fmt"
	"slices"
)

// Anomalies are the checker's counts; the promise holds when all are zero.
type Anomalies struct {
	// Lost counts msgids acknowledged to a sender (ctrl 202 seq N) that are
	// not in the final history at seq N.
	Lost int
	// DupStored counts the extra seqs of msgids stored more than once.
	DupStored int
	// DupDelivered counts the extra times an application was given a msgid.
	DupDelivered int
	// Order counts seqs given out of order (not strictly increasing), seqs
	// a receiver skipped although the history has them (holes), messages
	// given at a seq where the history has another, and seqs missing from
	// the history itself.
	Order int
	// NeverSeen counts messages of the final history beyond the last seq a
	// receiver's application reached after the final catch-up.
	NeverSeen int
	// Details describes the first anomalies found.
	Details []string
}

// Zero reports whether nothing was found.
func (a Anomalies) Zero() bool {
	return a.Lost == 0 && a.DupStored == 0 && a.DupDelivered == 0 && a.Order == 0 && a.NeverSeen == 0
}

func (a Anomalies) String() string {
	return fmt.Sprintf("lost %d, duplicates stored %d, duplicates delivered %d, order violations %d, never seen %d",
		a.Lost, a.DupStored, a.DupDelivered, a.Order, a.NeverSeen)
}

const maxDetails = 20

func (a *Anomalies) note(format string, args ...any) {
	if len(a.Details) < maxDetails {
		a.Details = append(a.Details, fmt.Sprintf(format, args...))
	}
}

// Receipt is what one receiver's application was given on one topic: App in
// the order given, and the seqs it passed over (Passed), which are fine only
// where the history repeats a msgid it was already given.
type Receipt struct {
	Receiver, Topic string
	App             []Entry
	Passed          []int
}

// Check compares the final history of each topic (by label, in any order)
// with the acknowledgements senders received and what receivers' applications
// were given.
func Check(history map[string][]Entry, acks []Ack, receipts []Receipt) Anomalies {
	var a Anomalies
	bySeq := map[string]map[int]string{}
	where := map[string]map[string][]int{} // topic → msgid → seqs
	for topic, entries := range history {
		bySeq[topic], where[topic] = map[int]string{}, map[string][]int{}
		top := 0
		for _, e := range entries {
			bySeq[topic][e.Seq] = e.MsgID
			where[topic][e.MsgID] = append(where[topic][e.MsgID], e.Seq)
			top = max(top, e.Seq)
		}
		for seq := 1; seq <= top; seq++ {
			if _, ok := bySeq[topic][seq]; !ok {
				a.Order++
				a.note("%s: the history has no seq %d (of %d)", topic, seq, top)
			}
		}
		for msgid, seqs := range where[topic] {
			if len(seqs) > 1 {
				a.DupStored += len(seqs) - 1
				a.note("%s: msgid %s stored at seqs %v", topic, msgid, seqs)
			}
		}
	}
	lost := map[[2]string]bool{}
	for _, ack := range acks {
		seqs := where[ack.Topic][ack.MsgID]
		if !slices.Contains(seqs, ack.Seq) && !lost[[2]string{ack.Topic, ack.MsgID}] {
			lost[[2]string{ack.Topic, ack.MsgID}] = true
			a.Lost++
			a.note("%s: %s acknowledged at seq %d, stored at %v", ack.Topic, ack.MsgID, ack.Seq, seqs)
		}
	}
	for _, r := range receipts {
		checkReceipt(&a, r, bySeq[r.Topic], where[r.Topic])
	}
	return a
}

// checkReceipt checks one receiver's application view of one topic.
func checkReceipt(a *Anomalies, r Receipt, bySeq map[int]string, where map[string][]int) {
	name := r.Receiver + " on " + r.Topic
	times := map[string]int{}
	covered := map[int]bool{}
	high := 0
	for i, e := range r.App {
		if times[e.MsgID]++; times[e.MsgID] == 2 {
			a.note("%s: %s given more than once", name, e.MsgID)
		}
		if times[e.MsgID] > 1 {
			a.DupDelivered++
		}
		if i > 0 && e.Seq <= r.App[i-1].Seq {
			a.Order++
			a.note("%s: seq %d given after seq %d", name, e.Seq, r.App[i-1].Seq)
		}
		if stored, ok := bySeq[e.Seq]; !ok || stored != e.MsgID {
			a.Order++
			a.note("%s: given %s at seq %d, the history has %q there", name, e.MsgID, e.Seq, stored)
		}
		covered[e.Seq] = true
		high = max(high, e.Seq)
	}
	for _, seq := range r.Passed {
		// Passing over a seq is right only where the history repeats a
		// msgid stored at an earlier seq (counted as DupStored).
		if msgid, ok := bySeq[seq]; ok && slices.Min(where[msgid]) < seq {
			covered[seq] = true
		}
		high = max(high, seq)
	}
	seqs := make([]int, 0, len(bySeq))
	for seq := range bySeq {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		switch {
		case covered[seq]:
		case seq <= high:
			a.Order++
			a.note("%s: seq %d (%s) skipped", name, seq, bySeq[seq])
		default:
			a.NeverSeen++
			a.note("%s: seq %d (%s) never seen", name, seq, bySeq[seq])
		}
	}
}
