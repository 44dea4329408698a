package consent

import (
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// ScopeAutoApprove is the PIN scope for setting up an auto-approval
// policy, spelt as ndhm-phr-app.yml spells it.
const ScopeAutoApprove = "consent.autoaprove"

// AutoPolicy is a person's standing consent for one HIU
// (ndhm-phr-app.yml's ConsentAutoApprovalRequestRepresentation): requests
// from that HIU that fit an included source are granted at once, except
// from excluded HIPs.
type AutoPolicy struct {
	ID        string
	Patient   string
	HIUID     string
	AllHIPs   bool // isApplicableForAllHIPs: an included source without a HIP covers every linked HIP
	Included  []AutoSource
	Excluded  []AutoSource
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AutoSource is an included or excluded source: a purpose, HI types, a HIP
// (optional when included) and, when included, the period the requested
// dates must lie in.
type AutoSource struct {
	Purpose string    `json:"purpose"`
	HITypes []string  `json:"hiTypes"`
	HIP     string    `json:"hip,omitempty"`
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to,omitzero"`
}

// MaxAutoSources bounds a policy's sources.
const MaxAutoSources = 20

// Check normalises the policy and checks it is well formed.
func (p *AutoPolicy) Check() error {
	p.HIUID = strings.ToUpper(strings.TrimSpace(p.HIUID))
	if p.HIUID == "" || len(p.HIUID) > 64 {
		return arogya.Errorf(arogya.EINVALID, "hiu.id is required")
	}
	if len(p.Included) == 0 || len(p.Included) > MaxAutoSources || len(p.Excluded) > MaxAutoSources {
		return arogya.Errorf(arogya.EINVALID, "includedSources must hold 1 to 20 sources, excludedSources at most 20")
	}
	for i := range p.Included {
		s := &p.Included[i]
		if err := s.check("includedSources", i, false); err != nil {
			return err
		}
		if s.From.IsZero() || s.To.IsZero() || s.To.Before(s.From) {
			return arogya.Errorf(arogya.EINVALID, "includedSources[%d].period needs from and to, in order", i)
		}
		if s.HIP == "" && !p.AllHIPs {
			return arogya.Errorf(arogya.EINVALID, "includedSources[%d].hip is required unless the policy is for all HIPs", i)
		}
	}
	for i := range p.Excluded {
		if err := p.Excluded[i].check("excludedSources", i, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *AutoSource) check(list string, i int, needHIP bool) error {
	s.HIP = strings.ToUpper(strings.TrimSpace(s.HIP))
	if _, ok := Purposes[s.Purpose]; !ok {
		return arogya.Errorf(arogya.EINVALID, "%s[%d].purpose.code is not a purpose of use", list, i)
	}
	if len(s.HITypes) == 0 {
		return arogya.Errorf(arogya.EINVALID, "%s[%d].hiTypes is required", list, i)
	}
	for _, t := range s.HITypes {
		if !slices.Contains(HITypes, t) {
			return arogya.Errorf(arogya.EINVALID, "%s[%d].hiTypes has an unknown HI type", list, i)
		}
	}
	if needHIP && s.HIP == "" {
		return arogya.Errorf(arogya.EINVALID, "%s[%d].hip is required", list, i)
	}
	s.From, s.To = s.From.UTC(), s.To.UTC()
	return nil
}

// Linked is a care context linked to the person at a HIP.
type Linked struct {
	HIP string
	Ref CareContextRef
}

// AutoGrants returns the grants the policy makes for the request, given
// the person's linked care contexts; none when it does not apply. A
// request for a purpose, HI type or dates the policy does not cover is left
// for the person; an excluded HIP is left out whenever the request asks
// for any HI type the exclusion names.
func (p *AutoPolicy) AutoGrants(r *Request, linked []Linked) []Grant {
	if !p.Enabled || p.Patient != r.Patient || p.HIUID != r.HIU.ID {
		return nil
	}
	var src *AutoSource
	for i := range p.Included {
		s := &p.Included[i]
		if s.Purpose == r.Purpose.Code && subset(r.HITypes, s.HITypes) &&
			!r.Permission.DateRange.From.Before(s.From) && !r.Permission.DateRange.To.After(s.To) &&
			(r.HIP == nil || s.HIP == "" || s.HIP == r.HIP.ID) {
			src = s
			break
		}
	}
	if src == nil {
		return nil
	}
	byHIP := map[string][]CareContextRef{}
	var hips []string
	for _, l := range linked {
		switch {
		case r.HIP != nil && l.HIP != r.HIP.ID, src.HIP != "" && l.HIP != src.HIP:
			continue
		case len(r.CareContexts) > 0 && !slices.Contains(r.CareContexts, l.Ref):
			continue
		}
		if _, ok := byHIP[l.HIP]; !ok {
			hips = append(hips, l.HIP)
		}
		byHIP[l.HIP] = append(byHIP[l.HIP], l.Ref)
	}
	var out []Grant
	for _, h := range hips {
		if slices.ContainsFunc(p.Excluded, func(x AutoSource) bool {
			return x.HIP == h && x.Purpose == r.Purpose.Code && slices.ContainsFunc(x.HITypes, func(t string) bool { return slices.Contains(r.HITypes, t) })
		}) {
			continue
		}
		out = append(out, Grant{HIP: OrgRef{ID: h}, CareContexts: byHIP[h], HITypes: r.HITypes})
	}
	return out
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
