package gateway

import (
	"context"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/consent"
)

// The person's side of the consent manager (ndhm-phr-app.yml, under /cm):
// the person, signed in with their ABHA token, sees the consent requests
// made for them and decides. So far: list, read, deny. Approval (which
// makes signed artefacts and notifies the HIPs) comes next.

// PersonStore reads a person's consent requests and records decisions with
// the notices they cause, in one transaction.
type PersonStore interface {
	ConsentRequestsByPatient(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Request, error)
	DecideConsentRequest(ctx context.Context, id, from, to string, at time.Time, out []*Outbound) error
}

// MaxPersonPage bounds a page of the person's requests.
const MaxPersonPage = 100

// PersonRequests lists the consent requests made for the person (their
// ABHA address), newest first.
func (s *Service) PersonRequests(ctx context.Context, patient, status string, limit, offset int) ([]*consent.Request, error) {
	switch status {
	case "", consent.StatusRequested, consent.StatusGranted, consent.StatusDenied, consent.StatusExpired, consent.StatusRevoked:
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "status must be REQUESTED, GRANTED, DENIED, EXPIRED or REVOKED")
	}
	if limit <= 0 || limit > MaxPersonPage {
		limit = MaxPersonPage
	}
	if offset < 0 || offset > 100_000 {
		return nil, arogya.Errorf(arogya.EINVALID, "offset must be 0 to 100000")
	}
	return s.person.ConsentRequestsByPatient(ctx, patient, status, limit, offset)
}

// PersonRequest returns one of the person's consent requests. Another
// person's request does not exist for them.
func (s *Service) PersonRequest(ctx context.Context, patient, id string) (*consent.Request, error) {
	r, err := s.consents.ConsentRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Patient != patient {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no such consent request")
	}
	return r, nil
}

// Deny records the person's refusal and tells the HIU
// (consents/hiu/notify with status DENIED), in one transaction.
func (s *Service) Deny(ctx context.Context, patient, id string) error {
	r, err := s.PersonRequest(ctx, patient, id)
	if err != nil {
		return err
	}
	if r.Status != consent.StatusRequested {
		return arogya.Errorf(arogya.ECONFLICT, "the consent request is already %s", r.Status)
	}
	b, err := s.store.Bridge(ctx, r.BridgeID)
	if err != nil {
		return err
	}
	out, err := s.callback(b, "consents/hiu/notify", r.HIU.ID, "", map[string]any{
		"notification": map[string]any{"consentRequestId": r.ID, "status": consent.StatusDenied, "consentArtefacts": []any{}},
	})
	if err != nil {
		return err
	}
	if err := s.person.DecideConsentRequest(ctx, r.ID, consent.StatusRequested, consent.StatusDenied, s.now(), []*Outbound{out}); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "consent.deny",
		Subject: "consent-request:" + r.ID, Outcome: "ok"})
}
