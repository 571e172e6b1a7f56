package sqlite

import (
	"context"

	"github.com/parley-im/parley/internal/store"
)

// migration6 adds the latest conversation of each service topic, from
// which the router rebuilds queues and loads after a restart.
const migration6 = `
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
	transfers  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX conversations_open ON conversations(ticket) WHERE state <> 'closed';
`

const (
	convCols     = `topic, customer, team, state, agent, last_agent, ticket, queued, assigned, closed, transfers`
	sqlSaveConv  = `INSERT OR REPLACE INTO conversations (` + convCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlGetConv   = `SELECT ` + convCols + ` FROM conversations WHERE topic = ?`
	sqlOpenConvs = `SELECT ` + convCols + ` FROM conversations WHERE state <> 'closed' ORDER BY ticket`
)

// SaveConversation creates or replaces the topic's conversation;
// ErrNotFound if the topic does not exist.
func (s *Store) SaveConversation(ctx context.Context, c *store.Conversation) error {
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlSaveConv, c.Topic, uidArg(c.Customer), c.Team, c.State, uidArg(c.Agent),
			uidArg(c.LastAgent), c.Ticket, millis(c.QueuedAt), millis(c.AssignedAt), millis(c.ClosedAt), c.Transfers)
		return storeErr(err)
	})
}

type scanner interface{ Scan(...any) error }

func scanConv(sc scanner) (store.Conversation, error) {
	var c store.Conversation
	err := sc.Scan(&c.Topic, intoUid{&c.Customer}, &c.Team, &c.State, intoUid{&c.Agent}, intoUid{&c.LastAgent},
		&c.Ticket, intoTime{&c.QueuedAt}, intoTime{&c.AssignedAt}, intoTime{&c.ClosedAt}, &c.Transfers)
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
	rows, err := s.rdb.QueryContext(ctx, sqlOpenConvs)
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
