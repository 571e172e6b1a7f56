package sdk_test

import (
	"os"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestTinodeSDKCustomerService runs cs.mjs: a customer and an agent on the
// unmodified tinode-sdk see conversation events as messages.
func TestTinodeSDKCustomerService(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server and runs Node: skipped in -short mode")
	}
	node := requireNode(t)
	sdkDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	requireNodeModules(t, sdkDir)
	const token = "sdk-cs-token"
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+token)
	runNode(t, node, sdkDir, "cs.mjs", "PARLEY_ADDR="+srv.Addr, "PARLEY_ADMIN_TOKEN="+token)
}
