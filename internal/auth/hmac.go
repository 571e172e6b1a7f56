package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Chatwoot's identity verification, for merchants who already sign their
// customers that way: the backend computes identifier_hash =
// hex(HMAC-SHA256(key, identifier)) and the page hands both to the widget.
// Only the identifier is signed, so nothing else the client says about the
// customer is trusted.
var (
	// ErrIdentifierMalformed is a secret that is not "identifier:hash".
	ErrIdentifierMalformed = errors.New("identifier malformed")
	// ErrIdentifierHash is a hash that does not match the identifier.
	ErrIdentifierHash = errors.New("identifier hash invalid")
)

// IdentifierVerifier checks identifier hashes with the merchant's key.
type IdentifierVerifier struct {
	key []byte
}

// NewIdentifierVerifier returns a verifier for key, or nil (the scheme is
// off) when key is empty. Keys shorter than 32 bytes are refused, as for
// HS256.
func NewIdentifierVerifier(key string) (*IdentifierVerifier, error) {
	if key == "" {
		return nil, nil
	}
	if len(key) < minHMACKeyLen {
		return nil, errors.New("hmac_key needs at least 32 bytes")
	}
	return &IdentifierVerifier{key: []byte(key)}, nil
}

// Verify checks a secret of the form "identifier:hash", where hash is the
// lowercase or uppercase hex HMAC-SHA256 of identifier under the key, and
// returns the identifier. The hash is split off at the last colon, so an
// identifier may itself contain colons.
func (v *IdentifierVerifier) Verify(secret []byte) (string, error) {
	i := bytes.LastIndexByte(secret, ':')
	if i < 0 {
		return "", ErrIdentifierMalformed
	}
	id := string(secret[:i])
	got, err := hex.DecodeString(string(secret[i+1:]))
	if err != nil || len(got) != sha256.Size || !ValidSubject(id) {
		return "", ErrIdentifierMalformed
	}
	m := hmac.New(sha256.New, v.key)
	m.Write(secret[:i])
	if !hmac.Equal(got, m.Sum(nil)) {
		return "", ErrIdentifierHash
	}
	return id, nil
}
