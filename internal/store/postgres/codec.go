package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlcodec"
)

// This file converts between Go values and PostgreSQL columns, the same way
// the SQLite adapter does: times are integer milliseconds since the Unix
// epoch (UTC) and NULL for the zero time; user ids are bit-cast to bigint;
// JSON is kept as bytea, byte for byte. setList, at the end, turns the
// store's "nil means unchanged" updates into SQL.

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
	return []byte(raw)
}

// headBytes encodes a message head as a JSON object, nil when there is none.
func headBytes(head map[string]any) ([]byte, error) {
	if head == nil {
		return nil, nil
	}
	b, err := json.Marshal(head)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode head: %w", err)
	}
	return b, nil
}

// secretArg keeps an empty secret distinct from none.
func secretArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// intoInt scans a bigint column into an int.
type intoInt struct{ p *int }

func (c intoInt) Scan(v any) error {
	x, ok := v.(int64)
	if !ok && v != nil {
		return fmt.Errorf("postgres: integer column holds %T", v)
	}
	*c.p = int(x)
	return nil
}

// PostgreSQL error codes the adapter translates.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// storeErr translates driver errors into the store's sentinel errors, so
// callers can test them with errors.Is whatever the adapter.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeUniqueViolation:
			return store.ErrDuplicate
		case codeForeignKeyViolation:
			// The row refers to a topic or user that does not exist.
			return store.ErrNotFound
		}
	}
	return err
}

// mustAffect turns "no row matched" into ErrNotFound.
func mustAffect(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return storeErr(err)
	}
	if tag.RowsAffected() == 0 {
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
	l.args = append(l.args, v)
	l.cols = append(l.cols, col+" = $"+strconv.Itoa(len(l.args)))
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
// where numbers its placeholders from $1; they are renumbered after the SET
// clause's. Column and table names come from constants, never from callers.
func (l *setList) apply(w *writeTx, table, where string, whereArgs ...any) error {
	if len(l.cols) == 0 {
		// Nothing to change, but the caller still learns whether the row exists.
		var one int
		return storeErr(w.queryRow(`SELECT 1 FROM `+table+` WHERE `+where, whereArgs...).Scan(&one))
	}
	n := len(l.args)
	for i := len(whereArgs); i >= 1; i-- { // highest first, so $1 does not match inside $10
		where = strings.ReplaceAll(where, "$"+strconv.Itoa(i), "$"+strconv.Itoa(i+n))
	}
	query := `UPDATE ` + table + ` SET ` + strings.Join(l.cols, ", ") + ` WHERE ` + where
	return mustAffect(w.exec(query, append(l.args, whereArgs...)...))
}
