package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/gateway"
)

// TestConsentRequestFlow plays an HIU written from the ABDM spec: it
// registers, asks for consent, gets on-init on its own callback server,
// polls the status; once speaking v0.5 and once v3.
func TestConsentRequestFlow(t *testing.T) {
	for _, tc := range []struct {
		version, urlPath, initPath, statusPath, onInit, onStatus, hiuNotify string
	}{
		{"v0.5", "/gateway/v1/bridges", "/gateway/v0.5/consent-requests/init", "/gateway/v0.5/consent-requests/status",
			"/v0.5/consent-requests/on-init", "/v0.5/consent-requests/on-status", "/v0.5/consents/hiu/notify"},
		{"v3", "/api/hiecm/gateway/v3/bridge/url", "/api/hiecm/consent/v3/request/init", "/api/hiecm/consent/v3/request/status",
			"/api/v3/hiu/consent/request/on-init", "/api/v3/hiu/consent/request/on-status", "/api/v3/hiu/consent/request/notify"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
			ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: clock})
			hiu := newBridgeServer(t)
			c := e.bridge("city-hiu")
			tok := e.session(c).AccessToken
			v3 := tc.version == "v3"
			// headers for a message: v3 carries REQUEST-ID and TIMESTAMP.
			hdr := func(reqID string) map[string]string {
				h := map[string]string{"Authorization": "Bearer " + tok, "X-CM-ID": "sbx"}
				if v3 {
					h["REQUEST-ID"] = reqID
					h["TIMESTAMP"] = clock().UTC().Format("2006-01-02T15:04:05.000Z")
					h["X-HIU-ID"] = e.verified
				}
				return h
			}
			// body for a message: v0.5 carries requestId and timestamp.
			msg := func(reqID string, fields map[string]any) map[string]any {
				if !v3 {
					fields["requestId"] = reqID
					fields["timestamp"] = clock().UTC().Format("2006-01-02T15:04:05.000Z")
				}
				return fields
			}
			if st := e.call("PATCH", tc.urlPath, hdr(uuid.NewString()), map[string]string{"url": hiu.URL}, nil); st != 200 {
				t.Fatalf("set url: %d", st)
			}
			if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(tok), []map[string]any{{"id": e.verified, "name": "City Clinic", "type": "HIU"}}, nil); st != 200 {
				t.Fatalf("services: %d", st)
			}
			consentBody := func(purpose, hiuID string) map[string]any {
				return map[string]any{"consent": map[string]any{
					"purpose": map[string]string{"text": "Care Management", "code": purpose}, "patient": map[string]string{"id": "asha.devi@sbx"},
					"hiu": map[string]string{"id": hiuID}, "requester": map[string]any{"name": "Dr. Rao", "identifier": map[string]string{"type": "REGNO", "value": "AP1001", "system": "https://www.nmc.org.in"}},
					"hiTypes": []string{"Prescription", "DiagnosticReport"},
					"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2024-01-01T00:00:00.000Z", "to": "2026-11-01T00:00:00.000Z"},
						"dataEraseAt": "2027-06-01T00:00:00.000Z", "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}},
				}}
			}

			// Refused at once: a bad purpose, another's HIU, no X-CM-ID.
			var errBody struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			rid := uuid.NewString()
			if st := e.call("POST", tc.initPath, hdr(rid), msg(rid, consentBody("SHOPPING", e.verified)), &errBody); st != 400 || !strings.HasPrefix(errBody.Error.Code, "ABDM-") {
				t.Fatalf("bad purpose: %d %+v", st, errBody)
			}
			rid = uuid.NewString()
			if st := e.call("POST", tc.initPath, hdr(rid), msg(rid, consentBody("CAREMGT", e.pending)), nil); st != 403 {
				t.Fatalf("an HIU id the bridge does not serve: %d", st)
			}
			rid = uuid.NewString()
			h := hdr(rid)
			delete(h, "X-CM-ID")
			if st := e.call("POST", tc.initPath, h, msg(rid, consentBody("CAREMGT", e.verified)), nil); st != 400 {
				t.Fatalf("no X-CM-ID: %d", st)
			}
			if n, _ := ob.RunOnce(ctx); n != 0 {
				t.Fatalf("refused messages caused %d callbacks", n)
			}

			// Accepted: 202 with an empty body, then on-init.
			initID := uuid.NewString()
			if st := e.call("POST", tc.initPath, hdr(initID), msg(initID, consentBody("CAREMGT", e.verified)), nil); st != 202 {
				t.Fatalf("init: %d", st)
			}
			// The HIU retries (its 202 was lost): answered the same, nothing new.
			if st := e.call("POST", tc.initPath, hdr(initID), msg(initID, consentBody("CAREMGT", e.verified)), nil); st != 202 {
				t.Fatalf("repeated init: %d", st)
			}
			if n, err := ob.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("callbacks after init and its repeat: %d %v", n, err)
			}
			onInit := hiu.only(t, tc.onInit)
			var got struct {
				RequestID      string `json:"requestId"`
				ConsentRequest struct {
					ID string `json:"id"`
				} `json:"consentRequest"`
				Resp, Response struct {
					RequestID string `json:"requestId"`
				}
			}
			if err := json.Unmarshal([]byte(onInit.body), &got); err != nil {
				t.Fatal(err)
			}
			answers := got.Resp.RequestID
			if v3 {
				answers = got.Response.RequestID
				if onInit.header.Get("REQUEST-ID") == "" || onInit.header.Get("TIMESTAMP") == "" {
					t.Fatalf("v3 callback without REQUEST-ID/TIMESTAMP: %v", onInit.header)
				}
			} else if got.RequestID == "" {
				t.Fatalf("v0.5 callback without requestId: %s", onInit.body)
			}
			if answers != initID || uuid.Validate(got.ConsentRequest.ID) != nil {
				t.Fatalf("on-init answers %q (want %q), consent request %q", answers, initID, got.ConsentRequest.ID)
			}
			if onInit.header.Get("X-HIU-ID") != e.verified {
				t.Fatalf("on-init routed to %q", onInit.header.Get("X-HIU-ID"))
			}
			checkGatewayToken(t, e, onInit.header.Get("Authorization"))

			// Status: REQUESTED; an unknown id is answered with an error.
			sid := uuid.NewString()
			if st := e.call("POST", tc.statusPath, hdr(sid), msg(sid, map[string]any{"consentRequestId": got.ConsentRequest.ID}), nil); st != 202 {
				t.Fatalf("status: %d", st)
			}
			sid2 := uuid.NewString()
			if st := e.call("POST", tc.statusPath, hdr(sid2), msg(sid2, map[string]any{"consentRequestId": uuid.NewString()}), nil); st != 202 {
				t.Fatalf("status of an unknown request: %d", st)
			}
			ob.RunOnce(ctx)
			bodies := hiu.all(tc.onStatus)
			if len(bodies) != 2 || !strings.Contains(bodies[0]+bodies[1], `"status":"REQUESTED"`) || !strings.Contains(bodies[0]+bodies[1], `"ABDM-1009"`) {
				t.Fatalf("on-status callbacks: %q", bodies)
			}

			// The person, signed in with their ABHA token, sees the request
			// and denies it; the HIU is told.
			asha := bearer(e.userToken(t, "asha.devi@sbx"))
			other := bearer(e.userToken(t, "someone.else@sbx"))
			var list struct {
				Consents struct {
					Size     int `json:"size"`
					Requests []struct {
						ID, Status string
						HIU        struct{ ID string } `json:"hiu"`
					} `json:"requests"`
				} `json:"consents"`
			}
			if st := e.call("GET", "/cm/patients/requests", asha, nil, &list); st != 200 || list.Consents.Size != 1 ||
				list.Consents.Requests[0].ID != got.ConsentRequest.ID || list.Consents.Requests[0].HIU.ID != e.verified {
				t.Fatalf("the person's requests: %d %+v", st, list)
			}
			if st := e.call("GET", "/cm/patients/requests", other, nil, &list); st != 200 || list.Consents.Size != 0 {
				t.Fatalf("another person sees %d requests (%d)", list.Consents.Size, st)
			}
			if st := e.call("GET", "/cm/patients/requests", nil, nil, nil); st != 401 {
				t.Fatalf("no token: %d", st)
			}
			if st := e.call("GET", "/cm/patients/requests", bearer(tok), nil, nil); st != 401 {
				t.Fatalf("a bridge's token as a person's: %d", st)
			}
			reqPath := "/cm/consent-requests/" + got.ConsentRequest.ID
			if st := e.call("GET", reqPath, other, nil, nil); st != 404 {
				t.Fatalf("another person's request: %d", st)
			}
			if st := e.call("POST", reqPath+"/deny", other, nil, nil); st != 404 {
				t.Fatalf("another person denies: %d", st)
			}
			if st := e.call("POST", reqPath+"/deny", asha, nil, nil); st != 204 {
				t.Fatalf("deny: %d", st)
			}
			if st := e.call("POST", reqPath+"/deny", asha, nil, nil); st != 409 {
				t.Fatalf("deny twice: %d", st)
			}
			var detail struct{ Status string }
			if st := e.call("GET", reqPath, asha, nil, &detail); st != 200 || detail.Status != "DENIED" {
				t.Fatalf("after deny: %d %+v", st, detail)
			}
			ob.RunOnce(ctx)
			notice := hiu.only(t, tc.hiuNotify)
			if !strings.Contains(notice.body, `"status":"DENIED"`) || !strings.Contains(notice.body, got.ConsentRequest.ID) ||
				notice.header.Get("X-HIU-ID") != e.verified {
				t.Fatalf("hiu notify: %s %v", notice.body, notice.header)
			}
		})
	}
}

type received struct {
	body   string
	header http.Header
}

// only returns the single message the server received at path.
func (b *bridgeServer) only(t *testing.T, path string) received {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.got[path]) != 1 {
		var seen []string
		for p, rs := range b.got {
			seen = append(seen, fmt.Sprintf("%s×%d", p, len(rs)))
		}
		t.Fatalf("%d messages at %s; received %v", len(b.got[path]), path, seen)
	}
	return received{body: b.bodies[path][0], header: b.got[path][0].Header}
}

func (b *bridgeServer) all(path string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.bodies[path]...)
}

// checkGatewayToken checks a delivery's token against the certs, as a
// bridge does.
func checkGatewayToken(t *testing.T, e *env, authz string) {
	t.Helper()
	resp, err := http.Get(e.gw.URL + "/gateway/v0.5/certs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jwks auth.JWKS
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
		t.Fatal(err)
	}
	_, err = jwt.Parse(strings.TrimPrefix(authz, "Bearer "), func(tok *jwt.Token) (any, error) {
		k, ok := jwks.Key(fmt.Sprint(tok.Header["kid"]))
		if !ok {
			return nil, fmt.Errorf("unknown kid")
		}
		return k.PublicKey()
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return time.UnixMilli(e.now.Load()) }))
	if err != nil {
		t.Fatalf("the gateway's token does not verify against its certs: %v", err)
	}
}
