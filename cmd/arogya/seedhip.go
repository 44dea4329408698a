package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/registry"
)

// hipSeed is what the demo's facilities hold.
type hipSeed struct {
	Facilities int
	Records    int
	People     int
	// Staff is a doctor who can sign in to the first facility's EMR.
	Staff *demoStaff
}

type demoStaff struct {
	Facility, FacilityName, HPRID, Name, Password string
}

// demoStates are the states the demo's hospitals are picked from, after
// the person's own.
var demoStates = []string{"28", "36", "29", "32", "27", "33", "07", "09", "19", "24"}

// seedHIPDemo gives each demo login visits at 2 to 5 hospitals in
// different states, through the hip role as a hospital's system would:
// the hospitals become facilities this node serves, and each visit's FHIR
// documents (OP consultations with prescriptions, lab reports with some
// values out of range, a discharge summary, immunizations) are pushed
// under a care context, which the HIP then links to the person's ABHA
// address over the protocol, in the background. It needs the node to be
// serving: the HIP asks the registry over HTTP.
func seedHIPDemo(ctx context.Context, n *node, logins []demoLogin, progress io.Writer) (*hipSeed, error) {
	res := &hipSeed{}
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	served := map[string]bool{}
	for i, l := range logins {
		number := strings.ReplaceAll(l.Number, "-", "")
		acct, err := n.abha.Profile(op, number)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(uint64(i)+1, 2026))
		states := append([]string{acct.StateCode}, demoStates...)
		want := 2 + rng.IntN(4) // 2 to 5 hospitals
		visits := 0
		seen := map[string]bool{}
		for _, st := range states {
			if visits == want {
				break
			}
			if seen[st] {
				continue
			}
			seen[st] = true
			f, doc, err := demoHospital(op, n, st, i)
			if err != nil || f == nil {
				continue
			}
			if !served[f.ID] {
				if _, err := n.hip.AddFacility(op, f.ID); err != nil && arogya.ErrorCode(err) != arogya.ECONFLICT {
					return nil, err
				}
				served[f.ID] = true
				res.Facilities++
			}
			if res.Staff == nil {
				if st, pw, err := n.hip.AddStaff(op, f.ID, doc.ID); err == nil {
					res.Staff = &demoStaff{Facility: f.ID, FacilityName: f.Name, HPRID: st.HPRID, Name: st.Name, Password: pw}
				}
			}
			k, err := pushDemoVisits(op, n.hip, f, doc, acct, l.Address, visits, rng)
			if err != nil {
				return nil, err
			}
			res.Records += k
			visits++
		}
		res.People++
		if progress != nil {
			fmt.Fprintf(progress, "  %s: visits at %d hospitals\n", l.Address, visits)
		}
	}
	return res, nil
}

// demoHospital picks a verified hospital in the state with a doctor who
// works there.
func demoHospital(ctx context.Context, n *node, state string, person int) (*registry.Facility, *registry.Professional, error) {
	page, err := n.registry.SearchFacilities(ctx, registry.FacilityQuery{State: state, Type: "hospital", PageSize: 10})
	if err != nil {
		return nil, nil, err
	}
	for j := range page.Items {
		f := page.Items[(j+person)%len(page.Items)].Facility
		pros, err := n.registry.SearchProfessionals(ctx, registry.ProfessionalQuery{Facility: f.ID, Category: "doctor", PageSize: 1})
		if err != nil {
			return nil, nil, err
		}
		if len(pros.Items) > 0 {
			return f, pros.Items[0].Professional, nil
		}
	}
	return nil, nil, nil
}

// pushDemoVisits records one or two visits at the hospital and returns
// how many documents it pushed. Which kinds depend on k, the hospital's
// place in the person's list, so that each person has every kind.
func pushDemoVisits(ctx context.Context, h *hip.Service, f *registry.Facility, doc *registry.Professional, acct *abha.Account,
	address string, k int, rng *rand.Rand) (int, error) {
	person := fhir.Person{Name: acct.FullName(), Gender: map[string]string{"M": "male", "F": "female", "O": "other"}[acct.Gender],
		BirthDate: acct.BirthDate, ABHANumber: acct.Number, ABHAAddress: address, Phone: acct.Mobile}
	author := fhir.Clinician{Name: doc.Name, HPRID: doc.ID}
	facility := fhir.Facility{Name: f.Name, HFRID: f.ID}
	now := time.Now().UTC().Truncate(time.Minute)
	pushed := 0
	push := func(ref, display string, at time.Time, c fhir.Content, visit fhir.Visit) error {
		b, err := fhir.Build(fhir.Header{Patient: person, Author: author, Facility: facility, Visit: visit, Date: at}, c)
		if err != nil {
			return err
		}
		data, err := fhir.Marshal(b)
		if err != nil {
			return err
		}
		if _, err := h.PushBundle(ctx, f.ID, hip.PushInput{ABHAAddress: address, ABHANumber: acct.Number,
			ContextRef: ref, ContextDisplay: display, Bundle: data}); err != nil {
			return err
		}
		pushed++
		return nil
	}
	// An OP visit with its prescription, months ago.
	at := now.AddDate(0, -(2 + rng.IntN(20)), -rng.IntN(28)).Add(10 * time.Hour)
	ref := fmt.Sprintf("OP-%s-%d", at.Format("20060102"), k+1)
	display := "OP consultation, " + at.Format("2 Jan 2006")
	visit := fhir.Visit{ID: ref, Class: "AMB", Start: at, End: at.Add(20 * time.Minute)}
	complaint := []fhir.Concept{fhir.SNOMED("386661006", "Fever"), fhir.SNOMED("49727002", "Cough")}
	diagnosis := []fhir.Concept{fhir.SNOMED("54150009", "Upper respiratory infection")}
	meds := []fhir.Medicine{
		{Drug: fhir.Text("Paracetamol 500 mg tablet"), Dose: "1 tablet", Route: "oral", Frequency: "1-1-1", TimesPerDay: 3, Days: 3, Instructions: "after food"},
		{Drug: fhir.Text("Cetirizine 10 mg tablet"), Dose: "1 tablet", Route: "oral", Frequency: "0-0-1", TimesPerDay: 1, Days: 5},
	}
	if k%2 == 1 {
		complaint = []fhir.Concept{fhir.SNOMED("25064002", "Headache"), fhir.SNOMED("84229001", "Fatigue")}
		diagnosis = []fhir.Concept{fhir.SNOMED("38341003", "Hypertension")}
		meds = []fhir.Medicine{{Drug: fhir.Text("Amlodipine 5 mg tablet"), Dose: "1 tablet", Route: "oral", Frequency: "1-0-0", TimesPerDay: 1, Days: 30}}
	}
	if err := push(ref, display, at, fhir.Consultation{ChiefComplaints: complaint, Diagnoses: diagnosis, Medicines: meds,
		Vitals:   fhir.Vitals{Systolic: float64(118 + rng.IntN(30)), Diastolic: float64(76 + rng.IntN(16)), Pulse: float64(68 + rng.IntN(24)), Temperature: 37.8, SpO2: 97},
		Advice:   "Rest, fluids; come back if the fever lasts beyond three days.",
		FollowUp: &fhir.FollowUp{Date: at.AddDate(0, 0, 7), Reason: "Review"}}, visit); err != nil {
		return pushed, err
	}
	if err := push(ref, display, at.Add(15*time.Minute), fhir.Prescription{Medicines: meds}, visit); err != nil {
		return pushed, err
	}
	switch k % 3 {
	case 0: // a lab report with values out of range
		lat := at.AddDate(0, 0, 1)
		lref := fmt.Sprintf("LAB-%s-%d", lat.Format("20060102"), k+1)
		if err := push(lref, "Blood tests, "+lat.Format("2 Jan 2006"), lat, fhir.LabReport{
			Test: fhir.LOINC("58410-2", "Complete blood count"),
			Results: []fhir.Result{
				{Test: fhir.LOINC("718-7", "Haemoglobin"), Value: "10.4", Unit: "g/dL", Low: "12", High: "15.5"},
				{Test: fhir.LOINC("6690-2", "Leukocytes"), Value: "11.8", Unit: "10*3/uL", Low: "4", High: "11"},
				{Test: fhir.LOINC("777-3", "Platelets"), Value: "245", Unit: "10*3/uL", Low: "150", High: "450"},
				{Test: fhir.LOINC("4548-4", "HbA1c"), Value: "7.2", Unit: "%", Low: "4", High: "5.6"},
			},
			Conclusion: "Mild anaemia; raised HbA1c: review for diabetes."}, fhir.Visit{}); err != nil {
			return pushed, err
		}
	case 1: // an admission
		adm := at.AddDate(0, -1, 0)
		dis := adm.AddDate(0, 0, 3)
		dref := fmt.Sprintf("IP-%s-%d", adm.Format("20060102"), k+1)
		if err := push(dref, "Admission, "+adm.Format("2 Jan")+" to "+dis.Format("2 Jan 2006"), dis, fhir.DischargeSummary{
			Admitted: adm, Discharged: dis,
			ChiefComplaints: []fhir.Concept{fhir.SNOMED("21522001", "Abdominal pain")},
			Diagnoses:       []fhir.Concept{fhir.SNOMED("85189001", "Acute appendicitis")},
			Medicines:       []fhir.Medicine{{Drug: fhir.Text("Amoxicillin 500 mg capsule"), Dose: "1 capsule", Route: "oral", Frequency: "1-1-1", TimesPerDay: 3, Days: 5}},
			Advice:          "No heavy lifting for two weeks.",
			FollowUp:        &fhir.FollowUp{Date: dis.AddDate(0, 0, 10), Reason: "Wound review"},
		}, fhir.Visit{}); err != nil {
			return pushed, err
		}
	case 2: // immunizations
		vat := at.AddDate(0, 0, -10)
		vref := fmt.Sprintf("IMM-%s-%d", vat.Format("20060102"), k+1)
		if err := push(vref, "Vaccination, "+vat.Format("2 Jan 2006"), vat, fhir.ImmunizationRecord{Doses: []fhir.Vaccination{
			{Vaccine: fhir.Text("Tetanus and diphtheria (Td) vaccine"), Date: vat, DoseNumber: 1, LotNumber: "TD2291", Manufacturer: "Serum Institute of India", Route: "intramuscular"},
			{Vaccine: fhir.Text("Hepatitis B vaccine"), Date: vat, DoseNumber: 2, LotNumber: "HB1177", Manufacturer: "Bharat Biotech", Route: "intramuscular"},
		}}, fhir.Visit{}); err != nil {
			return pushed, err
		}
	}
	return pushed, nil
}
