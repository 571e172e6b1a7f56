package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzJWTVerify feeds Verify arbitrary text, seeded with tokens of every
// kind it refuses and one it accepts. It must never panic, must answer
// with one of the documented errors, and may accept only what the
// merchant's key signed: any accepted token must be one of the seeds'
// valid tokens with an unchanged signature.
func FuzzJWTVerify(f *testing.F) {
	key := []byte(testHMACKey)
	v, err := NewJWTVerifier(JWTConfig{Keys: map[string]KeyConfig{"hs": {Alg: AlgHS256, Key: testHMACKey}},
		Audience: "parley"})
	if err != nil {
		f.Fatal(err)
	}
	// A fixed expiry, not one from the clock: the fuzzing engine runs this
	// setup again in each worker process, and a valid token minted a second
	// later there would differ from the seed the coordinator recorded.
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	c := good(far)
	c["aud"] = "parley"
	valid := sign(f, jwt.SigningMethodHS256, "hs", key, c)
	f.Add(valid)
	f.Add(sign(f, jwt.SigningMethodNone, "hs", jwt.UnsafeAllowNoneSignatureType, c))
	f.Add(sign(f, jwt.SigningMethodHS256, "other", key, c))
	f.Add(sign(f, jwt.SigningMethodHS384, "hs", key, c))
	f.Add("a.b.c")
	f.Add("")
	documented := []error{ErrTokenMalformed, ErrTokenAlgorithm, ErrTokenUnknownKey, ErrTokenSignature,
		ErrTokenExpired, ErrTokenNoExpiry, ErrTokenNotYetValid, ErrTokenAudience, ErrTokenIssuer, ErrTokenSubject}
	f.Fuzz(func(t *testing.T, token string) {
		got, err := v.Verify(token)
		if err == nil {
			// The signature covers header and claims, so only the seed
			// (or an equivalent spelling of its signature) can pass.
			parts := strings.Split(token, ".")
			want := strings.Split(valid, ".")
			if len(parts) != 3 || parts[0] != want[0] || parts[1] != want[1] || !ValidSubject(got.Subject) {
				t.Fatalf("accepted a token the key did not sign: %q", token)
			}
			return
		}
		for _, e := range documented {
			if err == e {
				return
			}
		}
		t.Fatalf("Verify(%q) = %v, not a documented error", token, err)
	})
}
