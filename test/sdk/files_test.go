package sdk_test

import (
	"os"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestTinodeSDKFiles runs files.mjs: the unmodified tinode-sdk uploads a
// file, sends it in a Drafty message and the peer downloads it.
func TestTinodeSDKFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server and runs Node: skipped in -short mode")
	}
	node := requireNode(t)
	sdkDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	requireNodeModules(t, sdkDir)
	srv := servertest.StartProcess(t, t.TempDir())
	runNode(t, node, sdkDir, "files.mjs", "PARLEY_ADDR="+srv.Addr)
}
