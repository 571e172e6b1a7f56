package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/store"
)

// migration4 adds the latest conversation of each service topic, from
// which the router rebuilds queues and loads after a restart, and the log
// of closed conversations kept for reports, as the SQLite adapter's
// migration7 does. labels (SQLite's migration8) is a JSON array of text,
// like tags.
const migration4 = `
CREATE TABLE conversations (
	topic      text COLLATE "C" PRIMARY KEY REFERENCES topics(name) ON DELETE CASCADE,
	customer   bigint NOT NULL,
	team       text COLLATE "C" NOT NULL,
	state      text NOT NULL,
	agent      bigint NOT NULL DEFAULT 0,
	last_agent bigint NOT NULL DEFAULT 0,
	ticket     bigint NOT NULL,
	queued     bigint,
	assigned   bigint,
	closed     bigint,
	transfers  integer NOT NULL DEFAULT 0,
	responded  bigint,
	customer_msgs integer NOT NULL DEFAULT 0,
	agent_msgs    integer NOT NULL DEFAULT 0,
	labels     text
);
CREATE INDEX conversations_open ON conversations(ticket) WHERE state <> 'closed';

CREATE TABLE conversation_log (
	topic      text COLLATE "C" NOT NULL,
	ticket     bigint NOT NULL,
	customer   bigint NOT NULL,
	team       text COLLATE "C" NOT NULL,
	state      text NOT NULL,
	agent      bigint NOT NULL DEFAULT 0,
	last_agent bigint NOT NULL DEFAULT 0,
	queued     bigint,
	assigned   bigint,
	closed     bigint,
	transfers  integer NOT NULL DEFAULT 0,
	responded  bigint,
	customer_msgs integer NOT NULL DEFAULT 0,
	agent_msgs    integer NOT NULL DEFAULT 0,
	labels     text,
	PRIMARY KEY (topic, ticket)
);
CREATE INDEX conversation_log_closed ON conversation_log(closed);
`

const (
	convCols = `topic, customer, team, state, agent, last_agent, ticket, queued, assigned, closed, transfers,
		responded, customer_msgs, agent_msgs, labels`
	convVals = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15`
	// convSet replaces every column but the key, as SQLite's INSERT OR
	// REPLACE does.
	convSet = `customer = excluded.customer, team = excluded.team, state = excluded.state,
		agent = excluded.agent, last_agent = excluded.last_agent, queued = excluded.queued,
		assigned = excluded.assigned, closed = excluded.closed, transfers = excluded.transfers,
		responded = excluded.responded, customer_msgs = excluded.customer_msgs,
		agent_msgs = excluded.agent_msgs, labels = excluded.labels`
	sqlSaveConv = `INSERT INTO conversations (` + convCols + `) VALUES (` + convVals + `)
		ON CONFLICT (topic) DO UPDATE SET ticket = excluded.ticket, ` + convSet
	sqlLogConv = `INSERT INTO conversation_log (` + convCols + `) VALUES (` + convVals + `)
		ON CONFLICT (topic, ticket) DO UPDATE SET ` + convSet
	sqlGetConv   = `SELECT ` + convCols + ` FROM conversations WHERE topic = $1`
	sqlOpenConvs = `SELECT ` + convCols + ` FROM conversations WHERE state <> 'closed' ORDER BY ticket`
	sqlClosed    = `SELECT ` + convCols + ` FROM conversation_log WHERE closed >= $1 ORDER BY closed, topic LIMIT $2`
)

// SaveConversation creates or replaces the topic's conversation;
// ErrNotFound if the topic does not exist.
func (s *Store) SaveConversation(ctx context.Context, c *store.Conversation) error {
	labels, err := tagsArg(c.Labels)
	if err != nil {
		return err
	}
	args := []any{c.Topic, uidArg(c.Customer), c.Team, c.State, uidArg(c.Agent), uidArg(c.LastAgent), c.Ticket,
		millis(c.QueuedAt), millis(c.AssignedAt), millis(c.ClosedAt), c.Transfers, millis(c.FirstResponseAt),
		c.CustomerMessages, c.AgentMessages, labels}
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

func scanConv(row pgx.Row) (store.Conversation, error) {
	var c store.Conversation
	err := row.Scan(&c.Topic, intoUid{P: &c.Customer}, &c.Team, &c.State, intoUid{P: &c.Agent}, intoUid{P: &c.LastAgent},
		&c.Ticket, intoTime{P: &c.QueuedAt}, intoTime{P: &c.AssignedAt}, intoTime{P: &c.ClosedAt}, &c.Transfers,
		intoTime{P: &c.FirstResponseAt}, &c.CustomerMessages, &c.AgentMessages, intoTags{P: &c.Labels})
	return c, err
}

// GetConversation returns the topic's conversation or ErrNotFound.
func (s *Store) GetConversation(ctx context.Context, topic string) (*store.Conversation, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	c, err := scanConv(s.pool.QueryRow(ctx, sqlGetConv, topic))
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
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, storeErr(err)
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
