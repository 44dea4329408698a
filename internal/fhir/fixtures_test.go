package fhir

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ist)
	if err != nil {
		panic(err)
	}
	return t
}

// testHeader is a made-up patient, clinician and facility.
func testHeader() Header {
	return Header{
		Patient: Person{Name: "Asha Devi Verma", Gender: "female", BirthDate: "1988-03-14",
			ABHANumber: "91-1234-5678-9012", ABHAAddress: "asha.verma@sbx", MRN: "MRN-00421", Phone: "+91 98765 43210"},
		Author:   Clinician{Name: "Dr. Ravi Kumar", HPRID: "71-4455-6677-8899"},
		Facility: Facility{Name: "Sunrise Community Health Centre", HFRID: "IN2810014366", Phone: "+91 40 2345 6789"},
		Visit:    Visit{ID: "OPD-2025-118", Class: "AMB", Start: at("2025-06-12 10:05"), End: at("2025-06-12 10:25")},
		Date:     at("2025-06-12 10:30"),
		NewID:    SequentialIDs(),
	}
}

// pngPixel is a 1×1 PNG, for attachments that may be shown inline.
var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

// fakePDF is a small stand-in for a scanned report.
var fakePDF = []byte("%PDF-1.4\n% test report\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

type fixture struct {
	name    string
	header  func() Header
	content Content
}

// fixtures are one record of each kind, the inputs of the golden tests.
var fixtures = []fixture{
	{"op-consultation", testHeader, Consultation{
		ChiefComplaints: []Concept{SNOMED("386661006", "Fever"), Text("Body ache for 3 days")},
		Allergies:       []Concept{SNOMED("91936005", "Allergy to penicillin")},
		Vitals:          Vitals{Systolic: 128, Diastolic: 84, Pulse: 96, Temperature: 38.4, SpO2: 97, RespiratoryRate: 18, Weight: 58, Height: 157},
		Findings:        []Result{{Test: Text("Throat"), Text: "Congested, no exudate"}},
		Diagnoses:       []Concept{SNOMED("82272006", "Common cold")},
		Medicines: []Medicine{
			{Drug: SNOMED("322236009", "Paracetamol 500 mg oral tablet"), Dose: "1 tablet", Route: "oral", Frequency: "1-1-1", TimesPerDay: 3, Days: 3, Instructions: "after food"},
			{Drug: Text("Cetirizine 10 mg tablet"), Dose: "1 tablet", Route: "oral", Frequency: "at night", TimesPerDay: 1, Days: 5},
		},
		Investigations: []Concept{LOINC("58410-2", "Complete blood count")},
		Advice:         "Drink plenty of fluids.\nRest for two days & avoid cold drinks.",
		FollowUp:       &FollowUp{Date: at("2025-06-15 10:00"), Reason: "Review if fever persists"},
	}},
	{"prescription", testHeader, Prescription{
		Medicines: []Medicine{
			{Drug: SNOMED("325072002", "Amoxicillin 500 mg oral capsule"), Dose: "1 capsule", Route: "oral", Frequency: "three times a day", TimesPerDay: 3, Days: 5},
			{Drug: Text("ORS sachet"), Dose: "1 sachet in 1 litre water", Frequency: "as needed", AsNeeded: true},
		},
		Notes: "Complete the full course.",
	}},
	{"lab-report", testHeader, LabReport{
		Test: LOINC("58410-2", "Complete blood count"),
		Results: []Result{
			{Test: LOINC("718-7", "Haemoglobin"), Value: "10.2", Unit: "g/dL", Low: "12.0", High: "15.5"},
			{Test: LOINC("6690-2", "WBC count"), Value: "11.8", Unit: "10*3/uL", Low: "4.0", High: "11.0"},
			{Test: LOINC("777-3", "Platelet count"), Value: "250", Unit: "10*3/uL", Low: "150", High: "410"},
			{Test: LOINC("2345-7", "Glucose, fasting"), Value: "<70", Unit: "mg/dL", Low: "70", High: "100"},
			{Test: Text("Malaria antigen"), Text: "Negative"},
		},
		SpecimenType: SNOMED("119297000", "Blood specimen"),
		Collected:    at("2025-06-12 08:15"),
		Conclusion:   "Mild anaemia with leucocytosis.",
		Report:       &File{Title: "CBC report", ContentType: "application/pdf", Data: fakePDF},
	}},
	{"imaging-report", testHeader, ImagingReport{
		Study:           LOINC("36643-5", "X-ray chest, 2 views"),
		Conclusion:      "No active lung lesion. Cardiac size normal.",
		ConclusionCodes: []Concept{SNOMED("17621005", "Normal")},
		Files:           []File{{Title: "Chest X-ray", ContentType: "image/png", Data: pngPixel}},
	}},
	{"discharge-summary", func() Header {
		h := testHeader()
		h.Visit = Visit{ID: "IPD-2025-077", Class: "IMP"}
		h.Date = at("2025-06-20 11:00")
		return h
	}, DischargeSummary{
		Admitted:        at("2025-06-16 21:40"),
		Discharged:      at("2025-06-20 10:30"),
		ChiefComplaints: []Concept{SNOMED("21522001", "Abdominal pain")},
		Diagnoses:       []Concept{SNOMED("74400008", "Appendicitis")},
		Procedures:      []PerformedProcedure{{Procedure: SNOMED("80146002", "Appendectomy"), Date: at("2025-06-17 09:00"), Outcome: "Uneventful"}},
		Medicines:       []Medicine{{Drug: Text("Cefixime 200 mg tablet"), Dose: "1 tablet", Route: "oral", Frequency: "twice a day", TimesPerDay: 2, Days: 5}},
		Advice:          "Soft diet for a week. No heavy lifting for 4 weeks.",
		FollowUp:        &FollowUp{Date: at("2025-06-27 11:00"), Reason: "Suture removal"},
	}},
	{"immunization", testHeader, ImmunizationRecord{Doses: []Vaccination{
		{Vaccine: SNOMED("871751006", "Hepatitis A vaccine"), Date: at("2025-06-12 10:20"), LotNumber: "HAV-2291", DoseNumber: 1, Manufacturer: "Example Biologicals Ltd", Route: "intramuscular"},
		{Vaccine: Text("Tetanus and diphtheria (Td)"), Date: at("2025-06-12 10:22"), DoseNumber: 2, Manufacturer: "Example Biologicals Ltd"},
	}}},
	{"wellness", testHeader, WellnessRecord{
		Vitals: Vitals{Systolic: 142, Diastolic: 92, Pulse: 78, RespiratoryRate: 16, Temperature: 98.6, TemperatureUnit: "[degF]", SpO2: 98, Height: 157, Weight: 58},
		Other:  []Result{{Test: LOINC("4548-4", "HbA1c"), Value: "6.1", Unit: "%", High: "5.6"}},
	}},
	{"health-document", testHeader, HealthDocument{
		Title: "Discharge summary from 2019",
		Type:  SNOMED("373942005", "Discharge summary"),
		File:  File{Title: "discharge-2019.pdf", ContentType: "application/pdf", Data: fakePDF, Created: at("2019-11-02 12:00")},
	}},
	{"invoice", testHeader, InvoiceRecord{
		Number: "INV/2025/00317",
		Items: []InvoiceItem{
			{Item: Text("Consultation fee"), UnitPrice: 300},
			{Item: Text("Paracetamol 500 mg tablet"), Quantity: 10, UnitPrice: 1.35},
			{Item: Text("Complete blood count"), UnitPrice: 250, Total: 225},
		},
	}},
}

// mustBuild builds a fixture.
func mustBuild(tb testing.TB, f fixture) *Bundle {
	tb.Helper()
	b, err := Build(f.header(), f.content)
	if err != nil {
		tb.Fatalf("Build(%s): %v", f.name, err)
	}
	return b
}

// indented marshals a Bundle as indented JSON, as the golden files hold it.
func indented(tb testing.TB, b *Bundle) []byte {
	tb.Helper()
	data, err := Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		tb.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s\n(run go test -update if the change is intended)", path, firstDiff(got, want))
	}
}

// firstDiff shows the lines around the first difference.
func firstDiff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			return "line " + itoaStr(i+1) + ":\n got:  " + string(gl) + "\n want: " + string(wl)
		}
	}
	return "(no line differs)"
}

func itoaStr(n int) string { return string(json.Number(ftoa(float64(n)))) }
