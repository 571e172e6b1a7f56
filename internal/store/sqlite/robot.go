package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// migration10 adds the robot's FAQs and the webhook outbox.
const migration10 = `
CREATE TABLE faq (
	team     TEXT NOT NULL,
	pos      INTEGER NOT NULL,
	question TEXT NOT NULL,
	answer   TEXT NOT NULL,
	keywords TEXT,
	PRIMARY KEY (team, pos)
) WITHOUT ROWID;
CREATE TABLE webhook_outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL,
	endpoint   TEXT NOT NULL,
	key        TEXT NOT NULL,
	body       BLOB NOT NULL,
	created    INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE webhook_cursor (
	topic TEXT PRIMARY KEY,
	seq   INTEGER NOT NULL
) WITHOUT ROWID;
`

const (
	sqlDeleteFAQ    = `DELETE FROM faq WHERE team = ?`
	sqlInsertFAQ    = `INSERT INTO faq (team, pos, question, answer, keywords) VALUES (?, ?, ?, ?, ?)`
	sqlGetFAQ       = `SELECT question, answer, keywords FROM faq WHERE team = ? ORDER BY pos`
	sqlFAQTeams     = `SELECT DISTINCT team FROM faq ORDER BY team`
	sqlEnqueueHook  = `INSERT INTO webhook_outbox (id, endpoint, key, body, created, next_at) VALUES (?, ?, ?, ?, ?, ?)`
	sqlPendingHooks = `SELECT seq, id, endpoint, key, body, created, attempts, next_at, last_error
		FROM webhook_outbox ORDER BY seq LIMIT ?`
	sqlHookMark = `INSERT INTO webhook_cursor (topic, seq) VALUES (?, ?)
		ON CONFLICT (topic) DO UPDATE SET seq = max(seq, excluded.seq)`
	sqlHookMarks  = `SELECT topic, seq FROM webhook_cursor ORDER BY topic`
	sqlHookDone   = `DELETE FROM webhook_outbox WHERE seq = ?`
	sqlHookFailed = `UPDATE webhook_outbox SET attempts = ?, next_at = ?, last_error = ? WHERE seq = ?`
)

// ReplaceFAQ replaces a team's FAQ.
func (s *Store) ReplaceFAQ(ctx context.Context, team string, entries []store.FAQEntry) error {
	return s.write(ctx, func(w *writeTx) error {
		if _, err := w.exec(sqlDeleteFAQ, team); err != nil {
			return err
		}
		for i, e := range entries {
			kw, err := keywordsJSON(e.Keywords)
			if err != nil {
				return err
			}
			if _, err := w.exec(sqlInsertFAQ, team, i, e.Question, e.Answer, kw); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

// keywordsJSON is the keywords column: NULL when there are none.
func keywordsJSON(kw []string) (any, error) {
	if len(kw) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(kw)
	return string(b), err
}

func parseKeywords(raw *string) ([]string, error) {
	if raw == nil || *raw == "" {
		return nil, nil
	}
	var kw []string
	return kw, json.Unmarshal([]byte(*raw), &kw)
}

// FAQ returns a team's FAQ.
func (s *Store) FAQ(ctx context.Context, team string) ([]store.FAQEntry, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlGetFAQ, team)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.FAQEntry
	for rows.Next() {
		var e store.FAQEntry
		var kw *string
		if err := rows.Scan(&e.Question, &e.Answer, &kw); err != nil {
			return nil, err
		}
		if e.Keywords, err = parseKeywords(kw); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FAQTeams lists the teams with an FAQ.
func (s *Store) FAQTeams(ctx context.Context) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlFAQTeams)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// EnqueueWebhooks stores outbox events.
func (s *Store) EnqueueWebhooks(ctx context.Context, events []*store.WebhookEvent, marks []store.WebhookMark) error {
	return s.write(ctx, func(w *writeTx) error {
		for _, m := range marks {
			if _, err := w.exec(sqlHookMark, m.Topic, m.Seq); err != nil {
				return storeErr(err)
			}
		}
		for _, e := range events {
			res, err := w.exec(sqlEnqueueHook, e.ID, e.Endpoint, e.Key, e.Body, millis(e.CreatedAt), millis(e.NextAt))
			if err != nil {
				return storeErr(err)
			}
			if e.Seq, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
}

// PendingWebhooks lists waiting outbox events by seq.
func (s *Store) PendingWebhooks(ctx context.Context, limit int) ([]store.WebhookEvent, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlPendingHooks, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.WebhookEvent
	for rows.Next() {
		var e store.WebhookEvent
		if err := rows.Scan(&e.Seq, &e.ID, &e.Endpoint, &e.Key, &e.Body, intoTime{P: &e.CreatedAt}, &e.Attempts,
			intoTime{P: &e.NextAt}, &e.LastError); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WebhookDelivered removes a delivered event.
func (s *Store) WebhookDelivered(ctx context.Context, seq int64) error {
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlHookDone, seq)
		return err
	})
}

// WebhookFailed records a failed attempt.
func (s *Store) WebhookFailed(ctx context.Context, seq int64, attempts int, next time.Time, lastErr string) error {
	return s.write(ctx, func(w *writeTx) error {
		return mustAffect(w.exec(sqlHookFailed, attempts, millis(next), lastErr, seq))
	})
}

// WebhookMarks lists the topics' cursors.
func (s *Store) WebhookMarks(ctx context.Context) ([]store.WebhookMark, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlHookMarks)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.WebhookMark
	for rows.Next() {
		var m store.WebhookMark
		if err := rows.Scan(&m.Topic, &m.Seq); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
