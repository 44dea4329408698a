package fhir

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
)

func TestBuildGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			b := mustBuild(t, f)
			for _, is := range Check(b) {
				t.Errorf("Check: %v", is)
			}
			got, err := b.HIType()
			if err != nil || got != f.content.HIType() {
				t.Errorf("HIType() = %q, %v; want %q", got, err, f.content.HIType())
			}
			data := indented(t, b)
			golden(t, f.name+".json", data)

			// The same input gives the same bytes.
			if again := indented(t, mustBuild(t, f)); !bytes.Equal(again, data) {
				t.Error("building twice gave different output")
			}
			// What we build parses back to the same JSON.
			raw, _ := Marshal(b)
			p, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse(Build): %v", err)
			}
			if back := indented(t, p); !bytes.Equal(back, data) {
				t.Errorf("Parse(Marshal(b)) does not round-trip:\n%s", firstDiff(back, data))
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	okMed := []Medicine{{Drug: Text("Paracetamol 500 mg")}}
	tests := []struct {
		name    string
		header  func(h *Header)
		content Content
		want    string
	}{
		{"no patient name", func(h *Header) { h.Patient.Name = " " }, Prescription{Medicines: okMed}, "patient: name is required"},
		{"gender", func(h *Header) { h.Patient.Gender = "F" }, Prescription{Medicines: okMed}, "gender must be"},
		{"birth date", func(h *Header) { h.Patient.BirthDate = "14/03/1988" }, Prescription{Medicines: okMed}, "birth date"},
		{"ABHA number", func(h *Header) { h.Patient.ABHANumber = "12-3456" }, Prescription{Medicines: okMed}, "ABHA number must have 14 digits"},
		{"ABHA address", func(h *Header) { h.Patient.ABHAAddress = "asha verma" }, Prescription{Medicines: okMed}, "ABHA address"},
		{"no author", func(h *Header) { h.Author.Name = "" }, Prescription{Medicines: okMed}, "author: name is required"},
		{"no facility", func(h *Header) { h.Facility.Name = "" }, Prescription{Medicines: okMed}, "facility: name is required"},
		{"no date", func(h *Header) { h.Date = time.Time{} }, Prescription{Medicines: okMed}, "date is required"},
		{"visit class", func(h *Header) { h.Visit.Class = "OPD" }, Prescription{Medicines: okMed}, "visit: class"},
		{"bad ids", func(h *Header) { h.NewID = func() string { return "not an id!" } }, Prescription{Medicines: okMed}, "invalid FHIR id"},
		{"empty consultation", nil, Consultation{}, "the record is empty"},
		{"empty prescription", nil, Prescription{}, "at least one medicine"},
		{"drug", nil, Prescription{Medicines: []Medicine{{Dose: "1 tablet"}}}, "medicines[0].drug: a code or text is required"},
		{"code without system", nil, Prescription{Medicines: []Medicine{{Drug: Concept{Code: "322236009"}}}}, "a code needs its code system"},
		{"value not decimal", nil, LabReport{Test: Text("CBC"), Results: []Result{{Test: Text("Hb"), Value: "elevenish", Unit: "g/dL"}}}, "results[0].value: must be a decimal"},
		{"value without unit", nil, LabReport{Test: Text("CBC"), Results: []Result{{Test: Text("Hb"), Value: "10.2"}}}, "results[0].unit: a numeric result needs a unit"},
		{"no value", nil, LabReport{Test: Text("CBC"), Results: []Result{{Test: Text("Hb")}}}, "a value or a text result is required"},
		{"range", nil, LabReport{Test: Text("CBC"), Results: []Result{{Test: Text("Hb"), Value: "10", Unit: "g/dL", Low: "twelve"}}}, "reference range bounds"},
		{"interpretation", nil, LabReport{Test: Text("CBC"), Results: []Result{{Test: Text("Hb"), Value: "10", Unit: "g/dL", Interpretation: "X"}}}, "interpretation"},
		{"no results", nil, LabReport{Test: Text("CBC")}, "at least one result"},
		{"imaging empty", nil, ImagingReport{Study: Text("X-ray")}, "a conclusion or a file"},
		{"file empty", nil, HealthDocument{File: File{ContentType: "application/pdf"}}, "file: the file is empty"},
		{"file type", nil, HealthDocument{File: File{ContentType: "pdf", Data: fakePDF}}, "content type must be a media type"},
		{"file too big", nil, HealthDocument{File: File{ContentType: "application/pdf", Data: make([]byte, MaxAttachmentSize+1)}}, "larger than 7 MiB"},
		{"discharge dates", nil, DischargeSummary{Diagnoses: []Concept{Text("x")}}, "admission and discharge dates"},
		{"discharge order", nil, DischargeSummary{Admitted: at("2025-06-20 10:00"), Discharged: at("2025-06-16 10:00")}, "discharge is before admission"},
		{"vaccine date", nil, ImmunizationRecord{Doses: []Vaccination{{Vaccine: Text("BCG")}}}, "doses[0].date"},
		{"blood pressure half", nil, WellnessRecord{Vitals: Vitals{Systolic: 120}}, "both systolic and diastolic"},
		{"temperature unit", nil, WellnessRecord{Vitals: Vitals{Temperature: 37, TemperatureUnit: "C"}}, "temperature unit"},
		{"negative price", nil, InvoiceRecord{Items: []InvoiceItem{{Item: Text("Fee"), UnitPrice: -1}}}, "positive numbers"},
		{"currency", nil, InvoiceRecord{Currency: "rupees", Items: []InvoiceItem{{Item: Text("Fee"), UnitPrice: 1}}}, "ISO 4217"},
		{"follow-up date", nil, Consultation{Advice: "Rest", FollowUp: &FollowUp{Reason: "Review"}}, "followUp: date is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHeader()
			if tt.header != nil {
				tt.header(&h)
			}
			b, err := Build(h, tt.content)
			if err == nil {
				t.Fatalf("Build = %d entries, want an error", len(b.Entry))
			}
			if arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), tt.want) {
				t.Errorf("Build error = %v, want EINVALID containing %q", err, tt.want)
			}
			for _, secret := range []string{"12-3456", "asha verma", "14/03/1988", "twelve", "elevenish"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes the input", err)
				}
			}
		})
	}
}

func TestInterpret(t *testing.T) {
	tests := []struct{ value, low, high, want string }{
		{"10.2", "12.0", "15.5", "L"},
		{"15.6", "12.0", "15.5", "H"},
		{"12.0", "12.0", "15.5", "N"},
		{"15.5", "12.0", "15.5", "N"},
		{"6.1", "", "5.6", "H"},
		{"0", "0", "", "N"},
		{"-1", "0", "", "L"},
		{"7", "", "", ""},
	}
	for _, tt := range tests {
		if got := interpret(tt.value, tt.low, tt.high); got != tt.want {
			t.Errorf("interpret(%s, %s, %s) = %q, want %q", tt.value, tt.low, tt.high, got, tt.want)
		}
	}
}

func TestBuildDefaults(t *testing.T) {
	// Random ids by default: two builds differ, and both validate.
	h := testHeader()
	h.NewID = nil
	a, err := Build(h, fixtures[1].content)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(h, fixtures[1].content)
	if a.ID == b.ID || !isUUID(a.ID) {
		t.Errorf("default ids %q and %q: want two random UUIDs", a.ID, b.ID)
	}
	if err := Validate(a); err != nil {
		t.Error(err)
	}
	// BMI is computed from height and weight.
	w := mustBuild(t, fixture{"bmi", testHeader, WellnessRecord{Vitals: Vitals{Height: 170, Weight: 68}}})
	data, _ := Marshal(w)
	if !bytes.Contains(data, []byte(`"value":23.5,"unit":"kg/m²"`)) {
		t.Errorf("BMI not computed as 23.5: %s", data)
	}
}
