package sdk_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestTinodeSDKFiles runs files.mjs: the unmodified tinode-sdk uploads a
// file, sends it in a Drafty message and the peer downloads it.
func TestTinodeSDKFiles(t *testing.T) {
	node, sdkDir := requireSDK(t)
	srv := servertest.StartProcess(t, t.TempDir())
	runNode(t, node, sdkDir, "files.mjs", "PARLEY_ADDR="+srv.Addr)
}
