package server_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/server/servertest"
)

// BenchmarkPublishPolicy measures the publish path of two real servers,
// one with no word rules and one with 10,000 (docs/benchmarks.md): a
// WebSocket client's pub to its ctrl 202, stored in SQLite, pushed to the
// peer. Each round publishes one message to each server, alternately, so
// both see the same machine load, and the benchmark reports each one's
// mean and their ratio. Messages are 200 characters, half Chinese, half
// English.
func BenchmarkPublishPolicy(b *testing.B) {
	off, on := publishPair(b, 0), publishPair(b, 10000)
	text := benchMessage()
	var offTime, onTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		first, second, t1, t2 := off, on, &offTime, &onTime
		if i%2 == 1 { // alternate which goes first
			first, second, t1, t2 = on, off, &onTime, &offTime
		}
		*t1 += first.pubTimed(b, text)
		*t2 += second.pubTimed(b, text)
	}
	b.StopTimer()
	b.ReportMetric(float64(offTime.Microseconds())/float64(b.N), "off-µs/msg")
	b.ReportMetric(float64(onTime.Microseconds())/float64(b.N), "on-µs/msg")
	b.ReportMetric(float64(onTime)/float64(offTime), "on/off")
}

// publisherPair is a sender and a receiver attached to their p2p topic.
type publisherPair struct{ from, to *servertest.Client }

func publishPair(b *testing.B, words int) publisherPair {
	s := servertest.Start(b)
	if words > 0 {
		if err := s.Server().Policy().AddRules(context.Background(), benchWordRules(words)); err != nil {
			b.Fatal(err)
		}
	}
	alice, bob := s.Connect(b, "alice"), s.Connect(b, "bob")
	alice.Sub(bob.User)
	bob.Sub(alice.User)
	return publisherPair{alice, bob}
}

func (p publisherPair) pubTimed(b *testing.B, text string) time.Duration {
	start := time.Now()
	if ctrl := p.from.Pub(p.to.User, text, ""); ctrl.Code() != 202 {
		b.Fatalf("pub: %v", ctrl)
	}
	return time.Since(start)
}

// benchWordRules makes n distinct mask rules, half Chinese words of 2-4
// characters, half English of 4-9 letters.
func benchWordRules(n int) []policy.Rule {
	rng := rand.New(rand.NewPCG(3, 4))
	rules := make([]policy.Rule, 0, n)
	seen := map[string]bool{}
	for len(rules) < n {
		var sb strings.Builder
		if len(rules)%2 == 0 {
			for range 2 + rng.IntN(3) {
				sb.WriteRune(rune(0x4E00 + rng.IntN(3000)))
			}
		} else {
			for range 4 + rng.IntN(6) {
				sb.WriteByte(byte('a' + rng.IntN(26)))
			}
		}
		if w := sb.String(); !seen[w] {
			seen[w] = true
			rules = append(rules, policy.Rule{Word: w, Action: policy.Mask, Scope: policy.ScopeAll})
		}
	}
	return rules
}

// benchMessage is 200 characters: runs of Chinese and of English words.
func benchMessage() string {
	rng := rand.New(rand.NewPCG(5, 6))
	var sb strings.Builder
	for n := 0; n < 200; n++ {
		switch {
		case n%40 < 20:
			sb.WriteRune(rune(0x4E00 + rng.IntN(3000)))
		case n%6 == 5:
			sb.WriteByte(' ')
		default:
			sb.WriteByte(byte('a' + rng.IntN(26)))
		}
	}
	return sb.String()
}
