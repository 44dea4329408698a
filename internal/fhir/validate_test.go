package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

// mutated builds a fixture, lets edit change its JSON, and parses it back.
func mutated(t *testing.T, name string, edit func(b map[string]any)) *Bundle {
	t.Helper()
	var f fixture
	for _, x := range fixtures {
		if x.name == name {
			f = x
		}
	}
	data, err := Marshal(mustBuild(t, f))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return b
}

// Helpers to reach into a bundle decoded as generic JSON.
func entries(m map[string]any) []any { return m["entry"].([]any) }
func res(m map[string]any, i int) map[string]any {
	return entries(m)[i].(map[string]any)["resource"].(map[string]any)
}

// find returns the index of the first entry of a resource type.
func find(m map[string]any, typ string) int {
	for i := range entries(m) {
		if res(m, i)["resourceType"] == typ {
			return i
		}
	}
	panic("no " + typ)
}

func TestCheckRules(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		edit     func(m map[string]any)
		severity Severity
		rule     string
		path     string // the issue's path; "%d" is the index of the entry named in entry
		entry    string
	}{
		{"type", "op-consultation", func(m map[string]any) { m["type"] = "collection" }, SeverityError, "bundle-type", "type", ""},
		{"identifier", "op-consultation", func(m map[string]any) { delete(m, "identifier") }, SeverityError, "bundle-identifier", "identifier", ""},
		{"timestamp date only", "op-consultation", func(m map[string]any) { m["timestamp"] = "2025-06-12" }, SeverityError, "bundle-timestamp", "timestamp", ""},
		{"security missing with profile", "op-consultation", func(m map[string]any) {
			delete(m["meta"].(map[string]any), "security")
		}, SeverityError, "bundle-security", "meta.security", ""},
		{"security missing without profile", "op-consultation", func(m map[string]any) { delete(m, "meta") }, SeverityWarning, "bundle-security", "meta.security", ""},
		{"profile missing", "op-consultation", func(m map[string]any) { delete(m, "meta") }, SeverityWarning, "bundle-profile", "meta.profile", ""},
		{"no entries", "op-consultation", func(m map[string]any) { delete(m, "entry") }, SeverityError, "bundle-entry", "entry", ""},
		{"composition not first", "op-consultation", func(m map[string]any) {
			e := entries(m)
			e[0], e[1] = e[1], e[0]
		}, SeverityError, "composition-first", "entry[0].resource", ""},
		{"unknown type", "op-consultation", func(m map[string]any) {
			res(m, 0)["type"] = map[string]any{"coding": []any{map[string]any{"system": SystemSNOMED, "code": "12345"}}}
		}, SeverityError, "composition-type", "entry[0].resource.type", ""},
		{"type and profile disagree", "op-consultation", func(m map[string]any) {
			res(m, 0)["type"] = map[string]any{"coding": []any{map[string]any{"system": SystemSNOMED, "code": "440545006"}}}
		}, SeverityError, "composition-profile", "entry[0].resource.meta.profile", ""},
		{"legacy type system", "op-consultation", func(m map[string]any) {
			res(m, 0)["type"].(map[string]any)["coding"].([]any)[0].(map[string]any)["system"] = systemProjectEKASCT
		}, SeverityWarning, "composition-type", "entry[0].resource.type", ""},
		{"no title", "op-consultation", func(m map[string]any) { delete(res(m, 0), "title") }, SeverityError, "composition-required", "entry[0].resource.title", ""},
		{"no subject", "op-consultation", func(m map[string]any) { delete(res(m, 0), "subject") }, SeverityError, "composition-subject", "entry[0].resource.subject", ""},
		{"subject not a patient", "op-consultation", func(m map[string]any) {
			res(m, 0)["subject"] = res(m, 0)["author"].([]any)[0]
		}, SeverityError, "reference-type", "entry[0].resource.subject", ""},
		{"section entry missing", "op-consultation", func(m map[string]any) {
			s := res(m, 0)["section"].([]any)[0].(map[string]any)
			s["entry"] = []any{map[string]any{"reference": "urn:uuid:00000000-0000-4000-8000-000000009999"}}
		}, SeverityError, "reference", "entry[0].resource.section[0].entry[0]", ""},
		{"section by id only", "op-consultation", func(m map[string]any) {
			s := res(m, 0)["section"].([]any)[0].(map[string]any)
			id := s["entry"].([]any)[0].(map[string]any)["reference"].(string)
			s["entry"].([]any)[0] = map[string]any{"reference": "Complaint/" + strings.TrimPrefix(id, "urn:uuid:")}
		}, SeverityWarning, "reference-by-id", "entry[0].resource.section[0].entry[0]", ""},
		{"empty section", "op-consultation", func(m map[string]any) {
			res(m, 0)["section"] = append(res(m, 0)["section"].([]any), map[string]any{"title": "Nothing"})
		}, SeverityError, "section-empty", "entry[0].resource.section[8]", ""},
		{"status missing", "op-consultation", func(m map[string]any) { delete(res(m, find(m, "Observation")), "status") },
			SeverityError, "required", "entry[%d].resource.status", "Observation"},
		{"status unknown", "op-consultation", func(m map[string]any) { res(m, find(m, "Observation"))["status"] = "done" },
			SeverityError, "code", "entry[%d].resource.status", "Observation"},
		{"medication missing", "prescription", func(m map[string]any) {
			delete(res(m, find(m, "MedicationRequest")), "medicationCodeableConcept")
		}, SeverityError, "required", "entry[%d].resource.medication", "MedicationRequest"},
		{"gender unknown", "op-consultation", func(m map[string]any) { res(m, 1)["gender"] = "F" }, SeverityError, "code", "entry[1].resource.gender", ""},
		{"birth date with time", "op-consultation", func(m map[string]any) { res(m, 1)["birthDate"] = "1988-03-14T00:00:00Z" },
			SeverityError, "datetime", "entry[1].resource.birthDate", ""},
		{"bad dateTime", "lab-report", func(m map[string]any) { res(m, find(m, "Observation"))["effectiveDateTime"] = "12/06/2025" },
			SeverityError, "datetime", "entry[%d].resource.effectiveDateTime", "Observation"},
		{"bad instant", "lab-report", func(m map[string]any) { res(m, find(m, "DiagnosticReport"))["issued"] = "2025-06-12" },
			SeverityError, "datetime", "entry[%d].resource.issued", "DiagnosticReport"},
		{"quantity without unit", "lab-report", func(m map[string]any) {
			q := res(m, find(m, "Observation"))["valueQuantity"].(map[string]any)
			delete(q, "unit")
			delete(q, "code")
		}, SeverityError, "quantity-unit", "entry[%d].resource.valueQuantity", "Observation"},
		{"component without unit", "wellness", func(m map[string]any) {
			q := res(m, find(m, "Observation"))["component"].([]any)[1].(map[string]any)["valueQuantity"].(map[string]any)
			delete(q, "unit")
			delete(q, "code")
		}, SeverityError, "quantity-unit", "entry[%d].resource.component[1].valueQuantity", "Observation"},
		{"range without unit", "lab-report", func(m map[string]any) {
			q := res(m, find(m, "Observation"))["referenceRange"].([]any)[0].(map[string]any)["low"].(map[string]any)
			delete(q, "unit")
			delete(q, "code")
		}, SeverityWarning, "quantity-unit", "entry[%d].resource.referenceRange[0].low", "Observation"},
		{"wrong JSON type", "lab-report", func(m map[string]any) { res(m, find(m, "Observation"))["code"] = "Hb" },
			SeverityError, "decode", "entry[%d].resource.code", "Observation"},
		{"subject missing", "lab-report", func(m map[string]any) { delete(res(m, find(m, "Observation")), "subject") },
			SeverityWarning, "recommended", "entry[%d].resource.subject", "Observation"},
		{"another patient", "prescription", func(m map[string]any) {
			other := map[string]any{"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000777",
				"resource": map[string]any{"resourceType": "Patient", "id": "00000000-0000-4000-8000-000000000777"}}
			m["entry"] = append(entries(m), other)
			res(m, find(m, "MedicationRequest"))["subject"] = map[string]any{"reference": "urn:uuid:00000000-0000-4000-8000-000000000777"}
		}, SeverityError, "patient-mismatch", "entry[%d].resource.subject", "MedicationRequest"},
		{"dangling reference", "prescription", func(m map[string]any) {
			res(m, find(m, "MedicationRequest"))["requester"] = map[string]any{"reference": "urn:uuid:00000000-0000-4000-8000-000000000555"}
		}, SeverityWarning, "reference", "entry[%d].resource.requester", "MedicationRequest"},
		{"fullUrl not a uuid", "prescription", func(m map[string]any) {
			entries(m)[2].(map[string]any)["fullUrl"] = "urn:uuid:practitioner-1"
		}, SeverityError, "fullurl", "entry[2].fullUrl", ""},
		{"fullUrl relative", "prescription", func(m map[string]any) {
			entries(m)[2].(map[string]any)["fullUrl"] = "Practitioner/" + res(m, 2)["id"].(string)
		}, SeverityWarning, "fullurl", "entry", ""},
		{"fullUrl reused", "prescription", func(m map[string]any) {
			entries(m)[3].(map[string]any)["fullUrl"] = entries(m)[2].(map[string]any)["fullUrl"]
		}, SeverityError, "fullurl-duplicate", "entry[3].fullUrl", ""},
		{"same entry twice", "prescription", func(m map[string]any) { m["entry"] = append(entries(m), entries(m)[2]) },
			SeverityWarning, "fullurl-duplicate", "entry[%d].fullUrl", "last"},
		{"attachment without type", "health-document", func(m map[string]any) {
			a := res(m, find(m, "DocumentReference"))["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
			delete(a, "contentType")
		}, SeverityError, "attachment", "entry[%d].resource.content[0].attachment.contentType", "DocumentReference"},
		{"attachment not base64", "health-document", func(m map[string]any) {
			a := res(m, find(m, "DocumentReference"))["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
			a["data"] = "not base64!"
		}, SeverityError, "attachment", "entry[%d].resource.content[0].attachment.data", "DocumentReference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var idx int
			b := mutated(t, tt.fixture, func(m map[string]any) {
				tt.edit(m)
				switch tt.entry {
				case "":
				case "last":
					idx = len(entries(m)) - 1
				default:
					idx = find(m, tt.entry)
				}
			})
			path := tt.path
			if strings.Contains(path, "%d") {
				path = fmt.Sprintf(path, idx)
			}
			issues := Check(b)
			for _, is := range issues {
				if is.Rule == tt.rule && is.Path == path && is.Severity == tt.severity {
					return
				}
			}
			t.Errorf("no %s %s at %s; got:\n%s", tt.severity, tt.rule, path, issueList(issues))
		})
	}
}

func issueList(issues []Issue) string {
	var s []string
	for _, is := range issues {
		s = append(s, "  "+is.String())
	}
	return strings.Join(s, "\n")
}

func TestValidateError(t *testing.T) {
	b := mutated(t, "op-consultation", func(m map[string]any) {
		m["type"] = "collection"
		res(m, 1)["name"] = []any{map[string]any{"text": "Asha Devi Verma"}}
		res(m, 1)["birthDate"] = "14-03-1988"
	})
	err := Validate(b)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want a *ValidationError", err)
	}
	if arogya.ErrorCode(err) != arogya.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", arogya.ErrorCode(err), arogya.EINVALID)
	}
	msg := arogya.ErrorMessage(err)
	if !strings.Contains(msg, "fails 2 rule(s)") || !strings.Contains(msg, "type") {
		t.Errorf("message = %q", msg)
	}
	for _, is := range ve.Issues {
		for _, secret := range []string{"Asha", "14-03-1988"} {
			if strings.Contains(is.String(), secret) {
				t.Errorf("issue %q quotes the record", is)
			}
		}
	}
	if err := Validate(mustBuild(t, fixtures[0])); err != nil {
		t.Errorf("Validate(built) = %v", err)
	}
}

func TestCheckTruncates(t *testing.T) {
	b := mutated(t, "lab-report", func(m map[string]any) {
		obs := entries(m)[find(m, "Observation")].(map[string]any)
		for i := 0; i < 300; i++ {
			r := map[string]any{"resourceType": "Observation", "id": fmt.Sprintf("o%d", i)}
			m["entry"] = append(entries(m), map[string]any{"fullUrl": fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", 5000+i), "resource": r})
		}
		_ = obs
	})
	issues := Check(b)
	if len(issues) != maxIssues+1 || issues[len(issues)-1].Rule != "truncated" {
		t.Errorf("Check returned %d issues, last %v; want %d and a truncated note", len(issues), issues[len(issues)-1], maxIssues+1)
	}
}

func TestHIType(t *testing.T) {
	tests := []struct {
		typ  CodeableConcept
		want string
	}{
		{CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "371530004"}}}, HITypeOPConsultation},
		{CodeableConcept{Coding: []Coding{{System: systemProjectEKASCT, Code: "440545006"}}}, HITypePrescription},
		{CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "373942005"}}}, HITypeDischargeSummary},
		{CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "721981007"}}}, HITypeDiagnosticReport},
		{CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "41000179103"}}}, HITypeImmunizationRecord},
		{CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "419891008"}}}, HITypeHealthDocumentRecord},
		{CodeableConcept{Text: "Wellness Record"}, HITypeWellnessRecord},
		{CodeableConcept{Coding: []Coding{{System: systemProjectEKASCT, Display: "Wellness  record"}}}, HITypeWellnessRecord},
		{CodeableConcept{Text: "Invoice Record"}, HITypeInvoice},
		{CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: "371530004"}}}, ""},
		{CodeableConcept{Text: "Clinical consultation report"}, ""},
	}
	for _, tt := range tests {
		k, ok := compositionKind(&tt.typ)
		if got := k.hiType; got != tt.want || ok != (tt.want != "") {
			t.Errorf("compositionKind(%+v) = %q, %v; want %q", tt.typ, got, ok, tt.want)
		}
	}
}
