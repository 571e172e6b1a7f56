package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migration1 is the schema. It follows the SQLite adapter's layout so the
// two stay easy to compare: times are milliseconds since the Unix epoch,
// NULL for "never"; user ids are bit-cast bigints; JSON a client sent is
// kept as bytea, byte for byte (and a byte PostgreSQL's text would refuse
// cannot fail a batch); tags are a JSON array.
//
// Columns naming a user are "uid" (user is reserved in PostgreSQL);
// messages.sender is the message's From. Text keys use the "C" collation,
// so names sort by bytes as in SQLite and not by the server's locale.
// dellog.uid is the user a deletion hides messages from, 0 for a hard
// delete. tagindex holds one row per (lowercased tag, owner), the owner a
// user (empty topic) or a topic (uid 0).
const migration1 = `
CREATE TABLE users (
	id          bigint PRIMARY KEY,
	created     bigint,
	updated     bigint,
	deleted     bigint,
	tokgen      integer NOT NULL DEFAULT 0,
	auth_access bigint NOT NULL DEFAULT 0,
	anon_access bigint NOT NULL DEFAULT 0,
	public      bytea,
	trusted     bytea,
	tags        text
);

CREATE TABLE auth (
	uniq    text COLLATE "C" PRIMARY KEY,
	uid     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	scheme  text NOT NULL,
	level   integer NOT NULL,
	secret  bytea,
	expires bigint
);
CREATE INDEX auth_uid ON auth(uid);

CREATE TABLE topics (
	name        text COLLATE "C" PRIMARY KEY,
	created     bigint,
	updated     bigint,
	touched     bigint,
	owner       bigint NOT NULL DEFAULT 0,
	auth_access bigint NOT NULL DEFAULT 0,
	anon_access bigint NOT NULL DEFAULT 0,
	seq         bigint NOT NULL DEFAULT 0,
	delid       bigint NOT NULL DEFAULT 0,
	epoch       bigint NOT NULL DEFAULT 0,
	public      bytea,
	trusted     bytea,
	tags        text
);

CREATE TABLE subscriptions (
	topic   text COLLATE "C" NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	uid     bigint NOT NULL,
	created bigint,
	updated bigint,
	want    bigint NOT NULL DEFAULT 0,
	given   bigint NOT NULL DEFAULT 0,
	private bytea,
	recv    bigint NOT NULL DEFAULT 0,
	read    bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (topic, uid)
);
CREATE INDEX subscriptions_uid ON subscriptions(uid);

CREATE TABLE messages (
	topic   text COLLATE "C" NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	seq     bigint NOT NULL,
	msgid   text COLLATE "C" NOT NULL DEFAULT '',
	sender  bigint NOT NULL DEFAULT 0,
	created bigint,
	deleted bigint,
	head    bytea,
	content bytea,
	PRIMARY KEY (topic, seq)
);
CREATE UNIQUE INDEX messages_msgid ON messages(topic, msgid) WHERE msgid <> '';

CREATE TABLE dellog (
	topic text COLLATE "C" NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	delid bigint NOT NULL,
	uid   bigint NOT NULL,
	low   bigint NOT NULL,
	hi    bigint NOT NULL
);
CREATE INDEX dellog_topic ON dellog(topic, delid);

CREATE TABLE kv (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE devices (
	uid    bigint NOT NULL,
	device text COLLATE "C" NOT NULL,
	seen   bigint NOT NULL,
	PRIMARY KEY (uid, device)
);

CREATE TABLE device_marks (
	topic  text COLLATE "C" NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	uid    bigint NOT NULL,
	device text COLLATE "C" NOT NULL,
	seq    bigint NOT NULL,
	PRIMARY KEY (topic, uid, device)
);
CREATE INDEX device_marks_device ON device_marks(uid, device);

CREATE TABLE tagindex (
	tag   text COLLATE "C" NOT NULL,
	uid   bigint NOT NULL DEFAULT 0,
	topic text COLLATE "C" NOT NULL DEFAULT '',
	PRIMARY KEY (tag, uid, topic)
);
CREATE INDEX tagindex_uid ON tagindex(uid) WHERE uid <> 0;
CREATE INDEX tagindex_topic ON tagindex(topic) WHERE topic <> '';
`

// migrations lists the schema steps in order: entry i takes the database
// from version i to version i+1. Released entries are never edited; a schema
// change is a new entry at the end.
func migrations() []string {
	return []string{migration1, migration2, migration3, migration4, migration5, migration6, migration7, migration8, migration9}
}

// migrateLock is the advisory lock key that serialises migrations, so
// several gateways starting at once on one database do not race.
const migrateLock = 0x7061726c6579 // "parley"

// migrate brings the database to the newest schema in one transaction, so a
// crash mid-way leaves the old version intact.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return err
		}
		return applyMigrations(ctx, tx, migrations())
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// applyMigrations runs the steps the database has not seen yet and records
// the new version.
func applyMigrations(ctx context.Context, tx pgx.Tx, steps []string) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`
	if _, err := tx.Exec(ctx, create); err != nil {
		return err
	}
	var version int
	err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version)
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
		if _, err := tx.Exec(ctx, steps[i]); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM schema_version`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, len(steps))
	return err
}
