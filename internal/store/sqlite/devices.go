package sqlite

import (
	"cmp"
	"context"
	"slices"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	// The mark is stored only for a subscribed user; raising keeps the
	// higher of the stored and the new seq. The SELECT needs its WHERE for
	// SQLite to parse the ON CONFLICT clause.
	sqlSaveDeviceMark = `INSERT INTO device_marks (topic, user, device, seq)
		SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM subscriptions WHERE topic = ? AND user = ?)
		ON CONFLICT (topic, user, device) DO UPDATE SET seq = MAX(seq, excluded.seq)`
	sqlSeeDevice = `INSERT INTO devices (user, device, seen) VALUES (?, ?, COALESCE(?, 0))
		ON CONFLICT (user, device) DO UPDATE SET seen = MAX(seen, excluded.seen)`
	// The devices past the first keep, most recently seen first.
	sqlStaleDevices = `SELECT device FROM devices WHERE user = ?
		ORDER BY seen DESC, device LIMIT -1 OFFSET ?`
	sqlForgetDevice      = `DELETE FROM devices WHERE user = ? AND device = ?`
	sqlForgetDeviceMarks = `DELETE FROM device_marks WHERE user = ? AND device = ?`
	sqlDeviceMarks       = `SELECT m.user, m.device, m.seq, d.seen FROM device_marks m
		JOIN devices d ON d.user = m.user AND d.device = m.device WHERE m.topic = ?`
)

// SaveDeviceMarks raises the device marks on topic in one transaction and
// forgets each named user's devices beyond the keep most recently seen.
func (s *Store) SaveDeviceMarks(ctx context.Context, topic string, marks []store.DeviceMark, keep int) error {
	return s.writeMarks(ctx, func(w *writeTx) error {
		users := map[proto.Uid]bool{}
		for _, m := range marks {
			res, err := w.exec(sqlSaveDeviceMark, topic, uidArg(m.User), m.Device, m.SeqID, topic, uidArg(m.User))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
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
	rows, err := w.query(sqlStaleDevices, uidArg(uid), max(keep, 0))
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var dev string
		if err := rows.Scan(&dev); err != nil {
			rows.Close()
			return err
		}
		stale = append(stale, dev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
	rows, err := s.ldb.QueryContext(ctx, sqlDeviceMarks, topic)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.DeviceMark
	for rows.Next() {
		var m store.DeviceMark
		if err := rows.Scan(intoUid{P: &m.User}, &m.Device, &m.SeqID, intoTime{P: &m.SeenAt}); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.DeviceMark) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Device, b.Device))
	})
	return out, nil
}

// RenewEpochs gives every topic a new epoch from fresh, in one transaction.
func (s *Store) RenewEpochs(ctx context.Context, fresh func() int64) (int, error) {
	n := 0
	err := s.write(ctx, func(w *writeTx) error {
		rows, err := w.query(`SELECT name FROM topics`)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return err
			}
			names = append(names, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range names {
			if _, err := w.exec(`UPDATE topics SET epoch = ? WHERE name = ?`, fresh(), name); err != nil {
				return err
			}
		}
		n = len(names)
		return nil
	})
	return n, err
}
