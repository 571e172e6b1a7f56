package store

import (
	"encoding/json"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Authentication levels, as in Tinode.
const (
	AuthNone = 0
	AuthAnon = 10
	AuthAuth = 20
	AuthRoot = 30
)

// DefaultAccess is the access a topic or user grants by default to
// authenticated and anonymous users.
type DefaultAccess struct {
	Auth proto.AccessMode
	Anon proto.AccessMode
}

// User is an account.
type User struct {
	ID        proto.Uid
	CreatedAt time.Time
	UpdatedAt time.Time
	Access    DefaultAccess
	Public    json.RawMessage
	Trusted   json.RawMessage
	Tags      []string
	// TokenGen is the user's token generation. Tokens carry the generation
	// they were issued in; raising it (a password change) revokes every
	// token issued before, at the cost of one comparison at login.
	TokenGen int
}

// UserUpdate lists the user fields to change; nil means unchanged.
type UserUpdate struct {
	UpdatedAt time.Time
	Access    *DefaultAccess
	Public    json.RawMessage
	Trusted   json.RawMessage
	Tags      []string
}

// AuthRecord is one way to log in as a user, keyed by Unique, such as
// "basic:alice". Secret is the scheme's stored secret (a password hash).
type AuthRecord struct {
	Unique    string
	UserID    proto.Uid
	Scheme    string
	AuthLevel int
	Secret    []byte
	Expires   time.Time
}

// Topic is a group or p2p topic. Name is the internal name (grp…, p2p…).
type Topic struct {
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	TouchedAt time.Time
	Owner     proto.Uid
	Access    DefaultAccess
	// SeqID is the seq of the last stored message; DelID the last delete id.
	SeqID int
	DelID int
	// Epoch is set at creation and changes only when history is known to
	// be lost (a restored backup, a client reporting a seq the topic never
	// reached): a client holding positions from another epoch knows that
	// its history is not this topic's.
	Epoch   int64
	Public  json.RawMessage
	Trusted json.RawMessage
	Tags    []string
}

// TopicUpdate lists the topic fields to change; nil means unchanged.
type TopicUpdate struct {
	UpdatedAt time.Time
	Owner     *proto.Uid
	Access    *DefaultAccess
	Epoch     *int64
	Public    json.RawMessage
	Trusted   json.RawMessage
	Tags      []string
}

// Subscription links a user to a topic.
type Subscription struct {
	Topic     string
	User      proto.Uid
	CreatedAt time.Time
	UpdatedAt time.Time
	ModeWant  proto.AccessMode
	ModeGiven proto.AccessMode
	Private   json.RawMessage
	RecvSeqID int
	ReadSeqID int
}

// Mode is the effective access: what was wanted and given.
func (s *Subscription) Mode() proto.AccessMode { return s.ModeWant & s.ModeGiven }

// SubUpdate lists the subscription fields to change; nil means unchanged.
type SubUpdate struct {
	UpdatedAt time.Time
	ModeWant  *proto.AccessMode
	ModeGiven *proto.AccessMode
	Private   json.RawMessage
}

// DeviceMark is the highest seq one device of a user acknowledged on a
// topic. Device is the client's id from hi.dev.
type DeviceMark struct {
	User   proto.Uid
	Device string
	SeqID  int
	SeenAt time.Time
}

// UserTopic is a user's subscription together with its topic.
type UserTopic struct {
	Sub   Subscription
	Topic Topic
}

// Message is one stored message.
type Message struct {
	Topic     string
	SeqID     int
	MsgID     string
	From      proto.Uid
	CreatedAt time.Time
	DeletedAt time.Time
	Head      map[string]any
	Content   json.RawMessage
	// Device is the sending device (hi.dev), if any: Append moves its
	// device mark as it moves the sender's marks. Not stored with the
	// message.
	Device string
}

// AppendResult says where Append put a message.
type AppendResult struct {
	SeqID     int
	CreatedAt time.Time
	// Duplicate is set when the message's MsgID was already stored; SeqID
	// and CreatedAt are then the original message's.
	Duplicate bool
	// Err is set when this message could not be stored (ErrNotFound for an
	// unknown topic); the others may still have been.
	Err error
}

// Range is a half-open range of seq ids [Low, Hi) with Hi > Low.
type Range struct {
	Low int
	Hi  int
}

// MessageQuery selects messages: Since ≤ seq < Before (zero means no bound),
// or, when Ranges is set, the seqs in those ranges. Limit caps the count.
type MessageQuery struct {
	Since  int
	Before int
	Ranges []Range
	Limit  int
}

// TagMatch is one result of a tag search: a user (User set) or a topic
// (Topic set), and the tags it matched.
type TagMatch struct {
	User  proto.Uid
	Topic string
	Tags  []string
}
