package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/protocol"
)

// FuzzMessages: any body to any message the gateway takes (each v0.5 and
// v3 path) and to the person's consent-manager API gets an answer below
// 500, and a refusal carries an error body; nothing panics.
func FuzzMessages(f *testing.F) {
	for _, s := range []string{
		`{"requestId":"` + uuid.NewString() + `","timestamp":"2026-11-29T10:00:00.000Z","query":{"id":"asha.devi@sbx","purpose":"LINK","authMode":"MOBILE_OTP","requester":{"type":"HIP","id":"X"}}}`,
		`{"requestId":"` + uuid.NewString() + `","timestamp":"2026-11-29T10:00:00.000Z","resp":{"requestId":"` + uuid.NewString() + `"},"patient":[{"referenceNumber":"P"}]}`,
		`{"link":{"accessToken":"a.b.c","patient":{"referenceNumber":"P","careContexts":[{"referenceNumber":"C"}]}}}`,
		`{"notification":{"phoneNo":"+91-9876543210","careContextInfo":"x","hip":{"id":"X"}}}`,
		`{"hip":{"id":"IN2810000001"},"unverifiedIdentifiers":[{"type":"MR","value":"1"}]}`,
		`{"transactionId":"` + uuid.NewString() + `","patient":{"referenceNumber":"P","careContexts":[{"referenceNumber":"C"}]}}`,
		`{"isApplicableForAllHIPs":true,"hiu":{"id":"X"},"includedSources":[{"hiTypes":["Prescription"],"purpose":{"code":"CAREMGT"},"period":{"from":"2024-01-01T00:00:00Z","to":"2025-01-01T00:00:00Z"}}]}`,
		`{"hipDetails":{"hipId":"X","code":"1"}}`, `[]`, `null`, "\x00", `{"a":` + strings.Repeat("[", 500),
	} {
		f.Add(s)
	}
	e := newEnv(f)
	tok := e.session(e.bridge("fuzz-bridge")).AccessToken
	asha := e.userToken(f, "asha.devi@sbx")
	type ep struct {
		path   string
		v3     bool
		person bool
	}
	var eps []ep
	for _, r := range protocol.Routes() {
		if r.Dir != protocol.ToCM {
			continue
		}
		if p := protocol.GatewayPath(r, protocol.V05); p != "" {
			eps = append(eps, ep{path: "/gateway" + p})
		}
		if p := protocol.GatewayPath(r, protocol.V3); p != "" {
			eps = append(eps, ep{path: protocol.V3Base + p, v3: true})
		}
	}
	for _, p := range []string{"/cm/v1/care-contexts/discover", "/cm/v1/links/link/init", "/cm/v1/links/link/confirm/REF-1",
		"/cm/patients/profile/share", "/cm/consents/auto-approve", "/cm/consents/revoke", "/cm/patients/pin", "/cm/patients/verify-pin"} {
		eps = append(eps, ep{path: p, person: true})
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, ep := range eps {
			req, _ := http.NewRequest("POST", e.gw.URL+ep.path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if ep.person {
				req.Header.Set("Authorization", "Bearer "+asha)
			} else {
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("X-CM-ID", "sbx")
			}
			if ep.v3 {
				req.Header.Set("REQUEST-ID", uuid.NewString())
				req.Header.Set("TIMESTAMP", "2026-11-29T10:00:00.000Z")
				req.Header.Set("X-HIP-ID", e.verified)
				req.Header.Set("X-LINK-TOKEN", "a.b.c")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("POST %s: %d %s", ep.path, resp.StatusCode, data)
			}
			if resp.StatusCode >= 400 && resp.StatusCode != 404 && !bytes.Contains(data, []byte(`"code":"`)) {
				t.Fatalf("POST %s: %d without an error body: %s", ep.path, resp.StatusCode, data)
			}
		}
	})
}
