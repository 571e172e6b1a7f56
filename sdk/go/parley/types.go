package parley

import (
	"time"

	"github.com/parley-im/parley/sdk/go/internal/netlink"
	"github.com/parley-im/parley/sdk/go/internal/pool"
)

// Message is one chat message; see the methods for its changing state.
type Message = pool.Message

// Status is a message's delivery status.
type Status = pool.Status

// Delivery statuses.
const (
	StatusSending   = pool.Sending
	StatusSent      = pool.Sent
	StatusDelivered = pool.Delivered
	StatusRead      = pool.Read
	StatusFailed    = pool.Failed
	StatusBlocked   = pool.Blocked
	StatusInReview  = pool.InReview
	StatusRejected  = pool.Rejected
)

// The message policy's verdicts on own messages (Message.Policy).
const (
	PolicyBlocked  = pool.PolicyBlocked
	PolicyMasked   = pool.PolicyMasked
	PolicyReview   = pool.PolicyReview
	PolicyApproved = pool.PolicyApproved
	PolicyRejected = pool.PolicyRejected
)

// Conn is a frame connection; Dialer opens one. Both are needed only to
// replace the WebSocket transport.
type (
	Conn   = netlink.Conn
	Dialer = netlink.Dialer
)

// WebSocketDialer is the default Dialer: idle is how long a silent
// connection is trusted.
func WebSocketDialer(idle time.Duration) Dialer { return netlink.WebSocket(idle) }

// State is the connection's state.
type State = netlink.State

// Connection states.
const (
	StateConnecting   = netlink.Connecting
	StateConnected    = netlink.Connected
	StateDisconnected = netlink.Disconnected
	StateClosed       = netlink.Closed
)

// ConnState is a change of the connection's state. Err says why a
// connection failed; Delay is the wait before the next attempt.
type ConnState struct {
	State   State
	Err     error
	Attempt int
	Delay   time.Duration
}

// StatusChange reports a message's new status and seq.
type StatusChange struct {
	Message *Message
	Status  Status
	Seq     int
}

// Typing reports that From is typing in Topic.
type Typing struct {
	Topic, From string
}

// Receipt reports that From received (What "recv") or read ("read") Topic's
// messages up to Seq.
type Receipt struct {
	Topic, From, What string
	Seq               int
}

// Credentials log a session in: Basic or Token.
type Credentials struct {
	scheme, login, password, token string
}

// Basic logs in with a login name and password.
func Basic(login, password string) Credentials {
	return Credentials{scheme: "basic", login: login, password: password}
}

// Token logs in with a token from an earlier login.
func Token(token string) Credentials { return Credentials{scheme: "token", token: token} }
