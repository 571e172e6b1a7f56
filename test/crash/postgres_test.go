package crash

import (
	"testing"

	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// The kill -9 test again with the store in PostgreSQL: what a gateway
// acknowledged is in the database when it dies, whatever the gateway held
// in memory.
func TestKillNineOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real server processes")
	}
	killNine(t, "PARLEY_STORE="+pgtest.Database(t))
}
