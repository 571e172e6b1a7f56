package sdk_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestTinodeSDKCustomerService runs cs.mjs: a customer and an agent on the
// unmodified tinode-sdk see conversation events as messages.
func TestTinodeSDKCustomerService(t *testing.T) {
	node, sdkDir := requireSDK(t)
	const token = "sdk-cs-token"
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+token)
	runNode(t, node, sdkDir, "cs.mjs", "PARLEY_ADDR="+srv.Addr, "PARLEY_ADMIN_TOKEN="+token)
}
