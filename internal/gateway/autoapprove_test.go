package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// TestAutoApproval: Asha lets Coastal (an HIU) have her prescriptions
// without asking. A request that fits is granted at once, with artefacts
// for her linked care contexts and the HIU and HIP told; one that does not
// fit waits for her; a disabled policy grants nothing.
func TestAutoApproval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: clock})
	srv := newBridgeServer(t)
	tok := e.session(e.bridge("city-hospital")).AccessToken
	e.call("PATCH", "/gateway/v1/bridges", bearer(tok), map[string]string{"url": srv.URL}, nil)
	e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(tok), []map[string]any{{"id": e.verified, "name": "Coastal", "types": []string{"HIP", "HIU"}}}, nil)
	e.link(t, "asha.devi@sbx", e.verified, "PAT-7", "OP-1", "OP-2")
	asha := bearer(e.userToken(t, "asha.devi@sbx"))

	policy := map[string]any{"isApplicableForAllHIPs": true, "hiu": map[string]string{"id": e.verified},
		"includedSources": []map[string]any{{"hiTypes": []string{"Prescription"}, "purpose": map[string]string{"code": "CAREMGT", "text": "Care Management"},
			"period": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2026-12-31T00:00:00.000Z"}}},
		"excludedSources": []any{}}
	if st := e.call("POST", "/cm/consents/auto-approve", asha, policy, nil); st != 401 {
		t.Fatalf("without the PIN: %d", st)
	}
	var made struct{ AutoApprovalID string }
	if st := e.call("POST", "/cm/consents/auto-approve", e.pinToken(t, asha, "consent.autoaprove", ""), policy, &made); st != 200 || made.AutoApprovalID == "" {
		t.Fatalf("auto-approve: %d %+v", st, made)
	}

	ask := func(purpose, hiType string) string {
		t.Helper()
		rid := uuid.NewString()
		if st := e.call("POST", "/gateway/v0.5/consent-requests/init", map[string]string{"Authorization": "Bearer " + tok, "X-CM-ID": "sbx"}, map[string]any{
			"requestId": rid, "timestamp": clock().UTC().Format("2006-01-02T15:04:05.000Z"),
			"consent": map[string]any{"purpose": map[string]string{"text": "x", "code": purpose}, "patient": map[string]string{"id": "asha.devi@sbx"},
				"hiu": map[string]string{"id": e.verified}, "requester": map[string]any{"name": "Dr. Rao"}, "hiTypes": []string{hiType},
				"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2026-11-01T00:00:00.000Z"},
					"dataEraseAt": clock().Add(48 * time.Hour).UTC().Format(time.RFC3339), "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}}},
		}, nil); st != 202 {
			t.Fatalf("init: %d", st)
		}
		ob.RunOnce(ctx)
		var onInit struct {
			ConsentRequest struct{ ID string } `json:"consentRequest"`
		}
		all := srv.all("/v0.5/consent-requests/on-init")
		json.Unmarshal([]byte(all[len(all)-1]), &onInit)
		return onInit.ConsentRequest.ID
	}
	status := func(id string) string {
		var d struct{ Status string }
		e.call("GET", "/cm/consent-requests/"+id, asha, nil, &d)
		return d.Status
	}

	granted := ask("CAREMGT", "Prescription")
	if st := status(granted); st != "GRANTED" {
		t.Fatalf("a request the policy covers is %s", st)
	}
	notices := srv.all("/v0.5/consents/hiu/notify")
	if len(notices) != 1 || !strings.Contains(notices[0], `"GRANTED"`) || !strings.Contains(notices[0], granted) {
		t.Fatalf("hiu notify: %q", notices)
	}
	hip := srv.all("/v0.5/consents/hip/notify")
	if len(hip) != 1 || !strings.Contains(hip[0], "OP-1") || !strings.Contains(hip[0], "OP-2") {
		t.Fatalf("hip notify: %q", hip)
	}
	if waiting := ask("CAREMGT", "DischargeSummary"); status(waiting) != "REQUESTED" {
		t.Fatalf("a request for an HI type not covered was decided: %s", status(waiting))
	}
	if waiting := ask("BTG", "Prescription"); status(waiting) != "REQUESTED" {
		t.Fatalf("a request for another purpose was decided")
	}

	disable := "/cm/consents/auto-approval-policy/" + made.AutoApprovalID + "/disable"
	if st := e.call("POST", disable, bearer(e.userToken(t, "ravi.kumar@sbx")), nil, nil); st != 404 {
		t.Fatalf("another person disables: %d", st)
	}
	if st := e.call("POST", disable, asha, nil, nil); st != 200 {
		t.Fatalf("disable: %d", st)
	}
	if st := e.call("POST", disable, asha, nil, nil); st != 409 {
		t.Fatalf("disable twice: %d", st)
	}
	if later := ask("CAREMGT", "Prescription"); status(later) != "REQUESTED" {
		t.Fatalf("a disabled policy granted")
	}
	var list struct {
		Policies []struct {
			AutoApprovalID string
			Enabled        bool
		}
	}
	if st := e.call("GET", "/cm/consents/auto-approval-policies", asha, nil, &list); st != 200 || len(list.Policies) != 1 || list.Policies[0].Enabled {
		t.Fatalf("policies: %d %+v", st, list)
	}
}
