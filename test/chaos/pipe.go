package chaos

import (
	"math/rand/v2"
	"time"

	"github.com/gorilla/websocket"
)

// pipe forwards one direction of a relayed connection. The pump reads and
// decides each frame's fate; the writer is the only goroutine writing data
// frames to dst, so delayed and held frames are serialized with the rest.
type pipe struct {
	conn     *relayConn
	src, dst *websocket.Conn
	toClient bool       // the direction from the gateway to the client
	rng      *rand.Rand // owned by pump
	out      chan item
}

// item is a frame on its way to the writer.
type item struct {
	b    []byte
	kind int // binary or text, as read
	hold bool
}

func newPipe(c *relayConn, src, dst *websocket.Conn, rng *rand.Rand) *pipe {
	return &pipe{conn: c, src: src, dst: dst, toClient: dst == c.down, rng: rng, out: make(chan item, 256)}
}

// pump reads src until it fails, applying the relay's faults.
func (p *pipe) pump() {
	r := p.conn.relay
	f := r.faults
	go p.write()
	for {
		kind, b, err := p.src.ReadMessage()
		if err != nil {
			p.conn.closeWith(p.dst, err)
			return
		}
		r.frames.Add(1)
		// Every probability is drawn for every frame, so the sequence of
		// draws, and with it each frame's fate, depends only on the seed
		// and the frame's position.
		cut, drop, dup := p.rng.Float64() < f.Cut, p.rng.Float64() < f.Drop, p.rng.Float64() < f.Dup
		delay, hold := p.rng.Float64() < f.Delay, p.rng.Float64() < f.Reorder
		wait := time.Duration(p.rng.Int64N(int64(f.MaxDelay))) + time.Millisecond
		if p.toClient {
			p.conn.repairs.toClient(b, drop && !cut, time.Now())
		} else {
			p.conn.repairs.fromClient(b, time.Now())
		}
		switch {
		case cut:
			r.cuts.Add(1)
			p.conn.cut()
			return
		case drop:
			r.dropped.Add(1)
			continue
		}
		it := item{b: b, kind: kind, hold: hold && !delay}
		copies := 1
		if dup {
			r.duplicated.Add(1)
			copies = 2
		}
		if delay {
			r.delayed.Add(1)
		}
		for range copies {
			if delay {
				p.later(it, wait)
				continue
			}
			select {
			case p.out <- it:
			case <-p.conn.done:
				return
			}
		}
	}
}

// later hands it to the writer after wait, letting later frames pass it.
func (p *pipe) later(it item, wait time.Duration) {
	time.AfterFunc(wait, func() {
		select {
		case p.out <- it:
		case <-p.conn.done:
		}
	})
}

// write sends frames to dst. A frame marked hold waits for the next frame
// and goes out after it (a reorder); if none comes within the relay's
// MaxDelay it goes out alone, so a quiet connection does not keep it forever.
func (p *pipe) write() {
	var held *item
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	send := func(it item) bool {
		p.dst.SetWriteDeadline(time.Now().Add(writeTimeout))
		if p.dst.WriteMessage(it.kind, it.b) != nil {
			p.conn.cut()
			return false
		}
		return true
	}
	for {
		select {
		case it := <-p.out:
			if held == nil && it.hold {
				held = &it
				timer.Reset(p.conn.relay.faults.MaxDelay)
				continue
			}
			if !send(it) {
				return
			}
			if held != nil {
				p.conn.relay.reordered.Add(1)
				timer.Stop()
				h := *held
				held = nil
				if !send(h) {
					return
				}
			}
		case <-timer.C:
			if held != nil {
				h := *held
				held = nil
				if !send(h) {
					return
				}
			}
		case <-p.conn.done:
			return
		}
	}
}
