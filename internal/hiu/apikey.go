package hiu

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

// APIKey lets a system act for one facility on the HIU's API, as a
// clinician of it does: the PHR that fetches people's own records as the
// facility, from a node other than the operator's. Shaped as the HIP's
// keys (auth.NewAPIKey): "hiu_<id>.<secret>".
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
	id, key, hash := auth.NewAPIKey(apiKeyPrefix)
	k := &APIKey{ID: id, FacilityID: f.ID, Hash: hash, Name: name, CreatedAt: s.now()}
	if err := s.store.AddHIUAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	s.auditEvent(ctx, actorOf(ctx), "hiu.apikey.create", f.ID, "ok", k.ID)
	return k, key, nil
}

// CheckAPIKey returns the facility a key acts for and the key's ID.
func (s *Service) CheckAPIKey(ctx context.Context, key string) (facilityID, id string, err error) {
	bad := arogya.Errorf(arogya.EUNAUTHORIZED, "a clinician token, a facility API key or the operator token is required")
	id, sec, ok := auth.ParseAPIKey(apiKeyPrefix, key)
	if !ok {
		return "", "", bad
	}
	k, err := s.store.HIUAPIKey(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return "", "", bad
	} else if err != nil {
		return "", "", err
	}
	if !auth.APIKeyMatches(sec, k.Hash) {
		return "", "", bad
	}
	return k.FacilityID, k.ID, nil
}
