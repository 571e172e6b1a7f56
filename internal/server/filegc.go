package server

import (
	"context"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/files"
	"github.com/parley-im/parley/internal/store"
)

// collectBatch bounds the files one round of the collector removes, so a
// backlog is worked off in small steps.
const collectBatch = 100

// collectUnsent removes, every interval until done closes, the uploads no
// message has sent within ttl (and files whose topics were deleted).
func (fs *fileService) collectUnsent(ttl, every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			fs.collect(context.Background(), time.Now().Add(-ttl))
		}
	}
}

// collect removes unlinked files created before before. The bytes go first:
// a crash in between leaves a record the next round removes (its blob is
// then already gone), never bytes without a record.
func (fs *fileService) collect(ctx context.Context, before time.Time) int {
	ids, err := fs.store.UnlinkedFiles(ctx, before, collectBatch)
	if err != nil {
		fs.log.Error("file collector", "err", err)
		return 0
	}
	n := 0
	for _, id := range ids {
		if err := fs.blobs.Remove(id); err != nil && !errors.Is(err, files.ErrNotFound) {
			fs.log.Error("file collector: removing blob", "id", id, "err", err)
			continue
		}
		if err := fs.store.DeleteFile(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			fs.log.Error("file collector: removing record", "id", id, "err", err)
			continue
		}
		n++
	}
	return n
}

// collectEvery is how often the collector looks: a tenth of the TTL,
// between a second and a minute.
func collectEvery(ttl time.Duration) time.Duration {
	return min(max(ttl/10, time.Second), time.Minute)
}
