package sdk_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestTinodeSDKPolicy runs policy.mjs: the unmodified tinode-sdk sees a
// blocked message as an error, a masked one as masked text, and a held one
// delivered once approved.
func TestTinodeSDKPolicy(t *testing.T) {
	node, sdkDir := requireSDK(t)
	const token = "sdk-policy-token"
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+token)
	runNode(t, node, sdkDir, "policy.mjs", "PARLEY_ADDR="+srv.Addr, "PARLEY_ADMIN_TOKEN="+token)
}
