package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Staff tokens are the bearer tokens a facility's staff (the EMR's, the
// HIU's clinicians) get at sign-in: prefix + base64(facility|hpr|exp) +
// "." + base64(HMAC-SHA256 over prefix and body), under a key derived
// from the master key, so every node accepts them. The prefix ("st1.",
// "hu1.") tells one role's tokens from another's; the caller checks the
// account behind a token on every request.

// maxStaffToken bounds a token worth checking.
const maxStaffToken = 512

// SignStaffToken makes a staff token for the facility and HPR number,
// valid until exp.
func SignStaffToken(key []byte, prefix, facilityID, hprID string, exp time.Time) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(facilityID + "|" + hprID + "|" + strconv.FormatInt(exp.Unix(), 10)))
	return prefix + body + "." + base64.RawURLEncoding.EncodeToString(staffMAC(key, prefix, body))
}

// CheckStaffToken returns the facility and HPR number a genuine token of
// the prefix names, if it has not expired at now.
func CheckStaffToken(key []byte, prefix, tok string, now time.Time) (facilityID, hprID string, ok bool) {
	if len(key) == 0 || !strings.HasPrefix(tok, prefix) || len(tok) > maxStaffToken {
		return "", "", false
	}
	body, mac, found := strings.Cut(strings.TrimPrefix(tok, prefix), ".")
	if !found {
		return "", "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, staffMAC(key, prefix, body)) {
		return "", "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return "", "", false
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 {
		return "", "", false
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return "", "", false
	}
	return parts[0], parts[1], true
}

func staffMAC(key []byte, prefix, body string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(prefix + body))
	return m.Sum(nil)
}
