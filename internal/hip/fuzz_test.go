package hip

import (
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/protocol"
)

// The parsers of the gateway's callbacks take outside input: they must
// not panic, and what they accept must hold their checks.

func FuzzParseDiscover(f *testing.F) {
	f.Add([]byte(`{"requestId":"5f7a535d-a3fd-416b-b069-c97d021fbacd","transactionId":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10","patient":{"id":"asha@sbx","verifiedIdentifiers":[{"type":"MOBILE","value":"9876543210"}],"unverifiedIdentifiers":[{"type":"MR","value":"MRN-1"}],"name":"Asha","gender":"F","yearOfBirth":1990}}`))
	f.Add([]byte(`{"transactionId":"x","patient":{"yearOfBirth":"1990"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseDiscover(b)
		if err == nil && (len(r.Patient.VerifiedIdentifiers) == 0 || len(r.Patient.Name) > 800) {
			t.Fatalf("accepted %+v", r)
		}
		if err == nil {
			Match([]*Patient{{Ref: "MRN-1", Name: "Asha", Gender: "F", Mobile: "9876543210"}}, r.Patient)
		}
	})
}

func FuzzParseLinkInit(f *testing.F) {
	f.Add([]byte(`{"transactionId":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10","patient":{"id":"asha@sbx","referenceNumber":"MRN-1","careContexts":[{"referenceNumber":"OP-1"}]}}`))
	f.Add([]byte(`{"patient":{"careContexts":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseLinkInit(b)
		if err == nil && (len(r.Patient.CareContexts) == 0 || len(r.TransactionID) != 36) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzParseLinkConfirm(f *testing.F) {
	f.Add([]byte(`{"confirmation":{"linkRefNumber":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10","token":"123456"}}`))
	f.Add([]byte(`{"confirmation":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseLinkConfirm(b)
		if err == nil && (r.Confirmation.Token == "" || r.Confirmation.LinkRefNumber == "") {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzParseConsentNotice(f *testing.F) {
	f.Add([]byte(`{"notification":{"status":"GRANTED","consentId":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10","consentDetail":{"consentId":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10","patient":{"id":"asha@sbx"},"hip":{"id":"IN2810000001"},"careContexts":[{"patientReference":"MRN-1","careContextReference":"OP-1"}],"hiTypes":["OPConsultation"],"permission":{"dateRange":{"from":"2025-01-01T00:00:00.000Z","to":"2025-12-31T00:00:00.000Z"},"dataEraseAt":"2026-12-31T00:00:00.000Z"}},"signature":"x.y.z"}}`))
	f.Add([]byte(`{"notification":{"status":"REVOKED","consentId":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, d, err := ParseConsentNotice(b)
		if err != nil {
			return
		}
		if n.Notification.Status == "GRANTED" && (d == nil || d.ConsentID != n.Notification.ConsentID || len(d.CareContexts) == 0 ||
			d.Permission.DateRange.To.Before(d.Permission.DateRange.From)) {
			t.Fatalf("accepted %+v %+v", n, d)
		}
	})
}

func FuzzParseHIRequest(f *testing.F) {
	f.Add([]byte(`{"transactionId":"b9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10","hiRequest":{"consent":{"id":"c9a1b6c2-6a5b-4e53-9e9e-2f1d5c4a7e10"},"dateRange":{"from":"2025-01-01T00:00:00Z","to":"2025-12-31T00:00:00Z"},"dataPushUrl":"https://hiu.example/push","keyMaterial":{"cryptoAlg":"ECDH","curve":"Curve25519","dhPublicKey":{"expiry":"2026-01-01T00:00:00Z","parameters":"Curve25519/32byte random key","keyValue":"BAK1"},"nonce":"AAAA"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseHIRequest(b)
		if err == nil && (!strings.HasPrefix(r.HIRequest.DataPushURL, "http") || r.HIRequest.DateRange.To.Before(r.HIRequest.DateRange.From)) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzParseLinkAnswer(f *testing.F) {
	f.Add([]byte(`{"auth":{"transactionId":"t","accessToken":"a.b.c"},"resp":{"requestId":"x"}}`))
	f.Add([]byte(`{"acknowledgement":{"status":"SUCCESS"},"error":null}`))
	f.Add([]byte(`{"abhaAddress":"asha@sbx","linkToken":"eyJ.eyJ.sig","response":{"requestId":"5f7a535d-a3fd-416b-b069-c97d021fbacd"}}`))
	f.Add([]byte(`{"abhaAddress":"asha@sbx","status":"Successfully Linked care context"}`))
	f.Add([]byte(`{"error":{"code":"ABDM-1027","message":"blocked"},"response":{"requestId":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseLinkAnswer(b)
		if err == nil && (len(a.LinkToken) > maxLinkToken || len(a.Status) > 200 || len(a.ABHAAddress) > 100) {
			t.Fatalf("accepted %+v", a)
		}
	})
}

// FuzzTokenExpiry: a link token's expiry, read from what the gateway sent,
// is never later than six months from now.
func FuzzTokenExpiry(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3OTk5OTk5OTl9.c2ln")
	f.Add("a.eyJleHAiOi0xfQ.b")
	f.Add("a.eyJleHAiOjFlMzAwfQ.b")
	f.Add("not a token")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, tok string) {
		if exp := tokenExpiry(tok, now); exp.After(now.Add(linkTokenLife)) {
			t.Fatalf("expiry %v beyond six months", exp)
		}
	})
}

// FuzzInboundEnvelope: a stored callback of either version reads back its
// kind and envelope, or is refused; a v3 one's request ID is the job's.
func FuzzInboundEnvelope(f *testing.F) {
	f.Add("/api/v3/hip/token/on-generate-token", "5f7a535d-a3fd-416b-b069-c97d021fbacd", []byte(`{"linkToken":"x","response":{"requestId":"6f0b4665-a915-4c92-aa36-65afb4a2cd71"}}`))
	f.Add("care-contexts/discover", "x", []byte(`{"requestId":"5f7a535d-a3fd-416b-b069-c97d021fbacd","timestamp":"2025-01-01T00:00:00.000Z"}`))
	f.Add("/api/v3/nothing", "5f7a535d-a3fd-416b-b069-c97d021fbacd", []byte(`{}`))
	f.Add("/api/v3/link/on_carecontext", "not-a-uuid", []byte(`{"resp":{"requestId":"6f0b4665-a915-4c92-aa36-65afb4a2cd71"},"response":{"requestId":"7f0b4665-a915-4c92-aa36-65afb4a2cd71"}}`))
	f.Fuzz(func(t *testing.T, path, id string, body []byte) {
		j := &Job{ID: "in:" + id, Path: path, Body: body, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		kind, env, err := inboundEnvelope(j)
		if err != nil {
			return
		}
		if _, ok := protocol.ByKind(kind); strings.HasPrefix(path, "/") && (!ok || env.RequestID != id || env.Version != protocol.V3) {
			t.Fatalf("%q %q: kind %q, envelope %+v", path, id, kind, env)
		}
		if env.InResponseTo != "" && !protocol.IsUUID(env.InResponseTo) {
			t.Fatalf("answers %q", env.InResponseTo)
		}
	})
}

func FuzzParseShare(f *testing.F) {
	f.Add([]byte(`{"requestId":"5f7a535d-a3fd-416b-b069-c97d021fbacd","intent":{"type":"PROFILE_SHARE"},"profile":{"hipCode":"OPD-1","patient":{"healthId":"asha.devi@sbx","healthIdNumber":"91-1234-5678-9012","name":"Asha Devi","gender":"F","yearOfBirth":1990,"monthOfBirth":4,"dayOfBirth":1,"identifiers":[{"type":"MOBILE","value":"+91-9876543210"}]}}}`))
	f.Add([]byte(`{"profile":{"patient":{"healthId":"","name":"x","yearOfBirth":"1990"}}}`))
	f.Add([]byte(`{"abhaAddress":"asha.devi@sbx","abhaNumber":"91-1234-5678-9012","name":"Asha Devi","gender":"F","yearOfBirth":1990,"monthOfBirth":"4","dayOfBirth":1,"phoneNumber":"9876543210","intent":{"context":"OPD-1","linkToken":"eyJ.eyJ.sig"},"metaData":{"hipId":"IN2810000001","context":"OPD-1"}}`))
	f.Add([]byte(`{"abhaAddress":"a@sbx","name":"x","yearOfBirth":1e99,"intent":{"linkToken":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseShare(b)
		if err == nil && (r.Profile.Patient.HealthID == "" || r.Profile.Patient.Name == "" || len(r.Profile.HIPCode) > 50 || len(r.LinkToken) > maxLinkToken) {
			t.Fatalf("accepted %+v", r)
		}
	})
}
