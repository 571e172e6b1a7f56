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

// Handler serves long-polling sessions.
type Handler struct {
	// Static after construction.
	newSession  func(kind, remote string) *session.Session
	maxFrame    int64
	pollTimeout time.Duration // a poll with nothing to say returns 204 after this
	idleTimeout time.Duration // a session not polled for this long ends
	log         *slog.Logger

	mu       sync.Mutex // guards sessions
	sessions map[string]*lpSession
}

type lpSession struct {
	sess     *session.Session
	lastSeen time.Time // guarded by Handler.mu
	// recv serializes the session's client messages: each arrives in its
	// own request, requests may overlap, and a session reads one at a time.
	recv sync.Mutex
}

// New returns a long-polling handler and starts its idle sweeper, which stops
// when done is closed.
func New(newSession func(kind, remote string) *session.Session, maxFrame int64,
	pollTimeout, idleTimeout time.Duration, log *slog.Logger, done <-chan struct{}) *Handler {
	h := &Handler{newSession: newSession, maxFrame: maxFrame, pollTimeout: pollTimeout,
		idleTimeout: idleTimeout, log: log, sessions: map[string]*lpSession{}}
	go h.sweep(done)
	return h
}

// ServeHTTP dispatches session creation, client messages and polls.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	sid := r.URL.Query().Get("sid")
	if sid == "" {
		h.create(w, r)
		return
	}
	ls := h.touch(sid)
	if ls == nil {
		http.Error(w, "unknown session", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxFrame))
	if err != nil {
		http.Error(w, "frame too large", http.StatusRequestEntityTooLarge)
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
	sess := h.newSession(session.KindLongPoll, r.RemoteAddr)
	h.mu.Lock()
	h.sessions[sess.SessionID()] = &lpSession{sess: sess, lastSeen: time.Now()}
	h.mu.Unlock()
	msg := proto.CtrlParams("", "", proto.CodeCreated, "created", map[string]any{"sid": sess.SessionID()}, proto.Now())
	b, _ := proto.Encode(msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
}

// poll waits for one server message.
func (h *Handler) poll(w http.ResponseWriter, r *http.Request, sid string, ls *lpSession) {
	timer := time.NewTimer(h.pollTimeout)
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
			http.Error(w, bye.Reason, http.StatusGone)
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

func (h *Handler) touch(sid string) *lpSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	ls := h.sessions[sid]
	if ls != nil {
		ls.lastSeen = time.Now()
	}
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
	tick := time.NewTicker(h.idleTimeout / 2)
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
			if time.Since(ls.lastSeen) > h.idleTimeout {
				stale = append(stale, sid)
			}
		}
		h.mu.Unlock()
		for _, sid := range stale {
			h.end(sid)
		}
	}
}
