package session

import (
	"slices"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Bounds of one {datares} frame. A client acknowledges each topic it reads
// once per frame, so honest frames stay far below them; a frame over either
// is refused whole (400) before anything is done.
const (
	// maxAcks is the most entries one frame may carry, or the session's
	// topic limit if that is higher.
	maxAcks = 256
	// maxAckRanges is the most ranges all entries of one frame may carry.
	maxAckRanges = 256
)

// dataRes handles a {datares}: each topic's cumulative acknowledgement
// becomes one recv note, and individually acknowledged ranges are released
// from the window. One frame costs a rate-limit token per topic it touches,
// as that many notes would, and reaches each topic at most once, with the
// highest seq it names, so each topic sends at most one {info} per frame.
// Acknowledgements this session already passed on are dropped here (see
// topicRequest) rather than queued at the topic.
func (s *Session) dataRes(d *proto.MsgClientDataRes) {
	now := proto.Now()
	if len(d.Acks) > max(maxAcks, s.cfg.MaxTopics) || countRanges(d.Acks) > maxAckRanges {
		s.reply(proto.Ctrl(d.ID, "", proto.CodeMalformed, "too many acknowledgements", now))
		return
	}
	// Any datares opts a session into retransmission (reliable.go), one
	// with no acknowledgement in it too: that is how a client asks for it
	// up front.
	s.win.optInLive()
	acks := mergeAcks(d.Acks)
	// Receive took one token for the frame; the other topics pay theirs.
	if extra := len(acks) - 1; extra > 0 && !s.limit.AllowN(time.Now(), extra) {
		if d.ID != "" {
			s.reply(proto.TooMany(d.ID, "", now))
		}
		return
	}
	for _, ack := range acks {
		if ack.Seq > 0 {
			s.topicRequest(&proto.ClientMsg{Note: &proto.MsgClientNote{Topic: ack.Topic, What: "recv", SeqID: ack.Seq}})
		}
		s.acknowledgeRanges(ack.Topic, ack.Ranges)
	}
	if d.ID != "" {
		s.reply(proto.OK(d.ID, "", now))
	}
}

// mergeAcks folds the entries of one frame into one per topic, in the order
// topics first appear: the highest cumulative seq, and all ranges.
func mergeAcks(in []proto.MsgTopicAck) []proto.MsgTopicAck {
	out := make([]proto.MsgTopicAck, 0, len(in))
	at := make(map[string]int, len(in))
	for _, a := range in {
		i, seen := at[a.Topic]
		if !seen {
			at[a.Topic] = len(out)
			out = append(out, proto.MsgTopicAck{Topic: a.Topic, Seq: a.Seq, Ranges: slices.Clip(a.Ranges)})
			continue
		}
		out[i].Seq = max(out[i].Seq, a.Seq)
		out[i].Ranges = append(out[i].Ranges, a.Ranges...)
	}
	return out
}

func countRanges(acks []proto.MsgTopicAck) int {
	n := 0
	for _, a := range acks {
		n += len(a.Ranges)
	}
	return n
}
