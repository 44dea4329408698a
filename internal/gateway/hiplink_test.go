package gateway_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// hipSide is a HIP bridge speaking to the gateway in one version, with its
// callback server.
type hipSide struct {
	e     *env
	srv   *bridgeServer
	tok   string
	creds creds
	v3    bool
	clock func() time.Time
}

func newHIPSide(t *testing.T, e *env, id, facility string, v3 bool) *hipSide {
	h := &hipSide{e: e, srv: newBridgeServer(t), v3: v3, clock: func() time.Time { return time.UnixMilli(e.now.Load()) }}
	h.creds = e.bridge(id)
	h.tok = e.session(h.creds).AccessToken
	path, hdr := "/gateway/v1/bridges", bearer(h.tok)
	if v3 {
		path, hdr = "/api/hiecm/gateway/v3/bridge/url", v3Headers(hdr)
	}
	if st := e.call("PATCH", path, hdr, map[string]string{"url": h.srv.URL}, nil); st != 200 {
		t.Fatalf("set url: %d", st)
	}
	if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", bearer(h.tok), []map[string]any{{"id": facility, "name": "Coastal General", "types": []string{"HIP", "HIU"}, "active": true}}, nil); st != 200 {
		t.Fatalf("services: %d", st)
	}
	return h
}

// send posts a message; extra headers are added. It returns the status and
// the request ID used.
func (h *hipSide) send(path string, extra map[string]string, fields map[string]any, out any) (int, string) {
	rid := uuid.NewString()
	hdr := map[string]string{"Authorization": "Bearer " + h.tok, "X-CM-ID": "sbx"}
	if h.v3 {
		hdr["REQUEST-ID"], hdr["TIMESTAMP"] = rid, h.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	} else {
		fields["requestId"], fields["timestamp"] = rid, h.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	}
	for k, v := range extra {
		hdr[k] = v
	}
	return h.e.call("POST", path, hdr, fields, out), rid
}

// last decodes the newest message the HIP received at path.
func (h *hipSide) last(t *testing.T, path string, into any) {
	t.Helper()
	all := h.srv.all(path)
	if len(all) == 0 {
		t.Fatalf("nothing received at %s", path)
	}
	if err := json.Unmarshal([]byte(all[len(all)-1]), into); err != nil {
		t.Fatal(err)
	}
}

// TestHIPInitiatedLinkingV05: users/auth by mobile OTP and by
// demographics, then add-contexts with the access token; KYC gives the
// person's details but no token; a token is good only for its HIP.
func TestHIPInitiatedLinkingV05(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }})
	h := newHIPSide(t, e, "coastal-hmis", e.verified, false)
	query := func(id, purpose, mode string) map[string]any {
		return map[string]any{"query": map[string]any{"id": id, "purpose": purpose, "authMode": mode,
			"requester": map[string]string{"type": "HIP", "id": e.verified}}}
	}

	// Refused at once: a requester that is not this bridge's service, a
	// purpose or mode not offered.
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"other HIP", map[string]any{"query": map[string]any{"id": "asha.devi@sbx", "purpose": "LINK", "authMode": "MOBILE_OTP",
			"requester": map[string]string{"type": "HIP", "id": e.verified2}}}, 403},
		{"bad purpose", query("asha.devi@sbx", "SELL", "MOBILE_OTP"), 400},
		{"bad id", query("not an id", "LINK", "MOBILE_OTP"), 400},
		{"mode not offered", query("asha.devi@sbx", "LINK", "AADHAAR_BIO"), 422},
	} {
		if st, _ := h.send("/gateway/v0.5/users/auth/init", nil, tc.body, nil); st != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
		}
	}

	if st, _ := h.send("/gateway/v0.5/users/auth/fetch-modes", nil, query("asha.devi@sbx", "KYC_AND_LINK", ""), nil); st != 202 {
		t.Fatalf("fetch-modes: %d", st)
	}
	ob.RunOnce(ctx)
	var modes struct {
		Auth struct{ Modes []string } `json:"auth"`
	}
	h.last(t, "/v0.5/users/auth/on-fetch-modes", &modes)
	if strings.Join(modes.Auth.Modes, ",") != "MOBILE_OTP,DEMOGRAPHICS" {
		t.Fatalf("modes: %+v", modes)
	}
	if got := h.srv.only(t, "/v0.5/users/auth/on-fetch-modes").header.Get("X-HIP-ID"); got != e.verified {
		t.Fatalf("on-fetch-modes X-HIP-ID = %q", got)
	}

	type onInit struct {
		Auth struct {
			TransactionID string `json:"transactionId"`
			Mode          string `json:"mode"`
		} `json:"auth"`
		Error *struct{ Code int } `json:"error"`
	}
	// An unknown person: on-init carries the error.
	h.send("/gateway/v0.5/users/auth/init", nil, query("nobody.here@sbx", "LINK", "MOBILE_OTP"), nil)
	ob.RunOnce(ctx)
	var oi onInit
	h.last(t, "/v0.5/users/auth/on-init", &oi)
	if oi.Error == nil || oi.Error.Code != 1009 {
		t.Fatalf("unknown person: %+v", oi)
	}

	type onConfirm struct {
		Auth struct {
			AccessToken string `json:"accessToken"`
			Patient     *struct {
				ID, Name, Gender string
				YearOfBirth      int
				Identifiers      []struct{ Type, Value string }
			} `json:"patient"`
		} `json:"auth"`
		Error *struct{ Code int } `json:"error"`
	}
	confirm := func(txn string, cred map[string]any) onConfirm {
		t.Helper()
		if st, _ := h.send("/gateway/v0.5/users/auth/confirm", nil, map[string]any{"transactionId": txn, "credential": cred}, nil); st != 202 {
			t.Fatalf("confirm: %d", st)
		}
		ob.RunOnce(ctx)
		var oc onConfirm
		h.last(t, "/v0.5/users/auth/on-confirm", &oc)
		return oc
	}

	// Mobile OTP, LINK: a wrong OTP keeps the authentication open.
	h.send("/gateway/v0.5/users/auth/init", nil, query("asha90@sbx", "LINK", "MOBILE_OTP"), nil)
	ob.RunOnce(ctx)
	oi = onInit{}
	h.last(t, "/v0.5/users/auth/on-init", &oi)
	if oi.Auth.TransactionID == "" || oi.Auth.Mode != "MOBILE_OTP" || oi.Error != nil {
		t.Fatalf("on-init: %+v", oi)
	}
	if oc := confirm(oi.Auth.TransactionID, map[string]any{"authCode": "000000"}); oc.Error == nil || oc.Auth.AccessToken != "" {
		t.Fatalf("wrong OTP: %+v", oc)
	}
	oc := confirm(oi.Auth.TransactionID, map[string]any{"authCode": "123456"})
	if oc.Error != nil || oc.Auth.AccessToken == "" || oc.Auth.Patient != nil {
		t.Fatalf("LINK confirm: %+v", oc)
	}
	if again := confirm(oi.Auth.TransactionID, map[string]any{"authCode": "123456"}); again.Error == nil || again.Error.Code != 1011 {
		t.Fatalf("a used authentication again: %+v", again)
	}
	access := oc.Auth.AccessToken

	// Add care contexts with the token: linked under the address asked for.
	add := func(token string) int {
		st, _ := h.send("/gateway/v0.5/links/link/add-contexts", nil, map[string]any{"link": map[string]any{"accessToken": token,
			"patient": map[string]any{"referenceNumber": "PAT-7", "display": "Asha D.", "careContexts": []map[string]string{
				{"referenceNumber": "OP-1", "display": "OPD visit"}, {"referenceNumber": "LAB-3", "display": "Lipid profile"}}}}}, nil)
		return st
	}
	// The token is only this HIP's: another bridge cannot use it.
	other := newHIPSide(t, e, "other-hmis", e.verified2, false)
	other.srv.Close()
	if st, _ := other.send("/gateway/v0.5/links/link/add-contexts", nil, map[string]any{"link": map[string]any{"accessToken": access,
		"patient": map[string]any{"referenceNumber": "X", "display": "X", "careContexts": []map[string]string{{"referenceNumber": "X"}}}}}, nil); st != 403 {
		t.Fatalf("another bridge uses the token: %d", st)
	}
	if st := add(access + "x"); st != 401 {
		t.Fatalf("a forged token: %d", st)
	}
	if st := add(access); st != 202 {
		t.Fatalf("add-contexts: %d", st)
	}
	ob.RunOnce(ctx)
	var ack struct {
		Acknowledgement struct{ Status string } `json:"acknowledgement"`
	}
	h.last(t, "/v0.5/links/link/on-add-contexts", &ack)
	if ack.Acknowledgement.Status != "SUCCESS" {
		t.Fatalf("on-add-contexts: %+v", ack)
	}
	links, err := e.db.Links(ctx, "asha90@sbx")
	if err != nil || len(links) != 2 || links[0].HIPID != e.verified || links[1].CareContextRef != "OP-1" {
		t.Fatalf("links: %v %+v", err, links)
	}
	// validity.limit is 1: the token links once.
	if st := add(access); st != 401 {
		t.Fatalf("the token used again: %d", st)
	}
	// A token expires.
	h.send("/gateway/v0.5/users/auth/init", nil, query("asha90@sbx", "LINK", "MOBILE_OTP"), nil)
	ob.RunOnce(ctx)
	oi = onInit{}
	h.last(t, "/v0.5/users/auth/on-init", &oi)
	access2 := confirm(oi.Auth.TransactionID, map[string]any{"authCode": "123456"}).Auth.AccessToken
	e.now.Add((31 * time.Minute).Milliseconds())
	h.tok = e.session(h.creds).AccessToken // the session has expired too
	if st := add(access2); st != 401 {
		t.Fatalf("an expired token: %d", st)
	}

	// Demographics, KYC: the person's details, and no token.
	h.send("/gateway/v0.5/users/auth/init", nil, query("91-1234-5678-9012", "KYC", "DEMOGRAPHICS"), nil)
	ob.RunOnce(ctx)
	oi = onInit{}
	h.last(t, "/v0.5/users/auth/on-init", &oi)
	if oc := confirm(oi.Auth.TransactionID, map[string]any{"demographic": map[string]string{"name": "Asha Devi", "gender": "M", "dateOfBirth": "1990-04-02"}}); oc.Error == nil {
		t.Fatalf("wrong gender: %+v", oc)
	}
	oc = confirm(oi.Auth.TransactionID, map[string]any{"demographic": map[string]string{"name": "ASHA DEVI", "gender": "F", "dateOfBirth": "1990-04-02"}})
	if p := oc.Auth.Patient; oc.Error != nil || oc.Auth.AccessToken != "" || p == nil || p.ID != "asha.devi@sbx" || p.Name != "Asha Devi" || p.YearOfBirth != 1990 ||
		len(p.Identifiers) != 2 || p.Identifiers[1].Type != "NDHM_HEALTH_NUMBER" {
		t.Fatalf("KYC confirm: %+v", oc)
	}
}

// TestHIPInitiatedLinkingV3: generate-token by demographics, then
// /hip/v3/link/carecontext with X-LINK-TOKEN.
func TestHIPInitiatedLinkingV3(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }})
	h := newHIPSide(t, e, "coastal-hmis", e.verified, true)
	hipHdr := map[string]string{"X-HIP-ID": e.verified}

	gen := func(name string) (struct {
		ABHAAddress string `json:"abhaAddress"`
		LinkToken   string `json:"linkToken"`
		Response    struct{ RequestID string }
		Error       *struct{ Code string }
	}, string) {
		t.Helper()
		st, rid := h.send("/api/hiecm/v3/token/generate-token", hipHdr, map[string]any{"abhaNumber": "91-1234-5678-9012", "abhaAddress": "asha.devi@sbx",
			"name": name, "gender": "F", "yearOfBirth": 1990}, nil)
		if st != 202 {
			t.Fatalf("generate-token: %d", st)
		}
		ob.RunOnce(ctx)
		var out struct {
			ABHAAddress string `json:"abhaAddress"`
			LinkToken   string `json:"linkToken"`
			Response    struct{ RequestID string }
			Error       *struct{ Code string }
		}
		h.last(t, "/api/v3/hip/token/on-generate-token", &out)
		return out, rid
	}
	if st, _ := h.send("/api/hiecm/v3/token/generate-token", map[string]string{"X-HIP-ID": e.verified2}, map[string]any{"abhaAddress": "asha.devi@sbx",
		"name": "Asha Devi", "gender": "F", "yearOfBirth": 1990}, nil); st != 403 {
		t.Fatalf("for another bridge's HIP: %d", st)
	}
	if bad, _ := gen("Ravi Kumar"); bad.Error == nil || !strings.HasPrefix(bad.Error.Code, "ABDM-") || bad.LinkToken != "" {
		t.Fatalf("wrong name: %+v", bad)
	}
	good, rid := gen("Asha Devi")
	if good.Error != nil || good.LinkToken == "" || good.ABHAAddress != "asha.devi@sbx" || good.Response.RequestID != rid {
		t.Fatalf("on-generate-token: %+v", good)
	}
	// Two more wrong guesses make three: this HIP is then stopped for this
	// person, before ABHA is asked (whose lock would stop every HIP), even
	// with the right details.
	for range 2 {
		if bad, _ := gen("Ravi Kumar"); bad.Error == nil || bad.Error.Code == "ABDM-1013" {
			t.Fatalf("wrong name, under the limit: %+v", bad)
		}
	}
	if limited, _ := gen("Asha Devi"); limited.Error == nil || limited.Error.Code != "ABDM-1013" || limited.LinkToken != "" {
		t.Fatalf("after 3 failures: %+v, want ABDM-1013 and no token", limited)
	}
	e.now.Add((16 * time.Minute).Milliseconds())
	if again, _ := gen("Asha Devi"); again.Error != nil || again.LinkToken == "" {
		t.Fatalf("after the window: %+v", again)
	}

	link := func(hdr map[string]string, address string) int {
		st, _ := h.send("/api/hiecm/hip/v3/link/carecontext", hdr, map[string]any{"abhaNumber": "91-1234-5678-9012", "abhaAddress": address,
			"patient": []map[string]any{{"referenceNumber": "PAT-7", "display": "Asha D.", "hiType": "Prescription", "count": 1,
				"careContexts": []map[string]string{{"referenceNumber": "RX-12", "display": "Prescription 2026-05-01"}}}}}, nil)
		return st
	}
	if st := link(map[string]string{"X-HIP-ID": e.verified}, "asha.devi@sbx"); st != 401 {
		t.Fatalf("without X-LINK-TOKEN: %d", st)
	}
	if st := link(map[string]string{"X-HIP-ID": e.verified, "X-LINK-TOKEN": good.LinkToken}, "ravi@sbx"); st != 403 {
		t.Fatalf("a token for another person: %d", st)
	}
	if st := link(map[string]string{"X-HIP-ID": e.verified, "X_LINK_TOKEN": good.LinkToken}, "asha.devi@sbx"); st != 202 {
		t.Fatalf("link carecontext (underscore header): %d", st)
	}
	ob.RunOnce(ctx)
	var ack struct {
		ABHAAddress string `json:"abhaAddress"`
		Status      string `json:"status"`
	}
	h.last(t, "/api/v3/link/on_carecontext", &ack)
	if ack.ABHAAddress != "asha.devi@sbx" || ack.Status == "" {
		t.Fatalf("on_carecontext: %+v", ack)
	}
	links, err := e.db.Links(ctx, "asha.devi@sbx")
	if err != nil || len(links) != 1 || links[0].CareContextRef != "RX-12" || links[0].PatientRef != "PAT-7" {
		t.Fatalf("links: %v %+v", err, links)
	}
}

// TestSMSNotify: a HIP has the consent manager text a patient a link to
// the PHR, under the HIP's registered name (never a name or link of the
// message's own: the text goes out in the CM's name); a retry of the same
// request sends nothing more; bad numbers and another bridge's HIP are
// refused.
func TestSMSNotify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }})
	h := newHIPSide(t, e, "coastal-hmis", e.verified, false)
	body := func(phone, hip string) map[string]any {
		return map[string]any{"notification": map[string]any{"phoneNo": phone, "receiverName": "Asha", "careContextInfo": "X-Ray on 22nd Dec",
			"deeplinkUrl": "https://evil.example/kyc", "hip": map[string]string{"id": hip, "name": "ABDM Helpdesk"}}}
	}
	for _, tc := range []struct {
		name, phone, hip string
		want             int
	}{
		{"landline", "+91-0401234567", e.verified, 400},
		{"letters", "call me", e.verified, 400},
		{"another bridge's HIP", "+91-9876543210", e.verified2, 403},
	} {
		if st, _ := h.send("/gateway/v0.5/patients/sms/notify", nil, body(tc.phone, tc.hip), nil); st != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
		}
	}
	rid := uuid.NewString()
	msg := body("+91-9876543210", e.verified)
	msg["requestId"], msg["timestamp"] = rid, h.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	for range 2 { // the second is a retry
		if st := e.call("POST", "/gateway/v0.5/patients/sms/notify", map[string]string{"Authorization": "Bearer " + h.tok, "X-CM-ID": "sbx"}, msg, nil); st != 202 {
			t.Fatalf("sms notify: %d", st)
		}
	}
	ob.RunOnce(ctx)
	var ack struct{ Status string }
	h.last(t, "/v0.5/patients/sms/on-notify", &ack)
	if ack.Status != "ACKNOWLEDGED" || len(h.srv.all("/v0.5/patients/sms/on-notify")) != 1 {
		t.Fatalf("on-notify: %+v ×%d", ack, len(h.srv.all("/v0.5/patients/sms/on-notify")))
	}
	data, err := os.ReadFile(e.smsFile)
	if err != nil {
		t.Fatal(err)
	}
	// One HIP may text one number at most 5 times an hour; others as usual.
	for i := 2; i <= 6; i++ {
		want := 202
		if i == 6 {
			want = 429
		}
		if st, _ := h.send("/gateway/v0.5/patients/sms/notify", nil, body("+91-9876543210", e.verified), nil); st != want {
			t.Fatalf("SMS notice %d to one number: %d, want %d", i, st, want)
		}
	}
	if st, _ := h.send("/gateway/v0.5/patients/sms/notify", nil, body("+91-9876543211", e.verified), nil); st != 202 {
		t.Fatalf("to another number after the limit: %d", st)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "9876543210") || !strings.Contains(lines[0], "Coastal General") ||
		!strings.Contains(lines[0], "https://phr.example.in/link") || strings.Contains(lines[0], "evil") || strings.Contains(lines[0], "Helpdesk") {
		t.Fatalf("SMS outbox: %q", lines)
	}
}

// TestPatientsFind: an HIU asks who an ABHA address is; a deactivated or
// unknown one is not found.
func TestPatientsFind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }})
	h := newHIPSide(t, e, "coastal-hmis", e.verified, false)
	for _, tc := range []struct{ id, name string }{{"asha.devi@sbx", "Asha Devi"}, {"gone@sbx", ""}, {"nobody@sbx", ""}} {
		if st, _ := h.send("/gateway/v0.5/patients/find", nil, map[string]any{"query": map[string]any{"patient": map[string]string{"id": tc.id},
			"requester": map[string]string{"type": "HIU", "id": e.verified}}}, nil); st != 202 {
			t.Fatalf("find %s: %d", tc.id, st)
		}
		ob.RunOnce(ctx)
		var got struct {
			Patient *struct{ ID, Name string }
			Error   *struct{ Code int }
		}
		h.last(t, "/v0.5/patients/on-find", &got)
		if tc.name != "" && (got.Patient == nil || got.Patient.Name != tc.name || got.Error != nil) {
			t.Errorf("find %s: %+v", tc.id, got)
		}
		if tc.name == "" && (got.Patient != nil || got.Error == nil || got.Error.Code != 1009) {
			t.Errorf("find %s: %+v, want not found", tc.id, got)
		}
	}
	if st, _ := h.send("/gateway/v0.5/patients/find", nil, map[string]any{"query": map[string]any{"patient": map[string]string{"id": "asha.devi@sbx"},
		"requester": map[string]string{"type": "HIU", "id": e.verified2}}}, nil); st != 403 {
		t.Fatalf("for another bridge's HIU: %d", st)
	}
}
