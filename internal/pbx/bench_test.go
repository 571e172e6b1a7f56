package pbx

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// benchData is a typical {data} frame: a chat line with a msgid.
func benchData(seq int) *proto.ServerMsg {
	return &proto.ServerMsg{Data: &proto.MsgServerData{Topic: "usrAQAAAAAAAAA", From: "usrAgAAAAAAAAA",
		Timestamp: proto.Now(), SeqID: seq, Head: map[string]any{"msgid": fmt.Sprintf("m-%08d", seq)},
		Content: json.RawMessage(fmt.Sprintf(`{"txt":"您好，我的订单 %d 还没有发货，可以帮我查一下吗？ order status please"}`, seq))}}
}

var benchPub = &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: "123", Topic: "usrAQAAAAAAAAA",
	Head:    map[string]any{"msgid": "m-00000042"},
	Content: json.RawMessage(`{"txt":"您好，我的订单 42 还没有发货，可以帮我查一下吗？ order status please"}`)}}

// Encoding a {data} frame, the server's commonest write: JSON (with the
// fast path) against protobuf.
func BenchmarkEncodeData(b *testing.B) {
	m := benchData(42)
	for _, c := range []struct {
		name string
		enc  func(*proto.ServerMsg) ([]byte, error)
	}{{"json", proto.Encode}, {"protobuf", EncodeServer}} {
		b.Run(c.name, func(b *testing.B) {
			out, _ := c.enc(m)
			b.ReportAllocs()
			for b.Loop() {
				c.enc(m)
			}
			b.ReportMetric(float64(len(out)), "bytes/msg")
		})
	}
}

// Decoding a pub, the server's commonest read.
func BenchmarkDecodePub(b *testing.B) {
	jsonFrame, _ := proto.EncodeClient(benchPub)
	pbFrame, _ := EncodeClient(benchPub)
	for _, c := range []struct {
		name  string
		frame []byte
		dec   func([]byte) (*proto.ClientMsg, error)
	}{{"json", jsonFrame, proto.DecodeClient}, {"protobuf", pbFrame, DecodeClient}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.dec(c.frame)
			}
			b.ReportMetric(float64(len(c.frame)), "bytes/msg")
		})
	}
}

// BenchmarkTranscode is what a protobuf session pays per frame today: the
// outbox holds the JSON every transport gets, converted at the edge.
func BenchmarkTranscode(b *testing.B) {
	frame, _ := proto.Encode(benchData(42))
	b.ReportAllocs()
	for b.Loop() {
		var m proto.ServerMsg
		json.Unmarshal(frame, &m)
		EncodeServer(&m)
	}
}

// page is a history page of n messages: JSON frames, and one protobuf batch.
func page(n int) (jsonFrames [][]byte, batch []byte) {
	for i := 1; i <= n; i++ {
		m := benchData(i)
		j, _ := proto.Encode(m)
		jsonFrames = append(jsonFrames, j)
		p, _ := EncodeServer(m)
		batch = AppendDelimited(batch, p)
	}
	return jsonFrames, batch
}

// deflate compresses b as permessage-deflate does with no context
// takeover: a fresh compressor, a sync flush, the 4-byte tail removed.
func deflate(w *flate.Writer, b []byte) int {
	var out bytes.Buffer
	w.Reset(&out)
	w.Write(b)
	w.Flush()
	return out.Len() - 4
}

// History page bytes, with and without compression: JSON as Tinode clients
// get it (a frame per message), protobuf as one batch, raw and deflated at
// level 1 (what the server's WebSocket library uses), and per message.
func BenchmarkHistoryPage(b *testing.B) {
	const n = 100
	jsonFrames, batch := page(n)
	jsonBytes := 0
	for _, f := range jsonFrames {
		jsonBytes += len(f)
	}
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	b.Run("json-frames", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(float64(jsonBytes), "page-bytes")
	})
	b.Run("json-frames-each-deflated", func(b *testing.B) {
		total := 0
		for _, f := range jsonFrames {
			total += deflate(w, f)
		}
		for b.Loop() {
			for _, f := range jsonFrames {
				deflate(w, f)
			}
		}
		b.ReportMetric(float64(total), "page-bytes")
	})
	b.Run("protobuf-batch", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(float64(len(batch)), "page-bytes")
	})
	b.Run("protobuf-batch-deflated", func(b *testing.B) {
		for b.Loop() {
			deflate(w, batch)
		}
		b.ReportMetric(float64(deflate(w, batch)), "page-bytes")
	})
	for _, level := range []int{flate.BestSpeed, flate.DefaultCompression} {
		b.Run(fmt.Sprint("json-batch-deflated-level", level), func(b *testing.B) {
			all := bytes.Join(jsonFrames, []byte("\n"))
			lw, _ := flate.NewWriter(nil, level)
			for b.Loop() {
				deflate(lw, all)
			}
			b.ReportMetric(float64(deflate(lw, all)), "page-bytes")
		})
	}
}
