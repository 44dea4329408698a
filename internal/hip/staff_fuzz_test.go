package hip

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// FuzzVisitForm: a staff member's form, whatever it holds, either is
// refused with an error or becomes a bundle that validates.
func FuzzVisitForm(f *testing.F) {
	for _, seed := range []struct{ kind, form string }{
		{"OPConsultation", `{"chiefComplaints":[{"text":"Fever"}],"diagnoses":[{"text":"Viral fever"}],"medicines":[{"drug":{"text":"Paracetamol"},"dose":"1 tablet","days":3}]}`},
		{"LabReport", `{"test":{"text":"CBC"},"results":[{"test":{"system":"http://loinc.org","code":"718-7","text":"Haemoglobin"},"value":"9.1","unit":"g/dL","low":"12","high":"15.5"}]}`},
		{"Prescription", `{"medicines":[{"drug":{"text":"Amoxicillin 500 mg"},"frequency":"1-1-1","days":5}]}`},
		{"ImmunizationRecord", `{"doses":[{"vaccine":{"text":"BCG"},"date":"2026-01-01T00:00:00Z","doseNumber":1}]}`},
		{"WellnessRecord", `{"vitals":{"systolic":120,"diastolic":80}}`},
		{"Invoice", `{"items":[{"item":{"text":"Consultation"},"quantity":1,"unitPrice":500}]}`},
		{"OPConsultation", `{"chiefComplaints":[{"system":"x","code":"1"}]}`},
		{"DischargeSummary", `{}`},
	} {
		f.Add(seed.kind, seed.form)
	}
	f.Fuzz(func(t *testing.T, kind, form string) {
		c, err := contentFor(kind)
		if err != nil {
			return
		}
		dec := json.NewDecoder(strings.NewReader(form))
		dec.DisallowUnknownFields()
		if dec.Decode(c) != nil {
			return
		}
		at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
		b, err := fhir.Build(fhir.Header{Patient: fhir.Person{Name: "Asha Devi", Gender: "female", BirthDate: "1990", MRN: "AR-1"},
			Author: fhir.Clinician{Name: "Meera Rao", HPRID: "71234567890123"}, Facility: fhir.Facility{Name: "Coastal General", HFRID: "IN2810000001"},
			Visit: fhir.Visit{ID: "OP-1", Start: at}, Date: at, NewID: fhir.SequentialIDs()}, c)
		if err != nil {
			return
		}
		if err := fhir.Validate(b); err != nil {
			t.Fatalf("a %s form built a bundle that does not validate: %v", kind, err)
		}
	})
}
