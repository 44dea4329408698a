package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// fakeHIP is a HIP bridge that answers the consent manager's discovery and
// linking messages asynchronously, as ABDM HIPs do: 202 at once, then its
// callback to the gateway. answer decides the callback's body (nil: no
// callback at all).
type fakeHIP struct {
	*httptest.Server
	t       *testing.T
	e       *env
	token   string
	version string
	mu      sync.Mutex
	got     map[string][]map[string]any // path → bodies received
	ids     map[string][]string         // path → request IDs received
	answer  func(path string, body map[string]any) (callbackKind string, payload map[string]any)
}

// hipCallbackPaths are where the gateway takes a HIP's callbacks.
var hipCallbackPaths = map[string]map[string]string{
	"v0.5": {
		"on-discover": "/gateway/v0.5/care-contexts/on-discover",
		"on-init":     "/gateway/v0.5/links/link/on-init",
		"on-confirm":  "/gateway/v0.5/links/link/on-confirm",
		"on-share":    "/gateway/v0.5/patients/profile/on-share",
	},
	"v3": {
		"on-discover": "/api/hiecm/user-initiated-linking/v3/patient/care-context/on-discover",
		"on-init":     "/api/hiecm/user-initiated-linking/v3/link/care-context/on-init",
		"on-confirm":  "/api/hiecm/user-initiated-linking/v3/link/care-context/on-confirm",
		"on-share":    "/api/hiecm/patient-share/v3/on-share",
	},
}

func newFakeHIP(t *testing.T, e *env, version, hipID, bridgeID string) *fakeHIP {
	h := &fakeHIP{t: t, e: e, version: version, got: map[string][]map[string]any{}, ids: map[string][]string{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("X-HIP-ID") != hipID {
			t.Errorf("%s: X-HIP-ID %q", r.URL.Path, r.Header.Get("X-HIP-ID"))
		}
		reqID, _ := body["requestId"].(string)
		if version == "v3" {
			reqID = r.Header.Get("REQUEST-ID")
		}
		h.mu.Lock()
		h.got[r.URL.Path] = append(h.got[r.URL.Path], body)
		h.ids[r.URL.Path] = append(h.ids[r.URL.Path], reqID)
		answer := h.answer
		h.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		if answer == nil {
			return
		}
		kind, payload := answer(r.URL.Path, body)
		if payload == nil {
			return
		}
		go h.callback(kind, reqID, payload)
	}))
	t.Cleanup(h.Close)
	c := e.bridge(bridgeID)
	h.token = e.session(c).AccessToken
	urlPath := "/gateway/v1/bridges"
	hdr := bearer(h.token)
	if version == "v3" {
		urlPath, hdr = "/api/hiecm/gateway/v3/bridge/url", v3Headers(hdr)
	}
	if st := e.call("PATCH", urlPath, hdr, map[string]string{"url": h.URL}, nil); st != 200 {
		t.Fatalf("set url: %d", st)
	}
	if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(h.token), []map[string]any{{"id": hipID, "name": "Coastal General", "type": "HIP", "active": true}}, nil); st != 200 {
		t.Fatalf("services: %d", st)
	}
	return h
}

// callback sends the HIP's answer to the message with request ID inResponseTo.
func (h *fakeHIP) callback(kind, inResponseTo string, payload map[string]any) {
	if st := h.post(kind, inResponseTo, payload); st != http.StatusAccepted {
		h.t.Errorf("callback %s: HTTP %d", kind, st)
	}
}

// post sends a callback and returns the gateway's status.
func (h *fakeHIP) post(kind, inResponseTo string, payload map[string]any) int {
	rid := uuid.NewString()
	ts := time.UnixMilli(h.e.now.Load()).UTC().Format("2006-01-02T15:04:05.000Z")
	req, _ := http.NewRequest("POST", h.e.gw.URL+hipCallbackPaths[h.version][kind], nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("X-CM-ID", "sbx")
	req.Header.Set("Content-Type", "application/json")
	if h.version == "v3" {
		req.Header.Set("REQUEST-ID", rid)
		req.Header.Set("TIMESTAMP", ts)
		payload["response"] = map[string]string{"requestId": inResponseTo}
	} else {
		payload["requestId"], payload["timestamp"] = rid, ts
		payload["resp"] = map[string]string{"requestId": inResponseTo}
	}
	b, _ := json.Marshal(payload)
	req.Body = io.NopCloser(bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Errorf("callback %s: %v", kind, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (h *fakeHIP) received(path string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[path]
}

// TestUserInitiatedLinking walks a person through discovery and linking at
// a HIP through the consent manager, with the HIP speaking v0.5 and v3: the
// HIP gets the person's verified identifiers, only care contexts the HIP
// found can be asked for, a wrong OTP links nothing, and only what the
// person asked for enters the link index.
func TestUserInitiatedLinking(t *testing.T) {
	for _, tc := range []struct{ version, discover, initPath, confirm string }{
		{"v0.5", "/v0.5/care-contexts/discover", "/v0.5/links/link/init", "/v0.5/links/link/confirm"},
		{"v3", "/api/v3/hip/patient/care-context/discover", "/api/v3/hip/link/care-context/init", "/api/v3/hip/link/care-context/confirm"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			e := newEnv(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }, PollEvery: 20 * time.Millisecond})
			done := make(chan struct{})
			go func() { ob.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()

			hip := newFakeHIP(t, e, tc.version, e.verified, "coastal-hmis")
			const otp = "482913"
			hip.answer = func(path string, body map[string]any) (string, map[string]any) {
				switch path {
				case tc.discover:
					pat := body["patient"].(map[string]any)
					mobile := ""
					for _, id := range pat["verifiedIdentifiers"].([]any) {
						if m := id.(map[string]any); m["type"] == "MOBILE" {
							mobile, _ = m["value"].(string)
						}
					}
					if mobile != "9876543210" || pat["name"] != "Asha Devi" || pat["gender"] != "F" || pat["yearOfBirth"] != float64(1990) {
						return "on-discover", map[string]any{"transactionId": body["transactionId"],
							"error": map[string]any{"code": 1000, "message": "no patient found"}}
					}
					p := map[string]any{"referenceNumber": "PAT-77", "display": "Asha D.", "matchedBy": []string{"MOBILE"},
						"careContexts": []map[string]string{{"referenceNumber": "OPD-1", "display": "OPD 2026-03-02"}, {"referenceNumber": "IPD-9", "display": "Admission 2025-12-10"}}}
					if tc.version == "v3" {
						return "on-discover", map[string]any{"transactionId": body["transactionId"], "patient": []any{p}}
					}
					return "on-discover", map[string]any{"transactionId": body["transactionId"], "patient": p}
				case tc.initPath:
					return "on-init", map[string]any{"transactionId": body["transactionId"], "link": map[string]any{
						"referenceNumber": "LINK-" + body["transactionId"].(string)[:8], "authenticationType": "MEDIATED",
						"meta": map[string]string{"communicationMedium": "MOBILE", "communicationHint": "OTP sent to ******3210", "communicationExpiry": "2026-11-29T10:10:00.000Z"}}}
				case tc.confirm:
					conf := body["confirmation"].(map[string]any)
					if conf["token"] != otp {
						return "on-confirm", map[string]any{"error": map[string]any{"code": 1000, "message": "wrong OTP"}}
					}
					// The HIP tries to link one more care context than asked.
					return "on-confirm", map[string]any{"patient": map[string]any{"referenceNumber": "PAT-77", "display": "Asha D.",
						"careContexts": []map[string]string{{"referenceNumber": "OPD-1", "display": "OPD 2026-03-02"}, {"referenceNumber": "IPD-9", "display": "Admission"}}}}
				}
				return "", nil
			}

			asha := bearer(e.userToken(t, "asha.devi@sbx"))
			ravi := bearer(e.userToken(t, "ravi.kumar@sbx"))
			var errBody struct {
				Error struct{ Code, Message string } `json:"error"`
			}

			// Discovery at an unknown HIP, without a token, with a bad identifier.
			if st := e.call("POST", "/cm/v1/care-contexts/discover", asha, map[string]any{"hip": map[string]string{"id": "IN0000000000"}}, &errBody); st != 404 {
				t.Fatalf("unknown HIP: %d %+v", st, errBody)
			}
			if st := e.call("POST", "/cm/v1/care-contexts/discover", nil, map[string]any{"hip": map[string]string{"id": e.verified}}, nil); st != 401 {
				t.Fatalf("no token: %d", st)
			}
			if st := e.call("POST", "/cm/v1/care-contexts/discover", asha, map[string]any{"hip": map[string]string{"id": e.verified},
				"unverifiedIdentifiers": []map[string]string{{"type": "PASSPORT", "value": "X"}}}, nil); st != 400 {
				t.Fatalf("bad identifier: %d", st)
			}

			var disc struct {
				TransactionID string             `json:"transactionId"`
				Patient       gateway.HIPPatient `json:"patient"`
			}
			if st := e.call("POST", "/cm/v1/care-contexts/discover", asha, map[string]any{"requestId": uuid.NewString(), "hip": map[string]string{"id": e.verified},
				"unverifiedIdentifiers": []map[string]string{{"type": "MR", "value": "MR-1001"}}}, &disc); st != 200 {
				t.Fatalf("discover: %d", st)
			}
			if disc.Patient.ReferenceNumber != "PAT-77" || len(disc.Patient.CareContexts) != 2 || disc.TransactionID == "" {
				t.Fatalf("discovered %+v", disc)
			}
			sent := hip.received(tc.discover)
			if len(sent) != 1 || sent[0]["transactionId"] != disc.TransactionID {
				t.Fatalf("the HIP got %v", sent)
			}
			if ids := sent[0]["patient"].(map[string]any)["unverifiedIdentifiers"].([]any); len(ids) != 1 {
				t.Fatalf("unverified identifiers sent: %v", ids)
			}

			initBody := func(txn string, ccs ...string) map[string]any {
				refs := make([]map[string]string, len(ccs))
				for i, c := range ccs {
					refs[i] = map[string]string{"referenceNumber": c}
				}
				return map[string]any{"requestId": uuid.NewString(), "transactionId": txn,
					"patient": map[string]any{"referenceNumber": "PAT-77", "careContexts": refs}}
			}
			// Another person cannot use Asha's discovery; nobody can ask
			// for a care context the HIP did not find.
			if st := e.call("POST", "/cm/v1/links/link/init", ravi, initBody(disc.TransactionID, "OPD-1"), nil); st != 404 {
				t.Fatalf("another person's transaction: %d", st)
			}
			if st := e.call("POST", "/cm/v1/links/link/init", asha, initBody(disc.TransactionID, "OPD-404"), nil); st != 400 {
				t.Fatalf("a care context not found: %d", st)
			}
			var li struct {
				TransactionID string           `json:"transactionId"`
				Link          gateway.LinkInfo `json:"link"`
			}
			if st := e.call("POST", "/cm/v1/links/link/init", asha, initBody(disc.TransactionID, "OPD-1"), &li); st != 200 {
				t.Fatalf("link init: %d", st)
			}
			if !strings.HasPrefix(li.Link.ReferenceNumber, "LINK-") || li.Link.AuthenticationType != "MEDIATED" || li.Link.Meta.CommunicationMedium != "MOBILE" {
				t.Fatalf("link: %+v", li)
			}
			confirm := "/cm/v1/links/link/confirm/" + li.Link.ReferenceNumber
			if st := e.call("POST", confirm, ravi, map[string]string{"token": otp}, nil); st != 404 {
				t.Fatalf("another person confirms: %d", st)
			}
			if st := e.call("POST", confirm, asha, map[string]string{"token": "000000"}, &errBody); st != 400 {
				t.Fatalf("wrong OTP: %d %+v", st, errBody)
			}
			var links struct {
				Patient struct {
					ID    string `json:"id"`
					Links []struct {
						HIP             struct{ ID, Name string } `json:"hip"`
						ReferenceNumber string                    `json:"referenceNumber"`
						CareContexts    []gateway.CareContext     `json:"careContexts"`
					} `json:"links"`
				} `json:"patient"`
			}
			if st := e.call("GET", "/cm/patients/links", asha, nil, &links); st != 200 || len(links.Patient.Links) != 0 {
				t.Fatalf("links after a wrong OTP: %d %+v", st, links)
			}
			var linked struct{ Patient gateway.HIPPatient }
			if st := e.call("POST", confirm, asha, map[string]string{"token": otp}, &linked); st != 200 {
				t.Fatalf("confirm: %d", st)
			}
			if len(linked.Patient.CareContexts) != 1 || linked.Patient.CareContexts[0].ReferenceNumber != "OPD-1" {
				t.Fatalf("linked %+v: only OPD-1 was asked for", linked)
			}
			if st := e.call("GET", "/cm/patients/links", asha, nil, &links); st != 200 || links.Patient.ID != "asha.devi@sbx" ||
				len(links.Patient.Links) != 1 || links.Patient.Links[0].HIP.ID != e.verified || links.Patient.Links[0].HIP.Name != "Coastal General" ||
				len(links.Patient.Links[0].CareContexts) != 1 || links.Patient.Links[0].CareContexts[0].Display != "OPD 2026-03-02" {
				t.Fatalf("links: %d %+v", st, links)
			}
			if st := e.call("GET", "/cm/patients/links", ravi, nil, &links); st != 200 || len(links.Patient.Links) != 0 {
				t.Fatalf("ravi's links: %d %+v", st, links)
			}

			// A HIP that never answers times the person out; a callback for
			// a message the gateway sent another bridge is refused and
			// changes nothing.
			other := newFakeHIP(t, e, tc.version, e.verified2, "other-hmis")
			if st := e.call("POST", "/cm/v1/care-contexts/discover", asha, map[string]any{"hip": map[string]string{"id": e.verified2}}, &errBody); st != 504 {
				t.Fatalf("silent HIP: %d %+v", st, errBody)
			}
			if n := len(other.received(tc.discover)); n != 1 {
				t.Fatalf("the silent HIP got %d messages", n)
			}
			hip.mu.Lock()
			firstID := hip.ids[tc.discover][0]
			hip.mu.Unlock()
			if st := other.post("on-discover", firstID, map[string]any{"transactionId": disc.TransactionID,
				"patient": map[string]any{"referenceNumber": "X", "careContexts": []any{}}}); st != 404 {
				t.Fatalf("another bridge's callback: %d", st)
			}
		})
	}
}

// TestProfileShare: the person scans a HIP's QR at the desk; the HIP gets
// their ABHA profile (v0.5) or the v3 form with a link token, and the
// person gets their token number.
func TestProfileShare(t *testing.T) {
	for _, tc := range []struct{ version, path string }{
		{"v0.5", "/v0.5/patients/profile/share"},
		{"v3", "/api/v3/hip/patient/share"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			e := newEnv(t)
			ctx, cancel := context.WithCancel(context.Background())
			ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }, PollEvery: 20 * time.Millisecond})
			done := make(chan struct{})
			go func() { ob.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			hip := newFakeHIP(t, e, tc.version, e.verified, "coastal-hmis")
			hip.answer = func(path string, body map[string]any) (string, map[string]any) {
				if path != tc.path {
					return "", nil
				}
				if tc.version == "v3" {
					intent, _ := body["intent"].(map[string]any)
					if body["abhaAddress"] != "asha.devi@sbx" || body["name"] != "Asha Devi" || intent["linkToken"] == "" || intent["context"] != "OPD-3" {
						return "on-share", map[string]any{"error": map[string]any{"code": "ABDM-1000", "message": "bad profile"}}
					}
					return "on-share", map[string]any{"acknowledgement": map[string]any{"abhaAddress": "asha.devi@sbx", "status": "SUCCESS",
						"profile": map[string]string{"context": "OPD-3", "tokenNumber": "17", "expiry": "1800"}}}
				}
				pat := body["profile"].(map[string]any)["patient"].(map[string]any)
				if pat["healthId"] != "asha.devi@sbx" || pat["healthIdNumber"] != "91-1234-5678-9012" || pat["yearOfBirth"] != float64(1990) {
					return "on-share", map[string]any{"error": map[string]any{"code": 1000, "message": "bad profile"}}
				}
				return "on-share", map[string]any{"acknowledgement": map[string]string{"status": "SUCCESS", "healthId": "asha.devi@sbx", "tokenNumber": "17"}}
			}
			asha := bearer(e.userToken(t, "asha.devi@sbx"))
			if st := e.call("POST", "/cm/patients/profile/share", asha, map[string]any{"requestId": uuid.NewString(),
				"hipDetails": map[string]string{"id": "IN0000000000"}}, nil); st != 404 {
				t.Fatalf("unknown HIP: %d", st)
			}
			var res gateway.ShareResult
			if st := e.call("POST", "/cm/v1/patients/profile/share", asha, map[string]any{"requestId": uuid.NewString(), "intent": map[string]string{"type": "PROFILE_SHARE"},
				"hipDetails": map[string]string{"hipId": e.verified, "code": "OPD-3"}}, &res); st != 200 {
				t.Fatalf("share: %d", st)
			}
			if res.Status != "SUCCESS" || res.TokenNumber != "17" || res.HealthID != "asha.devi@sbx" {
				t.Fatalf("share result: %+v", res)
			}
		})
	}
}
