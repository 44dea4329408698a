package consent

import (
	"strings"
	"testing"
	"time"
)

func TestAutoGrants(t *testing.T) {
	day := func(s string) time.Time { tm, _ := time.Parse("2006-01-02", s); return tm }
	req := func(mod func(r *Request)) *Request {
		r := &Request{ID: "r1", Status: StatusRequested, Patient: "asha@sbx", HIU: OrgRef{ID: "HIU1"}, Purpose: Purpose{Code: "CAREMGT"},
			HITypes: []string{"Prescription"}, Permission: Permission{AccessMode: "VIEW", DateRange: DateRange{From: day("2025-01-01"), To: day("2025-06-01")}}}
		if mod != nil {
			mod(r)
		}
		return r
	}
	cc := func(ref string) CareContextRef {
		return CareContextRef{PatientReference: "P", CareContextReference: ref}
	}
	linked := []Linked{{"HIPA", cc("A1")}, {"HIPA", cc("A2")}, {"HIPB", cc("B1")}}
	policy := func(mod func(p *AutoPolicy)) *AutoPolicy {
		p := &AutoPolicy{ID: "p1", Patient: "asha@sbx", HIUID: "HIU1", AllHIPs: true, Enabled: true,
			Included: []AutoSource{{Purpose: "CAREMGT", HITypes: []string{"Prescription", "OPConsultation"}, From: day("2024-01-01"), To: day("2026-01-01")}}}
		if mod != nil {
			mod(p)
		}
		return p
	}
	// describe renders grants as "HIPA:A1+A2 HIPB:B1".
	describe := func(gs []Grant) string {
		var out []string
		for _, g := range gs {
			var refs []string
			for _, c := range g.CareContexts {
				refs = append(refs, c.CareContextReference)
			}
			out = append(out, g.HIP.ID+":"+strings.Join(refs, "+"))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		name string
		p    *AutoPolicy
		r    *Request
		want string
	}{
		{"all HIPs, all linked care contexts", policy(nil), req(nil), "HIPA:A1+A2 HIPB:B1"},
		{"disabled", policy(func(p *AutoPolicy) { p.Enabled = false }), req(nil), ""},
		{"another HIU", policy(nil), req(func(r *Request) { r.HIU.ID = "HIU2" }), ""},
		{"another person", policy(nil), req(func(r *Request) { r.Patient = "ravi@sbx" }), ""},
		{"purpose not covered", policy(nil), req(func(r *Request) { r.Purpose.Code = "BTG" }), ""},
		{"an HI type not covered", policy(nil), req(func(r *Request) { r.HITypes = []string{"Prescription", "DischargeSummary"} }), ""},
		{"dates outside the period", policy(nil), req(func(r *Request) { r.Permission.DateRange.From = day("2023-06-01") }), ""},
		{"one HIP only", policy(func(p *AutoPolicy) { p.AllHIPs = false; p.Included[0].HIP = "HIPB" }), req(nil), "HIPB:B1"},
		{"request names a HIP", policy(nil), req(func(r *Request) { r.HIP = &OrgRef{ID: "HIPA"} }), "HIPA:A1+A2"},
		{"request names care contexts", policy(nil), req(func(r *Request) { r.CareContexts = []CareContextRef{cc("A2")} }), "HIPA:A2"},
		{"excluded HIP", policy(func(p *AutoPolicy) {
			p.Excluded = []AutoSource{{Purpose: "CAREMGT", HIP: "HIPA", HITypes: []string{"Prescription"}}}
		}), req(nil), "HIPB:B1"},
		{"exclusion of other HI types", policy(func(p *AutoPolicy) {
			p.Excluded = []AutoSource{{Purpose: "CAREMGT", HIP: "HIPA", HITypes: []string{"DischargeSummary"}}}
		}), req(nil), "HIPA:A1+A2 HIPB:B1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(tc.p.AutoGrants(tc.r, linked)); got != tc.want {
				t.Errorf("grants %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAutoPolicyCheck(t *testing.T) {
	good := func() *AutoPolicy {
		return &AutoPolicy{HIUID: " hiu1 ", AllHIPs: false, Included: []AutoSource{{Purpose: "CAREMGT", HITypes: []string{"Prescription"},
			HIP: "hipa", From: now, To: now.Add(time.Hour)}}}
	}
	p := good()
	if err := p.Check(); err != nil || p.HIUID != "HIU1" || p.Included[0].HIP != "HIPA" {
		t.Fatalf("good policy: %v %+v", err, p)
	}
	for _, tc := range []struct {
		name string
		mod  func(p *AutoPolicy)
		want string
	}{
		{"no HIU", func(p *AutoPolicy) { p.HIUID = "" }, "hiu.id"},
		{"no sources", func(p *AutoPolicy) { p.Included = nil }, "includedSources"},
		{"bad purpose", func(p *AutoPolicy) { p.Included[0].Purpose = "SELL" }, "purpose"},
		{"bad HI type", func(p *AutoPolicy) { p.Included[0].HITypes = []string{"Horoscope"} }, "hiTypes"},
		{"period backwards", func(p *AutoPolicy) { p.Included[0].To = now.Add(-time.Hour) }, "period"},
		{"no HIP, not all HIPs", func(p *AutoPolicy) { p.Included[0].HIP = "" }, "hip"},
		{"excluded without HIP", func(p *AutoPolicy) {
			p.Excluded = []AutoSource{{Purpose: "CAREMGT", HITypes: []string{"Prescription"}}}
		}, "excludedSources[0].hip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.mod(p)
			if err := p.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}
