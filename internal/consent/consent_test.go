package consent

import (
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
)

var now = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

const goodInit = `{"requestId":"5f7a535d-a3fd-416b-b069-c97d021fbacd","timestamp":"2026-11-29T10:00:00.000Z",
 "consent":{"purpose":{"text":"Care Management","code":"CAREMGT"},"patient":{"id":"ravi.kumar@sbx"},
  "hiu":{"id":"in2810014366"},"requester":{"name":"Dr. Lakshmi","identifier":{"type":"REGNO","value":"AP1001","system":"https://www.nmc.org.in"}},
  "hiTypes":["Prescription","DiagnosticReport","Prescription","Invoice"],
  "permission":{"accessMode":"VIEW","dateRange":{"from":"2020-01-01T00:00:00.000Z","to":"2026-11-29T00:00:00.000Z"},
   "dataEraseAt":"2027-01-01T00:00:00.000Z","frequency":{"unit":"HOUR","value":1,"repeats":0}}}}`

func TestParseInit(t *testing.T) {
	r, err := ParseInit([]byte(goodInit), "sbx", now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Patient != "ravi.kumar@sbx" || r.HIU.ID != "IN2810014366" || strings.Join(r.HITypes, ",") != "Prescription,DiagnosticReport,Invoice" ||
		r.Status != StatusRequested || r.Permission.AccessMode != "VIEW" {
		t.Fatalf("parsed %+v", r)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"code":"CAREMGT"`, `"code":"SHOPPING"`, "purpose.code"},
		{`"id":"ravi.kumar@sbx"`, `"id":"ravi.kumar@abdm"`, "patient.id"},
		{`"id":"ravi.kumar@sbx"`, `"id":""`, "patient.id"},
		{`"hiu":{"id":"in2810014366"}`, `"hiu":{}`, "hiu.id"},
		{`"name":"Dr. Lakshmi",`, ``, "requester.name"},
		{`"Invoice"`, `"Horoscope"`, "hiTypes"},
		{`"accessMode":"VIEW"`, `"accessMode":"COPY"`, "accessMode"},
		{`"to":"2026-11-29T00:00:00.000Z"`, `"to":"2019-01-01T00:00:00.000Z"`, "dateRange.to"},
		{`"dataEraseAt":"2027-01-01T00:00:00.000Z"`, `"dataEraseAt":"2026-01-01T00:00:00.000Z"`, "dataEraseAt"},
		{`"dataEraseAt":"2027-01-01T00:00:00.000Z"`, `"dataEraseAt":"tomorrow"`, "ISO-8601"},
		{`"unit":"HOUR"`, `"unit":"FORTNIGHT"`, "frequency.unit"},
		{`"value":1`, `"value":0`, "frequency"},
		{`"hiTypes":`, `"hiTypes":"x","y":`, "wrong type"},
		{`"consent":{`, `"other":{`, "consent is required"},
	} {
		body := strings.Replace(goodInit, tc.from, tc.to, 1)
		_, err := ParseInit([]byte(body), "sbx", now)
		if err == nil || arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), tc.want) {
			t.Errorf("%s → %s: %v, want an invalid error naming %q", tc.from, tc.to, err, tc.want)
		}
		if err != nil && strings.Contains(arogya.ErrorMessage(err), "ravi") {
			t.Errorf("error message echoes the patient: %v", err)
		}
	}
}

func FuzzParseInit(f *testing.F) {
	f.Add([]byte(goodInit))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"consent":{"permission":{"frequency":{"value":1e309}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseInit(body, "sbx", now)
		if err != nil {
			if arogya.ErrorCode(err) != arogya.EINVALID {
				t.Fatalf("error code %s", arogya.ErrorCode(err))
			}
			return
		}
		if _, ok := Purposes[r.Purpose.Code]; !ok || !strings.HasSuffix(r.Patient, "@sbx") || len(r.HITypes) == 0 || r.Permission.DateRange.To.Before(r.Permission.DateRange.From) {
			t.Fatalf("accepted an invalid request: %+v", r)
		}
	})
}
