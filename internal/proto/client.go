// Package proto is Parley's message model: one set of types for the messages
// clients send and the messages the server sends, following Tinode's JSON wire
// format (protocol version 0.25). Codecs are edges of this model: the JSON
// codec lives here; other encodings convert to and from these same types.
//
// The package imports nothing of Parley's, so every other layer can depend on it.
package proto

import "encoding/json"

// ClientMsg is one message from a client. Exactly one of the message fields is
// set; Extra may accompany any of them.
type ClientMsg struct {
	Hi      *MsgClientHi      `json:"hi,omitempty"`
	Acc     *MsgClientAcc     `json:"acc,omitempty"`
	Login   *MsgClientLogin   `json:"login,omitempty"`
	Sub     *MsgClientSub     `json:"sub,omitempty"`
	Leave   *MsgClientLeave   `json:"leave,omitempty"`
	Pub     *MsgClientPub     `json:"pub,omitempty"`
	Get     *MsgClientGet     `json:"get,omitempty"`
	Set     *MsgClientSet     `json:"set,omitempty"`
	Del     *MsgClientDel     `json:"del,omitempty"`
	Note    *MsgClientNote    `json:"note,omitempty"`
	Action  *MsgClientAction  `json:"action,omitempty"`
	DataRes *MsgClientDataRes `json:"datares,omitempty"`
	Extra   *MsgClientExtra   `json:"extra,omitempty"`
}

// MsgClientHi opens a session: protocol version and user agent.
type MsgClientHi struct {
	ID         string `json:"id,omitempty"`
	UserAgent  string `json:"ua,omitempty"`
	Version    string `json:"ver,omitempty"`
	DeviceID   string `json:"dev,omitempty"`
	Lang       string `json:"lang,omitempty"`
	Platform   string `json:"platf,omitempty"`
	Background bool   `json:"bkg,omitempty"`
}

// MsgClientAcc creates an account (User "new…") or updates the session's own.
type MsgClientAcc struct {
	ID        string          `json:"id,omitempty"`
	User      string          `json:"user,omitempty"`
	Token     string          `json:"token,omitempty"`
	State     string          `json:"status,omitempty"`
	AuthLevel string          `json:"authlevel,omitempty"`
	Scheme    string          `json:"scheme,omitempty"`
	Secret    Secret          `json:"secret,omitempty"`
	Login     bool            `json:"login,omitempty"`
	Tags      []string        `json:"tags,omitempty"`
	Desc      *MsgSetDesc     `json:"desc,omitempty"`
	Cred      []MsgCredClient `json:"cred,omitempty"`
}

// MsgClientLogin authenticates the session.
type MsgClientLogin struct {
	ID     string          `json:"id,omitempty"`
	Scheme string          `json:"scheme,omitempty"`
	Secret Secret          `json:"secret"`
	Cred   []MsgCredClient `json:"cred,omitempty"`
}

// MsgCredClient is a credential (email, phone) offered with acc or login.
type MsgCredClient struct {
	Method   string         `json:"meth,omitempty"`
	Value    string         `json:"val,omitempty"`
	Response string         `json:"resp,omitempty"`
	Params   map[string]any `json:"params,omitempty"`
}

// MsgClientSub attaches the session to a topic, creating the topic or the
// subscription when needed.
type MsgClientSub struct {
	ID    string       `json:"id,omitempty"`
	Topic string       `json:"topic"`
	Set   *MsgSetQuery `json:"set,omitempty"`
	Get   *MsgGetQuery `json:"get,omitempty"`
}

// MsgClientLeave detaches the session from a topic; with Unsub it also deletes
// the subscription.
type MsgClientLeave struct {
	ID    string `json:"id,omitempty"`
	Topic string `json:"topic"`
	Unsub bool   `json:"unsub,omitempty"`
}

// MsgClientPub publishes a message to a topic. Head["msgid"] is Parley's
// client-generated idempotency key.
type MsgClientPub struct {
	ID      string          `json:"id,omitempty"`
	Topic   string          `json:"topic"`
	NoEcho  bool            `json:"noecho,omitempty"`
	Head    map[string]any  `json:"head,omitempty"`
	Content json.RawMessage `json:"content"`
}

// MsgClientGet queries topic metadata or messages.
type MsgClientGet struct {
	ID    string `json:"id,omitempty"`
	Topic string `json:"topic"`
	MsgGetQuery
}

// MsgClientSet updates topic metadata.
type MsgClientSet struct {
	ID    string `json:"id,omitempty"`
	Topic string `json:"topic"`
	MsgSetQuery
}

// MsgClientDel deletes messages, a subscription, a topic, a user or a credential.
type MsgClientDel struct {
	ID     string         `json:"id,omitempty"`
	Topic  string         `json:"topic,omitempty"`
	What   string         `json:"what"`
	DelSeq []MsgDelRange  `json:"delseq,omitempty"`
	User   string         `json:"user,omitempty"`
	Cred   *MsgCredClient `json:"cred,omitempty"`
	Hard   bool           `json:"hard,omitempty"`
}

// MsgClientNote is a fire-and-forget notification: typing, delivered, read.
type MsgClientNote struct {
	Topic   string          `json:"topic"`
	What    string          `json:"what"`
	SeqID   int             `json:"seq,omitempty"`
	Unread  int             `json:"unread,omitempty"`
	Event   string          `json:"event,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// MsgClientAction is Parley's business-event extension, answered by ctrl.
type MsgClientAction struct {
	ID     string          `json:"id,omitempty"`
	Topic  string          `json:"topic,omitempty"`
	What   string          `json:"what"`
	Params json.RawMessage `json:"params,omitempty"`
}

// MsgClientDataRes is Parley's batch delivery acknowledgement extension: it
// acknowledges receipt of several topics' messages in one frame.
type MsgClientDataRes struct {
	ID   string        `json:"id,omitempty"`
	Acks []MsgTopicAck `json:"acks"`
}

// MsgTopicAck acknowledges a topic's messages up to Seq, or the given ranges.
type MsgTopicAck struct {
	Topic  string        `json:"topic"`
	Seq    int           `json:"seq,omitempty"`
	Ranges []MsgDelRange `json:"ranges,omitempty"`
}

// MsgClientExtra carries optional attachments and on-behalf-of requests.
type MsgClientExtra struct {
	Attachments []string `json:"attachments,omitempty"`
	OnBehalfOf  string   `json:"obo,omitempty"`
	AuthLevel   string   `json:"authlevel,omitempty"`
}

// MsgGetQuery says what a get (or the get part of a sub) asks for.
type MsgGetQuery struct {
	What string      `json:"what"`
	Desc *MsgGetOpts `json:"desc,omitempty"`
	Sub  *MsgGetOpts `json:"sub,omitempty"`
	Data *MsgGetOpts `json:"data,omitempty"`
	Del  *MsgGetOpts `json:"del,omitempty"`
}

// MsgGetOpts narrows a query.
type MsgGetOpts struct {
	IfModifiedSince *Time         `json:"ims,omitempty"`
	User            string        `json:"user,omitempty"`
	Topic           string        `json:"topic,omitempty"`
	SinceID         int           `json:"since,omitempty"`
	BeforeID        int           `json:"before,omitempty"`
	Ranges          []MsgDelRange `json:"ranges,omitempty"`
	Limit           int           `json:"limit,omitempty"`
}

// MsgSetQuery says what a set (or the set part of a sub) changes.
type MsgSetQuery struct {
	Desc *MsgSetDesc    `json:"desc,omitempty"`
	Sub  *MsgSetSub     `json:"sub,omitempty"`
	Tags []string       `json:"tags,omitempty"`
	Cred *MsgCredClient `json:"cred,omitempty"`
}

// MsgSetDesc changes a topic's or user's description.
type MsgSetDesc struct {
	DefaultAcs *MsgDefaultAcsMode `json:"defacs,omitempty"`
	Public     json.RawMessage    `json:"public,omitempty"`
	Private    json.RawMessage    `json:"private,omitempty"`
	Trusted    json.RawMessage    `json:"trusted,omitempty"`
}

// MsgSetSub changes a member's access mode: User empty means the caller's own
// subscription (Mode is then "want"); otherwise Mode is "given" to User.
type MsgSetSub struct {
	User string `json:"user,omitempty"`
	Mode string `json:"mode,omitempty"`
}

// MsgDefaultAcsMode is a topic's default access for authenticated and
// anonymous users.
type MsgDefaultAcsMode struct {
	Auth string `json:"auth,omitempty"`
	Anon string `json:"anon,omitempty"`
}

// MsgDelRange is a half-open range of seq ids [Low, Hi). Hi of zero means
// the single id Low.
type MsgDelRange struct {
	Low int `json:"low,omitempty"`
	Hi  int `json:"hi,omitempty"`
}
