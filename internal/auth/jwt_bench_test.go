package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkJWTVerify is the CPU a customer login spends on the token, per
// algorithm, and for a forged HS256 token and an alg:none token (what an
// attacker sends, refused before and at the signature).
func BenchmarkJWTVerify(b *testing.B) {
	k := newTestKeys(b)
	v, err := NewJWTVerifier(k.cfg)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().Add(time.Hour)
	for _, bc := range []struct {
		name  string
		token string
		ok    bool
	}{
		{"HS256", sign(b, jwt.SigningMethodHS256, "hs", []byte(testHMACKey), good(now)), true},
		{"RS256", sign(b, jwt.SigningMethodRS256, "rs", k.rsa, good(now)), true},
		{"EdDSA", sign(b, jwt.SigningMethodEdDSA, "ed", k.ed, good(now)), true},
		{"forged", sign(b, jwt.SigningMethodHS256, "hs", []byte("x-not-the-key-x-not-the-key-x-not"), good(now)), false},
		{"none", sign(b, jwt.SigningMethodNone, "hs", jwt.UnsafeAllowNoneSignatureType, good(now)), false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := v.Verify(bc.token); (err == nil) != bc.ok {
					b.Fatalf("Verify: %v", err)
				}
			}
		})
	}
}
