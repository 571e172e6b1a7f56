// Package sqlcodec holds the column conventions the SQL store adapters
// (SQLite and PostgreSQL) share, so both keep data the same way: times are
// integer milliseconds since the Unix epoch (UTC) and NULL for the zero
// time; user ids and access modes are bit-cast to 64-bit integers; tags and
// message heads are JSON. The Into* types are database/sql Scanners, which
// both drivers accept.
//
// It also holds the one piece of append logic that is not SQL: which of a
// batch's senders' marks follow their messages (SenderRuns).
package sqlcodec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Millis is the column value for t.
func Millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Round(time.Millisecond).UnixMilli()
}

// Stored is t as it reads back from the database.
func Stored(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.Round(time.Millisecond).UnixMilli()).UTC()
}

// UIDArg is the column value for a user id.
func UIDArg(u proto.Uid) int64 { return int64(u) }

// ModeArg is the column value for an access mode.
func ModeArg(m proto.AccessMode) int64 { return int64(m) }

// TagsArg stores tags as a JSON array, NULL when there are none.
func TagsArg(tags []string) (any, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// IntoTime scans a millisecond column into a UTC time.
type IntoTime struct{ P *time.Time }

func (c IntoTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.P = time.Time{}
	case int64:
		*c.P = time.UnixMilli(x).UTC()
	default:
		return fmt.Errorf("store: time column holds %T", v)
	}
	return nil
}

// IntoUid scans a user id column.
type IntoUid struct{ P *proto.Uid }

func (c IntoUid) Scan(v any) error {
	x, ok := v.(int64)
	if !ok && v != nil {
		return fmt.Errorf("store: uid column holds %T", v)
	}
	*c.P = proto.Uid(uint64(x))
	return nil
}

// IntoMode scans an access mode column.
type IntoMode struct{ P *proto.AccessMode }

func (c IntoMode) Scan(v any) error {
	x, ok := v.(int64)
	if !ok && v != nil {
		return fmt.Errorf("store: mode column holds %T", v)
	}
	*c.P = proto.AccessMode(x)
	return nil
}

// IntoJSON scans a JSON column into a fresh byte slice (nil for NULL).
type IntoJSON struct{ P *json.RawMessage }

func (c IntoJSON) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.P = nil
	case string:
		*c.P = json.RawMessage(x)
	case []byte:
		*c.P = append(json.RawMessage(nil), x...)
	default:
		return fmt.Errorf("store: JSON column holds %T", v)
	}
	return nil
}

// IntoTags scans a JSON array of tags.
type IntoTags struct{ P *[]string }

func (c IntoTags) Scan(v any) error { return scanJSON(v, c.P) }

// IntoHead scans a message head.
type IntoHead struct{ P *map[string]any }

func (c IntoHead) Scan(v any) error { return scanJSON(v, c.P) }

// scanJSON decodes a JSON column into p, leaving it nil for NULL.
func scanJSON[T any](v any, p *T) error {
	var raw json.RawMessage
	if err := (IntoJSON{&raw}).Scan(v); err != nil || raw == nil {
		var zero T
		*p = zero
		return err
	}
	return json.Unmarshal(raw, p)
}
