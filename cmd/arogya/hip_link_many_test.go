package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// TestHIPLinksManyVisitsOfOnePerson: a hospital's system pushes 25 visits
// of one person at once (a history imported on its first day). ABHA
// allows 10 demographic checks per person in 15 minutes, so the HIP must
// not run one linking per visit: a flow under way takes every visit of the
// person not yet linked, and all 25 end up linked to their ABHA address.
func TestHIPLinksManyVisitsOfOnePerson(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	const admin = "hip-many-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = admin
	})
	op := map[string]string{"Authorization": "Bearer " + admin}
	p := enrolPerson(t, base, sms)
	hipID := verifiedFacility(t, base, op, "History Hospital")
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)
	var key struct{ Key string }
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities/"+hipID+"/keys", op, map[string]string{"name": "HMIS"}, 201, &key)
	hmis := map[string]string{"Authorization": "Bearer " + key.Key}
	const visits = 25
	for i := range visits {
		at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
		ref := fmt.Sprintf("HIST-%02d", i)
		b, err := fhir.Build(fhir.Header{
			Patient:  fhir.Person{Name: p.name, Gender: map[string]string{"M": "male", "F": "female"}[p.gender], BirthDate: p.dateOfBirth, ABHANumber: p.number, ABHAAddress: p.address},
			Author:   fhir.Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
			Facility: fhir.Facility{Name: "History Hospital", HFRID: hipID},
			Visit:    fhir.Visit{ID: ref, Start: at},
			Date:     at,
		}, fhir.Prescription{Medicines: []fhir.Medicine{{Drug: fhir.Text("Metformin 500 mg tablet"), Dose: "1 tablet", Frequency: "1-0-1", Days: 30}}})
		if err != nil {
			t.Fatal(err)
		}
		data, err := fhir.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		jsonCall(t, "POST", base+"/api/v1/hip/"+hipID+"/bundles", hmis, map[string]any{"patient": map[string]string{"abhaAddress": p.address, "abhaNumber": p.number},
			"careContext": map[string]string{"referenceNumber": ref, "display": "Refill " + at.Format("2 Jan 2006")}, "bundle": jsonRaw(data)}, 201, nil)
	}
	waitFor(t, "all 25 visits linked", func() string {
		links, err := n.db.Links(t.Context(), p.address)
		if err != nil || len(links) != visits {
			return fmt.Sprintf("%d of %d linked at the CM, %v", len(links), visits, err)
		}
		return ""
	})
	// The HIP records each link when the gateway's answer reaches it.
	waitFor(t, "the HIP sees all 25 linked", func() string {
		for i := range visits {
			var st struct{ State string }
			jsonCall(t, "GET", fmt.Sprintf("%s/api/v1/hip/%s/care-contexts/HIST-%02d", base, hipID, i), op, nil, 200, &st)
			if st.State != "LINKED" {
				return fmt.Sprintf("HIST-%02d: %s", i, st.State)
			}
		}
		return ""
	})
}
