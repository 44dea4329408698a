package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// TestConsentGrantFlow: an HIU asks, the person approves through /cm
// choosing care contexts and narrowing the dates, the HIU and the HIP are
// notified, the HIP's artefact is signed with the key in the certs, and
// the HIU fetches the same artefact. The facility is both HIP and HIU of
// one bridge here, so both notices arrive at one callback server.
func TestConsentGrantFlow(t *testing.T) {
	for _, tc := range []struct {
		version, urlPath, initPath, fetchPath, onInit, hiuNotify, hipNotify, onFetch string
		hiRequest, onHIRequest, hipRequest, hipOnRequest, hiNotify                   string
	}{
		{"v0.5", "/gateway/v1/bridges", "/gateway/v0.5/consent-requests/init", "/gateway/v0.5/consents/fetch",
			"/v0.5/consent-requests/on-init", "/v0.5/consents/hiu/notify", "/v0.5/consents/hip/notify", "/v0.5/consents/on-fetch",
			"/gateway/v0.5/health-information/cm/request", "/v0.5/health-information/hiu/on-request", "/v0.5/health-information/hip/request",
			"/gateway/v0.5/health-information/hip/on-request", "/gateway/v0.5/health-information/notify"},
		{"v3", "/api/hiecm/gateway/v3/bridge/url", "/api/hiecm/consent/v3/request/init", "/api/hiecm/consent/v3/fetch",
			"/api/v3/hiu/consent/request/on-init", "/api/v3/hiu/consent/request/notify", "/api/v3/consent/request/hip/notify", "/api/v3/hiu/consent/on-fetch",
			"/api/hiecm/data-flow/v3/health-information/request", "/api/v3/hiu/health-information/on-request", "/api/v3/hip/health-information/request",
			"/api/hiecm/data-flow/v3/health-information/hip/on-request", "/api/hiecm/data-flow/v3/health-information/notify"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
			ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: clock})
			srv := newBridgeServer(t)
			creds := e.bridge("city-hospital")
			tok := e.session(creds).AccessToken
			v3 := tc.version == "v3"
			hdr := func(reqID string) map[string]string {
				h := map[string]string{"Authorization": "Bearer " + tok, "X-CM-ID": "sbx"}
				if v3 {
					h["REQUEST-ID"], h["TIMESTAMP"] = reqID, clock().UTC().Format("2006-01-02T15:04:05.000Z")
				}
				return h
			}
			msg := func(reqID string, fields map[string]any) map[string]any {
				if !v3 {
					fields["requestId"], fields["timestamp"] = reqID, clock().UTC().Format("2006-01-02T15:04:05.000Z")
				}
				return fields
			}
			if st := e.call("PATCH", tc.urlPath, hdr(uuid.NewString()), map[string]string{"url": srv.URL}, nil); st != 200 {
				t.Fatalf("url: %d", st)
			}
			if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(tok), []map[string]any{
				{"id": e.verified, "name": "Coastal General Hospital", "type": "HIP"}, {"id": e.verified, "name": "Coastal General Hospital", "type": "HIU"}}, nil); st != 200 {
				t.Fatalf("services: %d", st)
			}
			rid := uuid.NewString()
			if st := e.call("POST", tc.initPath, hdr(rid), msg(rid, map[string]any{"consent": map[string]any{
				"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"}, "patient": map[string]string{"id": "asha.devi@sbx"},
				"hiu": map[string]string{"id": e.verified}, "requester": map[string]any{"name": "Dr. Rao"},
				"hiTypes": []string{"Prescription", "DiagnosticReport"},
				"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2026-11-01T00:00:00.000Z"},
					"dataEraseAt": "2027-06-01T00:00:00.000Z", "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
			}}), nil); st != 202 {
				t.Fatalf("init: %d", st)
			}
			ob.RunOnce(ctx)
			var onInit struct {
				ConsentRequest struct{ ID string } `json:"consentRequest"`
			}
			json.Unmarshal([]byte(srv.only(t, tc.onInit).body), &onInit)
			reqID := onInit.ConsentRequest.ID

			asha := bearer(e.userToken(t, "asha.devi@sbx"))
			approve := "/cm/consent-requests/" + reqID + "/approve"
			grant := func(hiTypes []string, from string) map[string]any {
				return map[string]any{"consents": []map[string]any{{
					"hip": map[string]string{"id": e.verified}, "hiTypes": hiTypes,
					"careContexts": []map[string]string{{"patientReference": "PAT-7", "careContextReference": "OP-2025-11"}},
					"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": from, "to": "2025-12-31T00:00:00.000Z"},
						"dataEraseAt": "2027-01-01T00:00:00.000Z", "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
				}}}
			}
			if st := e.call("POST", approve, asha, grant([]string{"Prescription"}, "2025-01-01T00:00:00.000Z"), nil); st != 401 {
				t.Fatalf("approve without confirming the PIN: %d", st)
			}
			if st := e.call("POST", "/cm/patients/verify-pin", asha, map[string]string{"pin": "1234", "scope": "consentrequest.approve"}, nil); st != 403 {
				t.Fatalf("verify before a PIN is set: %d", st)
			}
			if st := e.call("POST", "/cm/patients/revoke-everything", asha, nil, nil); st != 404 {
				t.Fatalf("unknown person route: %d", st)
			}
			ashaApprove := e.pinToken(t, asha, "consentrequest.approve", reqID)
			if st := e.call("POST", "/cm/patients/pin", asha, map[string]string{"pin": "0000"}, nil); st != 409 {
				t.Fatalf("setting the PIN again: %d", st)
			}
			if st := e.call("POST", approve, e.pinToken(t, asha, "consent.revoke", ""), grant([]string{"Prescription"}, "2025-01-01T00:00:00.000Z"), nil); st != 401 {
				t.Fatalf("approve with a token for another scope: %d", st)
			}
			if st := e.call("POST", approve, ashaApprove, grant([]string{"WellnessRecord"}, "2025-01-01T00:00:00.000Z"), nil); st != 400 {
				t.Fatalf("granting an HI type not asked for: %d", st)
			}
			if st := e.call("POST", approve, ashaApprove, grant([]string{"Prescription"}, "2020-01-01T00:00:00.000Z"), nil); st != 400 {
				t.Fatalf("granting dates outside the request: %d", st)
			}
			if st := e.call("POST", approve, e.pinToken(t, bearer(e.userToken(t, "other.person@sbx")), "consentrequest.approve", reqID), grant([]string{"Prescription"}, "2025-01-01T00:00:00.000Z"), nil); st != 404 {
				t.Fatalf("another person approves: %d", st)
			}
			// OP-2025-11 is not linked to Asha yet: she cannot share it.
			if st := e.call("POST", approve, ashaApprove, grant([]string{"Prescription"}, "2025-01-01T00:00:00.000Z"), nil); st != 422 {
				t.Fatalf("granting a care context not linked to the person: %d", st)
			}
			e.link(t, "asha.devi@sbx", e.verified, "PAT-7", "OP-2025-11")
			var approved struct {
				Consents []struct{ ID string } `json:"consents"`
			}
			if st := e.call("POST", approve, ashaApprove, grant([]string{"Prescription"}, "2025-01-01T00:00:00.000Z"), &approved); st != 200 || len(approved.Consents) != 1 {
				t.Fatalf("approve: %d %+v", st, approved)
			}
			artID := approved.Consents[0].ID
			// The person sees the artefact, as signed; nobody else does.
			var mine struct {
				Size             int `json:"size"`
				ConsentArtefacts []struct {
					Status        string
					ConsentDetail struct{ ConsentID string }
					Signature     string
				} `json:"consentArtefacts"`
			}
			if st := e.call("GET", "/cm/consent-artefacts?status=GRANTED", asha, nil, &mine); st != 200 || mine.Size != 1 ||
				mine.ConsentArtefacts[0].ConsentDetail.ConsentID != artID || mine.ConsentArtefacts[0].Signature == "" {
				t.Fatalf("artefacts: %d %+v", st, mine)
			}
			if st := e.call("GET", "/cm/consents/"+artID, asha, nil, nil); st != 200 {
				t.Fatalf("artefact: %d", st)
			}
			if st := e.call("GET", "/cm/consents/"+artID, bearer(e.userToken(t, "other.person@sbx")), nil, nil); st != 404 {
				t.Fatalf("another person's artefact: %d", st)
			}
			var ofReq []map[string]any
			if st := e.call("GET", "/cm/consent-requests/"+reqID+"/consent-artefacts", asha, nil, &ofReq); st != 200 || len(ofReq) != 1 {
				t.Fatalf("the request's artefacts: %d %v", st, ofReq)
			}
			if st := e.call("POST", approve, ashaApprove, grant([]string{"Prescription"}, "2025-01-01T00:00:00.000Z"), nil); st != 409 {
				t.Fatalf("approve twice: %d", st)
			}
			ob.RunOnce(ctx)

			// The HIU learns the artefact ID; the HIP gets the artefact.
			if n := srv.only(t, tc.hiuNotify); !strings.Contains(n.body, `"GRANTED"`) || !strings.Contains(n.body, artID) {
				t.Fatalf("hiu notify: %s", n.body)
			}
			hipN := srv.only(t, tc.hipNotify)
			var hn struct {
				Notification struct {
					Status, ConsentID, Signature string
					ConsentDetail                json.RawMessage `json:"consentDetail"`
				} `json:"notification"`
			}
			if err := json.Unmarshal([]byte(hipN.body), &hn); err != nil || hn.Notification.ConsentID != artID || hipN.header.Get("X-HIP-ID") != e.verified {
				t.Fatalf("hip notify: %v %s %v", err, hipN.body, hipN.header)
			}
			// The signature verifies with the certs, and signs exactly the
			// consentDetail sent.
			parts := strings.Split(hn.Notification.Signature, ".")
			if len(parts) != 3 {
				t.Fatalf("signature is not a compact JWS: %q", hn.Notification.Signature)
			}
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var compact bytes.Buffer
			json.Compact(&compact, hn.Notification.ConsentDetail)
			if !bytes.Equal(payload, compact.Bytes()) {
				t.Fatalf("the JWS payload is not the consentDetail sent:\n%s\n%s", payload, compact.Bytes())
			}
			checkGatewayToken(t, e, "Bearer "+hn.Notification.Signature)
			var detail map[string]any
			json.Unmarshal(hn.Notification.ConsentDetail, &detail)
			perm := detail["permission"].(map[string]any)
			if detail["consentId"] != artID || perm["dateRange"].(map[string]any)["from"] != "2025-01-01T00:00:00.000Z" ||
				len(detail["hiTypes"].([]any)) != 1 || detail["consentManager"].(map[string]any)["id"] != "sbx" {
				t.Fatalf("consentDetail: %s", hn.Notification.ConsentDetail)
			}

			// The HIU fetches it: the same detail and signature.
			fid := uuid.NewString()
			if st := e.call("POST", tc.fetchPath, hdr(fid), msg(fid, map[string]any{"consentId": artID}), nil); st != 202 {
				t.Fatalf("fetch: %d", st)
			}
			ob.RunOnce(ctx)
			f := srv.only(t, tc.onFetch)
			if !strings.Contains(f.body, hn.Notification.Signature) || !strings.Contains(f.body, `"status":"GRANTED"`) {
				t.Fatalf("on-fetch: %s", f.body)
			}

			// The HIU asks for the data: checked against the consent, then
			// the HIP is asked; the transfer is tracked from the notices.
			keyMaterial := map[string]any{"cryptoAlg": "ECDH", "curve": "Curve25519", "nonce": "bm9uY2U=",
				"dhPublicKey": map[string]string{"expiry": "2026-12-01T00:00:00.000Z", "parameters": "Curve25519/32byte random key", "keyValue": "a2V5"}}
			hiReq := func(from, to string) string {
				rid := uuid.NewString()
				if st := e.call("POST", tc.hiRequest, hdr(rid), msg(rid, map[string]any{"hiRequest": map[string]any{
					"consent": map[string]string{"id": artID}, "dateRange": map[string]string{"from": from, "to": to},
					"dataPushUrl": "https://hiu.example/data/push", "keyMaterial": keyMaterial}}), nil); st != 202 {
					t.Fatalf("health-information request: %d", st)
				}
				ob.RunOnce(ctx)
				return rid
			}
			hiReq("2025-03-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z")
			var onReq struct {
				HIRequest struct{ TransactionID, SessionStatus string } `json:"hiRequest"`
			}
			json.Unmarshal([]byte(srv.only(t, tc.onHIRequest).body), &onReq)
			hipReq := srv.only(t, tc.hipRequest)
			if onReq.HIRequest.SessionStatus != "REQUESTED" || !strings.Contains(hipReq.body, onReq.HIRequest.TransactionID) ||
				!strings.Contains(hipReq.body, `"keyValue":"a2V5"`) || hipReq.header.Get("X-HIP-ID") != e.verified {
				t.Fatalf("on-request %+v; hip request %s", onReq, hipReq.body)
			}
			txID := onReq.HIRequest.TransactionID
			rid = uuid.NewString()
			if st := e.call("POST", tc.hipOnRequest, hdr(rid), msg(rid, map[string]any{"hiRequest": map[string]string{"transactionId": txID, "sessionStatus": "ACKNOWLEDGED"},
				"resp": map[string]string{"requestId": uuid.NewString()}}), nil); st != 202 {
				t.Fatalf("hip on-request: %d", st)
			}
			rid = uuid.NewString()
			if st := e.call("POST", tc.hiNotify, hdr(rid), msg(rid, map[string]any{"notification": map[string]any{"consentId": artID, "transactionId": txID,
				"doneAt": "2026-11-29T10:00:00.000Z", "notifier": map[string]string{"type": "HIP", "id": e.verified},
				"statusNotification": map[string]any{"sessionStatus": "TRANSFERRED", "hipId": e.verified}}}), nil); st != 204 {
				t.Fatalf("notify: %d", st)
			}
			if f, err := e.db.Flow(ctx, txID); err != nil || f.Status != "TRANSFERRED" || f.ArtefactID != artID {
				t.Fatalf("flow: %+v %v", f, err)
			}
			// The person's access log shows the fetch: who, of whom, under
			// which consent and purpose, and how it went; another person's
			// log does not.
			var accessLog struct {
				AccessLog []struct {
					TransactionID, ConsentID, Purpose, Status string
					HIU, HIP                                  struct{ ID, Name string }
					HITypes                                   []string
					DateRange                                 struct{ From, To string }
				}
			}
			if st := e.call("GET", "/cm/patients/access-log", asha, nil, &accessLog); st != 200 || len(accessLog.AccessLog) != 1 {
				t.Fatalf("access log: %d %+v", st, accessLog)
			}
			if a := accessLog.AccessLog[0]; a.TransactionID != txID || a.ConsentID != artID || a.Status != "TRANSFERRED" || a.Purpose != "CAREMGT" ||
				a.HIU.ID != e.verified || a.HIU.Name != "Coastal General Hospital" || len(a.HITypes) != 1 || a.DateRange.From != "2025-03-01T00:00:00.000Z" {
				t.Fatalf("access log entry: %+v", a)
			}
			accessLog.AccessLog = nil
			if st := e.call("GET", "/cm/patients/access-log", bearer(e.userToken(t, "other.person@sbx")), nil, &accessLog); st != 200 || len(accessLog.AccessLog) != 0 {
				t.Fatalf("another person's access log: %d %+v", st, accessLog)
			}
			if st := e.call("GET", "/cm/patients/access-log?limit=x", asha, nil, nil); st != 400 {
				t.Fatalf("a bad limit: %d", st)
			}
			// Outside the consent: another request within the hour, and one
			// for dates the person did not grant; the HIP is not asked.
			hiReq("2025-03-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z")
			if b := srv.all(tc.onHIRequest); len(b) != 2 || !strings.Contains(b[1], "frequency") || len(srv.all(tc.hipRequest)) != 1 {
				t.Fatalf("a second request within the hour: %q", b)
			}
			e.now.Add((2 * time.Hour).Milliseconds())
			tok = e.session(creds).AccessToken // the old ones expired meanwhile
			asha = bearer(e.userToken(t, "asha.devi@sbx"))
			hiReq("2024-01-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z")
			if b := srv.all(tc.onHIRequest); len(b) != 3 || !strings.Contains(b[2], "date range") || len(srv.all(tc.hipRequest)) != 1 {
				t.Fatalf("a request for dates not granted: %q", b)
			}

			// The person revokes it: the HIU and the HIP are told.
			revoke := map[string]any{"consents": []string{artID}}
			if st := e.call("POST", "/cm/consents/revoke", e.pinToken(t, bearer(e.userToken(t, "other.person@sbx")), "consent.revoke", ""), revoke, nil); st != 404 {
				t.Fatalf("another person revokes: %d", st)
			}
			if st := e.call("POST", "/cm/consents/revoke", asha, revoke, nil); st != 401 {
				t.Fatalf("revoke without the PIN: %d", st)
			}
			ashaRevoke := e.pinToken(t, asha, "consent.revoke", "")
			if st := e.call("POST", "/cm/consents/revoke", ashaRevoke, revoke, nil); st != 204 {
				t.Fatalf("revoke: %d", st)
			}
			if st := e.call("POST", "/cm/consents/revoke", ashaRevoke, revoke, nil); st != 409 {
				t.Fatalf("revoke twice: %d", st)
			}
			ob.RunOnce(ctx)
			if n := srv.all(tc.hiuNotify); len(n) != 2 || !strings.Contains(n[1], `"REVOKED"`) {
				t.Fatalf("hiu notices: %q", n)
			}
			if n := srv.all(tc.hipNotify); len(n) != 2 || !strings.Contains(n[1], `"REVOKED"`) || !strings.Contains(n[1], artID) {
				t.Fatalf("hip notices: %q", n)
			}
			if n, err := e.svc.ExpireDue(ctx); err != nil || n != 0 {
				t.Fatalf("nothing is due yet, but %d expired (%v)", n, err)
			}
			// After revocation no data is released.
			hiReq("2025-03-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z")
			if b := srv.all(tc.onHIRequest); len(b) != 4 || !strings.Contains(b[3], "REVOKED") || len(srv.all(tc.hipRequest)) != 1 {
				t.Fatalf("a request after revocation: %q", b)
			}
		})
	}
}

// TestConsentExpiry: a granted artefact ends at its erase time; the
// scheduler marks it EXPIRED and tells the HIU and the HIP, once.
func TestConsentExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: clock})
	srv := newBridgeServer(t)
	tok := e.session(e.bridge("city-hospital")).AccessToken
	e.call("PATCH", "/gateway/v1/bridges", bearer(tok), map[string]string{"url": srv.URL}, nil)
	e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(tok), []map[string]any{{"id": e.verified, "name": "Coastal", "types": []string{"HIP", "HIU"}}}, nil)
	rid := uuid.NewString()
	if st := e.call("POST", "/gateway/v0.5/consent-requests/init", map[string]string{"Authorization": "Bearer " + tok, "X-CM-ID": "sbx"}, map[string]any{
		"requestId": rid, "timestamp": clock().UTC().Format("2006-01-02T15:04:05.000Z"),
		"consent": map[string]any{"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"}, "patient": map[string]string{"id": "asha.devi@sbx"},
			"hiu": map[string]string{"id": e.verified}, "requester": map[string]any{"name": "Dr. Rao"}, "hiTypes": []string{"Prescription"},
			"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2026-11-01T00:00:00.000Z"},
				"dataEraseAt": clock().Add(48 * time.Hour).UTC().Format(time.RFC3339), "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}}},
	}, nil); st != 202 {
		t.Fatalf("init: %d", st)
	}
	ob.RunOnce(ctx)
	var onInit struct {
		ConsentRequest struct{ ID string } `json:"consentRequest"`
	}
	json.Unmarshal([]byte(srv.only(t, "/v0.5/consent-requests/on-init").body), &onInit)
	e.link(t, "asha.devi@sbx", e.verified, "PAT-7", "OP-1")
	if st := e.call("POST", "/cm/consent-requests/"+onInit.ConsentRequest.ID+"/approve", e.pinToken(t, bearer(e.userToken(t, "asha.devi@sbx")), "consentrequest.approve", onInit.ConsentRequest.ID),
		map[string]any{"consents": []map[string]any{{"hip": map[string]string{"id": e.verified},
			"careContexts": []map[string]string{{"patientReference": "PAT-7", "careContextReference": "OP-1"}}}}}, nil); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	ob.RunOnce(ctx)
	if n, _ := e.svc.ExpireDue(ctx); n != 0 {
		t.Fatalf("expired %d before the erase time", n)
	}
	e.now.Add((49 * time.Hour).Milliseconds())
	if n, err := e.svc.ExpireDue(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d (%v), want 1", n, err)
	}
	if n, _ := e.svc.ExpireDue(ctx); n != 0 {
		t.Fatalf("expired again: %d", n)
	}
	ob.RunOnce(ctx)
	if n := srv.all("/v0.5/consents/hiu/notify"); len(n) != 2 || !strings.Contains(n[1], `"EXPIRED"`) {
		t.Fatalf("hiu notices: %q", n)
	}
	if n := srv.all("/v0.5/consents/hip/notify"); len(n) != 2 || !strings.Contains(n[1], `"EXPIRED"`) {
		t.Fatalf("hip notices: %q", n)
	}
}

// TestConsentPIN: the PIN is set once, five wrong tries lock it for a
// while (even the right PIN is refused then), and changing it needs a
// verified PIN of that scope.
func TestConsentPIN(t *testing.T) {
	e := newEnv(t)
	ravi := bearer(e.userToken(t, "ravi.kumar@sbx"))
	for _, bad := range []string{"123", "12345", "12a4", ""} {
		if st := e.call("POST", "/cm/patients/pin", ravi, map[string]string{"pin": bad}, nil); st != 400 {
			t.Errorf("pin %q: %d", bad, st)
		}
	}
	if st := e.call("POST", "/cm/patients/pin", ravi, map[string]string{"pin": "2580"}, nil); st != 204 {
		t.Fatalf("set: %d", st)
	}
	verify := func(pin, scope string) int {
		return e.call("POST", "/cm/patients/verify-pin", ravi, map[string]string{"pin": pin, "scope": scope}, nil)
	}
	if st := verify("2580", "everything"); st != 400 {
		t.Fatalf("unknown scope: %d", st)
	}
	for i := range 4 {
		if st := verify("0000", "consent.revoke"); st != 401 {
			t.Fatalf("wrong pin %d: %d", i+1, st)
		}
	}
	if st := verify("2580", "consent.revoke"); st != 200 {
		t.Fatalf("right pin after 4 wrong: %d", st) // the count starts again
	}
	for range 5 {
		verify("0000", "consent.revoke")
	}
	if st := verify("2580", "consent.revoke"); st != 429 {
		t.Fatalf("right pin while locked: %d", st)
	}
	e.now.Add((16 * time.Minute).Milliseconds())
	ravi = bearer(e.userToken(t, "ravi.kumar@sbx"))
	if st := verify("2580", "consent.revoke"); st != 200 {
		t.Fatalf("right pin after the lock: %d", st)
	}
	if st := e.call("POST", "/cm/patients/change-pin", ravi, map[string]string{"pin": "1357"}, nil); st != 401 {
		t.Fatalf("change without a verified pin: %d", st)
	}
	var wrong struct {
		TemporaryToken string `json:"temporaryToken"`
	}
	e.call("POST", "/cm/patients/verify-pin", ravi, map[string]string{"pin": "2580", "scope": "consent.revoke"}, &wrong)
	hw := map[string]string{"X-AUTH-TOKEN": wrong.TemporaryToken}
	for k, v := range ravi {
		hw[k] = v
	}
	if st := e.call("POST", "/cm/patients/change-pin", hw, map[string]string{"pin": "1357"}, nil); st != 401 {
		t.Fatalf("change with a token of another scope: %d", st)
	}
	var out struct {
		TemporaryToken string `json:"temporaryToken"`
	}
	e.call("POST", "/cm/patients/verify-pin", ravi, map[string]string{"pin": "2580", "scope": "profile.changepin"}, &out)
	h := map[string]string{"X-AUTH-TOKEN": out.TemporaryToken}
	for k, v := range ravi {
		h[k] = v
	}
	if st := e.call("POST", "/cm/patients/change-pin", h, map[string]string{"pin": "1357"}, nil); st != 204 {
		t.Fatalf("change: %d", st)
	}
	if st := verify("1357", "consent.revoke"); st != 200 {
		t.Fatalf("the new pin: %d", st)
	}
	if st := verify("2580", "consent.revoke"); st != 401 {
		t.Fatalf("the old pin: %d", st)
	}
}

// link puts care contexts of a person at a HIP into the link index, as a
// HIP's links/link/on-confirm does.
func (e *env) link(t *testing.T, patient, hipID, patientRef string, careContexts ...string) {
	t.Helper()
	var links []*gateway.Link
	for _, cc := range careContexts {
		links = append(links, &gateway.Link{Patient: patient, HIPID: hipID, PatientRef: patientRef, PatientDisplay: "Patient",
			CareContextRef: cc, CareContextDisplay: "Visit " + cc, LinkedAt: time.UnixMilli(e.now.Load())})
	}
	if err := e.db.Accept(context.Background(), &gateway.Inbound{BridgeID: "test-hip", RequestID: uuid.NewString(), Kind: "links/link/on-confirm", Version: "v0.5"},
		gateway.Effects{Links: links}); err != nil {
		t.Fatal(err)
	}
}
