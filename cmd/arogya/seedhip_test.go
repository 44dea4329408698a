package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// TestDemoHIPRecords: the demo's people have visits at 2 to 5 hospitals in
// different states, with every kind of record among them and lab values
// out of range; every document validates; the HIP links each visit to the
// person's ABHA address over the protocol, by itself.
func TestDemoHIPRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo node; skipped with -short")
	}
	const admin = "demo-hip-operator-token"
	n, base, _ := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = admin
	})
	ctx := context.Background()
	s, err := seed(ctx, n, 40, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seedRegistryDemo(ctx, n, nil); err != nil {
		t.Fatal(err)
	}
	h, err := seedHIPDemo(ctx, n, s.Logins, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.People != len(s.Logins) || h.Staff == nil {
		t.Fatalf("seeded %+v for %d logins", h, len(s.Logins))
	}
	op := map[string]string{"Authorization": "Bearer " + admin}
	kinds := map[string]bool{}
	abnormal := false
	for _, l := range s.Logins {
		number := strings.ReplaceAll(l.Number, "-", "")
		states := map[string]bool{}
		hospitals := 0
		fs, err := n.hip.Facilities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			ps, err := n.db.HIPPatientsByIdentifier(ctx, f.ID, number, "", "", 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				continue
			}
			if len(ps) != 1 || ps[0].ABHAAddress != l.Address {
				t.Fatalf("%s at %s: %d patients", l.Address, f.ID, len(ps))
			}
			hospitals++
			states[f.ID[2:4]] = true
			ccs, err := n.db.HIPCareContexts(ctx, f.ID, ps[0].Ref)
			if err != nil {
				t.Fatal(err)
			}
			for _, cc := range ccs {
				rs, bundles, err := n.hip.Records(ctx, f.ID, cc.Ref, time.Time{}, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range rs {
					kinds[r.HIType] = true
					b, err := fhir.Parse(bundles[i])
					if err != nil {
						t.Fatal(err)
					}
					if err := fhir.Validate(b); err != nil {
						t.Fatalf("%s %s does not validate: %v", f.ID, r.HIType, err)
					}
					abnormal = abnormal || strings.Contains(string(bundles[i]), `"code":"L"`) || strings.Contains(string(bundles[i]), `"code":"H"`)
				}
				// Linked by the HIP on its own, over the gateway.
				waitFor(t, "care context "+cc.Ref+" linked", func() string {
					var st struct{ State string }
					jsonCall(t, "GET", base+"/api/v1/hip/"+f.ID+"/care-contexts/"+cc.Ref, op, nil, 200, &st)
					if st.State != "LINKED" {
						return st.State
					}
					return ""
				})
			}
		}
		if hospitals < 2 || hospitals > 5 || len(states) != hospitals {
			t.Errorf("%s: visits at %d hospitals in %d states, want 2 to 5 hospitals, each in another state", l.Address, hospitals, len(states))
		}
	}
	for _, k := range []string{"OPConsultation", "Prescription", "DiagnosticReport", "DischargeSummary", "ImmunizationRecord"} {
		if !kinds[k] {
			t.Errorf("no %s among the demo's records (have %v)", k, kinds)
		}
	}
	if !abnormal {
		t.Error("no lab value flagged out of range")
	}
}
