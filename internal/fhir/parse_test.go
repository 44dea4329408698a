package fhir

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "nested deeper than 64"},
		{"array", `[]`, "expected an object, found array"},
		{"null", `null`, "expected a JSON object"},
		{"string", `"Bundle"`, "expected an object, found string"},
		{"malformed", `{"resourceType": "Bundle", "id": Asha}`, "malformed JSON near byte"},
		{"truncated", `{"resourceType": "Bundle"`, "malformed JSON near byte 25"},
		{"no resourceType", `{"type": "document"}`, "resourceType is missing"},
		{"not a bundle", `{"resourceType": "Patient", "name": [{"text": "Asha"}]}`, "resourceType is not Bundle"},
		{"resourceType number", `{"resourceType": 7}`, "resourceType: expected a string, found number"},
		{"id number", `{"resourceType": "Bundle", "id": 98765432109876}`, "id: expected a string, found number"},
		{"meta profile", `{"resourceType": "Bundle", "meta": {"profile": "x"}}`, "meta.profile: expected an array, found string"},
		{"entry object", `{"resourceType": "Bundle", "entry": {}}`, "entry: expected an array, found object"},
		{"entry string", `{"resourceType": "Bundle", "entry": [{}, "Asha"]}`, "entry[1]: expected an object, found string"},
		{"fullUrl number", `{"resourceType": "Bundle", "entry": [{"fullUrl": 919876543210}]}`, "entry[0].fullUrl: expected a string, found number"},
		{"resource array", `{"resourceType": "Bundle", "entry": [{"resource": []}]}`, "entry[0].resource: expected an object"},
		{"resource untyped", `{"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}`, "entry[0].resource: resourceType is missing"},
		{"resourceType array", `{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": ["Asha"]}}]}`, "entry[0].resource.resourceType: expected a string, found array"},
		{"wrapped garbage", `{"bundleContent": "{\"resourceType\": \"Patient\"}"}`, "resourceType is not Bundle"},
		{"wrapped twice", `{"bundleContent": {"bundleContent": {}}}`, "resourceType is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", b)
			}
			if code := arogya.ErrorCode(err); code != arogya.EINVALID {
				t.Errorf("ErrorCode = %q, want %q", code, arogya.EINVALID)
			}
			msg := arogya.ErrorMessage(err)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
			for _, secret := range []string{"Asha", "98765432109876", "919876543210"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes the input", err)
				}
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := append([]byte(`{"resourceType": "Bundle", "id": "`), bytes.Repeat([]byte("a"), MaxBundleSize)...)
	data = append(data, `"}`...)
	_, err := Parse(data)
	if arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), "larger than 10 MiB") {
		t.Fatalf("Parse(%d bytes) = %v, want EINVALID larger than 10 MiB", len(data), err)
	}
}

// TestParseRoundTrip checks that Parse and Marshal keep every element,
// including those the typed structs do not model.
func TestParseRoundTrip(t *testing.T) {
	in := `{"resourceType":"Bundle","id":"b1","language":"en-IN","meta":{"versionId":"3"},"type":"document",
	  "timestamp":"2025-01-01T00:00:00Z","signature":{"type":[{"code":"1.2.840.10065.1.12.1.1"}]},
	  "entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000001","search":{"mode":"match"},
	    "resource":{"resourceType":"Composition","id":"c1","extension":[{"url":"http://example.org/x","valueString":"kept"}],
	      "status":"final","futureElement":{"nested":[1,2.50,true,null]}}}]}`
	b, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal([]byte(in), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Marshal(Parse(x)) = %s\nwant the same content as %s", out, in)
	}
	if !bytes.Contains(out, []byte(`2.50`)) {
		t.Errorf("decimal 2.50 was not kept as written: %s", out)
	}
	if e := &b.Entry[0]; e.Type() != "Composition" || e.ID() != "c1" {
		t.Errorf("entry header = %q %q, want Composition c1", e.Type(), e.ID())
	}
}

func TestParseWrapped(t *testing.T) {
	inner, err := Marshal(mustBuild(t, fixtures[1]))
	if err != nil {
		t.Fatal(err)
	}
	asString, _ := json.Marshal(string(inner))
	for name, data := range map[string]string{
		"string": `{"careContextReference": "visit-1", "bundleContent": ` + string(asString) + `}`,
		"object": `{"careContextReference": "visit-1", "bundleContent": ` + string(inner) + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			b, err := Parse([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := b.HIType(); got != HITypePrescription {
				t.Errorf("HIType = %q, want %q", got, HITypePrescription)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	b := mustBuild(t, fixtures[0])
	var p Patient
	if err := b.Entry[1].Decode(&p); err != nil {
		t.Fatal(err)
	}
	if p.Name[0].String() != "Asha Devi Verma" {
		t.Errorf("patient name = %q", p.Name[0].String())
	}
	var o Observation
	if err := b.Entry[1].Decode(&o); err == nil || arogya.ErrorCode(err) != arogya.EINVALID {
		t.Errorf("Decode(Patient entry into *Observation) = %v, want EINVALID", err)
	}
	got, err := b.Patient()
	if err != nil || got.BirthDate != "1988-03-14" {
		t.Errorf("Patient() = %+v, %v", got, err)
	}
	if e := b.Resolve("Patient/" + b.Entry[1].ID()); e == nil || e.Type() != "Patient" {
		t.Errorf("Resolve(Patient/id) = %v", e)
	}
	if e := b.Resolve("urn:uuid:00000000-0000-4000-8000-999999999999"); e != nil {
		t.Errorf("Resolve(missing) = %v, want nil", e)
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		prec Precision
	}{
		{"2024", true, PrecisionYear},
		{"2024-02", true, PrecisionMonth},
		{"2024-02-29", true, PrecisionDay},
		{"2024-01-04T15:36:45+05:30", true, PrecisionSecond},
		{"2016-08-01T00:00:00.605+05:30", true, PrecisionSecond},
		{"2024-11-04T09:59:44.325Z", true, PrecisionSecond},
		{"2023-02-29", false, 0},
		{"0000", false, 0},
		{"24-01-04", false, 0},
		{"2024-01-04T15:36:45", false, 0},
		{"2024-01-04T15:36+05:30", false, 0},
		{"2024-01-04T15:36:45.+05:30", false, 0},
		{"2024-01-04T15:36:45,5Z", false, 0},
		{"2024-01-04 15:36:45Z", false, 0},
		{"12/06/2025", false, 0},
		{"", false, 0},
	}
	for _, tt := range tests {
		_, p, err := ParseDateTime(tt.in)
		if (err == nil) != tt.ok || p != tt.prec {
			t.Errorf("ParseDateTime(%q) = %v, %v; want ok=%v precision %v", tt.in, p, err, tt.ok, tt.prec)
		}
	}
}
