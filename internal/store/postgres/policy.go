package postgres

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration8 adds the message policy, as the SQLite adapter's migration11
// does: word rules and the messages kept out of their topics.
const migration8 = `
CREATE TABLE policy_words (
	word    text COLLATE "C" PRIMARY KEY,
	action  text NOT NULL,
	scope   text NOT NULL,
	updated bigint
);

CREATE TABLE held_messages (
	id      text COLLATE "C" PRIMARY KEY,
	topic   text COLLATE "C" NOT NULL,
	msgid   text COLLATE "C" NOT NULL DEFAULT '',
	sender  bigint NOT NULL,
	state   text NOT NULL,
	reason  text NOT NULL DEFAULT '',
	head    bytea,
	content bytea,
	created bigint,
	decided bigint,
	decider bigint NOT NULL DEFAULT 0,
	seq     integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX held_messages_msgid ON held_messages(topic, msgid) WHERE msgid <> '';
CREATE INDEX held_messages_state ON held_messages(state, created);
`

const (
	heldCols    = `id, topic, msgid, sender, state, reason, head, content, created, decided, decider, seq`
	sqlSaveWord = `INSERT INTO policy_words (word, action, scope, updated) VALUES ($1, $2, $3, $4)
		ON CONFLICT (word) DO UPDATE SET action = excluded.action, scope = excluded.scope, updated = excluded.updated`
	sqlDeleteWord = `DELETE FROM policy_words WHERE word = $1`
	sqlListWords  = `SELECT word, action, scope, updated FROM policy_words ORDER BY word`
	sqlSaveHeld   = `INSERT INTO held_messages (` + heldCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`
	sqlHeldByMsgID = `SELECT ` + heldCols + ` FROM held_messages WHERE topic = $1 AND msgid = $2`
	sqlGetHeld     = `SELECT ` + heldCols + ` FROM held_messages WHERE id = $1`
	sqlListHeld    = `SELECT ` + heldCols + ` FROM held_messages WHERE ($1 = '' OR state = $1)
		ORDER BY created, id LIMIT $2`
	sqlDecideHeld = `UPDATE held_messages SET state = $1, seq = $2, decider = $3, decided = $4
		WHERE id = $5 AND state = 'pending'`
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
			tag, err := w.exec(sqlDeleteWord, word)
			if err != nil {
				return storeErr(err)
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	return n, err
}

// PolicyWords lists the word rules by word.
func (s *Store) PolicyWords(ctx context.Context) ([]store.PolicyWord, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlListWords)
	if err != nil {
		return nil, storeErr(err)
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
	head, err := headBytes(h.Head)
	if err != nil {
		return nil, err
	}
	var prior *store.HeldMessage
	err = s.write(ctx, func(w *writeTx) error {
		prior = nil
		tag, err := w.exec(sqlSaveHeld, h.ID, h.Topic, h.MsgID, uidArg(h.From), h.State, h.Reason, head,
			jsonArg(h.Content), millis(h.CreatedAt), millis(h.DecidedAt), uidArg(h.DecidedBy), h.SeqID)
		if err != nil {
			return storeErr(err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		p, err := scanHeld(w.queryRow(sqlHeldByMsgID, h.Topic, h.MsgID))
		if err != nil {
			return storeErr(err)
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
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	h, err := scanHeld(s.pool.QueryRow(ctx, sqlGetHeld, id))
	if err != nil {
		return nil, storeErr(err)
	}
	return &h, nil
}

// ListHeld lists held messages, oldest first.
func (s *Store) ListHeld(ctx context.Context, state string, limit int) ([]store.HeldMessage, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	var lim any = limit
	if limit <= 0 {
		lim = nil // LIMIT NULL: no limit
	}
	rows, err := s.pool.Query(ctx, sqlListHeld, state, lim)
	if err != nil {
		return nil, storeErr(err)
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
	var content []byte
	err := row.Scan(&h.ID, &h.Topic, &h.MsgID, intoUid{P: &h.From}, &h.State, &h.Reason, intoHead{P: &h.Head},
		&content, intoTime{P: &h.CreatedAt}, intoTime{P: &h.DecidedAt}, intoUid{P: &h.DecidedBy}, &h.SeqID)
	if content != nil {
		h.Content = content
	}
	return h, err
}
