package parley

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// protocolVersion is the Tinode protocol version the SDK speaks.
const protocolVersion = "0.25"

// setupTimeout bounds the handshake on a new connection; a server that does
// not answer in time gets its connection dropped and retried.
const setupTimeout = 15 * time.Second

// establish sets a new connection up: hi, then (when the user logged in
// before) login with the latest token, then re-attach every conversation.
func (c *Client) establish(gen uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	_, err := c.request(ctx, gen, func(id string) *proto.ClientMsg {
		return &proto.ClientMsg{Hi: &proto.MsgClientHi{ID: id, Version: protocolVersion, UserAgent: c.o.userAgent,
			DeviceID: c.o.deviceID}}
	}, nil)
	if err != nil {
		c.dropIfCurrent(gen, err)
		return
	}
	c.mu.Lock()
	if !c.helloed {
		c.helloed = true
		close(c.hello)
	}
	creds := c.creds
	if c.token != "" {
		t := Token(c.token)
		creds = &t
	}
	c.mu.Unlock()
	if creds == nil {
		return // not logged in yet: Login or Signup will finish the setup
	}
	if err := c.login(ctx, gen, *creds); err != nil {
		c.retryWithBasic(ctx, gen, err)
	}
}

// retryWithBasic falls back to the password when the token was refused
// (expired, or the server lost its key).
func (c *Client) retryWithBasic(ctx context.Context, gen uint64, err error) {
	c.mu.Lock()
	creds := c.creds
	c.mu.Unlock()
	var ce *CtrlError
	if errors.As(err, &ce) && creds != nil && creds.scheme == "basic" {
		err = c.login(ctx, gen, *creds)
	}
	if err != nil {
		c.dropIfCurrent(gen, err)
	}
}

// dropIfCurrent gives up on a connection whose setup failed, so the network
// layer reconnects with backoff.
func (c *Client) dropIfCurrent(gen uint64, err error) {
	if errors.Is(err, ErrClosed) {
		return
	}
	if g, _ := c.live(); g == gen {
		c.link.Drop()
	}
}

// Login authenticates the session; after a reconnect the client logs in
// again by itself with the newest token.
func (c *Client) Login(ctx context.Context, cred Credentials) error {
	gen, _ := c.live()
	err := c.login(ctx, gen, cred)
	if err == nil {
		c.mu.Lock()
		if cred.scheme == "basic" {
			c.creds = &cred
		}
		c.mu.Unlock()
	}
	return err
}

func (c *Client) login(ctx context.Context, gen uint64, cred Credentials) error {
	secret := []byte(cred.login + ":" + cred.password)
	if cred.scheme == "token" {
		var err error
		// The token travels as is; []byte marshals as base64, so decode it.
		if secret, err = base64.StdEncoding.DecodeString(cred.token); err != nil {
			return err
		}
	}
	ctrl, err := c.request(ctx, gen, func(id string) *proto.ClientMsg {
		return &proto.ClientMsg{Login: &proto.MsgClientLogin{ID: id, Scheme: cred.scheme, Secret: secret}}
	}, nil)
	if err != nil {
		return err
	}
	c.loggedIn(gen, ctrl)
	return nil
}

// Signup creates an account with a login and password and logs in with it.
// public is the account's public description (e.g. {"fn": "Alice"}); nil
// leaves it empty.
func (c *Client) Signup(ctx context.Context, login, password string, public any) error {
	var pub json.RawMessage
	if public != nil {
		b, err := json.Marshal(public)
		if err != nil {
			return err
		}
		pub = b
	}
	gen, _ := c.live()
	ctrl, err := c.request(ctx, gen, func(id string) *proto.ClientMsg {
		return &proto.ClientMsg{Acc: &proto.MsgClientAcc{ID: id, User: "new", Scheme: "basic",
			Secret: []byte(login + ":" + password), Login: true, Desc: &proto.MsgSetDesc{Public: pub}}}
	}, nil)
	if err != nil {
		return err
	}
	cred := Basic(login, password)
	c.mu.Lock()
	c.creds = &cred
	c.mu.Unlock()
	c.loggedIn(gen, ctrl)
	return nil
}

// loggedIn records the session's user and token and re-attaches the
// conversations on the connection.
func (c *Client) loggedIn(gen uint64, ctrl *proto.MsgServerCtrl) {
	c.mu.Lock()
	c.user = paramString(ctrl.Params, "user")
	if tok := paramString(ctrl.Params, "token"); tok != "" {
		c.token = tok
	}
	if c.gen != gen {
		c.mu.Unlock()
		return
	}
	c.ready = true
	convs := make([]*conv, 0, len(c.convs))
	for _, cv := range c.convs {
		convs = append(convs, cv)
	}
	c.mu.Unlock()
	for _, cv := range convs {
		go c.attach(context.Background(), gen, cv)
	}
	c.wake()
}
