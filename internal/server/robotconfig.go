package server

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/parley-im/parley/internal/webhook"
)

// validateRobotAI checks the AI answer provider's settings.
func (c *Config) validateRobotAI() error {
	if c.RobotAIURL == "" {
		return nil
	}
	if err := checkHookURL(c.RobotAIURL); err != nil {
		return fmt.Errorf("robot_ai_url: %w", err)
	}
	if c.RobotAISecret == "" {
		return fmt.Errorf("robot_ai_secret must be set with robot_ai_url")
	}
	return nil
}

// webhookEndpoints parses webhooks: "URL|SECRET" each ('|' cannot appear
// unescaped in a URL).
func (c *Config) webhookEndpoints() ([]webhook.Endpoint, error) {
	var out []webhook.Endpoint
	seen := map[string]bool{}
	for _, entry := range c.Webhooks {
		u, secret, ok := strings.Cut(entry, "|")
		if !ok || secret == "" {
			return nil, fmt.Errorf("webhooks: %q is not URL|SECRET", redactSecret(entry))
		}
		if err := checkHookURL(u); err != nil {
			return nil, fmt.Errorf("webhooks: %w", err)
		}
		if seen[u] {
			return nil, fmt.Errorf("webhooks: %s is listed twice", u)
		}
		seen[u] = true
		out = append(out, webhook.Endpoint{URL: u, Secret: []byte(secret)})
	}
	return out, nil
}

func checkHookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http or https URL", raw)
	}
	return nil
}

// redactSecret keeps a secret out of error messages: only what parses as
// a URL is shown (a secret with a comma in it would otherwise show half).
func redactSecret(entry string) string {
	u, _, hasSecret := strings.Cut(entry, "|")
	if checkHookURL(u) != nil {
		u = "…"
	}
	if hasSecret {
		return u + "|…"
	}
	return u
}
