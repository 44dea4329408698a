package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/gateway"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

var cheapArgon = auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}

// env is a node with the registry and the gateway roles, each on its own
// HTTP server: the gateway asks the registry over HTTP, as the roles must.
type env struct {
	t         testing.TB
	db        *sqldb.DB
	gw        *httptest.Server
	reg       *httptest.Server
	verified  string // a verified facility's ID
	verified2 string // another
	smsFile   string // the SMS outbox file (patients/sms/notify)
	pending   string // a pending one's
	now       atomic.Int64
	keys      *auth.Keys
	svc       *gateway.Service
	abha      *httptest.Server // the ABHA role's key endpoint, for people's tokens
}

// users is how the consent manager checks people's ABHA tokens: against
// the keys the ABHA role publishes over HTTP.
func (e *env) users(t testing.TB) gateway.ABHA {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) { w.Write(e.keys.JWKSJSON()) })
	// The profile ABHA answers a person's own token with (GET
	// /v3/profile/account): the same demographics for everyone here.
	mux.HandleFunc("GET /v3/profile/account", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("X-token"), "Bearer ") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"ABHANumber":"91-1234-5678-9012","name":"Asha Devi","gender":"F","yearOfBirth":"1990","mobile":"9876543210",` +
			`"preferredAbhaAddress":"asha.devi@sbx","phrAddress":["asha.devi@sbx","asha90@sbx"]}`))
	})
	// ABHA's system authentication, as the ABHA role serves it to systems
	// holding a gateway token: Asha (asha.devi@sbx, asha90@sbx or her
	// number) is verified by the OTP 123456 or by her demographics.
	mux.HandleFunc("POST /v1/auth/init", func(w http.ResponseWriter, r *http.Request) {
		var b struct{ AuthMethod, Healthid string }
		json.NewDecoder(r.Body).Decode(&b)
		switch {
		case !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey"):
			w.WriteHeader(http.StatusUnauthorized)
		case b.Healthid != "asha.devi@sbx" && b.Healthid != "asha90@sbx" && b.Healthid != "91-1234-5678-9012":
			w.WriteHeader(http.StatusNotFound)
		default:
			w.Write([]byte(`{"txnId":"` + b.AuthMethod + `-txn"}`))
		}
	})
	mux.HandleFunc("POST /v1/search/searchByHealthId", func(w http.ResponseWriter, r *http.Request) {
		var b struct{ HealthID string }
		json.NewDecoder(r.Body).Decode(&b)
		switch {
		case !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey"):
			w.WriteHeader(http.StatusUnauthorized)
		case b.HealthID == "asha.devi@sbx":
			w.Write([]byte(`{"healthId":"asha.devi@sbx","healthIdNumber":"91-1234-5678-9012","name":"Asha Devi","status":"ACTIVE","authMethods":["MOBILE_OTP"]}`))
		case b.HealthID == "gone@sbx":
			w.Write([]byte(`{"healthId":"gone@sbx","name":"Gone","status":"DEACTIVATED"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	confirm := func(ok func(b map[string]string) bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var b map[string]string
			json.NewDecoder(r.Body).Decode(&b)
			if !ok(b) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			json.NewEncoder(w).Encode(map[string]string{"token": e.userToken(t, "asha.devi@sbx")})
		}
	}
	mux.HandleFunc("POST /v1/auth/confirmWithMobileOTP", confirm(func(b map[string]string) bool {
		return b["txnId"] == "MOBILE_OTP-txn" && b["otp"] == "123456"
	}))
	mux.HandleFunc("POST /v1/auth/confirmWithDemographics", confirm(func(b map[string]string) bool {
		return b["txnId"] == "DEMOGRAPHICS-txn" && strings.EqualFold(b["name"], "asha devi") && b["gender"] == "F" && b["yearOfBirth"] == "1990"
	}))
	e.abha = httptest.NewServer(mux)
	t.Cleanup(e.abha.Close)
	return &gateway.ABHAKeys{BaseURL: e.abha.URL, Issuer: e.abha.URL, Now: func() time.Time { return time.UnixMilli(e.now.Load()) }}
}

// userToken is an ABHA X-token for the address, as the ABHA role issues.
func (e *env) userToken(t testing.TB, address string) string {
	now := time.UnixMilli(e.now.Load())
	tok, err := e.keys.SignUserJWT(jwt.MapClaims{"iss": e.abha.URL, "sub": "91000000000000", "typ": "X-token",
		"iat": now.Unix(), "exp": now.Add(30 * time.Minute).Unix(), "abhaAddress": address})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: sqlite.OpenTest(t)}
	e.now.Store(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC).UnixMilli())
	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	log := audit.NewLog(e.db, clock)
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})

	// The registry role, with one verified and one pending facility.
	rsvc := registry.NewService(e.db, log, registry.Config{Argon: cheapArgon})
	follow, stop := context.WithCancel(ctx)
	t.Cleanup(stop) // before the database closes
	if err := rsvc.Start(follow); err != nil {
		t.Fatal(err)
	}
	mk := func(name string) string {
		f, err := rsvc.SubmitFacility(ctx, &registry.Facility{Name: name, Type: "hospital", Ownership: "private",
			Systems: []string{"modern"}, Address: registry.Address{StateCode: "28", DistrictCode: "520", PIN: "530002"}})
		if err != nil {
			t.Fatal(err)
		}
		return f.ID
	}
	e.verified, e.pending = mk("Coastal General Hospital"), mk("Harbour Eye Clinic")
	e.verified2 = mk("Hill Top Hospital")
	for _, id := range []string{e.verified, e.verified2} {
		if _, err := rsvc.DecideFacility(op, id, registry.Decision{Status: registry.StatusVerified}); err != nil {
			t.Fatal(err)
		}
	}
	rmux := http.NewServeMux()
	registry.NewHandler(rsvc, "").Register(rmux)
	e.reg = httptest.NewServer(rmux)
	t.Cleanup(e.reg.Close)

	master, err := auth.LoadOrCreateMasterKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.NewKeys(ctx, e.db, master, auth.KeysOptions{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	e.keys = keys
	gmux := http.NewServeMux()
	e.gw = httptest.NewServer(gmux)
	t.Cleanup(e.gw.Close)
	e.smsFile = filepath.Join(t.TempDir(), "sms.jsonl")
	sms, err := notify.NewFileSMS(e.smsFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sms.Close() })
	svc := gateway.NewService(gateway.Stores{Bridges: e.db, Consents: e.db, Person: e.db, Links: e.db, Auto: e.db, Subs: e.db}, keys, &gateway.RegistryClient{BaseURL: e.reg.URL}, e.users(t), log,
		gateway.Config{Issuer: e.gw.URL + "/gateway", CMID: "sbx", Argon: cheapArgon, Now: clock, LinkWait: 2 * time.Second,
			SMS: sms, PHRURL: "https://phr.example.in/link"})
	e.svc = svc
	operator := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer op" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r.WithContext(arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorOperator})))
		})
	}
	gateway.NewHandler(svc, e.db, nil, e.gw.URL).Register(gmux, operator)
	return e
}

// call sends a request to the gateway and decodes a JSON answer into out.
func (e *env) call(method, path string, headers map[string]string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.gw.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode
}

func v3Headers(extra map[string]string) map[string]string {
	h := map[string]string{"REQUEST-ID": uuid.NewString(), "TIMESTAMP": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "X-CM-ID": "sbx"}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

type creds struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

func (e *env) bridge(id string) creds {
	e.t.Helper()
	var c creds
	if st := e.call("POST", "/api/v1/admin/bridges", bearer("op"), map[string]string{"id": id, "name": "Bridge " + id}, &c); st != 201 || c.ClientSecret == "" || c.ClientID != id {
		e.t.Fatalf("create bridge: %d %+v", st, c)
	}
	return c
}

func (e *env) session(c creds) gateway.Session {
	e.t.Helper()
	var s gateway.Session
	if st := e.call("POST", "/gateway/v0.5/sessions", nil, map[string]string{"clientId": c.ClientID, "clientSecret": c.ClientSecret, "grantType": "client_credentials"}, &s); st != 200 {
		e.t.Fatalf("session: %d", st)
	}
	return s
}

func TestSessionsAndCerts(t *testing.T) {
	e := newEnv(t)
	if st := e.call("POST", "/api/v1/admin/bridges", nil, map[string]string{"id": "x-bridge", "name": "No token"}, nil); st != 401 {
		t.Fatalf("bridge creation without the operator token: %d", st)
	}
	c := e.bridge("coastal-hmis")
	if st := e.call("POST", "/api/v1/admin/bridges", bearer("op"), map[string]string{"id": "coastal-hmis", "name": "Again"}, nil); st != 409 {
		t.Fatalf("duplicate bridge: %d", st)
	}
	// Its sessions would look like the gateway's own token.
	for _, id := range []string{"gateway", "Gateway"} {
		if st := e.call("POST", "/api/v1/admin/bridges", bearer("op"), map[string]string{"id": id, "name": "Impostor"}, nil); st != 400 {
			t.Fatalf("a bridge named %q: %d, want 400", id, st)
		}
	}

	var errBody struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	for _, tc := range []struct {
		body map[string]string
		want int
	}{
		{map[string]string{"clientId": c.ClientID, "clientSecret": "wrong", "grantType": "client_credentials"}, 401},
		{map[string]string{"clientId": "nobody", "clientSecret": c.ClientSecret, "grantType": "client_credentials"}, 401},
		{map[string]string{"clientId": c.ClientID, "grantType": "client_credentials"}, 400},
		{map[string]string{"clientId": c.ClientID, "clientSecret": c.ClientSecret, "grantType": "password"}, 400},
		{map[string]string{"grantType": "refresh_token"}, 400},
	} {
		if st := e.call("POST", "/gateway/v0.5/sessions", nil, tc.body, &errBody); st != tc.want || !strings.HasPrefix(errBody.Error.Code, "ABDM-") {
			t.Errorf("session %v: %d %+v, want %d with an ABDM error", tc.body, st, errBody, tc.want)
		}
	}
	s := e.session(c)
	if s.TokenType != "bearer" || s.ExpiresIn != 1200 || s.RefreshToken == "" {
		t.Fatalf("session %+v", s)
	}

	// The token verifies with the key published at /certs, found through
	// the openid configuration, as a bridge checks the gateway's calls.
	var oidc struct {
		JWKSURI string `json:"jwks_uri"`
		Issuer  string `json:"issuer"`
	}
	if st := e.call("GET", "/gateway/.well-known/openid-configuration", nil, nil, &oidc); st != 200 || !strings.HasSuffix(oidc.JWKSURI, "/gateway/v0.5/certs") {
		t.Fatalf("openid configuration: %d %+v", st, oidc)
	}
	resp, err := http.Get(oidc.JWKSURI)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	jwks, err := auth.ParseJWKS(raw)
	if err != nil || len(jwks.Keys) == 0 {
		t.Fatalf("certs: %v %s", err, raw)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(s.AccessToken, claims, func(tok *jwt.Token) (any, error) {
		k, ok := jwks.Key(tok.Header["kid"].(string))
		if !ok {
			t.Fatalf("kid %v not in certs", tok.Header["kid"])
		}
		return k.PublicKey()
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return time.UnixMilli(e.now.Load()) }))
	if err != nil || claims["sub"] != c.ClientID || claims["iss"] != oidc.Issuer {
		t.Fatalf("verify with certs: %v %v", err, claims)
	}

	// v3: the same with REQUEST-ID, TIMESTAMP and X-CM-ID; underscore
	// spellings too.
	body := map[string]string{"clientId": c.ClientID, "clientSecret": c.ClientSecret, "grantType": "client_credentials"}
	if st := e.call("POST", "/api/hiecm/gateway/v3/sessions", nil, body, nil); st != 400 {
		t.Fatalf("v3 session without headers: %d", st)
	}
	if st := e.call("POST", "/api/hiecm/gateway/v3/sessions", v3Headers(map[string]string{"X-CM-ID": "abdm"}), body, nil); st != 400 {
		t.Fatalf("v3 session for another CM: %d", st)
	}
	under := map[string]string{"REQUEST_ID": uuid.NewString(), "TIMESTAMP": "2026-11-29T10:00:00.000Z", "X_CM_ID": "sbx"}
	if st := e.call("POST", "/api/hiecm/gateway/v3/sessions", under, body, nil); st != 200 {
		t.Fatalf("v3 session with underscore headers: %d", st)
	}

	// Refresh: a refresh token opens a new session; an access token does not.
	var s2 gateway.Session
	if st := e.call("POST", "/gateway/v0.5/sessions", nil, map[string]string{"clientId": c.ClientID, "grantType": "refresh_token", "refreshToken": s.RefreshToken}, &s2); st != 200 || s2.AccessToken == "" {
		t.Fatalf("refresh: %d", st)
	}
	if st := e.call("POST", "/gateway/v0.5/sessions", nil, map[string]string{"grantType": "refresh_token", "refreshToken": s.AccessToken}, nil); st != 401 {
		t.Fatalf("access token as refresh token: %d", st)
	}

	// Expiry: 21 minutes later the access token no longer works.
	if st := e.call("GET", "/gateway/v1/bridges/getServices", bearer(s.AccessToken), nil, nil); st != 200 {
		t.Fatalf("getServices with a fresh token: %d", st)
	}
	e.now.Add((21 * time.Minute).Milliseconds())
	if st := e.call("GET", "/gateway/v1/bridges/getServices", bearer(s.AccessToken), nil, nil); st != 401 {
		t.Fatalf("getServices with an expired token: %d", st)
	}
	if st := e.call("GET", "/gateway/v1/bridges/getServices", nil, nil, nil); st != 401 {
		t.Fatalf("getServices without a token: %d", st)
	}
}

func TestBridgeSelfService(t *testing.T) {
	e := newEnv(t)
	c := e.bridge("coastal-hmis")
	tok := bearer(e.session(c).AccessToken)

	for _, bad := range []string{"ftp://x.example", "not a url", "https://user:pw@x.example", "https://x.example/?a=1"} {
		if st := e.call("PATCH", "/gateway/v1/bridges", tok, map[string]string{"url": bad}, nil); st != 400 {
			t.Errorf("url %q: %d, want 400", bad, st)
		}
	}
	if st := e.call("PATCH", "/gateway/v1/bridges", tok, map[string]string{"url": "https://hmis.coastal.example/abdm/"}, nil); st != 200 {
		t.Fatalf("set url: %d", st)
	}
	b, err := e.db.Bridge(context.Background(), c.ClientID)
	if err != nil || b.URL != "https://hmis.coastal.example/abdm" || b.Version != gateway.V05 {
		t.Fatalf("after v0.5 PATCH: %+v %v", b, err)
	}
	if st := e.call("PATCH", "/api/hiecm/gateway/v3/bridge/url", v3Headers(tok), map[string]string{"url": "https://hmis.coastal.example/abdm"}, nil); st != 200 {
		t.Fatalf("set url v3: %d", st)
	}
	if b, _ = e.db.Bridge(context.Background(), c.ClientID); b.Version != gateway.V3 {
		t.Fatalf("after v3 PATCH the bridge speaks %q", b.Version)
	}

	// Services must be verified facilities.
	for _, tc := range []struct {
		body []map[string]any
		want int
	}{
		{[]map[string]any{{"id": e.pending, "name": "Harbour Eye Clinic", "type": "HIP", "active": true}}, 422},
		{[]map[string]any{{"id": "IN2800000000", "name": "Nowhere", "type": "HIP", "active": true}}, 422},
		{[]map[string]any{{"id": e.verified, "name": "Coastal", "type": "DOCTOR", "active": true}}, 400},
		{[]map[string]any{}, 400},
		{[]map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "type": "HIP", "active": true},
			{"id": e.verified, "name": "Coastal General Hospital", "type": "HIU", "active": true}}, 200},
	} {
		if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", tok, tc.body, nil); st != tc.want {
			t.Errorf("addUpdateServices %v: %d, want %d", tc.body, st, tc.want)
		}
	}
	var got struct {
		Bridge struct {
			ID, URL string
		} `json:"bridge"`
		Services []struct {
			ID     string   `json:"id"`
			Types  []string `json:"types"`
			Active bool     `json:"active"`
		} `json:"services"`
	}
	if st := e.call("GET", "/gateway/v1/bridges/getServices", tok, nil, &got); st != 200 || len(got.Services) != 1 ||
		got.Services[0].ID != e.verified || strings.Join(got.Services[0].Types, ",") != "HIP,HIU" || got.Bridge.URL == "" {
		t.Fatalf("getServices: %d %+v", st, got)
	}
	// v3 form of the same.
	if st := e.call("GET", "/api/hiecm/gateway/v3/bridge-services", tok, nil, &got); st != 200 || len(got.Services) != 1 {
		t.Fatalf("v3 bridge-services: %d %+v", st, got)
	}

	// A service's types are declared one per entry, as ABDM keeps them: a
	// later call adds its type to the service's, or takes it away (active
	// false); with none left the service is inactive.
	services := func() (types string, active bool) {
		t.Helper()
		if st := e.call("GET", "/gateway/v1/bridges/getServices", tok, nil, &got); st != 200 || len(got.Services) != 1 {
			t.Fatalf("getServices: %d %+v", st, got)
		}
		return strings.Join(got.Services[0].Types, ","), got.Services[0].Active
	}
	for _, step := range []struct {
		name       string
		body       []map[string]any
		types      string
		wantActive bool
	}{
		{"HIU taken away", []map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "type": "HIU", "active": false}}, "HIP", true},
		{"HIU declared in a call of its own", []map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "type": "HIU"}}, "HIP,HIU", true},
		{"HIP declared again: no change", []map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "type": "HIP", "active": true}}, "HIP,HIU", true},
		{"both taken away: inactive, its types kept", []map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "type": "HIP", "active": false},
			{"id": e.verified, "name": "Coastal General Hospital", "type": "HIU", "active": false}}, "HIP,HIU", false},
		{"one declared again after", []map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "type": "HIU"}}, "HIU", true},
		{"the other added back", []map[string]any{{"id": e.verified, "name": "Coastal General Hospital", "types": []string{"HIP"}}}, "HIU,HIP", true},
	} {
		if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", tok, step.body, nil); st != 200 {
			t.Fatalf("%s: %d", step.name, st)
		}
		if types, active := services(); types != step.types || active != step.wantActive {
			t.Fatalf("%s: types %s active %v, want %s %v", step.name, types, active, step.types, step.wantActive)
		}
	}

	// Another bridge may not take over the service.
	other := bearer(e.session(e.bridge("other-lab")).AccessToken)
	if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", other, []map[string]any{{"id": e.verified, "name": "Mine now", "type": "HIU"}}, nil); st != 409 {
		t.Fatalf("taking another bridge's service: %d", st)
	}

	// The registry being down is an error, never "not verified".
	e.reg.Close()
	if st := e.call("POST", "/gateway/v1/bridges/addUpdateServices", tok, []map[string]any{{"id": e.verified, "name": "Coastal", "type": "HIP"}}, nil); st != 503 {
		t.Fatalf("registry down: %d, want 503", st)
	}
}

// FuzzGatewayInputs: any body to the session and service endpoints, and
// any v3 headers, get an answer below 500 with an ABDM error body when
// refused; nothing panics.
func FuzzGatewayInputs(f *testing.F) {
	for _, s := range []string{`{"clientId":"a","clientSecret":"b","grantType":"client_credentials"}`, `{"grantType":"refresh_token","refreshToken":"x.y.z"}`,
		`[{"id":"IN2800000000","name":"x","type":"HIP"}]`, `[]`, `[{"id":1}]`, `{"url":"https://x.example"}`, "\x00", `{"clientId":` + strings.Repeat("[", 1000)} {
		f.Add(s, "2026-11-29T10:00:00.000Z", uuid.NewString())
	}
	e := newEnv(f)
	c := e.bridge("fuzz-bridge")
	tok := e.session(c).AccessToken
	f.Fuzz(func(t *testing.T, body, ts, reqID string) {
		// A client cannot send control characters in headers at all.
		printable := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f {
					return -1
				}
				return r
			}, s)
		}
		ts, reqID = printable(ts), printable(reqID)
		for _, ep := range []struct{ method, path string }{
			{"POST", "/gateway/v0.5/sessions"}, {"POST", "/api/hiecm/gateway/v3/sessions"},
			{"POST", "/gateway/v1/bridges/addUpdateServices"}, {"PATCH", "/gateway/v1/bridges"},
		} {
			req, _ := http.NewRequest(ep.method, e.gw.URL+ep.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("REQUEST-ID", reqID)
			req.Header.Set("TIMESTAMP", ts)
			req.Header.Set("X-CM-ID", "sbx")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s %s: %d %s", ep.method, ep.path, resp.StatusCode, data)
			}
			if resp.StatusCode >= 400 && !bytes.Contains(data, []byte(`"code":"ABDM-`)) {
				t.Fatalf("%s %s: %d without an ABDM error body: %s", ep.method, ep.path, resp.StatusCode, data)
			}
		}
	})
}

// pinToken sets the person's consent PIN (once) and verifies it for the
// scope, returning headers with their ABHA token and the X-AUTH-TOKEN.
func (e *env) pinToken(t testing.TB, person map[string]string, scope, requestID string) map[string]string {
	t.Helper()
	if st := e.call("POST", "/cm/patients/pin", person, map[string]string{"pin": "4826"}, nil); st != 204 && st != 409 {
		t.Fatalf("set pin: %d", st)
	}
	var out struct {
		TemporaryToken string `json:"temporaryToken"`
	}
	if st := e.call("POST", "/cm/patients/verify-pin", person, map[string]string{"pin": "4826", "scope": scope, "requestId": requestID}, &out); st != 200 {
		t.Fatalf("verify pin: %d", st)
	}
	h := map[string]string{"X-AUTH-TOKEN": out.TemporaryToken}
	for k, v := range person {
		h[k] = v
	}
	return h
}
