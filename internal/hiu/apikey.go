package hiu

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
)

// APIKey lets a system act for one facility on the HIU's API, as a
// clinician of it does: the PHR that fetches people's own records as the
// facility, from a node other than the operator's. Shaped as the HIP's
// keys: "hiu_<id>.<secret>", the ID (16 hex digits) names the key in the
// store, the secret (256 bits, base64url) is checked against its SHA-256.
type APIKey struct {
	ID         string
	FacilityID string
	Hash       []byte // SHA-256 of the secret part: 256 random bits need no slow hash
	Name       string
	CreatedAt  time.Time
}

const apiKeyPrefix = "hiu_"

// CreateAPIKey makes a key with which a system acts for the facility. The
// key is returned once; only a hash of it is kept.
func (s *Service) CreateAPIKey(ctx context.Context, facilityID, name string) (*APIKey, string, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, "", err
	}
	name = strings.Join(strings.Fields(name), " ")
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return nil, "", arogya.Errorf(arogya.EINVALID, "name must be 1 to 100 characters, e.g. the system that will use the key")
	}
	var idb [8]byte
	var secret [32]byte
	rand.Read(idb[:])
	rand.Read(secret[:])
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(sec))
	k := &APIKey{ID: hex.EncodeToString(idb[:]), FacilityID: f.ID, Hash: sum[:], Name: name, CreatedAt: s.now()}
	if err := s.store.AddHIUAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	s.auditEvent(ctx, actorOf(ctx), "hiu.apikey.create", f.ID, "ok", k.ID)
	return k, apiKeyPrefix + k.ID + "." + sec, nil
}

// ParseAPIKey splits a key into its ID and secret; ok is false for
// anything not shaped as a key.
func ParseAPIKey(key string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(key, apiKeyPrefix)
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

// CheckAPIKey returns the facility a key acts for and the key's ID.
func (s *Service) CheckAPIKey(ctx context.Context, key string) (facilityID, id string, err error) {
	bad := arogya.Errorf(arogya.EUNAUTHORIZED, "a clinician token, a facility API key or the operator token is required")
	id, sec, ok := ParseAPIKey(key)
	if !ok {
		return "", "", bad
	}
	k, err := s.store.HIUAPIKey(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return "", "", bad
	} else if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(sec))
	if subtle.ConstantTimeCompare(sum[:], k.Hash) != 1 {
		return "", "", bad
	}
	return k.FacilityID, k.ID, nil
}
