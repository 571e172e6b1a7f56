package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migration1 is the first schema. Times are milliseconds since the Unix
// epoch, NULL for "never"; JSON is TEXT; user ids are bit-cast int64.
//
// messages.sender is the message's From ("from" is an SQL keyword).
// dellog.user is the user a deletion hides messages from, 0 for a hard
// delete that wiped them for everyone.
const migration1 = `
CREATE TABLE users (
	id          INTEGER PRIMARY KEY,
	created     INTEGER,
	updated     INTEGER,
	auth_access INTEGER NOT NULL DEFAULT 0,
	anon_access INTEGER NOT NULL DEFAULT 0,
	public      TEXT,
	trusted     TEXT,
	tags        TEXT
);

CREATE TABLE auth (
	uniq    TEXT PRIMARY KEY,
	user    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	scheme  TEXT NOT NULL,
	level   INTEGER NOT NULL,
	secret  BLOB,
	expires INTEGER
);
CREATE INDEX auth_user ON auth(user);

CREATE TABLE topics (
	name        TEXT PRIMARY KEY,
	created     INTEGER,
	updated     INTEGER,
	touched     INTEGER,
	owner       INTEGER NOT NULL DEFAULT 0,
	auth_access INTEGER NOT NULL DEFAULT 0,
	anon_access INTEGER NOT NULL DEFAULT 0,
	seq         INTEGER NOT NULL DEFAULT 0,
	delid       INTEGER NOT NULL DEFAULT 0,
	epoch       INTEGER NOT NULL DEFAULT 0,
	public      TEXT,
	trusted     TEXT,
	tags        TEXT
);

CREATE TABLE subscriptions (
	topic   TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	user    INTEGER NOT NULL,
	created INTEGER,
	updated INTEGER,
	want    INTEGER NOT NULL DEFAULT 0,
	given   INTEGER NOT NULL DEFAULT 0,
	private TEXT,
	recv    INTEGER NOT NULL DEFAULT 0,
	read    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (topic, user)
) WITHOUT ROWID;
CREATE INDEX subscriptions_user ON subscriptions(user);

CREATE TABLE messages (
	topic   TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	seq     INTEGER NOT NULL,
	msgid   TEXT NOT NULL DEFAULT '',
	sender  INTEGER NOT NULL DEFAULT 0,
	created INTEGER,
	deleted INTEGER,
	head    TEXT,
	content TEXT,
	PRIMARY KEY (topic, seq)
);
CREATE UNIQUE INDEX messages_msgid ON messages(topic, msgid) WHERE msgid <> '';

CREATE TABLE dellog (
	topic TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	delid INTEGER NOT NULL,
	user  INTEGER NOT NULL,
	low   INTEGER NOT NULL,
	hi    INTEGER NOT NULL
);
CREATE INDEX dellog_topic ON dellog(topic, delid);

CREATE TABLE kv (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
`

// migration2 adds per-device delivery marks. devices remembers when each
// device of a user was last seen, so the oldest can be forgotten;
// device_marks holds the highest seq each device acknowledged per topic.
const migration2 = `
CREATE TABLE devices (
	user   INTEGER NOT NULL,
	device TEXT NOT NULL,
	seen   INTEGER NOT NULL,
	PRIMARY KEY (user, device)
) WITHOUT ROWID;

CREATE TABLE device_marks (
	topic  TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	user   INTEGER NOT NULL,
	device TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	PRIMARY KEY (topic, user, device)
) WITHOUT ROWID;
CREATE INDEX device_marks_device ON device_marks(user, device);
`

// migration3 adds the tag index behind fnd search: one row per (tag,
// owner), the owner being a user (empty topic) or a topic (user 0), so a
// search is a lookup of the primary key instead of a scan of every tags
// column. Tags are indexed lowercased. The rows of existing users and
// topics are filled in from their tags.
const migration3 = `
CREATE TABLE tagindex (
	tag   TEXT NOT NULL,
	user  INTEGER NOT NULL DEFAULT 0,
	topic TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (tag, user, topic)
) WITHOUT ROWID;
CREATE INDEX tagindex_user ON tagindex(user) WHERE user <> 0;
CREATE INDEX tagindex_topic ON tagindex(topic) WHERE topic <> '';

INSERT OR IGNORE INTO tagindex (tag, user)
	SELECT lower(j.value), u.id FROM users u, json_each(u.tags) j WHERE u.tags IS NOT NULL;
INSERT OR IGNORE INTO tagindex (tag, topic)
	SELECT lower(j.value), t.name FROM topics t, json_each(t.tags) j WHERE t.tags IS NOT NULL;
`

// migration4 adds the account lifecycle. users.deleted is when the account
// was deleted, NULL while it lives: the row stays so the id is never reused
// and the messages it sent keep their sender. users.tokgen is the token
// generation (store.User.TokenGen), raised to revoke every token issued
// before.
const migration4 = `
ALTER TABLE users ADD COLUMN deleted INTEGER;
ALTER TABLE users ADD COLUMN tokgen INTEGER NOT NULL DEFAULT 0;
`

// migration5 adds uploads. files holds one row per uploaded file;
// file_links one row per (file, topic) a message sent it to. A topic's
// deletion drops its links, so its files become unlinked and the collector
// removes them like uploads never sent.
const migration5 = `
CREATE TABLE files (
	id      TEXT PRIMARY KEY,
	owner   INTEGER NOT NULL,
	created INTEGER NOT NULL,
	mime    TEXT NOT NULL,
	size    INTEGER NOT NULL,
	name    TEXT NOT NULL DEFAULT '',
	width   INTEGER NOT NULL DEFAULT 0,
	height  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_created ON files(created);
CREATE INDEX files_owner ON files(owner);

CREATE TABLE file_links (
	file  TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
	topic TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	PRIMARY KEY (file, topic)
) WITHOUT ROWID;
CREATE INDEX file_links_topic ON file_links(topic);
`

// migrations lists the schema steps in order: entry i takes the database
// from version i to version i+1. Released entries are never edited; a schema
// change is a new entry at the end.
func migrations() []string {
	return []string{migration1, migration2, migration3, migration4, migration5, migration6, migration7, migration8, migration9, migration10, migration11}
}

// migrate brings the database to the newest schema in one transaction, so a
// crash mid-way leaves the old version intact.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := applyMigrations(ctx, tx, migrations()); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return tx.Commit()
}

// applyMigrations runs the steps the database has not seen yet and records
// the new version.
func applyMigrations(ctx context.Context, tx *sql.Tx, steps []string) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return err
	}
	var version int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version)
	if err != nil {
		return err
	}
	if version > len(steps) {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d)", version, len(steps))
	}
	if version == len(steps) {
		return nil
	}
	for i := version; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, len(steps))
	return err
}
