package servertest

import (
	"strings"
	"testing"
)

// grpcLine is how `parley serve` announces its gRPC address (grpc_listen).
const grpcLine = `msg="grpc serving" addr=`

// GRPCAddr is the address the process's gRPC service listens on; start the
// process with PARLEY_GRPC_LISTEN=127.0.0.1:0. The service is announced
// before the server is ready, so after StartProcess the line is there.
func (p *Process) GRPCAddr(t testing.TB) string {
	t.Helper()
	log := p.Log()
	i := strings.Index(log, grpcLine)
	if i < 0 {
		t.Fatalf("no gRPC address in the log (is grpc_listen set?):\n%s", log)
	}
	return strings.Fields(log[i+len(grpcLine):])[0]
}
