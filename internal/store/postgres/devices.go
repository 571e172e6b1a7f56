package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	// The mark is stored only for a subscribed user; raising keeps the
	// higher of the stored and the new seq.
	sqlSaveDeviceMark = `INSERT INTO device_marks (topic, uid, device, seq)
		SELECT $1::text, $2::bigint, $3::text, $4::bigint
		WHERE EXISTS (SELECT 1 FROM subscriptions WHERE topic = $1 AND uid = $2)
		ON CONFLICT (topic, uid, device) DO UPDATE SET seq = GREATEST(device_marks.seq, excluded.seq)`
	sqlSeeDevice = `INSERT INTO devices (uid, device, seen) VALUES ($1, $2, COALESCE($3::bigint, 0))
		ON CONFLICT (uid, device) DO UPDATE SET seen = GREATEST(devices.seen, excluded.seen)`
	// The devices past the first keep, most recently seen first.
	sqlStaleDevices = `SELECT device FROM devices WHERE uid = $1
		ORDER BY seen DESC, device OFFSET $2`
	sqlForgetDevice      = `DELETE FROM devices WHERE uid = $1 AND device = $2`
	sqlForgetDeviceMarks = `DELETE FROM device_marks WHERE uid = $1 AND device = $2`
	sqlDeviceMarks       = `SELECT m.uid, m.device, m.seq, d.seen FROM device_marks m
		JOIN devices d ON d.uid = m.uid AND d.device = m.device WHERE m.topic = $1`
)

// SaveDeviceMarks raises the device marks on topic in one transaction and
// forgets each named user's devices beyond the keep most recently seen.
func (s *Store) SaveDeviceMarks(ctx context.Context, topic string, marks []store.DeviceMark, keep int) error {
	return s.write(ctx, func(w *writeTx) error {
		users := map[proto.Uid]bool{}
		for _, m := range marks {
			tag, err := w.exec(sqlSaveDeviceMark, topic, uidArg(m.User), m.Device, int64(m.SeqID))
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue // not subscribed: nothing to remember the device for
			}
			if _, err := w.exec(sqlSeeDevice, uidArg(m.User), m.Device, millis(m.SeenAt)); err != nil {
				return err
			}
			users[m.User] = true
		}
		for uid := range users {
			if err := forgetStaleDevices(w, uid, keep); err != nil {
				return err
			}
		}
		return nil
	})
}

// forgetStaleDevices removes uid's least recently seen devices beyond keep,
// with their marks on every topic.
func forgetStaleDevices(w *writeTx, uid proto.Uid, keep int) error {
	rows, err := w.query(sqlStaleDevices, uidArg(uid), int64(max(keep, 0)))
	if err != nil {
		return err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, dev := range stale {
		for _, q := range []string{sqlForgetDevice, sqlForgetDeviceMarks} {
			if _, err := w.exec(q, uidArg(uid), dev); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeviceMarks lists the topic's device marks by user, then device. They
// are sorted here because the database orders the bit-cast ids as signed
// numbers.
func (s *Store) DeviceMarks(ctx context.Context, topic string) ([]store.DeviceMark, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlDeviceMarks, topic)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.DeviceMark, error) {
		var m store.DeviceMark
		return m, row.Scan(intoUid{P: &m.User}, &m.Device, intoInt{&m.SeqID}, intoTime{P: &m.SeenAt})
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	slices.SortFunc(out, func(a, b store.DeviceMark) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Device, b.Device))
	})
	return out, nil
}
