package loadtest

import (
	"context"
	"fmt"
	"time"
)

// Receipts is how the tool's receivers acknowledge what they got with
// {note what="recv"}. The pattern changes what a server does per delivery
// (a receipt is a message the server reads, and in Tinode one it forwards),
// so every comparison must name it.
type Receipts string

const (
	// ReceiptsTinode is what tinode-sdk's receivers do: one note per topic
	// when a timer, re-armed on every new {data}, fires. A steady stream
	// faster than the delay produces no receipt until it pauses.
	ReceiptsTinode Receipts = "tinode"
	// ReceiptsBatch acknowledges every 16 messages and at least every
	// 100 ms: what a Parley client does so that the server's
	// retransmission timers are cleared promptly.
	ReceiptsBatch Receipts = "batch"
	// ReceiptsNone never sends a receipt.
	ReceiptsNone Receipts = "none"
)

// defaultReceiptDelay is the tinode pattern's quiet time when
// --receipt-delay is not given.
const defaultReceiptDelay = 100 * time.Millisecond

// batchEvery is how many new messages make a batch receipt.
const batchEvery = 16

// batchFlush is how often batch receipts flush what a count did not.
const batchFlush = 100 * time.Millisecond

// ParseReceipts checks a --receipts value.
func ParseReceipts(s string) (Receipts, error) {
	switch r := Receipts(s); r {
	case ReceiptsTinode, ReceiptsBatch, ReceiptsNone:
		return r, nil
	}
	return "", fmt.Errorf("--receipts %q: want tinode, batch or none", s)
}

// afterData decides the receipt after rv observed new data; rv.mu is held.
// It returns a seq to acknowledge now (0 for none) and arms rv's timer in
// the tinode pattern.
func (r *run) afterData(rv *recv) int {
	switch r.o.Receipts {
	case ReceiptsNone:
		return 0
	case ReceiptsTinode:
		r.armReceipt(rv)
		return 0
	}
	if c := rv.chk.Contiguous(); c-rv.lastAck >= batchEvery {
		rv.lastAck = c
		return c
	}
	return 0
}

// afterPage decides the receipt after a history page was shown; rv.mu is
// held. A page is one burst: batch acknowledges it at once, tinode arms
// the timer as for any data.
func (r *run) afterPage(rv *recv) int {
	switch r.o.Receipts {
	case ReceiptsNone:
		return 0
	case ReceiptsTinode:
		r.armReceipt(rv)
		return 0
	}
	rv.lastAck = rv.chk.Contiguous()
	return rv.lastAck
}

// armReceipt (re)starts rv's receipt timer; rv.mu is held.
func (r *run) armReceipt(rv *recv) {
	if rv.receiptTimer == nil {
		rv.receiptTimer = time.AfterFunc(r.o.ReceiptDelay, func() { r.fireReceipt(rv) })
		return
	}
	rv.receiptTimer.Reset(r.o.ReceiptDelay)
}

// fireReceipt sends the one receipt of a quiet period: the highest seq
// received without a hole (a hole is left to the server to resend).
func (r *run) fireReceipt(rv *recv) {
	rv.mu.Lock()
	ack := 0
	if c := rv.chk.Contiguous(); c > rv.lastAck && !rv.paging {
		rv.lastAck, ack = c, c
	}
	c := rv.c
	rv.mu.Unlock()
	if ack > 0 {
		r.receiptsSent.Add(1)
		c.note(rv.topic, ack)
	}
}

// settleReceipts gives tinode receipts pending at the end of the stream
// time to fire, as a client that stays connected would, polling until every
// receiver has acknowledged what it holds or a deadline of twice the
// delay (after the measured window: the figures are not affected).
func (r *run) settleReceipts(ctx context.Context) {
	if r.o.Receipts != ReceiptsTinode {
		return
	}
	deadline := time.Now().Add(2*r.o.ReceiptDelay + 100*time.Millisecond)
	tick := time.NewTicker(r.o.ReceiptDelay / 10)
	defer tick.Stop()
	for !r.allAcknowledged() && time.Now().Before(deadline) {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// allAcknowledged reports whether every receiver's last receipt covers
// what it received without a hole.
func (r *run) allAcknowledged() bool {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	for _, rv := range r.recvs {
		rv.mu.Lock()
		behind := rv.chk.Contiguous() > rv.lastAck
		rv.mu.Unlock()
		if behind {
			return false
		}
	}
	return true
}

// stopReceipts stops every pending receipt timer (the run is over).
func (r *run) stopReceipts() {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	for _, rv := range r.recvs {
		rv.mu.Lock()
		if rv.receiptTimer != nil {
			rv.receiptTimer.Stop()
		}
		rv.mu.Unlock()
	}
}

// flushAcks acknowledges, every batchFlush, what receivers got since their
// last note, until done is closed; only the batch pattern uses it.
func (r *run) flushAcks(done <-chan struct{}) {
	t := time.NewTicker(batchFlush)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		r.rmu.Lock()
		rs := append([]*recv(nil), r.recvs...)
		r.rmu.Unlock()
		for _, rv := range rs {
			r.fireReceipt(rv)
		}
	}
}
