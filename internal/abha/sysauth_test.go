package abha_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// The HIE-CM gateway, another role, stands behind an httptest server that
// publishes the RS256 keys of an internal/auth key set at
// /gateway/v0.5/certs, as the real gateway does.

var (
	gwKeysOnce sync.Once
	gwKeys     *auth.Keys // the gateway's key set, shared: RSA keys are slow to make
	strayKey   *rsa.PrivateKey
)

func gatewayKeys(t testing.TB) *auth.Keys {
	t.Helper()
	gwKeysOnce.Do(func() {
		gwKeys = newKeySet(t)
		var err error
		if strayKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return gwKeys
}

func newKeySet(t testing.TB) *auth.Keys {
	t.Helper()
	kdb, err := sqlite.Open(context.Background(), t.TempDir()+"/gw-keys.db")
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewKeys(context.Background(), kdb, master, auth.KeysOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type testGateway struct {
	srv     *httptest.Server
	mu      sync.Mutex
	served  []*auth.Keys // whose RS256 keys /gateway/v0.5/certs lists
	signer  *auth.Keys
	fetches atomic.Int32
}

func newTestGateway(t testing.TB) *testGateway {
	t.Helper()
	k := gatewayKeys(t)
	g := &testGateway{served: []*auth.Keys{k}, signer: k}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/gateway/v0.5/certs" {
			http.NotFound(w, r)
			return
		}
		g.fetches.Add(1)
		g.mu.Lock()
		set := auth.JWKS{Keys: []auth.JWK{}}
		for _, ks := range g.served {
			for _, j := range ks.JWKS().Keys {
				if j.Alg == "RS256" {
					set.Keys = append(set.Keys, j)
				}
			}
		}
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *testGateway) serve(k *auth.Keys) {
	g.mu.Lock()
	g.served = append(g.served, k)
	g.mu.Unlock()
}

// claims are those of a bridge's session token issued at now.
func (g *testGateway) claims(now time.Time, client string) jwt.MapClaims {
	return jwt.MapClaims{"iss": g.srv.URL + "/gateway", "sub": client, "clientId": client, "azp": client, "typ": "Bearer",
		"iat": now.Unix(), "exp": now.Add(20 * time.Minute).Unix(), "jti": "t-" + client}
}

func (g *testGateway) sign(t testing.TB, k *auth.Keys, c jwt.MapClaims) string {
	t.Helper()
	tok, err := k.SignJWT(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sysEnv is an ABHA node configured with the test gateway, its HTTP
// surface, and an account.
type sysEnv struct {
	f   *fixture
	gw  *testGateway
	svc *abha.Service
	mux *http.ServeMux
}

func newSysEnv(t testing.TB) *sysEnv {
	t.Helper()
	f := newFixture(t)
	gw := newTestGateway(t)
	e := &sysEnv{f: f, gw: gw, svc: sysService(f, gw.srv.URL)}
	e.mux = http.NewServeMux()
	abha.NewHandler(e.svc, keys).Register(e.mux, func(h http.Handler) http.Handler { return h })
	return e
}

func sysService(f *fixture, gatewayURL string) *abha.Service {
	return abha.NewService(f.db, abha.NewSandboxKYC(), f.sms, audit.NewLog(f.db, f.clock.Now), keys, abha.Config{
		CMID: "sbx", Issuer: "http://test", Secret: master, Now: f.clock.Now, GatewayURL: gatewayURL,
		Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1},
	})
}

// token is a valid gateway token for client, issued now.
func (e *sysEnv) token(t testing.TB, client string) string {
	return e.gw.sign(t, e.gw.signer, e.gw.claims(e.f.clock.Now(), client))
}

type answer struct {
	code int
	raw  string
	body map[string]any
}

func (a answer) errCode() string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

func serve(mux http.Handler, method, path string, headers map[string]string, body string) answer {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	a := answer{code: rec.Code, raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &a.body)
	return a
}

// post sends a v1 call with a gateway token (none if bearer is empty).
func (e *sysEnv) post(path, bearer string, body any) answer {
	b, _ := json.Marshal(body)
	h := map[string]string{}
	if bearer != "" {
		h["Authorization"] = "Bearer " + bearer
	}
	return serve(e.mux, "POST", path, h, string(b))
}

func (e *sysEnv) init(t *testing.T, client, method, healthID string) answer {
	t.Helper()
	return e.post("/v1/auth/init", e.token(t, client), map[string]string{"authMethod": method, "healthid": healthID})
}

func (e *sysEnv) initOK(t *testing.T, client, method, healthID string) string {
	t.Helper()
	a := e.init(t, client, method, healthID)
	if a.code != 200 || a.str("txnId") == "" {
		t.Fatalf("init %s: %d %s", method, a.code, a.raw)
	}
	return a.str("txnId")
}

func (e *sysEnv) confirmOTP(t *testing.T, client, txn, otp string) answer {
	t.Helper()
	return e.post("/v1/auth/confirmWithMobileOTP", e.token(t, client), map[string]string{"txnId": txn, "otp": otp})
}

func (e *sysEnv) confirmDemo(t *testing.T, client, txn string, body map[string]any) answer {
	t.Helper()
	b := map[string]any{"txnId": txn}
	for k, v := range body {
		b[k] = v
	}
	return e.post("/v1/auth/confirmWithDemographics", e.token(t, client), b)
}

// profile reads GET /v3/profile/account with an X-token.
func (e *sysEnv) profile(token string) answer {
	return serve(e.mux, "GET", "/v3/profile/account", map[string]string{"X-token": "Bearer " + token,
		"REQUEST-ID": "r-1", "TIMESTAMP": time.Now().UTC().Format(time.RFC3339)}, "")
}

// docAccount enrols a provisional ABHA with the given name, birth date and gender.
func (e *sysEnv) docAccount(t *testing.T, mobile, licenceID, first, middle, last, dob, gender string) *abha.Account {
	t.Helper()
	d := abha.DocumentEnrolment{DocumentType: "DRIVING_LICENCE", DocumentID: licenceID, FirstName: first, MiddleName: middle,
		LastName: last, BirthDate: dob, Gender: gender, Address: "12 MG Road", State: "Bihar", District: "Rohtas", PinCode: "821307"}
	res, err := e.f.svc.EnrolByDocument(context.Background(), verifiedMobileTxn(t, e.f, mobile), d)
	if err != nil {
		t.Fatal(err)
	}
	return res.Account
}

func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func wrongOTP(right string) string {
	if right == "000000" {
		return "111111"
	}
	return "000000"
}

func TestSystemAuthCallerToken(t *testing.T) {
	e := newSysEnv(t)
	a := e.f.enrol(t, 60).Account
	now := e.f.clock.Now()
	g := e.gw
	body := map[string]string{"authMethod": "DEMOGRAPHICS", "healthid": a.Number}
	mod := func(f func(jwt.MapClaims)) string {
		c := g.claims(now, "bridge-1")
		f(c)
		return g.sign(t, g.signer, c)
	}
	forged := func() string { // the gateway's kid, another key's signature
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, g.claims(now, "bridge-1"))
		tok.Header["kid"] = g.signer.ActiveKeyID(auth.PurposeSign)
		s, err := tok.SignedString(strayKey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	for _, tc := range []struct {
		name   string
		header string // Authorization
		want   int
	}{
		{"valid", "Bearer " + e.token(t, "bridge-1"), 200},
		{"the consent manager's own token", "Bearer " + mod(func(c jwt.MapClaims) { c["sub"], c["clientId"] = "hiecm:sbx", "hiecm:sbx" }), 200},
		// The outbox shows this one to every bridge it calls.
		{"the gateway's delivery token", "Bearer " + mod(func(c jwt.MapClaims) { c["sub"], c["clientId"] = "gateway", "gateway" }), 401},
		{"none", "", 401},
		{"not a JWT", "Bearer not-a-token", 401},
		{"basic auth", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", 401},
		{"expired", "Bearer " + mod(func(c jwt.MapClaims) { c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Minute).Unix() }), 401},
		{"no expiry", "Bearer " + mod(func(c jwt.MapClaims) { delete(c, "exp") }), 401},
		{"other issuer", "Bearer " + mod(func(c jwt.MapClaims) { c["iss"] = "https://elsewhere.example/gateway" }), 401},
		{"issuer without /gateway", "Bearer " + mod(func(c jwt.MapClaims) { c["iss"] = g.srv.URL }), 401},
		{"refresh token", "Bearer " + mod(func(c jwt.MapClaims) { c["typ"] = "Refresh" }), 401},
		{"no subject", "Bearer " + mod(func(c jwt.MapClaims) { delete(c, "sub") }), 401},
		{"signed by a key the gateway does not publish", "Bearer " + g.sign(t, keys, g.claims(now, "bridge-1")), 401},
		{"forged with the gateway's kid", "Bearer " + forged, 401},
		{"alg none", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+g.srv.URL+`/gateway","sub":"x","typ":"Bearer","exp":9999999999}`)) + ".", 401},
		{"an ABHA X-token", "Bearer " + e.f.enrol(t, 60).Tokens.Token, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(body)
			h := map[string]string{}
			if tc.header != "" {
				h["Authorization"] = tc.header
			}
			got := serve(e.mux, "POST", "/v1/auth/init", h, string(b))
			if got.code != tc.want {
				t.Fatalf("%d, want %d: %s", got.code, tc.want, got.raw)
			}
			if tc.want == 401 && !strings.HasPrefix(got.errCode(), "ABDM-") {
				t.Fatalf("error body %s", got.raw)
			}
		})
	}
	// Every path needs the token.
	for _, p := range []string{"/v1/auth/confirmWithMobileOTP", "/v1/auth/confirmWithDemographics"} {
		if got := e.post(p, "", map[string]string{"txnId": "x"}); got.code != 401 {
			t.Errorf("%s without a token: %d", p, got.code)
		}
	}
	// Verified keys are cached: one fetch served all of the above.
	if n := g.fetches.Load(); n != 1 {
		t.Errorf("%d fetches of the gateway's keys, want 1", n)
	}
}

func TestSystemAuthGatewayKeyRotation(t *testing.T) {
	e := newSysEnv(t)
	a := e.f.enrol(t, 61).Account
	if got := e.init(t, "bridge-1", "DEMOGRAPHICS", a.Number); got.code != 200 {
		t.Fatalf("first call: %d %s", got.code, got.raw)
	}
	// The gateway rotates to a key ABHA has not seen: ABHA fetches again,
	// but at most every 30 s, so a stream of made-up kids costs nothing.
	next := newKeySet(t)
	call := func() answer {
		tok := e.gw.sign(t, next, e.gw.claims(e.f.clock.Now(), "bridge-1"))
		return e.post("/v1/auth/init", tok, map[string]string{"authMethod": "DEMOGRAPHICS", "healthid": a.Number})
	}
	if got := call(); got.code != 401 {
		t.Fatalf("unpublished key: %d", got.code)
	}
	e.gw.serve(next)
	if got := call(); got.code != 401 || e.gw.fetches.Load() != 1 {
		t.Fatalf("refetched within 30 s: %d, %d fetches", got.code, e.gw.fetches.Load())
	}
	e.f.clock.Advance(abha.GatewayKeyRefetch + time.Second)
	if got := call(); got.code != 200 || e.gw.fetches.Load() != 2 {
		t.Fatalf("after 30 s: %d %s, %d fetches", got.code, got.raw, e.gw.fetches.Load())
	}
}

func TestSystemAuthNotConfiguredOrGatewayDown(t *testing.T) {
	f := newFixture(t)
	gw := newTestGateway(t)
	a := f.enrol(t, 62).Account
	body := `{"authMethod":"MOBILE_OTP","healthid":"` + a.Number + `"}`

	off := http.NewServeMux()
	abha.NewHandler(f.svc, keys).Register(off, func(h http.Handler) http.Handler { return h }) // no GatewayURL
	tok := gw.sign(t, gw.signer, gw.claims(f.clock.Now(), "bridge-1"))
	for _, p := range []string{"/v1/auth/init", "/v1/auth/confirmWithMobileOTP", "/v1/auth/confirmWithDemographics"} {
		got := serve(off, "POST", p, map[string]string{"Authorization": "Bearer " + tok}, body)
		if got.code != 503 || !strings.Contains(got.raw, "not configured") {
			t.Errorf("%s unconfigured: %d %s", p, got.code, got.raw)
		}
	}

	// The gateway cannot be reached: 503, never "bad token".
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	mux := http.NewServeMux()
	abha.NewHandler(sysService(f, url), keys).Register(mux, func(h http.Handler) http.Handler { return h })
	c := gw.claims(f.clock.Now(), "bridge-1")
	c["iss"] = url + "/gateway"
	got := serve(mux, "POST", "/v1/auth/init", map[string]string{"Authorization": "Bearer " + gw.sign(t, gw.signer, c)}, body)
	if got.code != 503 {
		t.Fatalf("gateway down: %d %s", got.code, got.raw)
	}
	if len(f.sms.sent) != 1 { // the enrolment's OTP only
		t.Fatal("an OTP was sent without a checked caller")
	}
}

func TestSystemAuthMobileOTP(t *testing.T) {
	e := newSysEnv(t)
	ctx := context.Background()
	res := e.f.enrol(t, 63)
	a := res.Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second) // the enrolment's OTP went to this mobile

	for _, tc := range []struct {
		name      string
		healthID  string
		encrypted bool
	}{
		{"number, hyphenated, plain OTP", abha.FormatNumber(a.Number), false},
		{"bare number, encrypted OTP", a.Number, true},
		{"address, upper case", strings.ToUpper(a.Preferred), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txn := e.initOK(t, "bridge-1", "MOBILE_OTP", tc.healthID)
			sms := e.f.sms.last(t)
			if sms.To != a.Mobile {
				t.Fatal("the OTP did not go to the ABHA's mobile")
			}
			otp := sms.OTP
			if tc.encrypted {
				var err error
				if otp, err = auth.EncryptOAEP(keys.EncryptionPublicKeyPEM(), []byte(sms.OTP)); err != nil {
					t.Fatal(err)
				}
			}
			got := e.confirmOTP(t, "bridge-1", txn, otp)
			if got.code != 200 || got.str("token") == "" {
				t.Fatalf("confirm: %d %s", got.code, got.raw)
			}
			tok := got.str("token")
			c := claimsOf(t, tok)
			if c["amr"] != abha.AMRSystemOTP || c["azp"] != "bridge-1" || c["clientId"] != "bridge-1" || c["sub"] != a.Number || c["typ"] != abha.TokenX {
				t.Fatalf("claims %v", c)
			}
			if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != abha.SystemTokenTTL.Seconds() {
				t.Fatalf("token lives %v s", exp-iat)
			}
			if got.body["expiresIn"] != abha.SystemTokenTTL.Seconds() {
				t.Fatalf("expiresIn %v", got.body["expiresIn"])
			}
			// The profile reads with it ...
			p := e.profile(tok)
			if p.code != 200 || p.str("ABHANumber") != abha.FormatNumber(a.Number) {
				t.Fatalf("profile with the system token: %d %s", p.code, p.raw)
			}
			// ... but nothing else, on the API or the citizen's pages.
			patch := serve(e.mux, "PATCH", "/v3/profile/account", map[string]string{"X-token": "Bearer " + tok,
				"REQUEST-ID": "r-2", "TIMESTAMP": time.Now().UTC().Format(time.RFC3339)}, `{"email":"x@example.org"}`)
			if patch.code != 403 {
				t.Fatalf("PATCH with the system token: %d %s", patch.code, patch.raw)
			}
			if _, err := e.svc.Authenticate(ctx, tok); code(err) != arogya.EFORBIDDEN {
				t.Fatalf("Authenticate took a system token: %v", err)
			}
			// The flow is used up.
			if again := e.confirmOTP(t, "bridge-1", txn, sms.OTP); again.code == 200 {
				t.Fatal("a flow gave a second token")
			}
		})
	}
	// The holder's own token still does everything.
	if _, err := e.svc.Authenticate(ctx, res.Tokens.Token); err != nil {
		t.Fatal(err)
	}

	// System tokens die with logout, and after ten minutes.
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	txn := e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	tok := e.confirmOTP(t, "bridge-1", txn, e.f.sms.last(t).OTP).str("token")
	if err := e.svc.Logout(ctx, a.Number); err != nil {
		t.Fatal(err)
	}
	if p := e.profile(tok); p.code != 401 {
		t.Fatalf("system token after logout: %d", p.code)
	}
	txn = e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	tok = e.confirmOTP(t, "bridge-1", txn, e.f.sms.last(t).OTP).str("token")
	e.f.clock.Advance(abha.SystemTokenTTL + time.Second)
	if p := e.profile(tok); p.code != 401 {
		t.Fatalf("system token after ten minutes: %d", p.code)
	}

	// Audit: every init and confirm, naming the client by its ID and the
	// ABHA only by its hash.
	events, err := e.f.db.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ev := range events {
		if strings.HasPrefix(ev.Action, "abha.system-auth.") {
			n[ev.Action+" "+ev.Outcome]++
			if ev.Actor != "client:bridge-1" || (ev.Outcome == "ok" && ev.Subject != "abha:"+e.svc.AuditID(a.Number)) ||
				ev.Detail != "MOBILE_OTP" {
				t.Errorf("event %+v", ev)
			}
		}
		all := ev.Actor + ev.Subject + ev.Detail
		if strings.Contains(all, a.Number) || strings.Contains(all, a.Mobile) || strings.Contains(all, a.FirstName) {
			t.Errorf("event %+v holds personal data", ev)
		}
	}
	if n["abha.system-auth.init ok"] != 5 || n["abha.system-auth.confirm ok"] != 5 || n["abha.system-auth.confirm "+arogya.EINVALID] != 3 {
		t.Fatalf("audited %v", n)
	}
}

func TestSystemAuthWrongOTPKills(t *testing.T) {
	e := newSysEnv(t)
	a := e.f.enrol(t, 64).Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	txn := e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	right := e.f.sms.last(t).OTP
	for i := 1; i <= abha.OTPMaxAttempts; i++ {
		got := e.confirmOTP(t, "bridge-1", txn, wrongOTP(right))
		if got.code != 401 {
			t.Fatalf("wrong OTP %d: %d %s", i, got.code, got.raw)
		}
	}
	if got := e.confirmOTP(t, "bridge-1", txn, right); got.code != 410 {
		t.Fatalf("right OTP after five wrong: %d %s", got.code, got.raw)
	}
	// Malformed OTPs are refused without counting or decrypting to anything.
	txn = e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "QUJD"} {
		if got := e.confirmOTP(t, "bridge-1", txn, bad); got.code != 400 {
			t.Errorf("otp %q: %d %s", bad, got.code, got.raw)
		}
	}
	if got := e.confirmOTP(t, "bridge-1", txn, e.f.sms.last(t).OTP); got.code != 200 {
		t.Fatalf("right OTP after malformed ones: %d %s", got.code, got.raw)
	}
}

func TestSystemAuthDemographics(t *testing.T) {
	e := newSysEnv(t)
	a := e.docAccount(t, "9812300001", "BR5720100011111", "Rahul", "", "Sharma", "1990-06-15", "M")
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"as held", map[string]any{"name": "Rahul Sharma", "gender": "M", "yearOfBirth": "1990"}, 200},
		{"Devanagari", map[string]any{"name": "राहुल शर्मा", "gender": "M", "yearOfBirth": "1990"}, 200},
		{"spelling variant, other order", map[string]any{"name": "Sharmaa, Raahul", "gender": "m", "yearOfBirth": "1990"}, 200},
		{"honorific", map[string]any{"name": "Shri Rahul Sharma", "gender": "M", "yearOfBirth": "1990"}, 200},
		{"year as a number", map[string]any{"name": "Rahul Sharma", "gender": "M", "yearOfBirth": 1990}, 200},
		{"another year", map[string]any{"name": "Rahul Sharma", "gender": "M", "yearOfBirth": "1991"}, 401},
		{"another gender", map[string]any{"name": "Rahul Sharma", "gender": "F", "yearOfBirth": "1990"}, 401},
		{"undisclosed gender", map[string]any{"name": "Rahul Sharma", "gender": "U", "yearOfBirth": "1990"}, 401},
		{"another first name", map[string]any{"name": "Rohit Sharma", "gender": "M", "yearOfBirth": "1990"}, 401},
		{"an initial", map[string]any{"name": "R Sharma", "gender": "M", "yearOfBirth": "1990"}, 401},
		{"first name only", map[string]any{"name": "Rahul", "gender": "M", "yearOfBirth": "1990"}, 401},
		{"no name", map[string]any{"name": " ", "gender": "M", "yearOfBirth": "1990"}, 400},
		{"bad gender", map[string]any{"name": "Rahul Sharma", "gender": "X", "yearOfBirth": "1990"}, 400},
		{"two-digit year", map[string]any{"name": "Rahul Sharma", "gender": "M", "yearOfBirth": "90"}, 400},
		{"full birth date", map[string]any{"name": "Rahul Sharma", "gender": "M", "yearOfBirth": "1990-06-15"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.f.clock.Advance(2 * time.Minute) // stay under DemographicAttemptsPerWin
			txn := e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Preferred)
			got := e.confirmDemo(t, "bridge-1", txn, tc.body)
			if got.code != tc.want {
				t.Fatalf("%d, want %d: %s", got.code, tc.want, got.raw)
			}
			switch got.code {
			case 200:
				tok := got.str("token")
				if c := claimsOf(t, tok); c["amr"] != abha.AMRSystemDemographics || c["azp"] != "bridge-1" {
					t.Fatalf("claims %v", c)
				}
				if p := e.profile(tok); p.code != 200 {
					t.Fatalf("profile: %d %s", p.code, p.raw)
				}
			case 401:
				// Only that the details do not match: not which, and nothing of the person.
				if got.errCode() != "ABDM-1123" || !strings.Contains(got.raw, "do not match") ||
					strings.Contains(got.raw, "Rahul") || strings.Contains(got.raw, "1990") {
					t.Fatalf("mismatch answer %s", got.raw)
				}
			}
		})
	}
	if len(e.f.sms.sent) != 1 { // the mobile verification of the enrolment only
		t.Fatalf("DEMOGRAPHICS sent %d SMS", len(e.f.sms.sent)-1)
	}
}

func TestSystemAuthDemographicMismatchesKill(t *testing.T) {
	e := newSysEnv(t)
	a := e.docAccount(t, "9812300002", "BR5720100022222", "Lakshmi", "", "Iyer", "1985-01-20", "F")
	right := map[string]any{"name": "Laxmi Iyer", "gender": "F", "yearOfBirth": "1985"}
	wrong := map[string]any{"name": "Laxmi Iyer", "gender": "F", "yearOfBirth": "1986"}
	txn := e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	for i := 1; i <= abha.OTPMaxAttempts; i++ {
		if got := e.confirmDemo(t, "bridge-1", txn, wrong); got.code != 401 {
			t.Fatalf("mismatch %d: %d %s", i, got.code, got.raw)
		}
	}
	if got := e.confirmDemo(t, "bridge-1", txn, right); got.code != 410 {
		t.Fatalf("right details after five mismatches: %d %s", got.code, got.raw)
	}
	// New flows may go on, up to DemographicAttemptsPerWin checks of the
	// ABHA in 15 minutes, over all flows.
	txn = e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	for i := abha.OTPMaxAttempts + 1; i < abha.DemographicAttemptsPerWin; i++ {
		if got := e.confirmDemo(t, "bridge-1", txn, wrong); got.code != 401 {
			t.Fatalf("mismatch %d: %d %s", i, got.code, got.raw)
		}
	}
	txn = e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	if got := e.confirmDemo(t, "bridge-1", txn, right); got.code != 200 {
		t.Fatalf("the tenth check: %d %s", got.code, got.raw)
	}
	txn = e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	if got := e.confirmDemo(t, "bridge-1", txn, right); got.code != 429 {
		t.Fatalf("the eleventh check: %d %s", got.code, got.raw)
	}
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	txn = e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	if got := e.confirmDemo(t, "bridge-1", txn, right); got.code != 200 {
		t.Fatalf("after the window: %d %s", got.code, got.raw)
	}
}

// TestSystemAuthDemographicsAcrossNodes: the right details sent to two
// nodes at once give one token; mismatches sent at once all count.
func TestSystemAuthDemographicsAcrossNodes(t *testing.T) {
	e := newSysEnv(t)
	ctx := context.Background()
	other := sysService(e.f, e.gw.srv.URL)
	a := e.docAccount(t, "9812300003", "BR5720100033333", "Arjun", "", "Reddy", "1979-11-02", "M")
	right := abha.SystemDemographics{Name: "Arjun Reddy", Gender: "M", YearOfBirth: 1979}
	txn, err := e.svc.SystemAuthInit(ctx, "bridge-1", "DEMOGRAPHICS", a.Number)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok atomic.Int32
	for _, svc := range []*abha.Service{e.svc, other, e.svc, other} {
		wg.Go(func() {
			if _, err := svc.SystemConfirmDemographics(ctx, "bridge-1", txn, right); err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d tokens from one flow", ok.Load())
	}
}

func TestSystemAuthInitRefusals(t *testing.T) {
	e := newSysEnv(t)
	ctx := context.Background()
	a := e.f.enrol(t, 65).Account
	gone := e.f.enrol(t, 66).Account
	off := e.f.enrol(t, 67).Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	for _, x := range []struct {
		acct   *abha.Account
		action string
	}{{gone, abha.ActionDelete}, {off, abha.ActionDeactivate}} {
		txn, _, err := e.f.svc.RequestProfileOTP(ctx, x.acct.Number, x.action, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.svc.VerifyProfileOTP(ctx, x.acct.Number, txn, e.f.sms.last(t).OTP); err != nil {
			t.Fatal(err)
		}
	}
	unknown := "91-0000-0000-0001"
	for _, tc := range []struct {
		name, method, healthID string
		want                   int
	}{
		{"unknown number", "MOBILE_OTP", unknown, 404},
		{"unknown address", "DEMOGRAPHICS", "nobody.here_1990@sbx", 404},
		{"unknown bare handle", "DEMOGRAPHICS", "nobody.here_1990", 404},
		{"another CM's address", "DEMOGRAPHICS", "rahul.sharma@abdm", 404},
		{"deleted", "MOBILE_OTP", gone.Number, 404},
		{"deleted, by address", "DEMOGRAPHICS", gone.Preferred, 404},
		{"deactivated", "MOBILE_OTP", abha.FormatNumber(off.Number), 404},
		{"deactivated, demographics", "DEMOGRAPHICS", off.Number, 404},
		{"not an id", "DEMOGRAPHICS", "<script>alert(1)</script>", 400},
		{"no id", "DEMOGRAPHICS", "", 400},
		{"Aadhaar OTP", "AADHAAR_OTP", a.Number, 422},
		{"password", "PASSWORD", a.Number, 422},
		{"biometric", "AADHAAR_BIO", a.Number, 422},
		{"made up", "TELEPATHY", a.Number, 422},
		{"no method", "", a.Number, 400},
		{"lower-case method", "demographics", a.Number, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.init(t, "bridge-1", tc.method, tc.healthID)
			if got.code != tc.want {
				t.Fatalf("%d, want %d: %s", got.code, tc.want, got.raw)
			}
			if tc.want >= 400 && (!strings.HasPrefix(got.errCode(), "ABDM-") ||
				(tc.healthID != "" && strings.Contains(strings.ToLower(got.raw), strings.ToLower(tc.healthID)))) {
				t.Fatalf("error %s", got.raw)
			}
			if tc.want == 404 && strings.Contains(got.raw, "0000") {
				t.Fatalf("404 echoes the id: %s", got.raw)
			}
		})
	}
	// No OTP went anywhere for the refused ones.
	before := len(e.f.sms.sent)
	e.init(t, "bridge-1", "MOBILE_OTP", off.Number)
	if len(e.f.sms.sent) != before {
		t.Fatal("an OTP went to a deactivated ABHA's mobile")
	}
}

func TestSystemAuthSendLimit(t *testing.T) {
	e := newSysEnv(t)
	a := e.f.enrol(t, 68).Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	for i := 1; i <= abha.OTPSendsPerWin; i++ {
		e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	}
	got := e.init(t, "bridge-1", "MOBILE_OTP", a.Number)
	if got.code != 429 || strings.Contains(got.raw, a.Mobile) {
		t.Fatalf("fourth OTP in 15 minutes: %d %s", got.code, got.raw)
	}
	// DEMOGRAPHICS sends nothing, so is not limited by sends.
	e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
}

func TestSystemAuthFlowRules(t *testing.T) {
	e := newSysEnv(t)
	a := e.f.enrol(t, 69).Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)

	// A flow belongs to the client that started it.
	txn := e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	otp := e.f.sms.last(t).OTP
	if got := e.confirmOTP(t, "bridge-2", txn, otp); got.code != 400 {
		t.Fatalf("another client's flow: %d %s", got.code, got.raw)
	}
	// ... and to its method.
	if got := e.confirmDemo(t, "bridge-1", txn, map[string]any{"name": "x", "gender": "M", "yearOfBirth": "1990"}); got.code != 400 {
		t.Fatalf("demographics on an OTP flow: %d %s", got.code, got.raw)
	}
	dtxn := e.initOK(t, "bridge-1", "DEMOGRAPHICS", a.Number)
	if got := e.confirmOTP(t, "bridge-1", dtxn, "123456"); got.code != 400 {
		t.Fatalf("OTP on a demographics flow: %d %s", got.code, got.raw)
	}
	// Unknown flows.
	if got := e.confirmOTP(t, "bridge-1", "no-such-txn", otp); got.code != 400 {
		t.Fatalf("unknown flow: %d", got.code)
	}
	// Flows last SystemTxnTTL.
	e.f.clock.Advance(abha.SystemTxnTTL + time.Second)
	if got := e.confirmOTP(t, "bridge-1", txn, otp); got.code != 410 {
		t.Fatalf("expired flow: %d %s", got.code, got.raw)
	}
	if got := e.confirmDemo(t, "bridge-1", dtxn, map[string]any{"name": "x", "gender": "M", "yearOfBirth": "1990"}); got.code != 410 {
		t.Fatalf("expired demographics flow: %d %s", got.code, got.raw)
	}
	// A flow whose ABHA is deactivated before the confirmation gives nothing.
	txn = e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	otp = e.f.sms.last(t).OTP
	ptxn, _, err := e.f.svc.RequestProfileOTP(context.Background(), a.Number, abha.ActionDeactivate, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.f.svc.VerifyProfileOTP(context.Background(), a.Number, ptxn, e.f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	if got := e.confirmOTP(t, "bridge-1", txn, otp); got.code != 404 {
		t.Fatalf("deactivated between init and confirm: %d %s", got.code, got.raw)
	}
}

// TestSystemTokenNeedsAnActiveABHA: a system token reads only an active
// ABHA's profile.
func TestSystemTokenNeedsAnActiveABHA(t *testing.T) {
	e := newSysEnv(t)
	ctx := context.Background()
	a := e.f.enrol(t, 70).Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	txn := e.initOK(t, "bridge-1", "MOBILE_OTP", a.Number)
	tok := e.confirmOTP(t, "bridge-1", txn, e.f.sms.last(t).OTP).str("token")
	ptxn, _, _ := e.f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionDeactivate, "")
	if _, err := e.f.svc.VerifyProfileOTP(ctx, a.Number, ptxn, e.f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	if p := e.profile(tok); p.code != 404 {
		t.Fatalf("system token on a deactivated ABHA: %d %s", p.code, p.raw)
	}
}

// FuzzSystemAuthBodies sends arbitrary bodies to the system authentication
// endpoints with a valid gateway token: none may panic or answer 5xx, and
// no answer repeats a long healthid.
func FuzzSystemAuthBodies(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `{"authMethod":"MOBILE_OTP","healthid":"91-1234-5678-9012"}`,
		`{"authMethod":"DEMOGRAPHICS","healthid":"someone.else@sbx"}`, `{"authMethod":"DEMOGRAPHICS","healthId":"x@y@z"}`,
		`{"txnId":"x","otp":"123456"}`, `{"txnId":"x","otp":"` + strings.Repeat("QUJD", 90) + `"}`,
		`{"txnId":"x","name":"राहुल","gender":"M","yearOfBirth":"1990"}`, `{"txnId":"x","name":"a","gender":"M","yearOfBirth":1e300}`,
		`{"txnId":"x","yearOfBirth":{"a":1}}`, `{"txnId":"x","yearOfBirth":-1990.5}`,
	} {
		f.Add(s)
	}
	e := newSysEnv(f)
	tok := e.token(f, "bridge-fuzz")
	paths := []string{"/v1/auth/init", "/v1/auth/confirmWithMobileOTP", "/v1/auth/confirmWithDemographics"}
	f.Fuzz(func(t *testing.T, body string) {
		var req struct {
			HealthID string `json:"healthid"`
		}
		_ = json.Unmarshal([]byte(body), &req)
		// An id no fixed message could hold: an address, or 12+ digits.
		id := strings.TrimSpace(req.HealthID)
		personal := strings.Contains(id, "@") || (len(id) >= 12 && strings.Trim(id, "0123456789-") == "")
		for _, p := range paths {
			got := serve(e.mux, "POST", p, map[string]string{"Authorization": "Bearer " + tok}, body)
			if got.code >= 500 {
				t.Fatalf("%s: %d for body %q: %s", p, got.code, body, got.raw)
			}
			if p == "/v1/auth/init" && personal && got.code != 200 && bytes.Contains([]byte(got.raw), []byte(id)) {
				t.Fatalf("%s echoes the healthid: %s", p, got.raw)
			}
		}
	})
}

// TestSystemSearch: /v1/search/searchByHealthId tells a system holding a
// gateway token the name and number of an active ABHA, by address or
// number; a deactivated or unknown one is not found; no token, 401.
func TestSystemSearch(t *testing.T) {
	e := newSysEnv(t)
	ctx := context.Background()
	a := e.f.enrol(t, 71).Account
	off := e.f.enrol(t, 72).Account
	e.f.clock.Advance(abha.OTPSendWindow + time.Second)
	txn, _, err := e.f.svc.RequestProfileOTP(ctx, off.Number, abha.ActionDeactivate, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.f.svc.VerifyProfileOTP(ctx, off.Number, txn, e.f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	tok := e.token(t, "hiecm:sbx")
	for _, tc := range []struct {
		name, id string
		want     int
	}{
		{"by address", a.Preferred, 200},
		{"by number", abha.FormatNumber(a.Number), 200},
		{"deactivated", off.Preferred, 404},
		{"unknown", "nobody.here_1990@sbx", 404},
		{"not an id", "<b>", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.post("/v1/search/searchByHealthId", tok, map[string]string{"healthId": tc.id})
			if got.code != tc.want {
				t.Fatalf("%d, want %d: %s", got.code, tc.want, got.raw)
			}
			if tc.want == 200 && (got.str("name") != a.FullName() || got.str("healthIdNumber") != abha.FormatNumber(a.Number) ||
				got.str("status") != abha.StatusActive || got.str("healthId") != a.Preferred) {
				t.Fatalf("found %s", got.raw)
			}
			if tc.want == 404 && strings.Contains(got.raw, tc.id) {
				t.Fatalf("404 echoes the id: %s", got.raw)
			}
		})
	}
	if got := e.post("/v1/search/searchByHealthId", "", map[string]string{"healthId": a.Preferred}); got.code != 401 {
		t.Fatalf("without a token: %d", got.code)
	}
}
