package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlcodec"
)

// This file converts between Go values and SQLite columns. Times are integer
// milliseconds since the Unix epoch (UTC) and NULL for the zero time; user ids
// are bit-cast to int64, because SQLite integers are signed and database/sql
// refuses uint64 values with the high bit set; JSON is kept as TEXT, byte for
// byte, so what a client sent is what it gets back. setList, at the end,
// turns the store's "nil means unchanged" updates into SQL.

// The column conventions both SQL adapters share (sqlcodec).
type (
	intoTime = sqlcodec.IntoTime
	intoUid  = sqlcodec.IntoUid
	intoMode = sqlcodec.IntoMode
	intoJSON = sqlcodec.IntoJSON
	intoTags = sqlcodec.IntoTags
	intoHead = sqlcodec.IntoHead
)

func millis(t time.Time) any             { return sqlcodec.Millis(t) }
func stored(t time.Time) time.Time       { return sqlcodec.Stored(t) }
func uidArg(u proto.Uid) int64           { return sqlcodec.UIDArg(u) }
func modeArg(m proto.AccessMode) int64   { return sqlcodec.ModeArg(m) }
func tagsArg(tags []string) (any, error) { return sqlcodec.TagsArg(tags) }

// jsonArg is the column value for raw JSON: NULL when absent.
func jsonArg(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// headArg stores a message head as a JSON object, NULL when there is none.
func headArg(head map[string]any) (any, error) {
	if head == nil {
		return nil, nil
	}
	b, err := json.Marshal(head)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode head: %w", err)
	}
	return string(b), nil
}

// storeErr translates driver errors into the store's sentinel errors, so
// callers can test them with errors.Is whatever the adapter.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return store.ErrDuplicate
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// The row refers to a topic or user that does not exist.
			return store.ErrNotFound
		}
	}
	return err
}

// mustAffect turns "no row matched" into ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return storeErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// setList builds the SET clause of a partial update from the fields the
// caller set; unset fields (zero time, nil JSON, nil tags) are left out.
type setList struct {
	cols []string
	args []any
}

func (l *setList) add(col string, v any) {
	l.cols = append(l.cols, col+" = ?")
	l.args = append(l.args, v)
}

func (l *setList) time(col string, t time.Time) {
	if !t.IsZero() {
		l.add(col, millis(t))
	}
}

func (l *setList) json(col string, raw json.RawMessage) {
	if raw != nil {
		l.add(col, jsonArg(raw))
	}
}

// tags sets col unless tags is nil; an empty, non-nil slice clears it.
func (l *setList) tags(col string, tags []string) error {
	if tags == nil {
		return nil
	}
	v, err := tagsArg(tags)
	if err != nil {
		return err
	}
	l.add(col, v)
	return nil
}

// apply updates the row of table matching where, or reports ErrNotFound.
// Column and table names come from constants, never from callers.
func (l *setList) apply(w *writeTx, table, where string, whereArgs ...any) error {
	if len(l.cols) == 0 {
		// Nothing to change, but the caller still learns whether the row exists.
		var one int
		return storeErr(w.queryRow(`SELECT 1 FROM `+table+` WHERE `+where, whereArgs...).Scan(&one))
	}
	query := `UPDATE ` + table + ` SET ` + strings.Join(l.cols, ", ") + ` WHERE ` + where
	return mustAffect(w.exec(query, append(l.args, whereArgs...)...))
}
