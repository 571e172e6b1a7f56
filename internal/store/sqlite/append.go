package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlcodec"
)

// Statements of the Append hot path, prepared once on the write connection.
// The msgid lookup repeats the partial index's condition (a non-empty
// msgid): SQLite uses a partial index only when the query states its
// condition, and without it every dedup check scans the topic.
const (
	sqlTopicSeq  = `SELECT seq FROM topics WHERE name = ?`
	sqlFindMsgID = `SELECT seq, created FROM messages WHERE topic = ? AND msgid = ? AND msgid <> ''`
	// A msgid stored before makes the insert do nothing; only then is the
	// original looked up, so a new message costs no lookup of its own.
	sqlInsertMsg = `INSERT INTO messages (topic, seq, msgid, sender, created, head, content)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, msgid) WHERE msgid <> '' DO NOTHING`
	sqlBumpTopic = `UPDATE topics SET seq = ?, touched = MAX(COALESCE(touched, 0), ?)
		WHERE name = ?`
	// A sender's first run of messages moves each of their marks that
	// stood right before it to its last seq (sqlcodec.MarkRun).
	// The sending device's mark, by the same rule.
	sqlRaiseSenderDevice = `UPDATE device_marks SET seq = ?2
		WHERE topic = ?3 AND user = ?4 AND device = ?5 AND seq = ?1`
	sqlRaiseSenderMarks = `UPDATE subscriptions
		SET recv = CASE WHEN recv = ?1 THEN ?2 ELSE recv END, read = CASE WHEN read = ?1 THEN ?2 ELSE read END
		WHERE topic = ?3 AND user = ?4 AND (recv = ?1 OR read = ?1)`
)

// writeStmts holds the prepared statements of the write connection: the
// Append path, the recv/read marks every receiver sends after each burst,
// and the savepoint around every job. Run unprepared, SQLite parsed and
// planned each of them on every call (the marks update and the savepoints
// were 7% of the server's CPU under bench pairs).
type writeStmts struct {
	topicSeq, findMsgID, insertMsg, bumpTopic, raiseMarks *sql.Stmt
	updateMarks, raiseDeviceMark                          *sql.Stmt
	savepoint, release, rollbackTo                        *sql.Stmt
	begin, commit, rollback                               *sql.Stmt
}

func (ws *writeStmts) all() []*sql.Stmt {
	return []*sql.Stmt{ws.topicSeq, ws.findMsgID, ws.insertMsg, ws.bumpTopic, ws.raiseMarks,
		ws.updateMarks, ws.raiseDeviceMark, ws.savepoint, ws.release, ws.rollbackTo, ws.begin, ws.commit, ws.rollback}
}

// prepareWriteStmts prepares the statements on the write connection, the
// only one they run on.
func prepareWriteStmts(conn *sql.Conn) (*writeStmts, error) {
	ws := &writeStmts{}
	targets := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&ws.topicSeq, sqlTopicSeq},
		{&ws.findMsgID, sqlFindMsgID},
		{&ws.insertMsg, sqlInsertMsg},
		{&ws.bumpTopic, sqlBumpTopic},
		{&ws.raiseMarks, sqlRaiseSenderMarks},
		{&ws.updateMarks, sqlUpdateMarks},
		{&ws.raiseDeviceMark, sqlRaiseSenderDevice},
		{&ws.savepoint, `SAVEPOINT job`},
		{&ws.release, `RELEASE job`},
		{&ws.rollbackTo, `ROLLBACK TO job`},
		// IMMEDIATE takes the write lock at BEGIN, so a transaction never
		// fails half-way for want of it.
		{&ws.begin, `BEGIN IMMEDIATE`},
		{&ws.commit, `COMMIT`},
		{&ws.rollback, `ROLLBACK`},
	}
	for _, t := range targets {
		st, err := conn.PrepareContext(context.Background(), t.query)
		if err != nil {
			return nil, errors.Join(err, ws.close())
		}
		*t.dst = st
	}
	return ws, nil
}

func (ws *writeStmts) close() error {
	var errs []error
	for _, st := range ws.all() {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

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

// appendAll stores msgs in order, writing each outcome to res, then moves
// the topics' seq and the senders' marks once per topic and sender.
func (w *writeTx) appendAll(msgs []*store.Message, res []store.AppendResult) error {
	// Stamped here rather than by the caller, so creation times follow seq
	// order across concurrent callers.
	now := time.Now()
	touched := map[string]time.Time{}
	var marks, devices sqlcodec.SenderRuns
	for i, m := range msgs {
		r, err := w.appendOne(m, now)
		if err != nil {
			return err
		}
		res[i] = r
		if r.Err != nil || r.Duplicate {
			continue
		}
		if at, ok := touched[m.Topic]; !ok || r.CreatedAt.After(at) {
			touched[m.Topic] = r.CreatedAt
		}
		marks.Add(sqlcodec.SenderKey{Topic: m.Topic, From: m.From}, r.SeqID)
		devices.Add(sqlcodec.SenderKey{Topic: m.Topic, From: m.From, Device: m.Device}, r.SeqID)
	}
	return w.flushAppend(touched, marks.Runs, devices.Runs)
}

// appendOne stores one message, or explains why not in the result. The
// error return is for failures that must undo the whole request.
func (w *writeTx) appendOne(m *store.Message, now time.Time) (store.AppendResult, error) {
	if m == nil {
		return store.AppendResult{Err: errors.New("sqlite: nil message")}, nil
	}
	seq, err := w.lastSeq(m.Topic)
	if err != nil || seq < 0 {
		return store.AppendResult{Err: store.ErrNotFound}, err
	}
	head, err := headArg(m.Head)
	if err != nil {
		return store.AppendResult{Err: err}, nil
	}
	created := stored(m.CreatedAt)
	if created.IsZero() {
		created = stored(now)
	}
	res, err := w.stmts.insertMsg.Exec(m.Topic, seq+1, m.MsgID, uidArg(m.From),
		millis(created), head, jsonArg(m.Content))
	if err != nil {
		return store.AppendResult{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return w.duplicate(m, err)
	}
	w.seqs[m.Topic] = seq + 1
	return store.AppendResult{SeqID: seq + 1, CreatedAt: created}, nil
}

// lastSeq returns the topic's last seq in this transaction, -1 if there is
// no such topic.
func (w *writeTx) lastSeq(topic string) (int, error) {
	if seq, ok := w.seqs[topic]; ok {
		return seq, nil
	}
	if seq, ok := w.committed[topic]; ok && !w.stale {
		w.seqs[topic] = seq
		return seq, nil
	}
	var seq int
	err := w.stmts.topicSeq.QueryRow(topic).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		seq, err = -1, nil
	}
	if err != nil {
		return 0, err
	}
	w.seqs[topic] = seq
	return seq, nil
}

// duplicate answers for a message whose insert did nothing: its msgid was
// stored before, maybe earlier in this transaction.
func (w *writeTx) duplicate(m *store.Message, err error) (store.AppendResult, error) {
	if err != nil {
		return store.AppendResult{}, err
	}
	dup, found, err := w.findMsgID(m.Topic, m.MsgID)
	if err == nil && !found {
		err = errors.New("sqlite: a message was not stored and has no original")
	}
	return dup, err
}

// findMsgID looks for an earlier message with the same client id, including
// ones stored earlier in this transaction.
func (w *writeTx) findMsgID(topic, msgID string) (store.AppendResult, bool, error) {
	r := store.AppendResult{Duplicate: true}
	err := w.stmts.findMsgID.QueryRow(topic, msgID).Scan(&r.SeqID, intoTime{P: &r.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return store.AppendResult{}, false, nil
	}
	if err != nil {
		return store.AppendResult{}, false, err
	}
	return r, true, nil
}

// flushAppend records the topics' new seq and touch time and moves the
// senders' marks: once per topic and sender rather than per message.
func (w *writeTx) flushAppend(touched map[string]time.Time, marks, devices map[sqlcodec.SenderKey]*sqlcodec.MarkRun) error {
	for topic, at := range touched {
		if _, err := w.stmts.bumpTopic.Exec(w.seqs[topic], millis(at), topic); err != nil {
			return err
		}
	}
	for k, r := range marks {
		if k.From == proto.ZeroUid {
			continue
		}
		if _, err := w.stmts.raiseMarks.Exec(r.First-1, r.Last, k.Topic, uidArg(k.From)); err != nil {
			return err
		}
	}
	for k, r := range devices {
		if k.From == proto.ZeroUid || k.Device == "" {
			continue
		}
		if _, err := w.stmts.raiseDeviceMark.Exec(r.First-1, r.Last, k.Topic, uidArg(k.From), k.Device); err != nil {
			return err
		}
	}
	return nil
}
