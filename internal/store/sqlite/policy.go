package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration11 adds the message policy: word rules and the messages it kept
// out of their topics (blocked, for audit, or held for review).
const migration11 = `
CREATE TABLE policy_words (
	word    TEXT PRIMARY KEY,
	action  TEXT NOT NULL,
	scope   TEXT NOT NULL,
	updated INTEGER
) WITHOUT ROWID;

CREATE TABLE held_messages (
	id       TEXT PRIMARY KEY,
	topic    TEXT NOT NULL,
	msgid    TEXT NOT NULL DEFAULT '',
	sender   INTEGER NOT NULL,
	state    TEXT NOT NULL,
	reason   TEXT NOT NULL DEFAULT '',
	head     TEXT,
	content  TEXT,
	created  INTEGER,
	decided  INTEGER,
	decider  INTEGER NOT NULL DEFAULT 0,
	seq      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE UNIQUE INDEX held_messages_msgid ON held_messages(topic, msgid) WHERE msgid <> '';
CREATE INDEX held_messages_state ON held_messages(state, created);
`

const (
	heldCols       = `id, topic, msgid, sender, state, reason, head, content, created, decided, decider, seq`
	sqlSaveWord    = `INSERT OR REPLACE INTO policy_words (word, action, scope, updated) VALUES (?, ?, ?, ?)`
	sqlDeleteWord  = `DELETE FROM policy_words WHERE word = ?`
	sqlListWords   = `SELECT word, action, scope, updated FROM policy_words ORDER BY word`
	sqlSaveHeld    = `INSERT OR IGNORE INTO held_messages (` + heldCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlHeldByMsgID = `SELECT ` + heldCols + ` FROM held_messages WHERE topic = ? AND msgid = ?`
	sqlGetHeld     = `SELECT ` + heldCols + ` FROM held_messages WHERE id = ?`
	sqlListHeld    = `SELECT ` + heldCols + ` FROM held_messages WHERE (? = '' OR state = ?) ORDER BY created, id LIMIT ?`
	sqlDecideHeld  = `UPDATE held_messages SET state = ?, seq = ?, decider = ?, decided = ? WHERE id = ? AND state = 'pending'`
)

// SavePolicyWords creates or replaces word rules.
func (s *Store) SavePolicyWords(ctx context.Context, words []store.PolicyWord) error {
	return s.write(ctx, func(w *writeTx) error {
		for _, pw := range words {
			if _, err := w.exec(sqlSaveWord, pw.Word, pw.Action, pw.Scope, millis(pw.UpdatedAt)); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

// DeletePolicyWords removes word rules.
func (s *Store) DeletePolicyWords(ctx context.Context, words []string) (int, error) {
	n := 0
	err := s.write(ctx, func(w *writeTx) error {
		n = 0
		for _, word := range words {
			res, err := w.exec(sqlDeleteWord, word)
			if err != nil {
				return storeErr(err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// PolicyWords lists the word rules by word.
func (s *Store) PolicyWords(ctx context.Context) ([]store.PolicyWord, error) {
	rows, err := s.ldb.QueryContext(ctx, sqlListWords)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.PolicyWord
	for rows.Next() {
		var pw store.PolicyWord
		if err := rows.Scan(&pw.Word, &pw.Action, &pw.Scope, intoTime{P: &pw.UpdatedAt}); err != nil {
			return nil, err
		}
		out = append(out, pw)
	}
	return out, rows.Err()
}

// SaveHeld stores a held message, or returns the one held under its msgid.
func (s *Store) SaveHeld(ctx context.Context, h *store.HeldMessage) (*store.HeldMessage, error) {
	head, err := headArg(h.Head)
	if err != nil {
		return nil, err
	}
	var prior *store.HeldMessage
	err = s.write(ctx, func(w *writeTx) error {
		prior = nil
		res, err := w.exec(sqlSaveHeld, h.ID, h.Topic, h.MsgID, uidArg(h.From), h.State, h.Reason, head,
			jsonArg(h.Content), millis(h.CreatedAt), millis(h.DecidedAt), uidArg(h.DecidedBy), h.SeqID)
		if err != nil {
			return storeErr(err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		p, err := scanHeld(w.queryRow(sqlHeldByMsgID, h.Topic, h.MsgID))
		if err != nil {
			return storeErr(err) // an id taken, which ids are made not to be
		}
		prior = &p
		return nil
	})
	if err != nil {
		return nil, err
	}
	if prior != nil {
		return prior, store.ErrDuplicate
	}
	return h, nil
}

// GetHeld returns a held message by id.
func (s *Store) GetHeld(ctx context.Context, id string) (*store.HeldMessage, error) {
	h, err := scanHeld(s.ldb.QueryRowContext(ctx, sqlGetHeld, id))
	if err != nil {
		return nil, storeErr(err)
	}
	return &h, nil
}

// ListHeld lists held messages, oldest first.
func (s *Store) ListHeld(ctx context.Context, state string, limit int) ([]store.HeldMessage, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.ldb.QueryContext(ctx, sqlListHeld, state, state, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.HeldMessage
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// DecideHeld records a reviewer's verdict on a pending message.
func (s *Store) DecideHeld(ctx context.Context, id, state string, seq int, by proto.Uid, at time.Time) error {
	return s.write(ctx, func(w *writeTx) error {
		return mustAffect(w.exec(sqlDecideHeld, state, seq, uidArg(by), millis(at), id))
	})
}

func scanHeld(row interface{ Scan(...any) error }) (store.HeldMessage, error) {
	var h store.HeldMessage
	var content sql.NullString
	err := row.Scan(&h.ID, &h.Topic, &h.MsgID, intoUid{P: &h.From}, &h.State, &h.Reason, intoHead{P: &h.Head},
		&content, intoTime{P: &h.CreatedAt}, intoTime{P: &h.DecidedAt}, intoUid{P: &h.DecidedBy}, &h.SeqID)
	if content.Valid {
		h.Content = []byte(strings.Clone(content.String))
	}
	return h, err
}
