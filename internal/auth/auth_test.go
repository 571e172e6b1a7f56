package auth

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

func TestTokenRoundTrip(t *testing.T) {
	tk := NewTokens([]byte("k1"), time.Hour)
	s, exp := tk.Issue(proto.Uid(42), 20)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	uid, lvl, gotExp, err := tk.Verify(raw)
	if err != nil || uid != 42 || lvl != 20 || !gotExp.Equal(exp) {
		t.Fatalf("verify = %v %v %v %v", uid, lvl, gotExp, err)
	}
}

func TestTokenRejects(t *testing.T) {
	tk := NewTokens([]byte("k1"), time.Hour)
	s, _ := tk.Issue(proto.Uid(42), 20)
	raw, _ := base64.StdEncoding.DecodeString(s)

	other := NewTokens([]byte("k2"), time.Hour)
	if _, _, _, err := other.Verify(raw); !errors.Is(err, ErrBadToken) {
		t.Errorf("foreign key: err = %v, want ErrBadToken", err)
	}
	tampered := append([]byte(nil), raw...)
	tampered[0] ^= 1
	if _, _, _, err := tk.Verify(tampered); !errors.Is(err, ErrBadToken) {
		t.Errorf("tampered: err = %v, want ErrBadToken", err)
	}
	if _, _, _, err := tk.Verify(raw[:10]); !errors.Is(err, ErrBadToken) {
		t.Errorf("short: err = %v, want ErrBadToken", err)
	}
	tk.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, _, _, err := tk.Verify(raw); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: err = %v, want ErrExpired", err)
	}
}

func TestBasicPolicy(t *testing.T) {
	cases := []struct {
		secret string
		ok     bool
	}{
		{"alice:secret", true},
		{"Al.ice_1:abc", true},
		{"a:abc", false},
		{"alice:ab", false},
		{".alice:abc", false},
		{"alice", false},
	}
	for _, c := range cases {
		login, pw, err := ParseBasic([]byte(c.secret))
		if err == nil {
			err = CheckPolicy(login, pw)
		}
		if (err == nil) != c.ok {
			t.Errorf("%q: err = %v, want ok=%v", c.secret, err, c.ok)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("pass123", MinPasswordCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "pass123") || CheckPassword(h, "pass124") {
		t.Fatal("password check wrong")
	}
}
