package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	msgCols           = `m.topic, m.seq, m.msgid, m.sender, m.created, m.deleted, m.head, m.content`
	sqlSelectMsgs     = `SELECT ` + msgCols + ` FROM messages m WHERE m.topic = $1`
	sqlMessageByMsgID = sqlSelectMsgs + ` AND m.msgid = $2 AND m.msgid <> ''`
	// sqlNotHiddenFrom leaves out the messages a user deleted for
	// themselves; its placeholder is filled in by messageQuery.
	sqlNotHiddenFrom = ` AND NOT EXISTS (SELECT 1 FROM dellog d
		WHERE d.topic = m.topic AND d.uid = $%d AND m.seq >= d.low AND m.seq < d.hi)`
)

// msgDest lists where a scan puts msgCols. Hard-deleted rows have NULL head
// and content, so they come back without them.
func msgDest(m *store.Message) []any {
	return []any{&m.Topic, intoInt{&m.SeqID}, &m.MsgID, intoUid{P: &m.From}, intoTime{P: &m.CreatedAt},
		intoTime{P: &m.DeletedAt}, intoHead{P: &m.Head}, intoJSON{P: &m.Content}}
}

// GetMessages returns the topic's messages matching q, newest first,
// without those forUser deleted for themselves. A zero Limit means no limit.
func (s *Store) GetMessages(ctx context.Context, topic string, forUser proto.Uid, q store.MessageQuery) ([]store.Message, error) {
	query, args := messageQuery(topic, forUser, q)
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	msgs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Message, error) {
		var m store.Message
		return m, row.Scan(msgDest(&m)...)
	})
	if len(msgs) == 0 {
		msgs = nil
	}
	return msgs, err
}

// args numbers query arguments as it collects them.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// messageQuery builds the SQL for GetMessages. Only placeholders vary with
// the input, never the text around them.
func messageQuery(topic string, forUser proto.Uid, q store.MessageQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(sqlSelectMsgs)
	a := args{topic}
	if len(q.Ranges) > 0 {
		b.WriteString(` AND (`)
		for i, r := range q.Ranges {
			if i > 0 {
				b.WriteString(` OR `)
			}
			b.WriteString(`(m.seq >= ` + a.add(int64(r.Low)) + ` AND m.seq < ` + a.add(int64(r.Hi)) + `)`)
		}
		b.WriteString(`)`)
	} else {
		if q.Since > 0 {
			b.WriteString(` AND m.seq >= ` + a.add(int64(q.Since)))
		}
		if q.Before > 0 {
			b.WriteString(` AND m.seq < ` + a.add(int64(q.Before)))
		}
	}
	if forUser != proto.ZeroUid {
		b.WriteString(strings.Replace(sqlNotHiddenFrom, "$%d", a.add(uidArg(forUser)), 1))
	}
	b.WriteString(` ORDER BY m.seq DESC`)
	if q.Limit > 0 {
		b.WriteString(` LIMIT ` + a.add(int64(q.Limit)))
	}
	return b.String(), a
}

// MessageByMsgID returns the message with the client id, or ErrNotFound.
func (s *Store) MessageByMsgID(ctx context.Context, topic, msgID string) (*store.Message, error) {
	m := &store.Message{}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	err := s.pool.QueryRow(ctx, sqlMessageByMsgID, topic, msgID).Scan(msgDest(m)...)
	if err != nil {
		return nil, storeErr(err)
	}
	return m, nil
}

const (
	// Raising delid under the row lock gives each deletion its own id, also
	// with several writers.
	sqlNextDelID   = `UPDATE topics SET delid = delid + 1 WHERE name = $1 RETURNING delid`
	sqlInsertDelog = `INSERT INTO dellog (topic, delid, uid, low, hi) VALUES ($1, $2, $3, $4, $5)`
	// A hard delete keeps the row, so seqs stay gap-free and clients learn
	// the message is gone, but wipes what it said. The first deletion time
	// is kept.
	sqlWipeMsgs = `UPDATE messages SET deleted = $1, head = NULL, content = NULL
		WHERE topic = $2 AND seq >= $3 AND seq < $4 AND deleted IS NULL`
	sqlDeletionLog = `SELECT delid, low, hi FROM dellog
		WHERE topic = $1 AND delid >= $2 AND uid IN (0, $3) ORDER BY delid, low`
)

// DeleteMessages records the deletion of ranges under the topic's next
// delete id and returns it. forUser zero wipes the messages for everyone;
// otherwise they are only hidden from forUser.
func (s *Store) DeleteMessages(ctx context.Context, topic string, forUser proto.Uid, ranges []store.Range) (int, error) {
	rs := mergeRanges(ranges)
	if len(rs) == 0 {
		return 0, errors.New("postgres: DeleteMessages needs at least one range with Hi > Low")
	}
	var delID int
	err := s.write(ctx, func(w *writeTx) error {
		var err error
		delID, err = recordDeletion(w, topic, forUser, rs)
		return err
	})
	if err != nil {
		return 0, err
	}
	return delID, nil
}

// recordDeletion writes one deletion and returns its delete id.
func recordDeletion(w *writeTx, topic string, forUser proto.Uid, rs []store.Range) (int, error) {
	var delID int
	if err := w.queryRow(sqlNextDelID, topic).Scan(&delID); err != nil {
		return 0, storeErr(err)
	}
	now := millis(time.Now())
	for _, r := range rs {
		if _, err := w.exec(sqlInsertDelog, topic, delID, uidArg(forUser), r.Low, r.Hi); err != nil {
			return 0, err
		}
		if forUser != proto.ZeroUid {
			continue
		}
		if _, err := w.exec(sqlWipeMsgs, now, topic, r.Low, r.Hi); err != nil {
			return 0, err
		}
	}
	return delID, nil
}

// DeletionLog returns the merged ranges of the deletions forUser can see
// with delete ids at or above since, and the highest such delete id. limit,
// when positive, caps the number of deletions (delete ids) taken, lowest
// first, so a client can page on from the returned id + 1.
func (s *Store) DeletionLog(ctx context.Context, topic string, forUser proto.Uid, since, limit int) ([]store.Range, int, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlDeletionLog, topic, since, uidArg(forUser))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ranges []store.Range
	maxID, taken := 0, 0
	for rows.Next() {
		var id int
		var r store.Range
		if err := rows.Scan(&id, &r.Low, &r.Hi); err != nil {
			return nil, 0, err
		}
		if id != maxID {
			if limit > 0 && taken == limit {
				break
			}
			taken++
			maxID = id
		}
		ranges = append(ranges, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return mergeRanges(ranges), maxID, nil
}

// mergeRanges sorts ranges and joins those that overlap or touch, dropping
// empty ones. It returns nil when nothing is left.
func mergeRanges(in []store.Range) []store.Range {
	var rs []store.Range
	for _, r := range in {
		if r.Hi > r.Low {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b store.Range) int { return cmp.Compare(a.Low, b.Low) })
	var out []store.Range
	for _, r := range rs {
		if n := len(out); n > 0 && r.Low <= out[n-1].Hi {
			out[n-1].Hi = max(out[n-1].Hi, r.Hi)
			continue
		}
		out = append(out, r)
	}
	return out
}
