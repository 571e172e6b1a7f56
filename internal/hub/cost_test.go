package hub

import (
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// inUse is the memory the process holds for live objects and stacks, after
// a collection.
func inUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// TestIdleActorCost measures what a running topic actor that has nothing to
// do costs, the state a request on a topic leaves behind until the topic is
// unloaded. Anyone who names a topic used to pay the server about 106 KB
// this way (a 4,096-slot channel and a 256-message ring reserved up front).
func TestIdleActorCost(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cost.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	limits := DefaultLimits
	limits.IdleTopicUnload = time.Hour // keep them running while measuring
	h := New(st, limits, quietLog())
	defer h.Shutdown()
	const n = 2000
	before := inUse()
	for i := range n {
		name := proto.GroupName(uint64(i) + 1)
		h.start(name, nil)
		// Each actor handles one event, as one that answered a request has.
		done := make(chan struct{})
		h.route(name, &funcEvent{fn: func(t *topic) { t.load(); close(done) }})
		<-done
	}
	per := (inUse() - before) / n
	t.Logf("one idle topic actor: %d bytes", per)
	if h.TopicCount() != n {
		t.Fatalf("%d actors running, want %d", h.TopicCount(), n)
	}
	if per > 16<<10 {
		t.Fatalf("an idle topic actor costs %d bytes, want at most 16 KiB", per)
	}
}

// funcEvent runs fn inside the actor.
type funcEvent struct{ fn func(t *topic) }

func (e *funcEvent) apply(t *topic) { e.fn(t) }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
