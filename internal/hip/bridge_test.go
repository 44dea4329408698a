package hip_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/fidelius"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/protocol"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// fakeGateway is an ABDM v0.5 gateway as the bridge sees it: sessions,
// certs, bridge self-service, and the messages the bridge sends.
type fakeGateway struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	down   atomic.Bool // answer 503 to messages
	refuse atomic.Bool // answer 400 to messages

	mu       sync.Mutex
	url      string
	services []string
	msgs     []gwMsg
}

type gwMsg struct {
	path string
	body map[string]any
}

func newFakeGateway(t *testing.T) *fakeGateway {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	g := &fakeGateway{key: k}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.URL.Path == "/gateway/v0.5/sessions":
		json.NewEncoder(w).Encode(map[string]any{"accessToken": "bridge-token", "expiresIn": 1200})
	case r.URL.Path == "/gateway/v0.5/certs":
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(g.key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(g.key.E)).Bytes())}}})
	case r.Header.Get("Authorization") != "Bearer bridge-token":
		w.WriteHeader(http.StatusUnauthorized)
	case r.URL.Path == "/gateway/v1/bridges":
		var b struct{ URL string }
		json.Unmarshal(body, &b)
		g.mu.Lock()
		g.url = b.URL
		g.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/gateway/v1/bridges/addUpdateServices":
		var ss []struct{ ID string }
		json.Unmarshal(body, &ss)
		g.mu.Lock()
		for _, s := range ss {
			g.services = append(g.services, s.ID)
		}
		g.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case g.down.Load():
		w.WriteHeader(http.StatusServiceUnavailable)
	case g.refuse.Load():
		w.WriteHeader(http.StatusBadRequest)
	default:
		var m map[string]any
		json.Unmarshal(body, &m)
		g.mu.Lock()
		g.msgs = append(g.msgs, gwMsg{strings.TrimPrefix(r.URL.Path, "/gateway/v0.5/"), m})
		g.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}
}

// sign makes a JWS of the gateway's key over claims.
func (g *fakeGateway) sign(t *testing.T, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(g.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// answer waits for the message answering requestID (resp.requestId).
func (g *fakeGateway) answer(t *testing.T, path, requestID string) map[string]any {
	t.Helper()
	var got map[string]any
	eventually(t, path, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, m := range g.msgs {
			if resp, _ := m.body["resp"].(map[string]any); m.path == path && resp["requestId"] == requestID {
				got = m.body
				return true
			}
		}
		return false
	})
	return got
}

// sent returns the messages sent to path.
func (g *fakeGateway) sent(path string) []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []map[string]any
	for _, m := range g.msgs {
		if m.path == path {
			out = append(out, m.body)
		}
	}
	return out
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

type verified struct{}

func (verified) Facility(context.Context, string) (string, bool, error) {
	return "Test Hospital", true, nil
}

// testBundles reads the test's stand-in bundles: {"hiType","date","name","gender"}.
type testBundles struct{}

func (testBundles) Check(b []byte) (*hip.BundleInfo, error) {
	var in struct{ HIType, Date, Name, Gender, Mobile string }
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "not a test bundle")
	}
	d, err := time.Parse(time.RFC3339, in.Date)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "bad date")
	}
	info := &hip.BundleInfo{HIType: in.HIType, Date: d}
	info.Patient.Name, info.Patient.Gender, info.Patient.BirthDate, info.Patient.Mobile = in.Name, in.Gender, "1990-04-01", in.Mobile
	return info, nil
}

type sentSMS struct {
	mu sync.Mutex
	m  []notify.Message
}

func (s *sentSMS) SendSMS(_ context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = append(s.m, m)
	return nil
}

func (s *sentSMS) last() notify.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[len(s.m)-1]
}

// env is a HIP node's bridge against the fake gateway.
type env struct {
	t    *testing.T
	db   *sqldb.DB
	svc  *hip.Service
	gw   *fakeGateway
	sms  *sentSMS
	hip  *httptest.Server // the bridge's callbacks
	cfg  hip.BridgeConfig
	stop context.CancelFunc
}

const facility = "IN2810000001"

func newEnv(t *testing.T, run bool) *env {
	e := &env{t: t, db: sqlite.OpenTest(t), gw: newFakeGateway(t), sms: &sentSMS{}}
	wrap := make([]byte, 32)
	e.svc = hip.NewService(e.db, verified{}, testBundles{}, audit.NewLog(e.db, nil), hip.Config{WrapKey: wrap})
	e.cfg = hip.BridgeConfig{GatewayURL: e.gw.srv.URL + "/gateway", CMID: "sbx", CallbackURL: "http://hip.example/hip",
		ClientID: "hip-client", ClientSecret: "secret", SecretKey: make([]byte, 32), OTPKey: []byte("otp-key-otp-key-otp-key-otp-key!"), SMS: e.sms,
		AllowPrivatePush: true} // the tests' HIUs listen on loopback (TestPushClientRefusesPrivate covers the refusal)
	b := hip.NewBridge(e.svc, e.cfg)
	mux := http.NewServeMux()
	b.Register(mux)
	e.hip = httptest.NewServer(mux)
	t.Cleanup(e.hip.Close)
	if _, err := e.svc.AddFacility(t.Context(), facility); err != nil {
		t.Fatal(err)
	}
	if run {
		e.run(b)
	}
	return e
}

// run starts a bridge; a second bridge over the same database is a
// restarted node.
func (e *env) run(b *hip.Bridge) {
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	e.t.Cleanup(cancel)
	go b.Run(ctx)
}

func (e *env) token(claims jwt.MapClaims) string {
	return e.gw.sign(e.t, claims)
}

func (e *env) gatewayToken() string {
	return e.token(jwt.MapClaims{"sub": "gateway", "clientId": "gateway", "exp": time.Now().Add(time.Minute).Unix()})
}

// call sends a callback as the gateway; it returns the status and the
// requestId.
func (e *env) call(kind, hipID, token string, payload map[string]any) (int, string) {
	e.t.Helper()
	return e.callIn(protocol.V05, kind, hipID, token, payload)
}

// callIn is call in a version: v3 at the kind's v3 bridge path, with
// REQUEST-ID (payload's requestId, if set) and TIMESTAMP in headers, the
// v3 YAML's underscore spelling.
func (e *env) callIn(version, kind, hipID, token string, payload map[string]any) (int, string) {
	e.t.Helper()
	id, _ := payload["requestId"].(string)
	if id == "" {
		id = uuid.NewString()
		payload["requestId"] = id
	}
	ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	payload["timestamp"] = ts
	path := "/hip/v0.5/" + kind
	if version == protocol.V3 {
		route, _ := protocol.ByKind(kind)
		path = "/hip" + protocol.BridgePath(route, protocol.V3)
		delete(payload, "requestId")
		delete(payload, "timestamp")
	}
	b, _ := json.Marshal(payload)
	req, _ := http.NewRequest("POST", e.hip.URL+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if version == protocol.V3 {
		req.Header.Set("REQUEST_ID", id)
		req.Header.Set("TIMESTAMP", ts)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if hipID != "" {
		req.Header.Set("X-HIP-ID", hipID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, id
}

// must sends a callback that must be accepted and returns its answer.
func (e *env) must(kind, answer string, payload map[string]any) map[string]any {
	e.t.Helper()
	st, id := e.call(kind, facility, e.gatewayToken(), payload)
	if st != http.StatusAccepted {
		e.t.Fatalf("%s: HTTP %d", kind, st)
	}
	return e.gw.answer(e.t, answer, id)
}

func (e *env) push(contextRef, hiType, date string) {
	e.t.Helper()
	b, _ := json.Marshal(map[string]string{"hiType": hiType, "date": date, "name": "Asha Devi Rao", "gender": "F"})
	if _, err := e.svc.PushBundle(e.t.Context(), facility, hip.PushInput{ABHANumber: "91111111111111", ContextRef: contextRef,
		ContextDisplay: "Visit " + contextRef, Bundle: b}); err != nil {
		e.t.Fatal(err)
	}
}

func errCode(m map[string]any) any {
	e, _ := m["error"].(map[string]any)
	return e["code"]
}

func TestBridgeRegistersItsFacilities(t *testing.T) {
	e := newEnv(t, true)
	eventually(t, "registration", func() bool {
		e.gw.mu.Lock()
		defer e.gw.mu.Unlock()
		return e.gw.url == "http://hip.example/hip" && len(e.gw.services) > 0 && e.gw.services[len(e.gw.services)-1] == facility
	})
}

// TestCallbackChecks: a callback is taken only with the gateway's token,
// for a facility this HIP serves, with a sound envelope, at its v0.5 path
// and at its v3 path alike.
func TestCallbackChecks(t *testing.T) {
	for _, version := range []string{protocol.V05, protocol.V3} {
		t.Run(version, func(t *testing.T) { testCallbackChecks(t, version) })
	}
}

func testCallbackChecks(t *testing.T, version string) {
	e := newEnv(t, false)
	discover := func() map[string]any {
		return map[string]any{"transactionId": uuid.NewString(), "patient": map[string]any{}}
	}
	for _, tc := range []struct {
		name, hipID, token string
		want               int
	}{
		{"no token", facility, "", 401},
		{"a bridge's token, not the gateway's", facility, e.token(jwt.MapClaims{"sub": "hip-client", "clientId": "hip-client", "exp": time.Now().Add(time.Minute).Unix()}), 401},
		{"expired", facility, e.token(jwt.MapClaims{"sub": "gateway", "exp": time.Now().Add(-time.Hour).Unix()}), 401},
		{"signed by another key", facility, func() string {
			k, _ := rsa.GenerateKey(rand.Reader, 2048)
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "gateway", "exp": time.Now().Add(time.Minute).Unix()})
			tok.Header["kid"] = "k1"
			s, _ := tok.SignedString(k)
			return s
		}(), 401},
		{"a facility not served", "IN2810000009", e.gatewayToken(), 404},
		{"no X-HIP-ID", "", e.gatewayToken(), 400},
		{"accepted", facility, e.gatewayToken(), 202},
	} {
		if st, _ := e.callIn(version, "care-contexts/discover", tc.hipID, tc.token, discover()); st != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, st, tc.want)
		}
	}
	if st, _ := e.callIn(version, "care-contexts/discover", facility, e.gatewayToken(), map[string]any{"requestId": "not-a-uuid"}); st != 400 {
		t.Errorf("a bad requestId: HTTP %d, want 400", st)
	}
	// Refusals are ABDM errors.
	path := "/hip/v0.5/care-contexts/discover"
	if version == protocol.V3 {
		path = "/hip/api/v3/hip/patient/care-context/discover"
	}
	req, _ := http.NewRequest("POST", e.hip.URL+path, strings.NewReader("{}"))
	req.Header.Set("X-HIP-ID", facility)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.NewDecoder(resp.Body).Decode(&body); resp.StatusCode != 401 || body.Error.Code != "ABDM-1002" {
		t.Errorf("no token: HTTP %d %+v, want 401 ABDM-1002", resp.StatusCode, body)
	}
}

// TestV3CallbackAnswered: a callback taken at its v3 path is done like a
// v0.5 one, and its answer names its REQUEST-ID as the request it answers.
func TestV3CallbackAnswered(t *testing.T) {
	e := newEnv(t, true)
	st, id := e.callIn(protocol.V3, "care-contexts/discover", facility, e.gatewayToken(), map[string]any{"transactionId": uuid.NewString(),
		"patient": map[string]any{"id": "nobody@sbx", "name": "No One", "gender": "M", "yearOfBirth": 1990,
			"verifiedIdentifiers": []map[string]string{{"type": "MOBILE", "value": "9000000001"}}}})
	if st != http.StatusAccepted {
		t.Fatalf("v3 discover: HTTP %d", st)
	}
	if a := e.gw.answer(t, "care-contexts/on-discover", id); errCode(a) == nil {
		t.Fatalf("on-discover for nobody: %v", a)
	}
}

// TestDurable: callbacks accepted while no worker runs, and while the
// gateway is down, are answered once by a bridge started later, over the
// same database; a redelivered requestId is answered once.
func TestDurable(t *testing.T) {
	e := newEnv(t, false)
	e.push("OP-1", "OPConsultation", "2025-03-11T10:00:00Z")
	q := map[string]any{"transactionId": uuid.NewString(), "patient": map[string]any{"id": "asha@sbx", "name": "Asha Devi Rao", "gender": "F",
		"verifiedIdentifiers": []map[string]string{{"type": "NDHM_HEALTH_NUMBER", "value": "91-1111-1111-1111"}}}}
	st, id := e.call("care-contexts/discover", facility, e.gatewayToken(), q)
	if st != 202 {
		t.Fatalf("HTTP %d", st)
	}
	if st, _ := e.call("care-contexts/discover", facility, e.gatewayToken(), q); st != 202 {
		t.Fatalf("redelivery: HTTP %d", st)
	}
	e.gw.down.Store(true)
	e.run(hip.NewBridge(e.svc, e.cfg)) // a node started after the 202
	time.Sleep(300 * time.Millisecond)
	e.gw.down.Store(false)
	got := e.gw.answer(t, "care-contexts/on-discover", id)
	p, _ := got["patient"].(map[string]any)
	if p == nil || p["referenceNumber"] == "" || got["transactionId"] != q["transactionId"] {
		t.Fatalf("on-discover: %v", got)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(e.gw.sent("care-contexts/on-discover")); n != 1 {
		t.Fatalf("%d answers to one requestId, want 1", n)
	}
}

func TestDiscoverAndLink(t *testing.T) {
	e := newEnv(t, true)
	e.push("OP-1", "OPConsultation", "2025-03-11T10:00:00Z")
	e.push("OP-2", "Prescription", "2025-03-12T10:00:00Z")
	query := func(gender string) map[string]any {
		return map[string]any{"transactionId": uuid.NewString(), "patient": map[string]any{"id": "asha@sbx", "name": "ASHA DEVI RAO", "gender": gender, "yearOfBirth": 1991,
			"verifiedIdentifiers": []map[string]string{{"type": "MOBILE", "value": "9876543210"}, {"type": "NDHM_HEALTH_NUMBER", "value": "91111111111111"}}}}
	}
	if got := e.must("care-contexts/discover", "care-contexts/on-discover", query("M")); errCode(got) != float64(1000) || got["patient"] != nil {
		t.Fatalf("discover, other gender: %v", got)
	}
	q := query("F")
	got := e.must("care-contexts/discover", "care-contexts/on-discover", q)
	p := got["patient"].(map[string]any)
	if ccs := p["careContexts"].([]any); len(ccs) != 2 {
		t.Fatalf("on-discover: %v", got)
	}
	tx, ref := q["transactionId"], p["referenceNumber"]
	init := func(ccs ...string) map[string]any {
		var cs []map[string]string
		for _, c := range ccs {
			cs = append(cs, map[string]string{"referenceNumber": c})
		}
		return e.must("links/link/init", "links/link/on-init", map[string]any{"transactionId": tx,
			"patient": map[string]any{"id": "asha@sbx", "referenceNumber": ref, "careContexts": cs}})
	}
	if got := init("OP-1", "OP-9"); errCode(got) != float64(1002) {
		t.Fatalf("link init of a care context not offered: %v", got)
	}
	got = init("OP-1")
	link := got["link"].(map[string]any)
	lref := link["referenceNumber"].(string)
	sms := e.sms.last()
	if sms.To != "9876543210" || len(sms.OTP) != 6 || link["authenticationType"] != "MEDIATED" ||
		link["meta"].(map[string]any)["communicationHint"] != "******3210" {
		t.Fatalf("on-init %v; SMS to a different number or OTP", got)
	}
	confirm := func(otp string) map[string]any {
		return e.must("links/link/confirm", "links/link/on-confirm", map[string]any{"confirmation": map[string]string{"linkRefNumber": lref, "token": otp}})
	}
	wrong := fmt.Sprintf("%06d", (atoi(sms.OTP)+1)%1000000)
	for i := range 5 {
		if got := confirm(wrong); errCode(got) != float64(1003) {
			t.Fatalf("wrong OTP %d: %v", i+1, got)
		}
	}
	if got := confirm(sms.OTP); errCode(got) != float64(1006) {
		t.Fatalf("the right OTP after 5 wrong ones: %v, want no link request", got)
	}
	lref = init("OP-1")["link"].(map[string]any)["referenceNumber"].(string)
	got = confirm(e.sms.last().OTP)
	p, _ = got["patient"].(map[string]any)
	if p == nil || len(p["careContexts"].([]any)) != 1 {
		t.Fatalf("on-confirm: %v", got)
	}
	links, err := e.db.HIPLinks(t.Context(), facility, "OP-1")
	if err != nil || len(links) != 1 || links[0].ABHAAddress != "asha@sbx" {
		t.Fatalf("links: %v %v", links, err)
	}
	// OP-1 is linked now: discovery offers only OP-2.
	got = e.must("care-contexts/discover", "care-contexts/on-discover", query("F"))
	if ccs := got["patient"].(map[string]any)["careContexts"].([]any); len(ccs) != 1 || ccs[0].(map[string]any)["referenceNumber"] != "OP-2" {
		t.Fatalf("discover after linking: %v", got)
	}
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// TestConsentEnforced: the HIP keeps an artefact only if the gateway
// signed it, checks every request against its copy, pushes only what the
// artefact covers, and refuses after revocation.
func TestConsentEnforced(t *testing.T) {
	e := newEnv(t, true)
	e.push("OP-1", "OPConsultation", "2025-03-11T10:00:00Z") // sent
	e.push("OP-1", "OPConsultation", "2025-05-20T10:00:00Z") // sent, its own page
	e.push("OP-1", "OPConsultation", "2024-03-11T10:00:00Z") // outside the dates asked
	e.push("OP-1", "Prescription", "2025-03-11T11:00:00Z")   // an HI type not consented
	e.push("OP-2", "OPConsultation", "2025-04-11T10:00:00Z") // a care context not consented
	p, err := e.db.HIPCareContext(t.Context(), facility, "OP-1")
	if err != nil {
		t.Fatal(err)
	}
	artID := uuid.NewString()
	detail := map[string]any{"consentId": artID, "patient": map[string]any{"id": "asha@sbx"}, "hip": map[string]any{"id": facility},
		"careContexts": []any{map[string]any{"patientReference": p.PatientRef, "careContextReference": "OP-1"}},
		"hiTypes":      []any{"OPConsultation"},
		"permission": map[string]any{"dateRange": map[string]any{"from": "2025-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"},
			"dataEraseAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}
	notice := func(status, sig string) map[string]any {
		return e.must("consents/hip/notify", "consents/hip/on-notify", map[string]any{"notification": map[string]any{
			"status": status, "consentId": artID, "consentDetail": detail, "signature": sig}})
	}
	forged := detail["hiTypes"]
	detail["hiTypes"] = []any{"OPConsultation", "Prescription"}
	sig := e.gw.sign(t, jwt.MapClaims(detail))
	detail["hiTypes"] = forged // the signature no longer covers the detail
	if got := notice("GRANTED", sig); got["acknowledgement"].(map[string]any)["status"] != "UNKNOWN" || errCode(got) == nil {
		t.Fatalf("a forged artefact: %v", got)
	}
	if _, err := e.db.HIPConsent(t.Context(), artID); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("a forged artefact was kept: %v", err)
	}
	if got := notice("GRANTED", e.gw.sign(t, jwt.MapClaims(detail))); got["acknowledgement"].(map[string]any)["status"] != "OK" {
		t.Fatalf("on-notify: %v", got)
	}

	// The HIU's side: a key pair and nonce, and a dataPushUrl.
	var mu sync.Mutex
	var pushes []map[string]any
	hiu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		pushes = append(pushes, m)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hiu.Close()
	key, _ := fidelius.GenerateKey(rand.Reader)
	nonce, _ := fidelius.NewNonce(rand.Reader)
	km, _ := fidelius.NewKeyMaterial(key.Public(), fidelius.RawKey, nonce, time.Now().Add(time.Hour))
	request := func(from, to string) (string, map[string]any) {
		tx := uuid.NewString()
		return tx, e.must("health-information/hip/request", "health-information/hip/on-request", map[string]any{"transactionId": tx,
			"hiRequest": map[string]any{"consent": map[string]string{"id": artID}, "dateRange": map[string]string{"from": from, "to": to},
				"dataPushUrl": hiu.URL, "keyMaterial": km}})
	}
	status := func(m map[string]any) any { return m["hiRequest"].(map[string]any)["sessionStatus"] }
	if _, got := request("2024-01-01T00:00:00Z", "2025-12-31T00:00:00Z"); status(got) != "ERRORED" || errCode(got) == nil {
		t.Fatalf("a date range wider than the consent's: %v", got)
	}
	tx, got := request("2025-01-01T00:00:00Z", "2025-06-30T00:00:00Z")
	if status(got) != "ACKNOWLEDGED" {
		t.Fatalf("on-request: %v", got)
	}
	var done map[string]any
	eventually(t, "health-information/notify", func() bool {
		for _, m := range e.gw.sent("health-information/notify") {
			if n := m["notification"].(map[string]any); n["transactionId"] == tx {
				done = n
				return true
			}
		}
		return false
	})
	sn := done["statusNotification"].(map[string]any)
	rs := sn["statusResponses"].([]any)
	if sn["sessionStatus"] != "TRANSFERRED" || len(rs) != 1 || rs[0].(map[string]any)["careContextReference"] != "OP-1" || rs[0].(map[string]any)["hiStatus"] != "DELIVERED" {
		t.Fatalf("notify: %v", done)
	}
	mu.Lock()
	got0 := pushes
	mu.Unlock()
	if len(got0) != 2 || got0[0]["pageCount"] != float64(2) || got0[1]["pageNumber"] != float64(2) {
		t.Fatalf("pushes: %d, want 2 pages", len(got0))
	}
	// One session for the transfer (one HIP key), a fresh nonce per page.
	var keys, nonces []string
	for i, pg := range got0 {
		entry := pg["entries"].([]any)[0].(map[string]any)
		var hipKM fidelius.KeyMaterial
		b, _ := json.Marshal(pg["keyMaterial"])
		json.Unmarshal(b, &hipKM)
		hipKey, hipNonce, err := hipKM.Parse()
		if err != nil {
			t.Fatal(err)
		}
		keys, nonces = append(keys, hipKM.DHPublicKey.KeyValue), append(nonces, hipKM.Nonce)
		ct, _ := base64.StdEncoding.DecodeString(entry["content"].(string))
		plain, err := fidelius.Decrypt(key, nonce, hipKey, hipNonce, ct)
		want := []string{`"2025-03-11T10:00:00Z"`, `"2025-05-20T10:00:00Z"`}[i]
		if err != nil || !strings.Contains(string(plain), want) || !strings.Contains(string(plain), "OPConsultation") || entry["careContextReference"] != "OP-1" {
			t.Fatalf("page %d: %s %v", i+1, plain, err)
		}
	}
	if keys[0] != keys[1] || nonces[0] == nonces[1] {
		t.Fatalf("pages share a nonce, or the transfer used two keys")
	}

	// Revoked: a tombstone; requests refused; a GRANTED notice does not revive it.
	if got := notice("REVOKED", ""); got["acknowledgement"].(map[string]any)["status"] != "OK" {
		t.Fatalf("revoke: %v", got)
	}
	notice("GRANTED", e.gw.sign(t, jwt.MapClaims(detail)))
	if c, err := e.db.HIPConsent(t.Context(), artID); err != nil || c.Status != "REVOKED" || len(c.Contexts) != 0 {
		t.Fatalf("after revocation: %+v %v", c, err)
	}
	if _, got := request("2025-01-01T00:00:00Z", "2025-06-30T00:00:00Z"); status(got) != "ERRORED" {
		t.Fatalf("a request after revocation: %v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pushes) != 2 {
		t.Fatalf("%d pushes, want the 2 of the first transfer", len(pushes))
	}
}

// lastSent waits for a message to path whose JSON shows want, and returns
// it.
func (e *env) lastSent(path, want string) map[string]any {
	e.t.Helper()
	var got map[string]any
	eventually(e.t, path, func() bool {
		ms := e.gw.sent(path)
		for i := len(ms) - 1; i >= 0; i-- {
			if b, _ := json.Marshal(ms[i]); strings.Contains(string(b), want) {
				got = ms[i]
				return true
			}
		}
		return false
	})
	return got
}

// TestHIPInitiatedLinking: a new care context of a patient known by ABHA
// address is linked by the HIP (users/auth DEMOGRAPHICS, add-contexts,
// context/notify); a refusal leaves the next one unlinked, visibly.
func TestHIPInitiatedLinking(t *testing.T) {
	e := newEnv(t, true)
	push := func(ref string) {
		b, _ := json.Marshal(map[string]string{"hiType": "OPConsultation", "date": "2025-03-11T10:00:00Z", "name": "Asha Devi Rao", "gender": "F"})
		if _, err := e.svc.PushBundle(t.Context(), facility, hip.PushInput{ABHAAddress: "asha@sbx", ContextRef: ref, ContextDisplay: "Visit " + ref, Bundle: b}); err != nil {
			t.Fatal(err)
		}
	}
	state := func(ref string) string {
		cl, err := e.svc.CareContextLinks(t.Context(), facility, ref)
		if err != nil {
			t.Fatal(err)
		}
		return cl.State
	}
	answer := func(kind string, to map[string]any, payload map[string]any) {
		payload["resp"] = map[string]any{"requestId": to["requestId"]}
		if st, _ := e.call(kind, facility, e.gatewayToken(), payload); st != 202 {
			t.Fatalf("%s: HTTP %d", kind, st)
		}
	}
	push("OP-1")
	init := e.lastSent("users/auth/init", "asha@sbx")
	q := init["query"].(map[string]any)
	if q["authMode"] != "DEMOGRAPHICS" || q["purpose"] != "LINK" || q["requester"].(map[string]any)["id"] != facility {
		t.Fatalf("users/auth/init: %v", init)
	}
	if s := state("OP-1"); s != hip.LinkStateLinking {
		t.Fatalf("state %s, want LINKING", s)
	}
	answer("users/auth/on-init", init, map[string]any{"auth": map[string]any{"transactionId": "T-1", "mode": "DEMOGRAPHICS"}})
	confirm := e.lastSent("users/auth/confirm", "T-1")
	if d := confirm["credential"].(map[string]any)["demographic"].(map[string]any); d["name"] != "Asha Devi Rao" || d["gender"] != "F" || d["dateOfBirth"] != "1990-04-01" {
		t.Fatalf("users/auth/confirm: %v", confirm)
	}
	answer("users/auth/on-confirm", confirm, map[string]any{"auth": map[string]any{"accessToken": "link-token-1"}})
	add := e.lastSent("links/link/add-contexts", "link-token-1")
	if ccs := add["link"].(map[string]any)["patient"].(map[string]any)["careContexts"].([]any); len(ccs) != 1 || ccs[0].(map[string]any)["referenceNumber"] != "OP-1" {
		t.Fatalf("add-contexts: %v", add)
	}
	answer("links/link/on-add-contexts", add, map[string]any{"acknowledgement": map[string]any{"status": "SUCCESS"}})
	n := e.lastSent("links/context/notify", "OP-1")
	if nn := n["notification"].(map[string]any); nn["patient"].(map[string]any)["id"] != "asha@sbx" || fmt.Sprint(nn["hiTypes"]) != "[OPConsultation]" {
		t.Fatalf("context/notify: %v", n)
	}
	if s := state("OP-1"); s != hip.LinkStateLinked {
		t.Fatalf("state %s, want LINKED", s)
	}

	// The consent manager refuses the next: it stays unlinked, and says so.
	push("OP-2")
	var steps []*hip.LinkStep
	eventually(t, "users/auth/init for OP-2", func() bool {
		steps, _ = e.db.HIPLinkSteps(t.Context(), facility, "OP-2")
		return len(steps) == 1
	})
	init = map[string]any{"requestId": steps[0].RequestID}
	answer("users/auth/on-init", init, map[string]any{"error": map[string]any{"code": 1000, "message": "the person could not be verified"}})
	eventually(t, "LINK_FAILED", func() bool { return state("OP-2") == hip.LinkStateFailed })
	if links, _ := e.db.HIPLinks(t.Context(), facility, "OP-2"); len(links) != 0 {
		t.Fatalf("OP-2 linked after a refusal: %v", links)
	}

	// The gateway refuses the message itself (HTTP 400): the step fails at
	// once, and the care context says so.
	e.gw.refuse.Store(true)
	push("OP-3")
	eventually(t, "LINK_FAILED after a refused message", func() bool { return state("OP-3") == hip.LinkStateFailed })
}

// TestLinkOTPToTheFacilitysNumber: the OTP goes to the mobile the facility
// has for its patient, when it has one, not the one the CM verified.
func TestLinkOTPToTheFacilitysNumber(t *testing.T) {
	e := newEnv(t, true)
	b, _ := json.Marshal(map[string]string{"hiType": "OPConsultation", "date": "2025-03-11T10:00:00Z", "name": "Asha Devi Rao", "gender": "F",
		"mobile": "+91 90000 12345"})
	if _, err := e.svc.PushBundle(t.Context(), facility, hip.PushInput{ABHANumber: "91111111111111", ContextRef: "OP-1", ContextDisplay: "Visit", Bundle: b}); err != nil {
		t.Fatal(err)
	}
	q := map[string]any{"transactionId": uuid.NewString(), "patient": map[string]any{"id": "asha@sbx", "name": "Asha Devi Rao", "gender": "F",
		"verifiedIdentifiers": []map[string]string{{"type": "MOBILE", "value": "9000012345"}}}}
	got := e.must("care-contexts/discover", "care-contexts/on-discover", q)
	p, _ := got["patient"].(map[string]any)
	if p == nil || fmt.Sprint(p["matchedBy"]) != "[MOBILE]" {
		t.Fatalf("discover by the facility's number: %v", got)
	}
	got = e.must("links/link/init", "links/link/on-init", map[string]any{"transactionId": q["transactionId"],
		"patient": map[string]any{"id": "asha@sbx", "referenceNumber": p["referenceNumber"], "careContexts": []map[string]string{{"referenceNumber": "OP-1"}}}})
	if e.sms.last().To != "9000012345" || got["link"].(map[string]any)["meta"].(map[string]any)["communicationHint"] != "******2345" {
		t.Fatalf("the OTP went to %s: %v", e.sms.last().To, got)
	}
}
