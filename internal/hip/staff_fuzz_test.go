package hip

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// FuzzStaffToken: any string is safely refused unless it is a token this
// key signed, and a signed token reads back as what was signed.
func FuzzStaffToken(f *testing.F) {
	s := NewService(nil, nil, nil, nil, Config{Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
	s.EnableStaff(StaffConfig{TokenKey: bytes.Repeat([]byte{3}, 32)})
	good := s.signStaff("IN2810000001", "71234567890123", time.Unix(1_800_000_600, 0))
	for _, seed := range []string{good, "", "st1.", "st1.x.y", good[:len(good)-2], strings.Replace(good, "st1.", "st2.", 1)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		fid, hpr, ok := s.CheckStaffToken(tok)
		if ok && tok != good {
			// Only a token the key signed may pass: here, only good.
			if s.signStaff(fid, hpr, time.Unix(1_800_000_600, 0)) != tok {
				t.Fatalf("accepted a token the key did not sign: %q", tok)
			}
		}
		if tok == good && (!ok || fid != "IN2810000001" || hpr != "71234567890123") {
			t.Fatalf("the signed token reads back as %q %q %v", fid, hpr, ok)
		}
	})
}

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
