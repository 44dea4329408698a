package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// TestConsentLock: a person who locks their ABHA gets no new consent
// requests — the HIU is answered ABDM-1130 and nothing reaches the
// person's inbox — until they unlock it with their PIN.
func TestConsentLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: clock})
	hiu := newBridgeServer(t)
	tok := e.session(e.bridge("city-hiu")).AccessToken
	if st := e.call("PATCH", "/gateway/v1/bridges", bearer(tok), map[string]string{"url": hiu.URL}, nil); st != 200 {
		t.Fatalf("set url: %d", st)
	}
	if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(tok), []map[string]any{{"id": e.verified, "name": "City Clinic", "type": "HIU"}}, nil); st != 200 {
		t.Fatalf("services: %d", st)
	}
	request := func() string {
		rid := uuid.NewString()
		h := bearer(tok)
		h["X-CM-ID"] = "sbx"
		if st := e.call("POST", "/gateway/v0.5/consent-requests/init", h, map[string]any{"requestId": rid, "timestamp": clock().UTC().Format("2006-01-02T15:04:05.000Z"),
			"consent": map[string]any{
				"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"}, "patient": map[string]string{"id": "asha.devi@sbx"},
				"hiu": map[string]string{"id": e.verified}, "requester": map[string]any{"name": "Dr. Rao"}, "hiTypes": []string{"Prescription"},
				"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2026-11-01T00:00:00.000Z"},
					"dataEraseAt": "2027-06-01T00:00:00.000Z", "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}}}}, nil); st != 202 {
			t.Fatalf("init: %d", st)
		}
		ob.RunOnce(ctx)
		all := hiu.all("/v0.5/consent-requests/on-init")
		return all[len(all)-1]
	}
	asha := bearer(e.userToken(t, "asha.devi@sbx"))
	inbox := func() int {
		var out struct {
			Consents struct {
				Requests []any `json:"requests"`
			} `json:"consents"`
		}
		if st := e.call("GET", "/cm/patients/requests", asha, nil, &out); st != 200 {
			t.Fatalf("inbox: %d", st)
		}
		return len(out.Consents.Requests)
	}
	lock := func(headers map[string]string, locked bool) (int, bool) {
		var out struct {
			Locked bool `json:"locked"`
		}
		st := e.call("PUT", "/cm/patients/lock", headers, map[string]bool{"locked": locked}, &out)
		return st, out.Locked
	}

	if on := request(); !strings.Contains(on, `"consentRequest"`) || inbox() != 1 {
		t.Fatalf("before the lock: %s, %d in the inbox", on, inbox())
	}
	if st, locked := lock(asha, true); st != 200 || !locked {
		t.Fatalf("lock: %d %v", st, locked)
	}
	if on := request(); !strings.Contains(on, "ABDM-1130") || strings.Contains(on, `"consentRequest"`) || inbox() != 1 {
		t.Fatalf("while locked: %s, %d in the inbox", on, inbox())
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		body    any
		want    int
	}{
		{"no token", nil, map[string]bool{"locked": false}, 401},
		{"no PIN", asha, map[string]bool{"locked": false}, 401},
		{"a PIN token of another scope", e.pinToken(t, asha, "consent.revoke", ""), map[string]bool{"locked": false}, 401},
		{"no field", asha, map[string]string{}, 400},
	} {
		if st := e.call("PUT", "/cm/patients/lock", tc.headers, tc.body, nil); st != tc.want {
			t.Errorf("unlock with %s: %d, want %d", tc.name, st, tc.want)
		}
	}
	var state struct {
		Locked   bool   `json:"locked"`
		LockedAt string `json:"lockedAt"`
	}
	if st := e.call("GET", "/cm/patients/lock", asha, nil, &state); st != 200 || !state.Locked || state.LockedAt == "" {
		t.Fatalf("still locked: %d %+v", st, state)
	}
	if st, locked := lock(e.pinToken(t, asha, "consent.unlock", ""), false); st != 200 || locked {
		t.Fatalf("unlock with the PIN: %d %v", st, locked)
	}
	if on := request(); !strings.Contains(on, `"consentRequest"`) || inbox() != 2 {
		t.Fatalf("after unlocking: %s, %d in the inbox", on, inbox())
	}
}
