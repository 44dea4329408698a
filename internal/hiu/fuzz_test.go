package hiu_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/hiu"
)

// The parsers of outside input: the gateway's callbacks and the HIPs'
// data pushes. None may panic, and what they accept holds their checks.

func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`{"pageNumber":1,"pageCount":1,"transactionId":"4a1d3c5e-8f2b-4c6d-9e0f-1a2b3c4d5e6f","entries":[{"content":"AAAA","media":"application/fhir+json","checksum":"x","careContextReference":"OP-1"}],` +
		`"keyMaterial":{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":"2030-01-01T00:00:00.000Z","parameters":"Curve25519/32byte random key","keyValue":"BAAA"},"nonce":"AAAA"}}`))
	f.Add([]byte(`{"pageNumber":0}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := hiu.ParsePage(body)
		if err != nil {
			return
		}
		if p.PageNumber < 1 || p.PageNumber > p.PageCount || len(p.Entries) > 1000 || p.KeyMaterial == nil {
			t.Fatalf("accepted a page out of bounds: %+v", p)
		}
	})
}

func FuzzParseCallbacks(f *testing.F) {
	for _, s := range []string{
		`{"requestId":"x","consentRequest":{"id":"4a1d3c5e-8f2b-4c6d-9e0f-1a2b3c4d5e6f"},"resp":{"requestId":"y"}}`,
		`{"notification":{"consentRequestId":"4a1d3c5e-8f2b-4c6d-9e0f-1a2b3c4d5e6f","status":"GRANTED","consentArtefacts":[{"id":"4a1d3c5e-8f2b-4c6d-9e0f-1a2b3c4d5e6f"}]}}`,
		`{"notification":{"status":"REVOKED","consentArtefacts":[]}}`,
		`{"consent":{"status":"GRANTED","consentDetail":{"consentId":"4a1d3c5e-8f2b-4c6d-9e0f-1a2b3c4d5e6f","hiTypes":["OPConsultation"],"careContexts":[{"patientReference":"p","careContextReference":"c"}],` +
			`"permission":{"dateRange":{"from":"2025-01-01T00:00:00Z","to":"2025-12-31T00:00:00Z"},"dataEraseAt":"2030-01-01T00:00:00Z"}},"signature":"a.b.c"}}`,
		`{"error":{"code":"ABDM-1010","message":"no"}}`,
		`{"hiRequest":{"transactionId":"4a1d3c5e-8f2b-4c6d-9e0f-1a2b3c4d5e6f","sessionStatus":"REQUESTED"}}`,
		`{"patient":{"id":"asha@sbx","name":"Asha"}}`,
		`null`, `{"consent":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if m, err := hiu.ParseOnInit(body); err == nil && m.Error == nil && m.ConsentRequest == nil {
			t.Fatal("on-init accepted with neither consentRequest nor error")
		}
		if n, err := hiu.ParseNotice(body); err == nil {
			if st := n.Notification.Status; st != "GRANTED" && st != "DENIED" && st != "REVOKED" && st != "EXPIRED" {
				t.Fatalf("notify accepted with status %q", st)
			}
		}
		if f, d, err := hiu.ParseFetched(body); err == nil {
			if d == nil && (f == nil || f.Error == nil) {
				t.Fatal("on-fetch accepted with neither artefact nor error")
			}
			if d != nil && (d.Permission.DateRange.To.Before(d.Permission.DateRange.From) || len(d.HITypes) == 0) {
				t.Fatalf("on-fetch accepted an artefact that does not check: %+v", d)
			}
		}
		if m, err := hiu.ParseOnRequest(body); err == nil && m.Error == nil && m.HIRequest == nil {
			t.Fatal("on-request accepted with neither hiRequest nor error")
		}
		_, _ = hiu.ParseFound(body)
	})
}

// FuzzStaffToken: no string but one the service signed is a clinician
// token.
func FuzzStaffToken(f *testing.F) {
	svc := hiu.NewService(nil, nil, nil, hiu.Config{TokenKey: bytes.Repeat([]byte{9}, 32), Now: func() time.Time { return time.Unix(1e9, 0) }})
	f.Add("hu1.SU4yODEwMDAwMDQyfDcxMjM0NTY3ODkwMTIzfDk5OTk5OTk5OTk.AAAA")
	f.Add("hu1..")
	f.Fuzz(func(t *testing.T, tok string) {
		if _, _, ok := svc.CheckStaffToken(tok); ok {
			t.Fatalf("a forged token passed: %q", tok)
		}
	})
}
