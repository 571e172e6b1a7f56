package sqlite

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	sqlInsertFile = `INSERT INTO files (id, owner, created, mime, size, name, width, height)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlGetFile   = `SELECT id, owner, created, mime, size, name, width, height FROM files WHERE id = ?`
	sqlFileLinks = `SELECT topic FROM file_links WHERE file = ? ORDER BY topic`
	// A file is linked when its owner sends it, or when it is already
	// linked to the topic (a re-send); INSERT OR IGNORE keeps links unique.
	sqlLinkFile = `INSERT OR IGNORE INTO file_links (file, topic)
		SELECT id, ? FROM files WHERE id = ? AND (owner = ?
			OR EXISTS (SELECT 1 FROM file_links WHERE file = ? AND topic = ?))`
	sqlIsLinked     = `SELECT 1 FROM file_links WHERE file = ? AND topic = ?`
	sqlPendingFiles = `SELECT COUNT(*) FROM files f WHERE f.owner = ?
		AND NOT EXISTS (SELECT 1 FROM file_links l WHERE l.file = f.id)`
	sqlUnlinkedFiles = `SELECT f.id FROM files f WHERE f.created < ?
		AND NOT EXISTS (SELECT 1 FROM file_links l WHERE l.file = f.id)
		ORDER BY f.created, f.id LIMIT ?`
	sqlDeleteFile = `DELETE FROM files WHERE id = ?`
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
	f := &store.File{}
	err := s.ldb.QueryRowContext(ctx, sqlGetFile, id).Scan(&f.ID, intoUid{P: &f.Owner}, intoTime{P: &f.CreatedAt},
		&f.MimeType, &f.Size, &f.Name, &f.Width, &f.Height)
	if err != nil {
		return nil, storeErr(err)
	}
	rows, err := s.ldb.QueryContext(ctx, sqlFileLinks, id)
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
		if err := w.queryRow(`SELECT 1 FROM topics WHERE name = ?`, topic).Scan(&one); err != nil {
			return storeErr(err)
		}
		for _, id := range ids {
			if _, err := w.exec(sqlLinkFile, topic, id, uidArg(user), id, topic); err != nil {
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
	var n int
	err := s.ldb.QueryRowContext(ctx, sqlPendingFiles, uidArg(owner)).Scan(&n)
	return n, storeErr(err)
}

// UnlinkedFiles lists the oldest unlinked uploads created before before.
func (s *Store) UnlinkedFiles(ctx context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlUnlinkedFiles, millis(before), limit)
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
