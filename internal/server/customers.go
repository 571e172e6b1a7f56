package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/session"
)

// JWTKeys are the keys merchant-signed customer tokens are checked with,
// by kid (the jwt_keys setting). In the JSON file it is an object
// {"kid": {"alg": "HS256"|"RS256"|"EdDSA", "key": "…" | "key_file": "…"}};
// in the variable and the flag (and as a string in the file) it is that
// object inline, or the path of a file holding it, so key material need
// not sit in the environment.
type JWTKeys map[string]auth.KeyConfig

// UnmarshalJSON takes the object, or a string read as by Set.
func (k *JWTKeys) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return (*jwtKeysVal)(k).Set(s)
	}
	var m map[string]auth.KeyConfig
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*k = m
	return nil
}

type jwtKeysVal JWTKeys

// Set reads inline JSON (text starting with "{") or a JSON file's path.
func (v *jwtKeysVal) Set(s string) error {
	text := []byte(strings.TrimSpace(s))
	if len(text) > 0 && text[0] != '{' {
		b, err := os.ReadFile(s)
		if err != nil {
			return fmt.Errorf("jwt_keys: %w", err)
		}
		text = b
	}
	m := map[string]auth.KeyConfig{}
	if len(text) > 0 {
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("jwt_keys: %w", err)
		}
	}
	*v = jwtKeysVal(m)
	return nil
}

// String lists the kids and their algorithms, never the keys: help and
// logs must not show an HS256 secret.
func (v *jwtKeysVal) String() string {
	var out []string
	for kid, k := range *v {
		out = append(out, kid+":"+k.Alg)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// customerVerifiers builds the checkers of the jwt and hmac login schemes;
// each is nil (the scheme off) when not configured.
func (c *Config) customerVerifiers() (*auth.JWTVerifier, *auth.IdentifierVerifier, error) {
	j, err := auth.NewJWTVerifier(auth.JWTConfig{Keys: c.JWTKeys, Audience: c.JWTAudience, Issuer: c.JWTIssuer})
	if err != nil {
		return nil, nil, err
	}
	h, err := auth.NewIdentifierVerifier(c.HMACKey)
	if err != nil {
		return nil, nil, err
	}
	return j, h, nil
}

// setCustomerVerifiers gives sessions the jwt and hmac checkers.
func (c *Config) setCustomerVerifiers(d *session.Deps) error {
	var err error
	d.JWT, d.Identifiers, err = c.customerVerifiers()
	return err
}
