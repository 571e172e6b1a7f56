package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The signature scheme, shared by the merchant webhooks and the robot's
// AI answer provider (docs/robot.md tells a receiver how to check it):
//
//	X-Parley-Timestamp: Unix seconds when the request was signed
//	X-Parley-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// The timestamp is inside the signed text, so a receiver that refuses old
// timestamps refuses replays of captured requests.
const (
	HeaderTimestamp = "X-Parley-Timestamp"
	HeaderSignature = "X-Parley-Signature"
	HeaderEventID   = "X-Parley-Event-Id"
	HeaderEventType = "X-Parley-Event"
	signaturePrefix = "v1="
)

// Sign returns the X-Parley-Signature value of body signed at ts.
func Sign(secret []byte, ts time.Time, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// SetHeaders signs body at ts into h.
func SetHeaders(h http.Header, secret []byte, ts time.Time, body []byte) {
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
}

// Verify checks a signed request's headers against body, refusing
// timestamps further than tolerance from now: what a receiver does.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: bad %s %q", HeaderTimestamp, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook: timestamp %s is %v from now", ts, d)
	}
	sig, ok := strings.CutPrefix(h.Get(HeaderSignature), signaturePrefix)
	if !ok {
		return fmt.Errorf("webhook: no %s signature", signaturePrefix)
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(secret, ts, body)) {
		return fmt.Errorf("webhook: signature mismatch")
	}
	return nil
}
