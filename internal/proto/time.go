package proto

import (
	"encoding/json"
	"errors"
	"time"
)

var errTimeRange = errors.New("time outside years 1 to 9999")

// Time is a UTC timestamp with millisecond precision. Tinode clients parse a
// timestamp as a date only when its text is 20–24 characters long, so nanosecond
// precision would silently break them.
type Time struct{ time.Time }

// timeLayout drops trailing zeros of the fraction, as Tinode does.
const timeLayout = "2006-01-02T15:04:05.999Z07:00"

// Now returns the current time rounded to milliseconds, in UTC.
func Now() Time { return TimeOf(time.Now()) }

// TimeOf rounds t to milliseconds and converts it to UTC.
func TimeOf(t time.Time) Time { return Time{t.UTC().Round(time.Millisecond)} }

// TimePtr returns a pointer to TimeOf(t), or nil for the zero time.
func TimePtr(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	v := TimeOf(t)
	return &v
}

// MarshalJSON writes the time as a quoted RFC 3339 string.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(timeLayout)+2)
	b = append(b, '"')
	b = t.UTC().Round(time.Millisecond).AppendFormat(b, timeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads an RFC 3339 string.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	if y := TimeOf(v).Year(); y < 1 || y > 9999 {
		return errTimeRange // it could not be written back as RFC 3339
	}
	*t = TimeOf(v)
	return nil
}
