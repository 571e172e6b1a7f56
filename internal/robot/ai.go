package robot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/webhook"
)

// AI is an answer provider behind a webhook: the robot posts each question
// to it, signed as webhooks are, and uses its answer, or hands off when
// it says so. When it fails, times out or has no answer, the FAQ answers.
type AI struct {
	URL     string
	Secret  []byte
	Timeout time.Duration
	Client  *http.Client // nil: a client of its own
}

// aiRequest is what the provider receives.
type aiRequest struct {
	Topic    string `json:"topic"`
	Team     string `json:"team"`
	Customer string `json:"customer"`
	Seq      int    `json:"seq"`
	Question string `json:"question"`
}

// aiAnswer is what the provider answers: an answer, or handoff true.
type aiAnswer struct {
	Answer      string   `json:"answer"`
	Suggestions []string `json:"suggestions"`
	HandOff     bool     `json:"handoff"`
}

// maxAIAnswer bounds the provider's answer body.
const maxAIAnswer = 64 << 10

// ask posts question to the provider.
func (a *AI) ask(ctx context.Context, req aiRequest) (aiAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, max(a.Timeout, aiTimeoutFloor))
	defer cancel()
	body, err := json.Marshal(req)
	if err != nil {
		return aiAnswer{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
	if err != nil {
		return aiAnswer{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	webhook.SetHeaders(hr.Header, a.Secret, time.Now(), body)
	client := a.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return aiAnswer{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return aiAnswer{}, fmt.Errorf("AI provider answered %s", resp.Status)
	}
	var ans aiAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAIAnswer)).Decode(&ans); err != nil {
		return aiAnswer{}, fmt.Errorf("AI provider's answer: %w", err)
	}
	return ans, nil
}

// askAI asks the provider, if there is one: ok false means the FAQ
// answers instead.
func (r *Robot) askAI(ctx context.Context, h desk.Heard, question string) (Decision, bool) {
	if r.cfg.AI == nil {
		return Decision{}, false
	}
	ans, err := r.cfg.AI.ask(ctx, aiRequest{Topic: h.Topic, Team: h.Team, Customer: h.Customer.UserID(),
		Seq: h.Seq, Question: question})
	switch {
	case err != nil:
		r.warn("AI provider failed; the FAQ answers", h.Topic, err)
		return Decision{}, false
	case ans.HandOff:
		return Decision{Kind: KindHandOff, Text: say(hasHan(question), msgHandOff), Source: "ai"}, true
	case ans.Answer == "" || len(ans.Answer) > MaxAnswerLen:
		return Decision{}, false
	}
	if len(ans.Suggestions) > suggestionsShown {
		ans.Suggestions = ans.Suggestions[:suggestionsShown]
	}
	return Decision{Kind: KindAnswer, Text: ans.Answer, Suggestions: ans.Suggestions, Confidence: 1, Source: "ai"}, true
}
