package robot

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"github.com/parley-im/parley/internal/desk"
)

// Kinds of robot messages (head.robot).
const (
	KindGreeting = "greeting" // a conversation opened with the robot
	KindAnswer   = "answer"   // the best match, with related questions
	KindSuggest  = "suggest"  // no confident match: "did you mean"
	KindHandOff  = "handoff"  // the conversation goes to a person
)

// Decision is what the robot says to one question.
type Decision struct {
	Kind        string   // KindAnswer, KindSuggest or KindHandOff
	Text        string   // what the customer reads
	Suggestions []string // questions the customer can tap
	Confidence  float64  // of the answer
	Source      string   // "faq" or "ai"
}

// askHuman matches a question asking for a person: "人工" anywhere ("转人工",
// "人工客服"), or the word "human" (any case, any form: normalized first).
var askHuman = regexp.MustCompile(`人工|\bhuman\b`)

// wantsHuman reports whether question asks for a person.
func wantsHuman(question string) bool { return askHuman.MatchString(normalize(question)) }

// Match decides the FAQ's answer to question in team, without the AI
// provider or the miss count.
func (r *Robot) Match(team, question string) Decision {
	r.mu.RLock()
	ix := r.indexes[team]
	r.mu.RUnlock()
	zh := hasHan(question)
	if ix == nil {
		return Decision{Kind: KindHandOff, Text: say(zh, msgHandOff)}
	}
	hits := ix.search(question, suggestionsShown+1)
	if len(hits) > 0 && hits[0].confidence >= r.cfg.Threshold {
		best := ix.entries[hits[0].entry]
		return Decision{Kind: KindAnswer, Text: best.Answer, Suggestions: questions(ix, hits[1:]),
			Confidence: hits[0].confidence, Source: "faq"}
	}
	d := Decision{Kind: KindSuggest, Text: say(zh, msgDidYouMean), Suggestions: questions(ix, hits)}
	if len(hits) > 0 {
		d.Confidence = hits[0].confidence
	}
	if len(d.Suggestions) == 0 {
		d.Text, d.Suggestions = say(zh, msgNoMatch), firstQuestions(ix)
	}
	if len(d.Suggestions) > suggestionsShown {
		d.Suggestions = d.Suggestions[:suggestionsShown]
	}
	return d
}

func questions(ix *index, hits []hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, ix.entries[h.entry].Question)
	}
	return out
}

func firstQuestions(ix *index) []string {
	out := []string{}
	for _, e := range ix.entries[:min(len(ix.entries), suggestionsShown)] {
		out = append(out, e.Question)
	}
	return out
}

// answer answers one customer message of a conversation with the robot.
func (r *Robot) answer(h desk.Heard) {
	ctx, cancel := context.WithTimeout(r.ctx, postTimeout)
	defer cancel()
	question, err := r.questionText(ctx, h.Topic, h.Seq)
	if err != nil {
		r.warn("reading a question", h.Topic, err)
		return
	}
	d := r.decide(ctx, h, question)
	head := map[string]any{"robot": d.Kind, "reply": h.Seq, "suggestions": d.Suggestions}
	if d.Kind == KindAnswer {
		head["confidence"] = round2(d.Confidence)
		head["source"] = d.Source
	}
	if d.Suggestions == nil {
		head["suggestions"] = []string{}
	}
	// The msgid follows from the question: answering it twice (a retried
	// note) stores one message.
	r.post(h.Topic, "bot-"+strconv.Itoa(h.Seq), head, d.Text)
	if d.Kind == KindHandOff {
		r.mu.Lock()
		delete(r.misses, h.Topic)
		r.mu.Unlock()
		if r.handOff != nil {
			if err := r.handOff(ctx, h.Topic); err != nil {
				r.warn("handing off", h.Topic, err)
			}
		}
	}
}

// decide picks the answer: a request for a person, the AI provider's
// answer, else the FAQ's; too many misses in a row hand off.
func (r *Robot) decide(ctx context.Context, h desk.Heard, question string) Decision {
	zh := hasHan(question)
	if wantsHuman(question) {
		return Decision{Kind: KindHandOff, Text: say(zh, msgHandOff)}
	}
	d, ok := r.askAI(ctx, h, question)
	if !ok {
		d = r.Match(h.Team, question)
	}
	if d.Kind == KindHandOff {
		return d
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if d.Kind == KindAnswer {
		delete(r.misses, h.Topic)
		return d
	}
	r.misses[h.Topic]++
	if r.misses[h.Topic] >= r.cfg.Misses {
		return Decision{Kind: KindHandOff, Text: say(zh, msgHandOff)}
	}
	return d
}

// greet welcomes a conversation that opened with the robot, offering the
// FAQ's first questions.
func (r *Robot) greet(topic, team string) {
	r.mu.Lock()
	delete(r.misses, topic)
	ix := r.indexes[team]
	r.mu.Unlock()
	if ix == nil {
		return
	}
	head := map[string]any{"robot": KindGreeting, "suggestions": firstQuestions(ix)}
	r.post(topic, "bot-hello-"+randomID(), head, msgGreeting)
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// What the robot says of its own; it answers in Chinese to questions in
// Chinese.
const (
	msgDidYouMean = iota
	msgNoMatch
	msgHandOff
)

var phrases = [...][2]string{
	msgDidYouMean: {"Did you mean:", "您是不是想问："},
	msgNoMatch:    {"Sorry, I don't know that one. Popular questions:", "抱歉，这个问题我还不会回答。常见问题："},
	msgHandOff:    {"Connecting you to a person.", "正在为您转接人工客服。"},
}

const msgGreeting = "您好，我是智能助手，请直接提问；发送「人工」转人工客服。Hi, I'm the assistant: ask me a question, or send \"human\" for a person."

func say(zh bool, msg int) string {
	if zh {
		return phrases[msg][1]
	}
	return phrases[msg][0]
}

// aiTimeoutFloor keeps a misconfigured provider timeout from being zero.
const aiTimeoutFloor = 100 * time.Millisecond
