package auth

import "testing"

// Logins that look alike are one login: compatibility forms and case fold
// to one key.
func TestNormalizeLogin(t *testing.T) {
	for in, want := range map[string]string{
		"alice":      "alice",
		"Alice":      "alice",
		"ＡＬＩＣＥ":      "alice", // fullwidth
		"𝐚𝐥𝐢𝐜𝐞":      "alice", // mathematical bold
		"ﬁona":       "fiona", // ligature
		"Straße":     "strasse",
		"ΣΟΦΙΑ":      "σοφια",
		"Пример":     "пример",
		"東京":         "東京",
		"alice_2.b0": "alice_2.b0",
	} {
		if got := NormalizeLogin(in); got != want {
			t.Errorf("NormalizeLogin(%q) = %q, want %q", in, got, want)
		}
	}
}

// A login's letters come from one script (CJK scripts count as one), so a
// Cyrillic "а" cannot stand in for a Latin "a".
func TestLoginScripts(t *testing.T) {
	for login, ok := range map[string]bool{
		"paypal":    true,
		"pаypal":    false, // Cyrillic а
		"аlice":     false,
		"пример":    true,
		"σοφια":     true,
		"alice_σ":   false,
		"東京たワー":     true, // Han, Hiragana, Katakana
		"abc東京":     false,
		"user.2024": true,
		"пример2":   true,
	} {
		if err := CheckLogin(NormalizeLogin(login)); (err == nil) != ok {
			t.Errorf("CheckLogin(%q) = %v, want ok=%v", login, err, ok)
		}
	}
}

// An old key is offered only where normalizing changed more than case.
func TestLegacyLogin(t *testing.T) {
	for secret, want := range map[string]string{
		"Alice:pw":  "",
		"ＡＬＩＣＥ:pw":  "ａｌｉｃｅ",
		"Straße:pw": "straße",
		"nocolon":   "",
	} {
		if got := LegacyLogin([]byte(secret)); got != want {
			t.Errorf("LegacyLogin(%q) = %q, want %q", secret, got, want)
		}
	}
}
