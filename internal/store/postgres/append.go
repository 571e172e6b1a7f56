package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The Append path costs a fixed number of round trips per call, however
// many messages it carries: lock and read the seqs of its topics, look its
// client ids up, insert every new row, then move the topics' seq and the
// senders' marks, each one statement over arrays.
const (
	// Locking in name order keeps two writers (two gateways of a cluster)
	// from deadlocking; the seq read under the lock is the fence that keeps
	// seqs gap-free whoever writes.
	sqlLockSeqs   = `SELECT name, seq FROM topics WHERE name = ANY($1) ORDER BY name FOR UPDATE`
	sqlFindMsgIDs = `SELECT m.topic, m.msgid, m.seq, m.created FROM messages m
		JOIN unnest($1::text[], $2::text[]) AS v(topic, msgid) ON m.topic = v.topic AND m.msgid = v.msgid
		WHERE m.msgid <> ''`
	sqlInsertMsgs = `INSERT INTO messages (topic, seq, msgid, sender, created, head, content)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[],
			$6::bytea[], $7::bytea[])`
	sqlBumpTopics = `UPDATE topics t SET seq = v.seq, touched = GREATEST(COALESCE(t.touched, 0), v.touched)
		FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(name, seq, touched) WHERE t.name = v.name`
	sqlRaiseSenderMarks = `UPDATE subscriptions s SET recv = GREATEST(s.recv, v.seq), read = GREATEST(s.read, v.seq)
		FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(topic, uid, seq)
		WHERE s.topic = v.topic AND s.uid = v.uid`
)

// Append queues the messages for the committer; see store.Messages.
func (s *Store) Append(ctx context.Context, msgs []*store.Message) ([]store.AppendResult, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	res := make([]store.AppendResult, len(msgs))
	err := s.submit(ctx, func(w *writeTx) error { return w.appendAll(msgs, res) })
	if err != nil {
		return nil, err
	}
	return res, nil
}

// msgKey identifies a message by its client id.
type msgKey struct{ topic, msgID string }

// senderKey identifies a subscription whose marks a batch raises.
type senderKey struct {
	topic string
	from  proto.Uid
}

// rows collects the columns of the messages to insert.
type rows struct {
	topics, msgIDs  []string
	seqs, senders   []int64
	created         []int64
	heads, contents [][]byte
}

// appendAll stores msgs in order, writing each outcome to res.
func (w *writeTx) appendAll(msgs []*store.Message, res []store.AppendResult) error {
	// Stamped here rather than by the caller, so creation times follow seq
	// order across concurrent callers.
	now := stored(time.Now())
	if err := w.lockSeqs(msgs); err != nil {
		return err
	}
	known, err := w.findMsgIDs(msgs)
	if err != nil {
		return err
	}
	var r rows
	touched := map[string]int64{}
	marks := map[senderKey]int{}
	for i, m := range msgs {
		res[i] = w.place(m, now, known, &r)
		if res[i].Err != nil || res[i].Duplicate {
			continue
		}
		touched[m.Topic] = max(touched[m.Topic], res[i].CreatedAt.UnixMilli())
		if m.From != proto.ZeroUid {
			marks[senderKey{m.Topic, m.From}] = res[i].SeqID
		}
	}
	if len(r.seqs) == 0 {
		return nil
	}
	if _, err := w.exec(sqlInsertMsgs, r.topics, r.seqs, r.msgIDs, r.senders, r.created, r.heads, r.contents); err != nil {
		return storeErr(err)
	}
	return w.flushAppend(touched, marks)
}

// place gives one message its seq, or explains in the result why it gets
// none, and adds it to the rows to insert.
func (w *writeTx) place(m *store.Message, now time.Time, known map[msgKey]store.AppendResult, r *rows) store.AppendResult {
	if m == nil {
		return store.AppendResult{Err: errors.New("postgres: nil message")}
	}
	if !storable(m.Topic) || !storable(m.MsgID) {
		return store.AppendResult{Err: errors.New("postgres: topic or msgid is not valid UTF-8 text")}
	}
	seq, ok := w.seqs[m.Topic]
	if !ok {
		return store.AppendResult{Err: store.ErrNotFound}
	}
	if m.MsgID != "" {
		if dup, found := known[msgKey{m.Topic, m.MsgID}]; found {
			return dup
		}
	}
	head, err := headBytes(m.Head)
	if err != nil {
		return store.AppendResult{Err: err}
	}
	created := stored(m.CreatedAt)
	if created.IsZero() {
		created = now
	}
	seq++
	w.seqs[m.Topic] = seq
	r.topics = append(r.topics, m.Topic)
	r.seqs = append(r.seqs, int64(seq))
	r.msgIDs = append(r.msgIDs, m.MsgID)
	r.senders = append(r.senders, uidArg(m.From))
	r.created = append(r.created, created.UnixMilli())
	r.heads = append(r.heads, head)
	r.contents = append(r.contents, nilIfEmpty(m.Content))
	res := store.AppendResult{SeqID: seq, CreatedAt: created}
	if m.MsgID != "" {
		// A repeat later in the same call is a duplicate of this one.
		known[msgKey{m.Topic, m.MsgID}] = store.AppendResult{SeqID: seq, CreatedAt: created, Duplicate: true}
	}
	return res
}

// storable reports whether PostgreSQL's text type accepts s: valid UTF-8
// without NUL. Anything else would fail the whole statement, and with it
// every other message of the call.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// lockSeqs locks the rows of the topics msgs go to that this transaction
// has not locked yet, and caches their seq. A topic missing from the cache
// afterwards does not exist.
func (w *writeTx) lockSeqs(msgs []*store.Message) error {
	var names []string
	for _, m := range msgs {
		if m == nil || !storable(m.Topic) {
			continue
		}
		if _, ok := w.seqs[m.Topic]; !ok && !slices.Contains(names, m.Topic) {
			names = append(names, m.Topic)
		}
	}
	if len(names) == 0 {
		return nil
	}
	rs, err := w.query(sqlLockSeqs, names)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var name string
		var seq int64
		if err := rs.Scan(&name, &seq); err != nil {
			return err
		}
		w.seqs[name] = int(seq)
	}
	return rs.Err()
}

// findMsgIDs looks up the client ids of msgs already stored, including by
// earlier jobs of this transaction.
func (w *writeTx) findMsgIDs(msgs []*store.Message) (map[msgKey]store.AppendResult, error) {
	known := map[msgKey]store.AppendResult{}
	var topics, ids []string
	for _, m := range msgs {
		if m != nil && m.MsgID != "" && storable(m.Topic) && storable(m.MsgID) {
			topics, ids = append(topics, m.Topic), append(ids, m.MsgID)
		}
	}
	if len(ids) == 0 {
		return known, nil
	}
	rs, err := w.query(sqlFindMsgIDs, topics, ids)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var k msgKey
		var seq int64
		r := store.AppendResult{Duplicate: true}
		if err := rs.Scan(&k.topic, &k.msgID, &seq, intoTime{&r.CreatedAt}); err != nil {
			return nil, err
		}
		r.SeqID = int(seq)
		known[k] = r
	}
	return known, rs.Err()
}

// flushAppend records the topics' new seq and touch time and raises the
// senders' read marks: one statement each.
func (w *writeTx) flushAppend(touched map[string]int64, marks map[senderKey]int) error {
	var names []string
	var seqs, times []int64
	for topic, at := range touched {
		names, seqs, times = append(names, topic), append(seqs, int64(w.seqs[topic])), append(times, at)
	}
	if _, err := w.exec(sqlBumpTopics, names, seqs, times); err != nil {
		return err
	}
	if len(marks) == 0 {
		return nil
	}
	var topics []string
	var uids, marked []int64
	for k, seq := range marks {
		topics, uids, marked = append(topics, k.topic), append(uids, uidArg(k.from)), append(marked, int64(seq))
	}
	_, err := w.exec(sqlRaiseSenderMarks, topics, uids, marked)
	return err
}
