package loadtest

import "testing"

// The scenarios run over protobuf as over JSON: nothing lost, duplicated or
// reordered (runScenario checks), and the bytes read are counted.
func TestPairsAndStormOverProtobuf(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := opts(srv.Addr)
	o.Protobuf = true
	res := runScenario(t, "pairs", o)
	if res.Acked == 0 || res.WireBytesPerDelivery <= 0 {
		t.Errorf("acked %d, bytes per delivery %v", res.Acked, res.WireBytesPerDelivery)
	}
	saneLatency(t, res.Latency)
	o.Conns, o.Messages = 10, 5
	res = runScenario(t, "storm", o)
	if res.Delivered != 60 {
		t.Errorf("storm over protobuf delivered %d, want 60", res.Delivered)
	}
}
