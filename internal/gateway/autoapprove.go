package gateway

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/consent"
)

// Auto-approval (ndhm-phr-app.yml /consents/auto-approve and
// /consents/auto-approval-policy/{id}/enable|disable): a person lets an
// HIU they trust, say their family doctor's clinic, have what it asks for
// within limits they set, without approving each request.

// AutoPolicyStore keeps auto-approval policies.
type AutoPolicyStore interface {
	PutAutoPolicy(ctx context.Context, p *consent.AutoPolicy) error
	AutoPolicy(ctx context.Context, id string) (*consent.AutoPolicy, error)
	AutoPolicies(ctx context.Context, patient string) ([]*consent.AutoPolicy, error)
	// HIUHasAutoPolicies reports whether anyone has an enabled policy for
	// the HIU.
	HIUHasAutoPolicies(ctx context.Context, hiuID string) (bool, error)
	SetAutoPolicyEnabled(ctx context.Context, id string, enabled bool, at time.Time) error
}

// SetAutoPolicy creates or replaces the person's policy for an HIU,
// confirmed with their consent PIN (scope consent.autoaprove).
func (s *Service) SetAutoPolicy(ctx context.Context, patient, authToken string, p *consent.AutoPolicy) error {
	if err := s.checkPINToken(patient, authToken, consent.ScopeAutoApprove, ""); err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		return err
	}
	svc, err := s.store.Service(ctx, p.HIUID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND || (err == nil && (!svc.Active || !slices.Contains(svc.Types, TypeHIU))) {
		return arogya.Errorf(arogya.EUNPROCESSABLE, "hiu.id is not an HIU connected to the exchange")
	} else if err != nil {
		return err
	}
	now := s.now()
	p.ID, p.Patient, p.Enabled, p.CreatedAt, p.UpdatedAt = uuid.NewString(), patient, true, now, now
	if err := s.auto.PutAutoPolicy(ctx, p); err != nil {
		return err
	}
	s.dropAutoHIU(p.HIUID)
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "consent.auto-policy",
		Subject: "hiu:" + p.HIUID, Outcome: "ok", Detail: "set"})
}

// EnableAutoPolicy turns one of the person's policies on or off.
func (s *Service) EnableAutoPolicy(ctx context.Context, patient, id string, enabled bool) error {
	p, err := s.auto.AutoPolicy(ctx, id)
	if err == nil && p.Patient != patient {
		err = arogya.Errorf(arogya.ENOTFOUND, "No such auto-approval policy.")
	}
	if err != nil {
		return err
	}
	if err := s.auto.SetAutoPolicyEnabled(ctx, id, enabled, s.now()); err != nil {
		return err
	}
	s.dropAutoHIU(p.HIUID)
	detail := "disabled"
	if enabled {
		detail = "enabled"
	}
	return s.audit.Record(ctx, audit.Event{Actor: "citizen:" + s.personAuditID(patient), Action: "consent.auto-policy",
		Subject: "hiu:" + p.HIUID, Outcome: "ok", Detail: detail})
}

// AutoPolicies lists the person's policies.
func (s *Service) AutoPolicies(ctx context.Context, patient string) ([]*consent.AutoPolicy, error) {
	return s.auto.AutoPolicies(ctx, patient)
}

// autoApprove grants a new consent request at once if one of the person's
// policies covers it. It runs after the request is committed; if it fails
// or the node stops first, the request waits for the person like any
// other.
func (s *Service) autoApprove(ctx context.Context, r *consent.Request) {
	if s.auto == nil || !s.hiuHasAutoPolicies(ctx, r.HIU.ID) {
		return
	}
	ps, err := s.auto.AutoPolicies(ctx, r.Patient)
	if err != nil || len(ps) == 0 {
		return
	}
	i := slices.IndexFunc(ps, func(p *consent.AutoPolicy) bool { return p.HIUID == r.HIU.ID && p.Enabled })
	if i < 0 {
		return
	}
	links, err := s.links.Links(ctx, r.Patient)
	if err != nil {
		return
	}
	linked := make([]consent.Linked, len(links))
	for j, l := range links {
		linked[j] = consent.Linked{HIP: l.HIPID, Ref: consent.CareContextRef{PatientReference: l.PatientRef, CareContextReference: l.CareContextRef}}
	}
	grants := ps[i].AutoGrants(r, linked)
	if len(grants) == 0 {
		return
	}
	if _, err := s.grant(ctx, r, grants, "auto-policy:"+ps[i].ID, "consent.auto-grant"); err != nil {
		return // e.g. the person approved or denied first; the request stays theirs
	}
	if s.kick != nil {
		s.kick()
	}
}

// hiuHasAutoPolicies reports whether anyone has an enabled policy for the
// HIU, asked at most once a second per HIU on this node: most HIUs (a
// hospital, an insurer) have none, and their requests then cost no read of
// the person's policies. A policy set on this node counts at once; one set
// on another node within the second. An error counts as "some": the
// person's policies are read.
func (s *Service) hiuHasAutoPolicies(ctx context.Context, hiuID string) bool {
	now := s.cfg.Now()
	has, gen, ok := s.autoHIUs.get(hiuID, now)
	if ok {
		return has
	}
	has, err := s.auto.HIUHasAutoPolicies(ctx, hiuID)
	if err != nil {
		return true
	}
	s.autoHIUs.put(hiuID, has, now, now.Add(accessCacheTTL), gen)
	return has
}

// dropAutoHIU forgets what hiuHasAutoPolicies knows of the HIU.
func (s *Service) dropAutoHIU(hiuID string) {
	s.autoHIUs.drop(func(id string, _ *bool) bool { return id == hiuID })
}
