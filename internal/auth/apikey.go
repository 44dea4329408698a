package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Facility API keys, which a facility's own system uses on a role's API
// (the HIP's "hk_…", the HIU's "hiu_…"), are "<prefix><id>.<secret>": the
// ID (16 lower-case hex digits) names the key in the store, and the secret
// (256 random bits, base64url) is checked against its SHA-256, which is
// all the store keeps: 256 random bits need no slow hash.

// NewAPIKey makes a key with prefix: its ID, the key itself (shown once),
// and the hash of its secret to keep.
func NewAPIKey(prefix string) (id, key string, hash []byte) {
	var idb [8]byte
	var secret [32]byte
	rand.Read(idb[:])
	rand.Read(secret[:])
	id = hex.EncodeToString(idb[:])
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(sec))
	return id, prefix + id + "." + sec, sum[:]
}

// ParseAPIKey splits a key with prefix into its ID and secret; ok is false
// for anything not shaped as such a key.
func ParseAPIKey(prefix, key string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, ".")
	if !ok || len(id) != 16 || len(secret) != 43 {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// APIKeyMatches reports, in constant time, whether secret is the one whose
// hash was kept.
func APIKeyMatches(secret string, hash []byte) bool {
	sum := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(sum[:], hash) == 1
}
