package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/india"
)

// CreateVerifier appoints a verifier for a state. Only the operator may.
// It returns the verifier and their key, which is shown only this once.
func (s *Service) CreateVerifier(ctx context.Context, name, stateCode string) (*Verifier, string, error) {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return nil, "", arogya.Errorf(arogya.EFORBIDDEN, "only the operator appoints verifiers")
	}
	name = strings.Join(strings.Fields(name), " ")
	if n := utf8.RuneCountInString(name); n < 3 || n > 100 {
		return nil, "", arogya.Errorf(arogya.EINVALID, "name must be 3 to 100 characters")
	}
	stateCode = strings.TrimLeft(strings.TrimSpace(stateCode), "0")
	if _, ok := india.StateByCode(stateCode); !ok {
		return nil, "", arogya.Errorf(arogya.EINVALID, "state must be an LGD state code")
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	key := "vk_" + base64.RawURLEncoding.EncodeToString(raw[:])
	hash, err := auth.HashPassword(key, s.cfg.Argon)
	if err != nil {
		return nil, "", err
	}
	v := &Verifier{ID: "vrf-" + hex.EncodeToString(raw[:6]), Name: name, StateCode: stateCode, KeyHash: hash, CreatedAt: s.now()}
	if err := s.store.CreateVerifier(ctx, v); err != nil {
		return nil, "", err
	}
	if err := s.audit.Record(ctx, auditEvent(ctx, "registry.verifier.create", "verifier:"+v.ID, "state "+stateCode)); err != nil {
		return nil, "", err
	}
	return v, key, nil
}

// Verifiers lists verifiers, for the operator.
func (s *Service) Verifiers(ctx context.Context) ([]*Verifier, error) {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return nil, arogya.Errorf(arogya.EFORBIDDEN, "only the operator lists verifiers")
	}
	return s.store.Verifiers(ctx)
}

// SetVerifierDisabled disables or re-enables a verifier, for the operator.
func (s *Service) SetVerifierDisabled(ctx context.Context, id string, disabled bool) error {
	if arogya.ActorFrom(ctx).Kind != arogya.ActorOperator {
		return arogya.Errorf(arogya.EFORBIDDEN, "only the operator disables verifiers")
	}
	if err := s.store.SetVerifierDisabled(ctx, id, disabled); err != nil {
		return err
	}
	s.verifierKeys.Forget(id)
	detail := "enabled"
	if disabled {
		detail = "disabled"
	}
	return s.audit.Record(ctx, auditEvent(ctx, "registry.verifier.update", "verifier:"+id, detail))
}

// AuthenticateVerifier checks a verifier's ID and key. Disabled verifiers
// and wrong keys are EUNAUTHORIZED, without saying which.
func (s *Service) AuthenticateVerifier(ctx context.Context, id, key string) (*Verifier, error) {
	bad := arogya.Errorf(arogya.EUNAUTHORIZED, "unknown verifier or wrong key")
	if !strings.HasPrefix(id, "vrf-") || len(id) > 40 || len(key) > 200 {
		return nil, bad
	}
	v, err := s.store.Verifier(ctx, id)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if v.Disabled {
		return nil, bad
	}
	if !s.verifierKeys.Check(v.ID, v.KeyHash, key) {
		return nil, bad
	}
	return v, nil
}

func auditEvent(ctx context.Context, action, subject, detail string) audit.Event {
	return audit.Event{Actor: actorName(ctx), Action: action, Subject: subject, Outcome: "ok", Detail: detail}
}
