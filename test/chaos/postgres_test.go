package chaos

import (
	"testing"

	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// TestChaosKillPostgres is TestChaosKill with the gateway's store in
// PostgreSQL, a database of its own.
func TestChaosKillPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real gateway processes")
	}
	chaosKill(t, "kill-postgres", "PARLEY_STORE="+pgtest.Database(t))
}
