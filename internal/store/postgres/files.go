package postgres

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration2 adds uploads, as the SQLite adapter's migration5 does: files
// holds one row per uploaded file; file_links one row per (file, topic) a
// message sent it to. A topic's deletion drops its links, so its files
// become unlinked and the collector removes them like uploads never sent.
const migration2 = `
CREATE TABLE files (
	id      text COLLATE "C" PRIMARY KEY,
	owner   bigint NOT NULL,
	created bigint NOT NULL,
	mime    text NOT NULL,
	size    bigint NOT NULL,
	name    text NOT NULL DEFAULT '',
	width   integer NOT NULL DEFAULT 0,
	height  integer NOT NULL DEFAULT 0
);
CREATE INDEX files_created ON files(created);
CREATE INDEX files_owner ON files(owner);

CREATE TABLE file_links (
	file  text COLLATE "C" NOT NULL REFERENCES files(id) ON DELETE CASCADE,
	topic text COLLATE "C" NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	PRIMARY KEY (file, topic)
);
CREATE INDEX file_links_topic ON file_links(topic);
`

const (
	sqlInsertFile = `INSERT INTO files (id, owner, created, mime, size, name, width, height)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	sqlGetFile   = `SELECT id, owner, created, mime, size, name, width, height FROM files WHERE id = $1`
	sqlFileLinks = `SELECT topic FROM file_links WHERE file = $1 ORDER BY topic`
	// A file is linked when its owner sends it, or when it is already
	// linked to the topic (a re-send); ON CONFLICT keeps links unique.
	sqlLinkFile = `INSERT INTO file_links (file, topic)
		SELECT id, $1 FROM files WHERE id = $2 AND (owner = $3
			OR EXISTS (SELECT 1 FROM file_links WHERE file = $2 AND topic = $1))
		ON CONFLICT DO NOTHING`
	sqlIsLinked     = `SELECT 1 FROM file_links WHERE file = $1 AND topic = $2`
	sqlPendingFiles = `SELECT COUNT(*) FROM files f WHERE f.owner = $1
		AND NOT EXISTS (SELECT 1 FROM file_links l WHERE l.file = f.id)`
	sqlUnlinkedFiles = `SELECT f.id FROM files f WHERE f.created < $1
		AND NOT EXISTS (SELECT 1 FROM file_links l WHERE l.file = f.id)
		ORDER BY f.created, f.id LIMIT $2`
	sqlDeleteFile = `DELETE FROM files WHERE id = $1`
)

// CreateFile stores a new upload record.
func (s *Store) CreateFile(ctx context.Context, f *store.File) error {
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlInsertFile, f.ID, uidArg(f.Owner), millis(f.CreatedAt), f.MimeType, f.Size,
			f.Name, f.Width, f.Height)
		return storeErr(err)
	})
}

// GetFile returns the record and its links, or ErrNotFound.
func (s *Store) GetFile(ctx context.Context, id string) (*store.File, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	f := &store.File{}
	err := s.pool.QueryRow(ctx, sqlGetFile, id).Scan(&f.ID, intoUid{P: &f.Owner}, intoTime{P: &f.CreatedAt},
		&f.MimeType, &f.Size, &f.Name, &f.Width, &f.Height)
	if err != nil {
		return nil, storeErr(err)
	}
	rows, err := s.pool.Query(ctx, sqlFileLinks, id)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var topic string
		if err := rows.Scan(&topic); err != nil {
			return nil, err
		}
		f.Topics = append(f.Topics, topic)
	}
	return f, rows.Err()
}

// LinkFiles links the files user may send to topic, in one transaction.
func (s *Store) LinkFiles(ctx context.Context, topic string, user proto.Uid, ids []string) (int, error) {
	var n int
	err := s.write(ctx, func(w *writeTx) error {
		n = 0
		var one int
		if err := w.queryRow(`SELECT 1 FROM topics WHERE name = $1`, topic).Scan(&one); err != nil {
			return storeErr(err)
		}
		for _, id := range ids {
			if _, err := w.exec(sqlLinkFile, topic, id, uidArg(user)); err != nil {
				return storeErr(err)
			}
			err := w.queryRow(sqlIsLinked, id, topic).Scan(&one)
			switch storeErr(err) {
			case nil:
				n++
			case store.ErrNotFound:
			default:
				return err
			}
		}
		return nil
	})
	return n, err
}

// PendingFiles counts the owner's uploads that no message has linked.
func (s *Store) PendingFiles(ctx context.Context, owner proto.Uid) (int, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	var n int
	err := s.pool.QueryRow(ctx, sqlPendingFiles, uidArg(owner)).Scan(&n)
	return n, storeErr(err)
}

// UnlinkedFiles lists the oldest unlinked uploads created before before.
func (s *Store) UnlinkedFiles(ctx context.Context, before time.Time, limit int) ([]string, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlUnlinkedFiles, millis(before), limit)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteFile removes a record; its links go with it (ON DELETE CASCADE).
func (s *Store) DeleteFile(ctx context.Context, id string) error {
	return s.write(ctx, func(w *writeTx) error { return mustAffect(w.exec(sqlDeleteFile, id)) })
}
