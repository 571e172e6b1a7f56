// Package store declares what Parley needs from durable storage: small
// interfaces split by role, and the value types they exchange. Adapters
// (store/sqlite, later store/postgres) implement all of them and must pass
// the conformance suite in store/storetest.
//
// Every write is durable when the call returns: the hub acknowledges a
// message to its sender only after Append has returned it.
package store

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

var (
	// ErrNotFound is returned when the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate is returned when a record with the same unique key exists.
	ErrDuplicate = errors.New("store: duplicate")
)

// Users keeps accounts and their authentication records.
type Users interface {
	// CreateUser stores a new user and, when auth is not nil, its
	// authentication record, in one transaction. ErrDuplicate if the user id
	// or auth.Unique is taken.
	CreateUser(ctx context.Context, u *User, auth *AuthRecord) error
	// GetUser returns the user or ErrNotFound.
	GetUser(ctx context.Context, id proto.Uid) (*User, error)
	// UpdateUser changes the fields of upd that are set.
	UpdateUser(ctx context.Context, id proto.Uid, upd UserUpdate) error
	// GetAuth returns the authentication record with the given unique key
	// ("basic:alice") or ErrNotFound.
	GetAuth(ctx context.Context, unique string) (*AuthRecord, error)
	// DeleteUser soft-deletes an account in one transaction: from then on
	// GetUser answers ErrNotFound, its authentication records are gone (so
	// their unique keys are free for others), its tags and login no longer
	// match a search, its devices are forgotten and its token generation
	// is raised. The id stays taken, so CreateUser never reuses it.
	// Subscriptions, topics and messages are left alone: the hub removes
	// memberships through the topics, and history is never rewritten.
	// ErrNotFound if there is no such user, or it was deleted already.
	DeleteUser(ctx context.Context, id proto.Uid, at time.Time) error
}

// Auths changes the login records of existing users.
type Auths interface {
	// UserAuth returns the user's authentication record of the given
	// scheme, or ErrNotFound.
	UserAuth(ctx context.Context, user proto.Uid, scheme string) (*AuthRecord, error)
	// UpdateAuth replaces the record stored under oldUnique with rec, in one
	// transaction; rec.Unique may differ (a renamed login). ErrNotFound if
	// there is no record under oldUnique, ErrDuplicate if rec.Unique is
	// another record's key (the old record is then kept).
	UpdateAuth(ctx context.Context, oldUnique string, rec *AuthRecord) error
	// UpdateAuthRevoking is UpdateAuth that also raises the user's token
	// generation (User.TokenGen) in the same transaction, and returns the
	// new generation: a changed password and the revocation of the tokens
	// issued under the old one take effect together or not at all.
	UpdateAuthRevoking(ctx context.Context, oldUnique string, rec *AuthRecord) (int, error)
}

// Search finds users and topics by tag. Adapters keep an index of the tags
// of users and topics, updated in the same transaction as the tags.
type Search interface {
	// FindByTags returns up to limit users and topics that carry any of
	// tags, those matching most tags first, then by user id and topic name.
	// Matching ignores case. A user also matches the unique key of their
	// basic authentication record ("basic:alice"), so people can be found
	// by login; other schemes' keys (a shop's customer id) are never
	// matched. A match lists the tags it matched, sorted.
	FindByTags(ctx context.Context, tags []string, limit int) ([]TagMatch, error)
}

// Topics keeps topic descriptions. A topic's seq and delete id only ever grow.
type Topics interface {
	// CreateTopic stores a topic and its first subscriptions in one
	// transaction. ErrDuplicate if the name is taken.
	CreateTopic(ctx context.Context, t *Topic, subs []Subscription) error
	// GetTopic returns the topic or ErrNotFound.
	GetTopic(ctx context.Context, name string) (*Topic, error)
	// UpdateTopic changes the fields of upd that are set.
	UpdateTopic(ctx context.Context, name string, upd TopicUpdate) error
	// DeleteTopic removes the topic with its subscriptions, messages,
	// deletion log and device marks.
	DeleteTopic(ctx context.Context, name string) error
	// RenewEpochs gives every topic a new epoch, fresh() called once per
	// topic, in one transaction, and returns how many topics it changed.
	// Operators run it after restoring a backup: clients then drop the
	// positions they hold from the history that was lost.
	RenewEpochs(ctx context.Context, fresh func() int64) (int, error)
}

// Subscriptions keeps who is subscribed to what, with access and read marks.
type Subscriptions interface {
	// CreateSub stores a subscription; ErrDuplicate if (topic, user) exists.
	CreateSub(ctx context.Context, s *Subscription) error
	// GetSub returns the subscription or ErrNotFound.
	GetSub(ctx context.Context, topic string, user proto.Uid) (*Subscription, error)
	// TopicSubs lists a topic's subscriptions, ordered by user id.
	TopicSubs(ctx context.Context, topic string) ([]Subscription, error)
	// UserTopics lists a user's subscriptions with their topics, most
	// recently touched topic first.
	UserTopics(ctx context.Context, user proto.Uid) ([]UserTopic, error)
	// UpdateSub changes the fields of upd that are set.
	UpdateSub(ctx context.Context, topic string, user proto.Uid, upd SubUpdate) error
	// UpdateMarks raises the recv and read marks; a value at or below the
	// stored one is ignored, and recv is kept at or above read.
	UpdateMarks(ctx context.Context, topic string, user proto.Uid, recv, read int) error
	// DeleteSub removes a subscription, with its device marks; ErrNotFound
	// if there was none.
	DeleteSub(ctx context.Context, topic string, user proto.Uid) error
}

// Devices keeps, per topic, the highest seq each device of a user has
// acknowledged. A user's recv mark is the furthest any of their devices got;
// a device coming back is pushed from its own mark instead, so it does not
// miss what only another device received.
type Devices interface {
	// SaveDeviceMarks raises the marks of devices on topic (a seq at or
	// below the stored one leaves it) and records each device as seen at
	// its SeenAt. Marks for users not subscribed to topic are ignored. Then
	// each user named keeps only their keep most recently seen devices: the
	// others are forgotten with their marks on every topic.
	SaveDeviceMarks(ctx context.Context, topic string, marks []DeviceMark, keep int) error
	// DeviceMarks lists the topic's device marks, ordered by user, then
	// device.
	DeviceMarks(ctx context.Context, topic string) ([]DeviceMark, error)
}

// Messages keeps each topic's messages in seq order.
type Messages interface {
	// Append stores messages, assigning each the next seq of its topic
	// (1, 2, 3 … with no gaps), in the order given. A message whose
	// (Topic, MsgID) is already stored is not stored again: its result has
	// Duplicate set and the original SeqID and CreatedAt. Messages with an
	// empty MsgID are never deduplicated. Each of the sender's recv and
	// read marks follows their new message when it stood right before it
	// (so a run of their messages carries it along), and stays otherwise:
	// it must not jump over the others' messages (docs/protocol.md, "The
	// sender's own marks"). The mark of the sending device (Message.Device)
	// on the topic follows by the same rule, when it has one. Results are
	// durable when Append returns.
	//
	// Adapters may commit concurrent Append calls together (group commit);
	// one call's failure (say, an unknown topic: ErrNotFound) must not fail
	// the others. On error no seq is consumed by the failed call.
	Append(ctx context.Context, msgs []*Message) ([]AppendResult, error)
	// GetMessages returns up to q.Limit messages of topic matching q, newest
	// first, leaving out those that forUser deleted for themselves.
	// Hard-deleted messages come back with DeletedAt set and no content.
	GetMessages(ctx context.Context, topic string, forUser proto.Uid, q MessageQuery) ([]Message, error)
	// MessageByMsgID returns the message with the client id, or ErrNotFound.
	MessageByMsgID(ctx context.Context, topic, msgID string) (*Message, error)
	// DeleteMessages records a deletion of the given ranges with the topic's
	// next delete id, which it returns. forUser zero means a hard delete:
	// content is wiped for everyone; otherwise the messages are hidden from
	// forUser only.
	DeleteMessages(ctx context.Context, topic string, forUser proto.Uid, ranges []Range) (int, error)
	// DeletionLog returns the ranges deleted with delete ids at or above
	// since, that forUser can see (hard deletes and forUser's own), merged
	// and sorted, with the highest such delete id. No deletions: (nil, 0, nil).
	DeletionLog(ctx context.Context, topic string, forUser proto.Uid, since, limit int) ([]Range, int, error)
}

// Keys keeps server secrets, such as the token signing key, so they survive
// restarts.
type Keys interface {
	// GetOrCreateKey returns the stored key with the given name, storing
	// fresh first if there is none.
	GetOrCreateKey(ctx context.Context, name string, fresh []byte) ([]byte, error)
}

// Store is everything an adapter provides.
type Store interface {
	Users
	Auths
	Search
	Topics
	Subscriptions
	Messages
	Devices
	Keys
	Files
	io.Closer
}
