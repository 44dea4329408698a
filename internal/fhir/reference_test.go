package fhir

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// referenceDir is the shared tree of public example bundles, relative to
// this package. The files are read in place and never copied into the repo.
const referenceDir = "../../../shared/reference/fhir-examples"

// referenceFiles lists the example bundles. Outside CI a missing tree skips
// the test; with CI set it fails.
func referenceFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(referenceDir, "*", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		if os.Getenv("CI") != "" {
			tb.Fatalf("no FHIR reference examples under %s; CI needs the shared reference tree", referenceDir)
		}
		tb.Skipf("no FHIR reference examples under %s (the shared reference tree is not checked out)", referenceDir)
	}
	return files
}

// referenceExpect is, for each reference example, its HI type (from
// reference/SOURCES.md) and the warning rules it is allowed: the leniency
// it needs. Any error, or any other warning, fails the test.
var referenceExpect = map[string]struct {
	hiType   string
	warnings []string
}{
	// NRCeS-profiled (ABDM wrapper samples): relative fullUrls; vitals
	// Observations without a subject.
	"OP_Consultation_fhir_bundle.abdm-wrapper.json": {HITypeOPConsultation, []string{"fullurl", "recommended"}},
	// Also fullUrls whose prefix is not the resource type ("ChiefComplaints/…")
	// and references that match no fullUrl ("MedicationRequestFamilyHistory/<id>",
	// a bare id), resolved by id.
	"TestBundle.abdm-wrapper.json": {HITypeDischargeSummary, []string{"fullurl", "reference-by-id"}},
	// ProjectEKA: no profile or security label, the projecteka.in/sct system,
	// relative fullUrls, Observations/DiagnosticReports/DocumentReferences
	// without a subject; the immunization bundle lists one Organization twice.
	"MAXLIVNO15DischargeSummaryDoc20161209.json":     {HITypeDischargeSummary, legacyWarnings},
	"MAXLIVNO99HealthDocumentRecordDoc20190801.json": {HITypeHealthDocumentRecord, legacyWarnings},
	"MAXLIVNO99WellnessRecordDoc20190801.json":       {HITypeWellnessRecord, legacyWarnings},
	"MAXRVH1012ImmunizationDoc20190807.json":         {HITypeImmunizationRecord, append([]string{"fullurl-duplicate"}, legacyWarnings...)},
	"MAXRVH1012OPConsultationDoc20190807.json":       {HITypeOPConsultation, legacyWarnings},
	"MAXRVH9999DiagnosticReportDoc20160801.json":     {HITypeDiagnosticReport, legacyWarnings},
	"MAXRVH9999PrescriptionDoc20160805.json":         {HITypePrescription, legacyWarnings},
	// The early NRCeS profile with an http:// canonical URL.
	"NCP1008NRCOPConsultationNote.json": {HITypeOPConsultation, []string{"bundle-profile", "composition-type", "fullurl"}},
}

var legacyWarnings = []string{"bundle-profile", "bundle-security", "composition-type", "fullurl", "recommended"}

func TestReferenceExamples(t *testing.T) {
	for _, file := range referenceFiles(t) {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want, ok := referenceExpect[name]
			if !ok {
				t.Fatalf("no expectations for %s: add it to referenceExpect", name)
			}
			for _, is := range Check(b) {
				if is.Severity == SeverityError || !slices.Contains(want.warnings, is.Rule) {
					t.Errorf("unexpected issue: %v", is)
				}
			}
			if err := Validate(b); err != nil {
				t.Errorf("Validate: %v", err)
			}
			got, err := b.HIType()
			if err != nil {
				t.Fatalf("HIType: %v", err)
			}
			if got != want.hiType {
				t.Errorf("HIType() = %q, want %q", got, want.hiType)
			}
		})
	}
}

// TestFixtures checks the hand-written bundles in testdata/invalid: a
// legacy-style bundle that validates with warnings, and a broken one.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file   string
		errors []string // rules that must be reported as errors
		valid  bool
	}{
		{"legacy-relative.json", nil, true},
		{"broken.json", []string{"bundle-type", "bundle-identifier", "bundle-timestamp", "bundle-security",
			"fullurl", "fullurl-duplicate", "composition-type", "composition-required", "reference", "section-empty",
			"code", "required", "datetime", "quantity-unit", "attachment"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "invalid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			issues := Check(b)
			for _, rule := range tt.errors {
				found := false
				for _, is := range issues {
					found = found || (is.Rule == rule && is.Severity == SeverityError)
				}
				if !found {
					t.Errorf("no %s error; got:\n%s", rule, issueList(issues))
				}
			}
			if err := Validate(b); (err == nil) != tt.valid {
				t.Errorf("Validate = %v, want valid=%v", err, tt.valid)
			}
			if err := RenderHTML(io.Discard, b); err != nil {
				t.Errorf("RenderHTML: %v", err)
			}
		})
	}
}
