package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHIPScanAndShare: at the desk the person scans the hospital's QR and
// shares their ABHA profile through the CM; the HIP registers them with
// no typing and answers a token in the day's queue; sharing again finds
// the same patient and gives the next token.
func TestHIPScanAndShare(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	const admin = "hip-share-operator-token"
	n, base, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm", "hip"}
		c.AdminToken = admin
	})
	op := map[string]string{"Authorization": "Bearer " + admin}
	p := enrolPerson(t, base, sms)
	person := map[string]string{"Authorization": "Bearer " + p.token}
	hipID := verifiedFacility(t, base, op, "Desk Hospital")
	jsonCall(t, "POST", base+"/api/v1/admin/hip/facilities", op, map[string]string{"facilityId": hipID}, 201, nil)
	waitFor(t, "the HIP's service registered", func() string {
		if !hipServiceActive(t, base, op, hipID) {
			return "not yet"
		}
		return ""
	})

	share := func() (status, token string) {
		t.Helper()
		var out struct{ Status, HealthID, TokenNumber string }
		var st int
		waitFor(t, "a profile share", func() string {
			var body []byte
			st, body = jsonDo(t, "POST", base+"/cm/patients/profile/share", person, map[string]any{"hipDetails": map[string]string{"id": hipID, "customCode": "OPD-1"}})
			if st != 200 {
				return string(body) // the HIP's registration may still be under way
			}
			out.Status, out.TokenNumber = "", ""
			if err := jsonUnmarshal(body, &out); err != nil {
				return err.Error()
			}
			return ""
		})
		if out.HealthID != p.address {
			t.Fatalf("share acknowledged for %q, want the person's address", out.HealthID)
		}
		return out.Status, out.TokenNumber
	}
	st, tok := share()
	if !strings.EqualFold(st, "SUCCESS") || tok != "1" {
		t.Fatalf("first share: %s token %q, want SUCCESS and token 1", st, tok)
	}
	ps, err := n.db.HIPPatientsByIdentifier(t.Context(), hipID, p.number, p.address, "", 5)
	if err != nil || len(ps) != 1 || ps[0].Name != p.name || ps[0].ABHAAddress != p.address {
		t.Fatalf("the HIP's patients after the share: %d, %v", len(ps), err)
	}
	if _, tok := share(); tok != "2" {
		t.Fatalf("second share: token %q, want 2", tok)
	}
	if ps2, _ := n.db.HIPPatientsByIdentifier(t.Context(), hipID, p.number, p.address, "", 5); len(ps2) != 1 || ps2[0].Ref != ps[0].Ref {
		t.Fatalf("the second share registered the person again: %d patients", len(ps2))
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
