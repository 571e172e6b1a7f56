package auth

import (
	"bytes"
	"errors"
	"regexp"

	"golang.org/x/crypto/bcrypt"
)

var (
	// ErrMalformedSecret is returned when a basic secret is not "login:password".
	ErrMalformedSecret = errors.New("auth: secret must be login:password")
	// ErrLoginPolicy is returned for logins that break the naming rules.
	ErrLoginPolicy = errors.New("auth: login must be 2-32 letters, digits, '_' or '.' of one script")
	// ErrPasswordPolicy is returned for passwords that are too short or
	// longer than bcrypt takes.
	ErrPasswordPolicy = errors.New("auth: password must be 3-72 bytes")
)

// Basic-scheme policy: logins (normalized by NormalizeLogin) start and end
// with a letter or digit, may contain '_' and '.' between, and take their
// letters from one script (singleScript); passwords need at least
// minPasswordLen bytes.
const (
	minLoginLen    = 2
	maxLoginLen    = 32
	minPasswordLen = 3
	// maxPasswordLen is bcrypt's limit: it reads only the first 72 bytes,
	// and GenerateFromPassword refuses longer ones (which was a 500).
	maxPasswordLen = 72
	// DefaultPasswordCost is bcrypt's work factor for stored passwords.
	DefaultPasswordCost = bcrypt.DefaultCost
	// MinPasswordCost is the cheapest allowed, for tests that create many
	// accounts and are not about hashing.
	MinPasswordCost = bcrypt.MinCost
)

var loginPattern = regexp.MustCompile(`^[\pL\pN][_.\pL\pN]*[\pL\pN]+$`)

// ParseBasic splits a basic secret into the login, normalized
// (NormalizeLogin), and the password.
func ParseBasic(secret []byte) (login, password string, err error) {
	i := bytes.IndexByte(secret, ':')
	if i < 0 {
		return "", "", ErrMalformedSecret
	}
	return NormalizeLogin(string(secret[:i])), string(secret[i+1:]), nil
}

// CheckPolicy validates a new login and password.
func CheckPolicy(login, password string) error {
	if err := CheckLogin(login); err != nil {
		return err
	}
	return CheckPasswordPolicy(password)
}

// CheckLogin validates a new login on its own, for a rename.
func CheckLogin(login string) error {
	if n := len([]rune(login)); n < minLoginLen || n > maxLoginLen || !loginPattern.MatchString(login) ||
		!singleScript(login) {
		return ErrLoginPolicy
	}
	return nil
}

// CheckPasswordPolicy validates a new password on its own, for a change.
func CheckPasswordPolicy(password string) error {
	if len(password) < minPasswordLen || len(password) > maxPasswordLen {
		return ErrPasswordPolicy
	}
	return nil
}

// BasicUnique is the auth record key of a basic login.
func BasicUnique(login string) string { return "basic:" + login }

// HashPassword returns the stored form of a password, hashed with the given
// bcrypt cost (zero means DefaultPasswordCost).
func HashPassword(password string, cost int) ([]byte, error) {
	if cost == 0 {
		cost = DefaultPasswordCost
	}
	return bcrypt.GenerateFromPassword([]byte(password), cost)
}

// CheckPassword reports whether password matches the stored hash. No
// stored password is longer than maxPasswordLen, and bcrypt would compare
// only the first 72 bytes of a longer one: such a password never matches,
// and costs no hashing.
func CheckPassword(hash []byte, password string) bool {
	if len(password) > maxPasswordLen {
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

// LevelName is the wire name of an auth level.
func LevelName(level int) string {
	switch level {
	case 10:
		return "anon"
	case 20:
		return "auth"
	case 30:
		return "root"
	}
	return ""
}
