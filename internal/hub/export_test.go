package hub

import "time"

// SetClock makes h read the time from now, for tests of epoch changes. Call
// it before the hub starts any topic.
func SetClock(h *Hub, now func() time.Time) { h.now = now }
