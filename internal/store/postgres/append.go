package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlcodec"
)

// The Append path costs a fixed number of round trips per call, however
// many messages it carries: lock and read the seqs of its topics, look its
// client ids up, insert every new row, then move the topics' seq and the
// senders' marks, each one statement over arrays.
const (
	// Locking in name order keeps two writers (two gateways of a cluster)
	// from deadlocking; the seq read under the lock is the fence that keeps
	// seqs gap-free whoever writes.
	sqlLockSeqs = `SELECT name, seq FROM topics WHERE name = ANY($1) ORDER BY name FOR UPDATE`
	// One index probe per client id: the LIMIT keeps the planner from
	// turning the lateral look-up into a join that scans messages, which it
	// would pick while the table's statistics still say it is small.
	sqlFindMsgIDs = `SELECT v.topic, v.msgid, x.seq, x.created
		FROM unnest($1::text[], $2::text[]) AS v(topic, msgid)
		CROSS JOIN LATERAL (SELECT m.seq, m.created FROM messages m
			WHERE m.topic = v.topic AND m.msgid = v.msgid AND m.msgid <> '' LIMIT 1) x`
	sqlInsertMsgs = `INSERT INTO messages (topic, seq, msgid, sender, created, head, content)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[],
			$6::bytea[], $7::bytea[])`
	sqlBumpTopics = `UPDATE topics t SET seq = v.seq, touched = GREATEST(COALESCE(t.touched, 0), v.touched)
		FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(name, seq, touched) WHERE t.name = v.name`
	// A sender's first run of messages moves each of their marks that
	// stood right before it to its last seq (sqlcodec.MarkRun).
	// The sending devices' marks, by the same rule.
	sqlRaiseSenderDevices = `UPDATE device_marks d SET seq = v.last
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[]) AS v(topic, uid, device, first, last)
		WHERE d.topic = v.topic AND d.uid = v.uid AND d.device = v.device AND d.seq = v.first - 1`
	sqlRaiseSenderMarks = `UPDATE subscriptions s
		SET recv = CASE WHEN s.recv = v.first - 1 THEN v.last ELSE s.recv END,
			read = CASE WHEN s.read = v.first - 1 THEN v.last ELSE s.read END
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(topic, uid, first, last)
		WHERE s.topic = v.topic AND s.uid = v.uid AND (s.recv = v.first - 1 OR s.read = v.first - 1)`
)

// Append queues the messages for the committer; see store.Messages. The
// committer stores the Append calls of a batch together (mergeAppends).
func (s *Store) Append(ctx context.Context, msgs []*store.Message) ([]store.AppendResult, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	j := appendJob(ctx, msgs)
	if err := s.enqueue(j); err != nil {
		return nil, err
	}
	if err := <-j.done; err != nil {
		return nil, err
	}
	return j.res, nil
}

// appendJob is the committer's job for one Append call.
func appendJob(ctx context.Context, msgs []*store.Message) *job {
	res := make([]store.AppendResult, len(msgs))
	return &job{ctx: ctx, done: make(chan error, 1), msgs: msgs, res: res,
		run: func(w *writeTx) error { return w.appendAll(msgs, res, "") }}
}

// mergeAppends stores the messages of every Append job in batch whose errs
// entry is nil as if they were one call, under one savepoint: a fixed
// number of statements for the whole batch instead of per call, which is
// what lets one WAL flush carry hundreds of messages at little cost, and
// a single call costs no savepoint round trips of its own. When nothing
// else is left to run (lastStep), the COMMIT goes with the writes. It
// marks the jobs it stored as done (merged[i]); if the merged statements
// fail, it undoes them and leaves every job to run on its own, so one
// call's failure still fails only that call.
func (w *writeTx) mergeAppends(batch []*job, errs []error) (merged []bool, txErr error) {
	merged = make([]bool, len(batch))
	var msgs []*store.Message
	var idx []int
	for i, j := range batch {
		if errs[i] == nil && j.msgs != nil {
			msgs = append(msgs, j.msgs...)
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return merged, nil
	}
	after := []string{`RELEASE appends`}
	if lastStep(batch, errs, merged, func(j *job) bool { return j.msgs != nil }) {
		after = append(after, sqlCommit)
	}
	res := make([]store.AppendResult, len(msgs))
	if err := w.appendAll(msgs, res, `SAVEPOINT appends`, after...); err != nil {
		w.forget()
		// Fall back to the calls one by one, unless the savepoint itself
		// was never made: then the transaction is broken.
		if _, err := w.exec(`ROLLBACK TO appends`); err != nil {
			return merged, err
		}
		_, err := w.exec(`RELEASE appends`)
		return merged, err
	}
	off := 0
	for _, i := range idx {
		off += copy(batch[i].res, res[off:off+len(batch[i].msgs)])
		merged[i] = true
	}
	return merged, nil
}

// msgKey identifies a message by its client id.
type msgKey struct{ topic, msgID string }

// queueDeviceRuns moves the sending devices' marks (sqlRaiseSenderDevices).
func queueDeviceRuns(b *pgx.Batch, devices map[sqlcodec.SenderKey]*sqlcodec.MarkRun) {
	var topics, devs []string
	var uids, firsts, lasts []int64
	for k, run := range devices {
		if k.From != proto.ZeroUid && k.Device != "" {
			topics, uids, devs = append(topics, k.Topic), append(uids, uidArg(k.From)), append(devs, k.Device)
			firsts, lasts = append(firsts, int64(run.First)), append(lasts, int64(run.Last))
		}
	}
	if len(topics) > 0 {
		b.Queue(sqlRaiseSenderDevices, topics, uids, devs, firsts, lasts)
	}
}

// rows collects the columns of the messages to insert.
type rows struct {
	topics, msgIDs  []string
	seqs, senders   []int64
	created         []int64
	heads, contents [][]byte
}

// appendAll stores msgs in order, writing each outcome to res. It costs
// two round trips to the database: one to lock the topics and look the
// client ids up, one to write. before and after are statements sent with
// the first and the second (a savepoint, its release, the COMMIT).
func (w *writeTx) appendAll(msgs []*store.Message, res []store.AppendResult, before string, after ...string) error {
	// Stamped here rather than by the caller, so creation times follow seq
	// order across concurrent callers.
	now := stored(time.Now())
	known, err := w.lookUp(msgs, before)
	if err != nil {
		return err
	}
	var r rows
	touched := map[string]int64{}
	var marks, devices sqlcodec.SenderRuns
	for i, m := range msgs {
		res[i] = w.place(m, now, known, &r)
		if res[i].Err != nil || res[i].Duplicate {
			continue
		}
		touched[m.Topic] = max(touched[m.Topic], res[i].CreatedAt.UnixMilli())
		marks.Add(sqlcodec.SenderKey{Topic: m.Topic, From: m.From}, res[i].SeqID)
		devices.Add(sqlcodec.SenderKey{Topic: m.Topic, From: m.From, Device: m.Device}, res[i].SeqID)
	}
	if len(r.seqs) == 0 {
		if len(after) == 0 {
			return nil
		}
		b := &pgx.Batch{}
		for _, q := range after {
			b.Queue(q)
		}
		return w.send(b)
	}
	return w.store(&r, touched, marks.Runs, devices.Runs, after)
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

// lookUp locks the rows of the topics msgs go to that this transaction has
// not locked yet, caching their seq (a topic missing from the cache
// afterwards does not exist), and returns the client ids of msgs already
// stored, including by earlier jobs of this transaction. Both queries, and
// before when set, go to the database in one round trip.
func (w *writeTx) lookUp(msgs []*store.Message, before string) (map[msgKey]store.AppendResult, error) {
	var names, topics, ids []string
	for _, m := range msgs {
		if m == nil || !storable(m.Topic) {
			continue
		}
		if _, ok := w.seqs[m.Topic]; !ok && !slices.Contains(names, m.Topic) {
			names = append(names, m.Topic)
		}
		if m.MsgID != "" && storable(m.MsgID) {
			topics, ids = append(topics, m.Topic), append(ids, m.MsgID)
		}
	}
	known := map[msgKey]store.AppendResult{}
	b := &pgx.Batch{}
	if before != "" {
		b.Queue(before)
	}
	if len(names) > 0 {
		b.Queue(sqlLockSeqs, names).Query(func(rs pgx.Rows) error {
			var name string
			var seq int64
			_, err := pgx.ForEachRow(rs, []any{&name, &seq}, func() error {
				w.seqs[name] = int(seq)
				return nil
			})
			return err
		})
	}
	if len(ids) > 0 {
		b.Queue(sqlFindMsgIDs, topics, ids).Query(func(rs pgx.Rows) error {
			var k msgKey
			var seq int64
			var created time.Time
			_, err := pgx.ForEachRow(rs, []any{&k.topic, &k.msgID, &seq, intoTime{P: &created}}, func() error {
				known[k] = store.AppendResult{SeqID: int(seq), CreatedAt: created, Duplicate: true}
				return nil
			})
			return err
		})
	}
	if b.Len() == 0 {
		return known, nil
	}
	return known, w.send(b)
}

// store inserts the rows, records the topics' new seq and touch time and
// moves the senders' marks (once per topic and sender), then runs after:
// one round trip.
func (w *writeTx) store(r *rows, touched map[string]int64, marks, devices map[sqlcodec.SenderKey]*sqlcodec.MarkRun, after []string) error {
	b := &pgx.Batch{}
	b.Queue(sqlInsertMsgs, r.topics, r.seqs, r.msgIDs, r.senders, r.created, r.heads, r.contents)
	var names []string
	var seqs, times []int64
	for topic, at := range touched {
		names, seqs, times = append(names, topic), append(seqs, int64(w.seqs[topic])), append(times, at)
	}
	b.Queue(sqlBumpTopics, names, seqs, times)
	var topics []string
	var uids, firsts, lasts []int64
	for k, run := range marks {
		if k.From != proto.ZeroUid {
			topics, uids = append(topics, k.Topic), append(uids, uidArg(k.From))
			firsts, lasts = append(firsts, int64(run.First)), append(lasts, int64(run.Last))
		}
	}
	if len(topics) > 0 {
		b.Queue(sqlRaiseSenderMarks, topics, uids, firsts, lasts)
	}
	queueDeviceRuns(b, devices)
	for _, q := range after {
		b.Queue(q)
	}
	return storeErr(w.send(b))
}
