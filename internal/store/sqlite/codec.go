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
)

// This file converts between Go values and SQLite columns. Times are integer
// milliseconds since the Unix epoch (UTC) and NULL for the zero time; user ids
// are bit-cast to int64, because SQLite integers are signed and database/sql
// refuses uint64 values with the high bit set; JSON is kept as TEXT, byte for
// byte, so what a client sent is what it gets back. setList, at the end,
// turns the store's "nil means unchanged" updates into SQL.

// millis is the column value for t.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Round(time.Millisecond).UnixMilli()
}

// stored is t as it reads back from the database.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.Round(time.Millisecond).UnixMilli()).UTC()
}

// uidArg is the column value for a user id.
func uidArg(u proto.Uid) int64 { return int64(u) }

// modeArg is the column value for an access mode.
func modeArg(m proto.AccessMode) int64 { return int64(m) }

// jsonArg is the column value for raw JSON: NULL when absent.
func jsonArg(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// tagsArg stores tags as a JSON array, NULL when there are none.
func tagsArg(tags []string) (any, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return nil, err
	}
	return string(b), nil
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

// intoTime scans a millisecond column into a UTC time.
type intoTime struct{ p *time.Time }

func (c intoTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.p = time.Time{}
	case int64:
		*c.p = time.UnixMilli(x).UTC()
	default:
		return fmt.Errorf("sqlite: time column holds %T", v)
	}
	return nil
}

// intoUid scans a user id column.
type intoUid struct{ p *proto.Uid }

func (c intoUid) Scan(v any) error {
	x, ok := v.(int64)
	if !ok && v != nil {
		return fmt.Errorf("sqlite: uid column holds %T", v)
	}
	*c.p = proto.Uid(uint64(x))
	return nil
}

// intoMode scans an access mode column.
type intoMode struct{ p *proto.AccessMode }

func (c intoMode) Scan(v any) error {
	x, ok := v.(int64)
	if !ok && v != nil {
		return fmt.Errorf("sqlite: mode column holds %T", v)
	}
	*c.p = proto.AccessMode(x)
	return nil
}

// intoJSON scans a JSON column into a fresh byte slice (nil for NULL).
type intoJSON struct{ p *json.RawMessage }

func (c intoJSON) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.p = nil
	case string:
		*c.p = json.RawMessage(x)
	case []byte:
		*c.p = append(json.RawMessage(nil), x...)
	default:
		return fmt.Errorf("sqlite: JSON column holds %T", v)
	}
	return nil
}

// intoTags scans a JSON array of tags.
type intoTags struct{ p *[]string }

func (c intoTags) Scan(v any) error {
	var raw json.RawMessage
	if err := (intoJSON{&raw}).Scan(v); err != nil || raw == nil {
		*c.p = nil
		return err
	}
	return json.Unmarshal(raw, c.p)
}

// intoHead scans a message head.
type intoHead struct{ p *map[string]any }

func (c intoHead) Scan(v any) error {
	var raw json.RawMessage
	if err := (intoJSON{&raw}).Scan(v); err != nil || raw == nil {
		*c.p = nil
		return err
	}
	return json.Unmarshal(raw, c.p)
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
