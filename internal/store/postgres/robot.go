package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// migration7 adds the robot's FAQs and the webhook outbox, as the SQLite
// adapter's migration10 does.
const migration7 = `
CREATE TABLE faq (
	team     text COLLATE "C" NOT NULL,
	pos      integer NOT NULL,
	question text NOT NULL,
	answer   text NOT NULL,
	keywords text,
	PRIMARY KEY (team, pos)
);
CREATE TABLE webhook_outbox (
	seq        bigserial PRIMARY KEY,
	id         text NOT NULL,
	endpoint   text NOT NULL,
	key        text NOT NULL,
	body       bytea NOT NULL,
	created    bigint NOT NULL,
	attempts   integer NOT NULL DEFAULT 0,
	next_at    bigint NOT NULL,
	last_error text NOT NULL DEFAULT ''
);
CREATE TABLE webhook_cursor (
	topic text COLLATE "C" PRIMARY KEY,
	seq   integer NOT NULL
);
`

const (
	sqlDeleteFAQ    = `DELETE FROM faq WHERE team = $1`
	sqlInsertFAQ    = `INSERT INTO faq (team, pos, question, answer, keywords) VALUES ($1, $2, $3, $4, $5)`
	sqlGetFAQ       = `SELECT question, answer, keywords FROM faq WHERE team = $1 ORDER BY pos`
	sqlFAQTeams     = `SELECT DISTINCT team FROM faq ORDER BY team`
	sqlEnqueueHook  = `INSERT INTO webhook_outbox (id, endpoint, key, body, created, next_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`
	sqlPendingHooks = `SELECT seq, id, endpoint, key, body, created, attempts, next_at, last_error
		FROM webhook_outbox ORDER BY seq LIMIT $1`
	sqlHookMark = `INSERT INTO webhook_cursor (topic, seq) VALUES ($1, $2)
		ON CONFLICT (topic) DO UPDATE SET seq = GREATEST(webhook_cursor.seq, excluded.seq)`
	sqlHookMarks  = `SELECT topic, seq FROM webhook_cursor ORDER BY topic`
	sqlHookDone   = `DELETE FROM webhook_outbox WHERE seq = $1`
	sqlHookFailed = `UPDATE webhook_outbox SET attempts = $1, next_at = $2, last_error = $3 WHERE seq = $4`
)

// ReplaceFAQ replaces a team's FAQ.
func (s *Store) ReplaceFAQ(ctx context.Context, team string, entries []store.FAQEntry) error {
	return s.write(ctx, func(w *writeTx) error {
		if _, err := w.exec(sqlDeleteFAQ, team); err != nil {
			return storeErr(err)
		}
		for i, e := range entries {
			var kw *string
			if len(e.Keywords) > 0 {
				b, err := json.Marshal(e.Keywords)
				if err != nil {
					return err
				}
				s := string(b)
				kw = &s
			}
			if _, err := w.exec(sqlInsertFAQ, team, i, e.Question, e.Answer, kw); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

// FAQ returns a team's FAQ.
func (s *Store) FAQ(ctx context.Context, team string) ([]store.FAQEntry, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlGetFAQ, team)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []store.FAQEntry
	for rows.Next() {
		var e store.FAQEntry
		var kw *string
		if err := rows.Scan(&e.Question, &e.Answer, &kw); err != nil {
			return nil, err
		}
		if kw != nil && *kw != "" {
			if err := json.Unmarshal([]byte(*kw), &e.Keywords); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FAQTeams lists the teams with an FAQ.
func (s *Store) FAQTeams(ctx context.Context) ([]string, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlFAQTeams)
	if err != nil {
		return nil, storeErr(err)
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
			if err := w.queryRow(sqlEnqueueHook, e.ID, e.Endpoint, e.Key, e.Body, millis(e.CreatedAt),
				millis(e.NextAt)).Scan(&e.Seq); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

// PendingWebhooks lists waiting outbox events by seq.
func (s *Store) PendingWebhooks(ctx context.Context, limit int) ([]store.WebhookEvent, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlPendingHooks, limit)
	if err != nil {
		return nil, storeErr(err)
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
		return storeErr(err)
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
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlHookMarks)
	if err != nil {
		return nil, storeErr(err)
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
