package proto

import "encoding/json"

// ServerMsg is one message from the server. Exactly one field is set.
type ServerMsg struct {
	Ctrl *MsgServerCtrl `json:"ctrl,omitempty"`
	Data *MsgServerData `json:"data,omitempty"`
	Meta *MsgServerMeta `json:"meta,omitempty"`
	Pres *MsgServerPres `json:"pres,omitempty"`
	Info *MsgServerInfo `json:"info,omitempty"`
}

// MsgServerCtrl answers a request: a code, its text and optional parameters.
type MsgServerCtrl struct {
	ID        string         `json:"id,omitempty"`
	Topic     string         `json:"topic,omitempty"`
	Code      int            `json:"code"`
	Text      string         `json:"text,omitempty"`
	Params    map[string]any `json:"params,omitempty"`
	Timestamp Time           `json:"ts"`
}

// MsgServerData is one message of a topic. MsgID is Parley's idempotency key,
// echoed in Head["msgid"] too so Tinode clients see it.
type MsgServerData struct {
	Topic     string          `json:"topic"`
	From      string          `json:"from,omitempty"`
	Timestamp Time            `json:"ts"`
	DeletedAt *Time           `json:"deleted,omitempty"`
	SeqID     int             `json:"seq"`
	Head      map[string]any  `json:"head,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
}

// MsgServerMeta carries topic metadata: description, members, deletions, tags.
type MsgServerMeta struct {
	ID        string          `json:"id,omitempty"`
	Topic     string          `json:"topic"`
	Timestamp Time            `json:"ts"`
	Desc      *MsgTopicDesc   `json:"desc,omitempty"`
	Sub       []MsgTopicSub   `json:"sub,omitempty"`
	Del       *MsgDelValues   `json:"del,omitempty"`
	Tags      []string        `json:"tags,omitempty"`
	Cred      []MsgCredServer `json:"cred,omitempty"`
}

// MsgServerPres is a presence or state-change notification.
type MsgServerPres struct {
	Topic     string         `json:"topic"`
	Src       string         `json:"src,omitempty"`
	What      string         `json:"what"`
	UserAgent string         `json:"ua,omitempty"`
	SeqID     int            `json:"seq,omitempty"`
	DelID     int            `json:"clear,omitempty"`
	DelSeq    []MsgDelRange  `json:"delseq,omitempty"`
	AcsTarget string         `json:"tgt,omitempty"`
	AcsActor  string         `json:"act,omitempty"`
	Acs       *MsgAccessMode `json:"dacs,omitempty"`
	// Epoch is Parley's extension to what=upd: the topic's new epoch after
	// its history was found rolled back.
	Epoch int64 `json:"epoch,omitempty"`
}

// MsgServerInfo forwards a client's note (typing, delivered, read) to others.
type MsgServerInfo struct {
	Topic   string          `json:"topic"`
	Src     string          `json:"src,omitempty"`
	From    string          `json:"from,omitempty"`
	What    string          `json:"what"`
	SeqID   int             `json:"seq,omitempty"`
	Event   string          `json:"event,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// MsgTopicDesc describes a topic, or for "me" the user.
type MsgTopicDesc struct {
	CreatedAt  *Time              `json:"created,omitempty"`
	UpdatedAt  *Time              `json:"updated,omitempty"`
	TouchedAt  *Time              `json:"touched,omitempty"`
	Online     bool               `json:"online,omitempty"`
	DefaultAcs *MsgDefaultAcsMode `json:"defacs,omitempty"`
	Acs        *MsgAccessMode     `json:"acs,omitempty"`
	SeqID      int                `json:"seq,omitempty"`
	ReadSeqID  int                `json:"read,omitempty"`
	RecvSeqID  int                `json:"recv,omitempty"`
	DelID      int                `json:"clear,omitempty"`
	Epoch      int64              `json:"epoch,omitempty"`
	SubCount   int                `json:"subcnt,omitempty"`
	Public     json.RawMessage    `json:"public,omitempty"`
	Private    json.RawMessage    `json:"private,omitempty"`
	Trusted    json.RawMessage    `json:"trusted,omitempty"`
	// State is Tinode's object state; Parley sets it only to StateDeleted,
	// on a one-to-one topic whose peer deleted their account.
	State string `json:"state,omitempty"`
}

// StateDeleted is Tinode's state of a deleted object.
const StateDeleted = "del"

// MsgTopicSub describes a subscription: a member of a topic, or on "me" one
// of the user's topics.
type MsgTopicSub struct {
	UpdatedAt *Time           `json:"updated,omitempty"`
	DeletedAt *Time           `json:"deleted,omitempty"`
	TouchedAt *Time           `json:"touched,omitempty"`
	Online    bool            `json:"online,omitempty"`
	Acs       MsgAccessMode   `json:"acs"`
	ReadSeqID int             `json:"read,omitempty"`
	RecvSeqID int             `json:"recv,omitempty"`
	Public    json.RawMessage `json:"public,omitempty"`
	Trusted   json.RawMessage `json:"trusted,omitempty"`
	Private   json.RawMessage `json:"private,omitempty"`
	// User is set when listing a topic's members.
	User string `json:"user,omitempty"`
	// Topic, SeqID and DelID are set when listing the user's topics on "me".
	Topic    string       `json:"topic,omitempty"`
	SeqID    int          `json:"seq,omitempty"`
	DelID    int          `json:"clear,omitempty"`
	LastSeen *MsgLastSeen `json:"seen,omitempty"`
}

// MsgLastSeen says when a user was last online and with which client.
type MsgLastSeen struct {
	When      *Time  `json:"when,omitempty"`
	UserAgent string `json:"ua,omitempty"`
}

// MsgAccessMode is a subscription's access: what the user wants, what was
// given, and the effective mode (want & given), as letter strings.
type MsgAccessMode struct {
	Want  string `json:"want,omitempty"`
	Given string `json:"given,omitempty"`
	Mode  string `json:"mode,omitempty"`
}

// MsgDelValues lists deleted ranges and the latest delete id.
type MsgDelValues struct {
	DelID  int           `json:"clear,omitempty"`
	DelSeq []MsgDelRange `json:"delseq,omitempty"`
}

// MsgCredServer is a credential as the server reports it.
type MsgCredServer struct {
	Method string `json:"meth,omitempty"`
	Value  string `json:"val,omitempty"`
	Done   bool   `json:"done,omitempty"`
}
