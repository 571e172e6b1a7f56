package auth

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizeLogin is the one form a login is stored and looked up under, so
// that logins which look alike are one login: compatibility forms (NFKC:
// fullwidth "ａｌｉｃｅ", mathematical bold "𝐚𝐥𝐢𝐜𝐞" and ligatures become
// "alice"), then case folding (wider than lowercasing: "ß" folds to "ss"),
// then NFKC again, since folding can leave a string unnormalized.
func NormalizeLogin(login string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(login)))
}

// legacyLogin is how logins were keyed before NormalizeLogin: lowercased
// only. Accounts made then are found under it when the normalized key
// finds nothing.
func legacyLogin(login string) string { return strings.ToLower(login) }

// LegacyLogin returns the login of a basic secret in its old key form, or
// "" when that is the same as the normalized one (every ASCII login) or
// the secret is malformed.
func LegacyLogin(secret []byte) string {
	i := bytes.IndexByte(secret, ':')
	if i < 0 {
		return ""
	}
	raw := string(secret[:i])
	if old := legacyLogin(raw); old != NormalizeLogin(raw) {
		return old
	}
	return ""
}

// cjk are scripts written together in Chinese, Japanese and Korean text:
// one login may mix them.
var cjk = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo}

// common are the scripts first tried for each rune, for speed; any other is
// found in unicode.Scripts.
var common = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Arabic,
	unicode.Hebrew, unicode.Devanagari, unicode.Thai}

// scriptOf names the script of r, "" for characters of every script (ASCII
// digits, '_', '.', combining marks), and "cjk" for any of the CJK scripts.
func scriptOf(r rune) string {
	if unicode.In(r, unicode.Common, unicode.Inherited) {
		return ""
	}
	if unicode.In(r, cjk...) {
		return "cjk"
	}
	for _, t := range common {
		if unicode.Is(t, r) {
			return tableName(t)
		}
	}
	for name, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return name
		}
	}
	return "unknown"
}

// tableName names one of the common tables (pointer identity).
func tableName(t *unicode.RangeTable) string {
	for name, s := range unicode.Scripts {
		if s == t {
			return name
		}
	}
	return "unknown"
}

// singleScript reports whether every letter and digit of login comes from
// one script (CJK scripts counting as one): "pаypal" with a Cyrillic "а"
// mixes Latin and Cyrillic, the classic look-alike of "paypal".
func singleScript(login string) bool {
	seen := ""
	for _, r := range login {
		s := scriptOf(r)
		if s == "" {
			continue
		}
		if seen != "" && s != seen {
			return false
		}
		seen = s
	}
	return true
}
