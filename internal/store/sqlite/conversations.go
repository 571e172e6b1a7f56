package sqlite

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// migration7 adds the latest conversation of each service topic, from
// which the router rebuilds queues and loads after a restart.
const migration7 = `
CREATE TABLE conversations (
	topic      TEXT PRIMARY KEY REFERENCES topics(name) ON DELETE CASCADE,
	customer   INTEGER NOT NULL,
	team       TEXT NOT NULL,
	state      TEXT NOT NULL,
	agent      INTEGER NOT NULL DEFAULT 0,
	last_agent INTEGER NOT NULL DEFAULT 0,
	ticket     INTEGER NOT NULL,
	queued     INTEGER,
	assigned   INTEGER,
	closed     INTEGER,
	transfers  INTEGER NOT NULL DEFAULT 0,
	responded  INTEGER,
	customer_msgs INTEGER NOT NULL DEFAULT 0,
	agent_msgs    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX conversations_open ON conversations(ticket) WHERE state <> 'closed';

CREATE TABLE conversation_log (
	topic      TEXT NOT NULL,
	ticket     INTEGER NOT NULL,
	customer   INTEGER NOT NULL,
	team       TEXT NOT NULL,
	state      TEXT NOT NULL,
	agent      INTEGER NOT NULL DEFAULT 0,
	last_agent INTEGER NOT NULL DEFAULT 0,
	queued     INTEGER,
	assigned   INTEGER,
	closed     INTEGER,
	transfers  INTEGER NOT NULL DEFAULT 0,
	responded  INTEGER,
	customer_msgs INTEGER NOT NULL DEFAULT 0,
	agent_msgs    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (topic, ticket)
) WITHOUT ROWID;
CREATE INDEX conversation_log_closed ON conversation_log(closed);
`

const (
	convCols = `topic, customer, team, state, agent, last_agent, ticket, queued, assigned, closed, transfers,
		responded, customer_msgs, agent_msgs, labels`
	convVals     = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`
	sqlSaveConv  = `INSERT OR REPLACE INTO conversations (` + convCols + `) VALUES (` + convVals + `)`
	sqlLogConv   = `INSERT OR REPLACE INTO conversation_log (` + convCols + `) VALUES (` + convVals + `)`
	sqlGetConv   = `SELECT ` + convCols + ` FROM conversations WHERE topic = ?`
	sqlOpenConvs = `SELECT ` + convCols + ` FROM conversations WHERE state <> 'closed' ORDER BY ticket`
	sqlClosed    = `SELECT ` + convCols + ` FROM conversation_log WHERE closed >= ? ORDER BY closed, topic LIMIT ?`
)

// SaveConversation creates or replaces the topic's conversation;
// ErrNotFound if the topic does not exist.
func (s *Store) SaveConversation(ctx context.Context, c *store.Conversation) error {
	args := []any{c.Topic, uidArg(c.Customer), c.Team, c.State, uidArg(c.Agent), uidArg(c.LastAgent), c.Ticket,
		millis(c.QueuedAt), millis(c.AssignedAt), millis(c.ClosedAt), c.Transfers, millis(c.FirstResponseAt),
		c.CustomerMessages, c.AgentMessages, labelsArg(c.Labels)}
	return s.write(ctx, func(w *writeTx) error {
		if _, err := w.exec(sqlSaveConv, args...); err != nil {
			return storeErr(err)
		}
		if c.State != store.ConvClosed {
			return nil
		}
		_, err := w.exec(sqlLogConv, args...)
		return storeErr(err)
	})
}

type scanner interface{ Scan(...any) error }

func scanConv(sc scanner) (store.Conversation, error) {
	var c store.Conversation
	err := sc.Scan(&c.Topic, intoUid{P: &c.Customer}, &c.Team, &c.State, intoUid{P: &c.Agent}, intoUid{P: &c.LastAgent},
		&c.Ticket, intoTime{P: &c.QueuedAt}, intoTime{P: &c.AssignedAt}, intoTime{P: &c.ClosedAt}, &c.Transfers,
		intoTime{P: &c.FirstResponseAt}, &c.CustomerMessages, &c.AgentMessages, intoTags{P: &c.Labels})
	return c, err
}

// GetConversation returns the topic's conversation or ErrNotFound.
func (s *Store) GetConversation(ctx context.Context, topic string) (*store.Conversation, error) {
	c, err := scanConv(s.ldb.QueryRowContext(ctx, sqlGetConv, topic))
	if err != nil {
		return nil, storeErr(err)
	}
	return &c, nil
}

// OpenConversations lists the conversations not closed, by ticket.
func (s *Store) OpenConversations(ctx context.Context) ([]store.Conversation, error) {
	return s.listConvs(ctx, sqlOpenConvs)
}

// ClosedConversations lists logged conversations closed at or after since.
func (s *Store) ClosedConversations(ctx context.Context, since time.Time, limit int) ([]store.Conversation, error) {
	return s.listConvs(ctx, sqlClosed, millis(since), limit)
}

func (s *Store) listConvs(ctx context.Context, query string, args ...any) ([]store.Conversation, error) {
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Conversation
	for rows.Next() {
		c, err := scanConv(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// labelsArg stores labels as a JSON array, NULL for none.
func labelsArg(l []string) any {
	if len(l) == 0 {
		return nil
	}
	v, _ := tagsArg(l)
	return v
}
