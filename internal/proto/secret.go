package proto

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Secret is the secret of a login or acc. On the wire it is base64 (Go's
// []byte in JSON, as Tinode reads it), except that a compact JWT is also
// taken as it is: tinode-sdk's login(scheme, secret) sends the secret
// unchanged, and a web page holding a token signed by the merchant passes
// it straight on. A JWT holds dots, which base64 never does, so the two
// forms cannot be confused.
type Secret []byte

// UnmarshalJSON reads base64, or a compact JWT kept as its text.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = nil
		return nil
	}
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(text)
	if err == nil {
		*s = append(Secret{}, raw...)
		return nil
	}
	if !compactJWT(text) {
		return err
	}
	*s = Secret(text)
	return nil
}

// compactJWT reports whether text has the shape of a compact JWS: three
// segments of base64url characters separated by dots, the first two not
// empty.
func compactJWT(text string) bool {
	parts := strings.Split(text, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
