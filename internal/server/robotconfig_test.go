package server_test

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

// TestRobotAndWebhookSettings: bad values are refused at start with the
// setting's name, and a secret never shows in the error.
func TestRobotAndWebhookSettings(t *testing.T) {
	cases := []struct {
		set  func(*server.Config)
		want string
	}{
		{func(c *server.Config) { c.RobotThreshold = 0 }, "robot_threshold"},
		{func(c *server.Config) { c.RobotThreshold = 1.5 }, "robot_threshold"},
		{func(c *server.Config) { c.RobotMisses = 0 }, "robot_misses"},
		{func(c *server.Config) { c.RobotAIURL = "ftp://x" }, "robot_ai_url"},
		{func(c *server.Config) { c.RobotAIURL = "http://ai.example/q" }, "robot_ai_secret"},
		{func(c *server.Config) { c.Webhooks = []string{"http://a.example/h"} }, "webhooks"},
		{func(c *server.Config) { c.Webhooks = []string{"mailto:x|topsecret"} }, "webhooks"},
		{func(c *server.Config) { c.Webhooks = []string{"http://a.example/h|top", "secret"} }, "webhooks"}, // a comma in a secret
		{func(c *server.Config) { c.Webhooks = []string{"http://a.example/h|s1", "http://a.example/h|s2"} }, "twice"},
		{func(c *server.Config) { c.WebhookTimeout = 0 }, "webhook_timeout"},
	}
	for _, c := range cases {
		cfg := server.Defaults()
		c.set(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.want, err)
		}
		if err != nil && (strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), `"secret"`)) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
	cfg := server.Defaults()
	cfg.Webhooks = []string{"https://crm.example/parley|s3cret", "http://127.0.0.1:9000/in|other"}
	cfg.RobotAIURL, cfg.RobotAISecret = "http://127.0.0.1:9001/answer", "k"
	if err := cfg.Validate(); err != nil {
		t.Errorf("good settings: %v", err)
	}
}
