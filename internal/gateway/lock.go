package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// A person may lock their ABHA against new consent requests: while it is
// locked, consent-requests/init for them is refused (ABDM-1130) and kept
// nowhere. Locking takes only the person's token, so that someone who
// sees requests they did not expect can stop them at once; unlocking
// takes the consent PIN as well (scope consent.unlock), as revoking does.
// Consents already granted are unchanged: the person revokes those.

// PersonLock reports whether the person's consents are locked, and since
// when.
func (s *Service) PersonLock(ctx context.Context, patient string) (time.Time, bool, error) {
	return s.person.ConsentLock(ctx, patient)
}

// SetPersonLock locks or unlocks the person's consents; unlocking needs a
// PIN token of scope consent.unlock.
func (s *Service) SetPersonLock(ctx context.Context, patient, pinToken string, locked bool) error {
	action := "consent.lock"
	if !locked {
		if err := s.checkPINToken(patient, pinToken, consent.ScopeUnlock, ""); err != nil {
			return err
		}
		action = "consent.unlock"
	}
	if err := s.person.SetConsentLock(ctx, patient, locked, s.now()); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: action,
		Subject: "citizen:" + s.personAuditID(patient), Outcome: "ok"})
}

var errLockedField = arogya.Errorf(arogya.EINVALID, "locked must be true or false")

// writeLock answers GET and PUT /cm/patients/lock.
func (h *Handler) writeLock(w http.ResponseWriter, r *http.Request, patient string) error {
	at, locked, err := h.svc.PersonLock(r.Context(), patient)
	if err != nil {
		return err
	}
	out := map[string]any{"locked": locked}
	if locked {
		out["lockedAt"] = at.UTC().Format(protocol.TimestampLayout)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// putLock takes PUT /cm/patients/lock {"locked": true|false}; unlocking
// carries X-AUTH-TOKEN from verify-pin with scope consent.unlock.
func (h *Handler) putLock(w http.ResponseWriter, r *http.Request, patient string) error {
	var body struct {
		Locked *bool `json:"locked"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Locked == nil {
		return errLockedField
	}
	if err := h.svc.SetPersonLock(r.Context(), patient, httpx.Header(r, "X-AUTH-TOKEN"), *body.Locked); err != nil {
		return err
	}
	return h.writeLock(w, r, patient)
}
