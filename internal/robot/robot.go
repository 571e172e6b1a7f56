// Package robot is the customer-service robot: it answers a team's
// conversations from the team's FAQ before a person takes over, and hands
// the conversation to the agents when it cannot help or is asked to.
//
// Matching. Questions are cut into terms (words for English, character
// bigrams for Chinese, see tokens.go) and the FAQ's entries are ranked by
// BM25. BM25 was chosen over plain TF-IDF cosine because it saturates
// repeated terms (a customer typing "refund refund refund" does not outweigh
// a precise question) and normalises for entry length, and over an
// embedding model because it needs no model, no network and no training,
// answers in microseconds, and behaves predictably: a merchant can see why an
// entry matched. BM25 scores have no fixed scale, so the answer threshold
// is set on a confidence instead: the share of the question's idf weight
// that the best entry covers.
//
// The robot never blocks a topic: it hears customers' messages through
// the router (desk.Bot), queues them per conversation on a fixed set of
// workers, and posts its answers through the hub like any member, so they
// get a seq, a msgid and all of delivery's guarantees.
package robot

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Defaults of the robot's settings.
const (
	DefaultThreshold = 0.5
	DefaultMisses    = 2
)

// Bounds of an FAQ import.
const (
	MaxEntries     = 10000
	MaxQuestionLen = 500  // bytes
	MaxAnswerLen   = 4000 // bytes
	MaxKeywords    = 32
)

// suggestionsShown is how many questions a robot message offers.
const suggestionsShown = 3

// ErrInvalid is a refused FAQ import.
var ErrInvalid = errors.New("invalid FAQ")

// Store is what the robot keeps and reads.
type Store interface {
	store.FAQs
	GetMessages(ctx context.Context, topic string, forUser proto.Uid, q store.MessageQuery) ([]store.Message, error)
}

// Poster appends a message to a topic through its write path (the hub).
type Poster interface {
	Post(ctx context.Context, topic string, from proto.Uid, msgID string, head map[string]any, content any) (int, error)
}

// Config configures a robot.
type Config struct {
	Store  Store
	Poster Poster
	User   proto.Uid // the robot's own account: the sender of its messages
	// Threshold is the confidence (0–1) above which the best entry is
	// the answer; below it the robot offers "did you mean" suggestions.
	Threshold float64
	// Misses is how many questions in a row the robot may fail to
	// answer before it hands the conversation to a person.
	Misses int
	// AI, if set, is asked first; the FAQ answers when it fails.
	AI      *AI
	Log     *slog.Logger
	Workers int // zero: 4
}

// HandOff passes a conversation to the agents (desk.Router.HandOff).
type HandOff func(ctx context.Context, topic string) error

// Robot answers conversations in state bot. It implements desk.Bot.
type Robot struct {
	cfg     Config
	handOff HandOff

	mu      sync.RWMutex
	indexes map[string]*index // by team
	misses  map[string]int    // by topic: questions in a row without an answer

	queues []chan job
	wg     sync.WaitGroup
	ctx    context.Context
	stop   context.CancelFunc
}

// job is one thing for a worker to do.
type job struct {
	heard  *desk.Heard
	opened *opened
}

type opened struct {
	topic, team string
}

// New loads every team's FAQ and starts the workers.
func New(ctx context.Context, cfg Config) (*Robot, error) {
	if cfg.Threshold <= 0 {
		cfg.Threshold = DefaultThreshold
	}
	if cfg.Misses <= 0 {
		cfg.Misses = DefaultMisses
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	r := &Robot{cfg: cfg, indexes: map[string]*index{}, misses: map[string]int{}}
	teams, err := cfg.Store.FAQTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("robot: %w", err)
	}
	for _, team := range teams {
		entries, err := cfg.Store.FAQ(ctx, team)
		if err != nil {
			return nil, fmt.Errorf("robot: FAQ of %s: %w", team, err)
		}
		r.indexes[team] = newIndex(entries)
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	for range cfg.Workers {
		q := make(chan job, 1024)
		r.queues = append(r.queues, q)
		r.wg.Add(1)
		go r.work(q)
	}
	return r, nil
}

// SetHandOff installs how the robot hands conversations to the agents
// (the router, which is started after the robot).
func (r *Robot) SetHandOff(h HandOff) { r.handOff = h }

// Stop ends the workers; questions still queued are not answered.
func (r *Robot) Stop() {
	r.stop()
	r.wg.Wait()
}

// Serves reports whether team has an FAQ.
func (r *Robot) Serves(team string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.indexes[team] != nil
}

// Heard queues a customer's question.
func (r *Robot) Heard(h desk.Heard) { r.enqueue(h.Topic, job{heard: &h}) }

// Opened queues the greeting of a new conversation.
func (r *Robot) Opened(topic, team string, _ proto.Uid) {
	r.enqueue(topic, job{opened: &opened{topic: topic, team: team}})
}

// enqueue gives j to the worker of its topic, so one conversation's
// questions are answered in order; a full queue drops it (the customer
// may ask again) rather than stall the router.
func (r *Robot) enqueue(topic string, j job) {
	h := fnv.New32a()
	h.Write([]byte(topic))
	select {
	case r.queues[int(h.Sum32())%len(r.queues)] <- j:
	default:
		r.warn("robot queue full: a question is left unanswered", topic, nil)
	}
}

func (r *Robot) work(q chan job) {
	defer r.wg.Done()
	for {
		select {
		case j := <-q:
			if j.heard != nil {
				r.answer(*j.heard)
			} else {
				r.greet(j.opened.topic, j.opened.team)
			}
		case <-r.ctx.Done():
			return
		}
	}
}

// Import replaces team's FAQ, in the store and then in memory.
func (r *Robot) Import(ctx context.Context, team string, entries []store.FAQEntry) error {
	if err := Check(entries); err != nil {
		return err
	}
	if err := r.cfg.Store.ReplaceFAQ(ctx, team, entries); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(entries) == 0 {
		delete(r.indexes, team)
	} else {
		r.indexes[team] = newIndex(entries)
	}
	return nil
}

// FAQ returns team's entries.
func (r *Robot) FAQ(team string) []store.FAQEntry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if ix := r.indexes[team]; ix != nil {
		return ix.entries
	}
	return nil
}

// Check validates an FAQ: questions and answers present and bounded.
func Check(entries []store.FAQEntry) error {
	if len(entries) > MaxEntries {
		return fmt.Errorf("%w: at most %d entries", ErrInvalid, MaxEntries)
	}
	for i, e := range entries {
		switch {
		case e.Question == "" || len(e.Question) > MaxQuestionLen || !utf8.ValidString(e.Question):
			return fmt.Errorf("%w: entry %d: a question is 1-%d bytes of UTF-8", ErrInvalid, i+1, MaxQuestionLen)
		case e.Answer == "" || len(e.Answer) > MaxAnswerLen || !utf8.ValidString(e.Answer):
			return fmt.Errorf("%w: entry %d: an answer is 1-%d bytes of UTF-8", ErrInvalid, i+1, MaxAnswerLen)
		case len(e.Keywords) > MaxKeywords:
			return fmt.Errorf("%w: entry %d: at most %d keywords", ErrInvalid, i+1, MaxKeywords)
		}
		for _, k := range e.Keywords {
			if k == "" || len(k) > MaxQuestionLen || !utf8.ValidString(k) {
				return fmt.Errorf("%w: entry %d: a keyword is 1-%d bytes of UTF-8", ErrInvalid, i+1, MaxQuestionLen)
			}
		}
	}
	return nil
}

// postTimeout bounds one answer's append.
const postTimeout = 10 * time.Second

// post appends a robot message. msgID makes a repeated answer to the same
// question one message.
func (r *Robot) post(topic, msgID string, head map[string]any, text string) {
	ctx, cancel := context.WithTimeout(r.ctx, postTimeout)
	defer cancel()
	head["type"] = "robot"
	if _, err := r.cfg.Poster.Post(ctx, topic, r.cfg.User, msgID, head, text); err != nil {
		r.warn("posting a robot message", topic, err)
	}
}

// questionText reads the customer's message: plain text or a Drafty
// document's txt.
func (r *Robot) questionText(ctx context.Context, topic string, seq int) (string, error) {
	msgs, err := r.cfg.Store.GetMessages(ctx, topic, proto.ZeroUid, store.MessageQuery{Since: seq, Before: seq + 1, Limit: 1})
	if err != nil || len(msgs) == 0 {
		return "", fmt.Errorf("message %d: %v", seq, err)
	}
	return contentText(msgs[0].Content), nil
}

func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var d struct {
		Txt string `json:"txt"`
	}
	json.Unmarshal(raw, &d)
	return d.Txt
}

func (r *Robot) warn(what, topic string, err error) {
	if r.cfg.Log != nil {
		r.cfg.Log.Warn(what, "topic", topic, "err", err)
	}
}

// randomID is a fresh message id part.
func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%016x", binary.LittleEndian.Uint64(b[:]))
}
