// Package lp is the long-polling transport: a client without WebSocket
// creates a session with a first POST, then sends each message as a POST
// body and polls for server messages with empty POSTs. Each poll answer
// carries exactly one server message, as Tinode clients expect.
package lp

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
)

// Config is what a long-polling handler needs.
type Config struct {
	// NewSession starts a session for a creating request; it returns nil
	// when it refused and answered the request itself.
	NewSession func(w http.ResponseWriter, r *http.Request, kind string) *session.Session
	// Addr is the client address of a request. A session answers only
	// requests from the address it was created from: its sid is then not
	// the whole credential, and a sid that leaked (a log, a screenshot, a
	// proxy's access log) is useless from anywhere else.
	Addr        func(r *http.Request) string
	MaxFrame    int64
	PollTimeout time.Duration // a poll with nothing to say returns 204 after this
	IdleTimeout time.Duration // a session not polled for this long ends
	Log         *slog.Logger
}

// Handler serves long-polling sessions.
type Handler struct {
	cfg Config // Static after construction.

	mu       sync.Mutex // guards sessions
	sessions map[string]*lpSession
}

type lpSession struct {
	sess     *session.Session
	addr     string    // the client address it was created from
	lastSeen time.Time // guarded by Handler.mu
	// recv serializes the session's client messages: each arrives in its
	// own request, requests may overlap, and a session reads one at a time.
	recv sync.Mutex
}

// New returns a long-polling handler and starts its idle sweeper, which stops
// when done is closed.
func New(cfg Config, done <-chan struct{}) *Handler {
	h := &Handler{cfg: cfg, sessions: map[string]*lpSession{}}
	go h.sweep(done)
	return h
}

// ServeHTTP dispatches session creation, client messages and polls.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		WriteCtrl(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	sid := r.URL.Query().Get("sid")
	if sid == "" {
		h.create(w, r)
		return
	}
	ls := h.touch(sid, h.cfg.Addr(r))
	if ls == nil {
		// The same answer for a sid used from elsewhere: it must not tell
		// a thief that the sid is live.
		WriteCtrl(w, http.StatusNotFound, "unknown session")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxFrame))
	if err != nil {
		WriteCtrl(w, http.StatusRequestEntityTooLarge, "frame too large")
		return
	}
	if len(body) > 0 {
		ls.recv.Lock()
		ls.sess.Receive(body)
		ls.recv.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.poll(w, r, sid, ls)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	sess := h.cfg.NewSession(w, r, session.KindLongPoll)
	if sess == nil {
		return
	}
	h.mu.Lock()
	h.sessions[sess.SID()] = &lpSession{sess: sess, addr: h.cfg.Addr(r), lastSeen: time.Now()}
	h.mu.Unlock()
	msg := proto.CtrlParams("", "", proto.CodeCreated, "created", map[string]any{"sid": sess.SID()}, proto.Now())
	b, _ := proto.Encode(msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
}

// poll waits for one server message.
func (h *Handler) poll(w http.ResponseWriter, r *http.Request, sid string, ls *lpSession) {
	timer := time.NewTimer(h.cfg.PollTimeout)
	defer timer.Stop()
	for {
		frames, bye := ls.sess.Drain(1)
		if len(frames) > 0 {
			w.Header().Set("Content-Type", "application/json")
			w.Write(frames[0])
			return
		}
		if bye != nil {
			h.end(sid)
			WriteCtrl(w, http.StatusGone, bye.Reason)
			return
		}
		select {
		case <-ls.sess.Ready():
		case <-timer.C:
			w.WriteHeader(http.StatusNoContent)
			return
		case <-r.Context().Done():
			return
		}
	}
}

// touch returns the session sid if addr may use it, and marks it seen.
func (h *Handler) touch(sid, addr string) *lpSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	ls := h.sessions[sid]
	if ls == nil || ls.addr != addr {
		return nil
	}
	ls.lastSeen = time.Now()
	return ls
}

func (h *Handler) end(sid string) {
	h.mu.Lock()
	ls := h.sessions[sid]
	delete(h.sessions, sid)
	h.mu.Unlock()
	if ls != nil {
		// Not while a request is handing the session a message: one
		// received after End would attach topics nobody detaches.
		ls.recv.Lock()
		ls.sess.End()
		ls.recv.Unlock()
	}
}

// sweep ends sessions that stopped polling.
func (h *Handler) sweep(done <-chan struct{}) {
	tick := time.NewTicker(h.cfg.IdleTimeout / 2)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		h.mu.Lock()
		var stale []string
		for sid, ls := range h.sessions {
			if time.Since(ls.lastSeen) > h.cfg.IdleTimeout {
				stale = append(stale, sid)
			}
		}
		h.mu.Unlock()
		for _, sid := range stale {
			h.end(sid)
		}
	}
}

// WriteCtrl answers an HTTP request with a Tinode {ctrl} whose code is the
// HTTP status: tinode-sdk reads every long-polling answer as a server
// message, and a plain-text body would fail to parse instead of telling the
// user why.
func WriteCtrl(w http.ResponseWriter, status int, text string) {
	b, _ := proto.Encode(proto.Ctrl("", "", status, text, proto.Now()))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
