package bridgeclient

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/protocol"
)

// The gateway's key, made once: RSA keys are slow to make.
var (
	keyOnce          sync.Once
	gwKey, otherKey  *rsa.PrivateKey
	errKeyGeneration error
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		if gwKey, errKeyGeneration = rsa.GenerateKey(rand.Reader, 2048); errKeyGeneration == nil {
			otherKey, errKeyGeneration = rsa.GenerateKey(rand.Reader, 2048)
		}
	})
	if errKeyGeneration != nil {
		t.Fatal(errKeyGeneration)
	}
	return gwKey, otherKey
}

// call is a request the fake gateway took.
type call struct {
	method, path string
	header       http.Header
	body         []byte
}

// fakeGateway is the ABDM gateway as a bridge sees it, in v0.5 and v3:
// sessions, certs, bridge self-service and messages.
type fakeGateway struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey

	expiresIn   atomic.Int64 // the sessions' expiresIn
	sessionCode atomic.Int64 // non-zero: sessions answer this status
	certsDown   atomic.Bool  // the certs answer 503
	sessions    atomic.Int64 // sessions opened
	// answer is the status of any other call made with a current token;
	// nil: 200.
	answer func(c call) int

	mu     sync.Mutex
	valid  string // the current session token: others get 401
	calls  []call
	tokens int
}

func newFakeGateway(t testing.TB) *fakeGateway {
	k, _ := keys(t)
	g := &fakeGateway{t: t, key: k}
	g.expiresIn.Store(1200)
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := call{r.Method, r.URL.Path, r.Header.Clone(), body}
	g.mu.Lock()
	g.calls = append(g.calls, c)
	g.mu.Unlock()
	switch r.URL.Path {
	case "/gateway/v0.5/sessions", "/api/hiecm/gateway/v3/sessions":
		if code := g.sessionCode.Load(); code != 0 {
			w.WriteHeader(int(code))
			return
		}
		var in struct{ ClientID, ClientSecret, GrantType string }
		if json.Unmarshal(body, &in) != nil || in.ClientID != "bridge" || in.ClientSecret != "s3cret" || in.GrantType != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		g.sessions.Add(1)
		g.mu.Lock()
		g.tokens++
		g.valid = "token-" + string(rune('0'+g.tokens))
		tok := g.valid
		g.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"accessToken": tok, "expiresIn": g.expiresIn.Load()})
		return
	case "/gateway/v0.5/certs", "/api/hiecm/gateway/v3/certs":
		if g.certsDown.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(g.key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(g.key.E)).Bytes())}}})
		return
	}
	g.mu.Lock()
	valid := g.valid
	g.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+valid {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	st := http.StatusOK
	if g.answer != nil {
		st = g.answer(c)
	}
	w.WriteHeader(st)
}

// expire makes the gateway refuse the current session token.
func (g *fakeGateway) expire() {
	g.mu.Lock()
	g.valid = "expired"
	g.mu.Unlock()
}

// made returns the calls made to paths other than sessions and certs.
func (g *fakeGateway) made() []call {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []call
	for _, c := range g.calls {
		if !strings.HasSuffix(c.path, "/sessions") && !strings.HasSuffix(c.path, "/certs") {
			out = append(out, c)
		}
	}
	return out
}

// sessionCalls returns the calls made to open sessions.
func (g *fakeGateway) sessionCalls() []call {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []call
	for _, c := range g.calls {
		if strings.HasSuffix(c.path, "/sessions") {
			out = append(out, c)
		}
	}
	return out
}

// clock is a test's settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var epoch = time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)

func (g *fakeGateway) client(version string, clk *clock) *Client {
	return New(Config{Role: "hip", Version: version, Base: g.srv.URL + "/gateway/", CMID: "sbx", ClientID: "bridge", Secret: "s3cret",
		HTTP: g.srv.Client(), Now: clk.Now})
}

// sign makes a JWS over claims with key, its header naming kid.
func sign(t testing.TB, key *rsa.PrivateKey, kid string, claims jwt.Claims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokenRenewal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		version   string
		expiresIn int64
		advance   time.Duration // after the first token
		renewed   bool
	}{
		{"held within three quarters of its life", protocol.V05, 1200, 899 * time.Second, false},
		{"renewed in its last quarter", protocol.V05, 1200, 900 * time.Second, true},
		{"no expiresIn lasts ten minutes", protocol.V05, 0, 7*time.Minute + 29*time.Second, false},
		{"no expiresIn is renewed after 7.5 minutes", protocol.V05, 0, 7*time.Minute + 30*time.Second, true},
		{"negative expiresIn lasts ten minutes", protocol.V05, -5, 7 * time.Minute, false},
		{"v3 held", protocol.V3, 600, 449 * time.Second, false},
		{"v3 renewed", protocol.V3, 600, 450 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			g.expiresIn.Store(tc.expiresIn)
			clk := &clock{t: epoch}
			c := g.client(tc.version, clk)
			ctx := context.Background()
			first, err := c.AccessToken(ctx)
			if err != nil || first == "" {
				t.Fatalf("first token: %q, %v", first, err)
			}
			clk.Advance(tc.advance)
			second, err := c.AccessToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if renewed := second != first; renewed != tc.renewed {
				t.Fatalf("renewed = %v, want %v (%q then %q)", renewed, tc.renewed, first, second)
			}
			want := 1
			if tc.renewed {
				want = 2
			}
			calls := g.sessionCalls()
			if len(calls) != want {
				t.Fatalf("%d sessions opened, want %d", len(calls), want)
			}
			for _, s := range calls {
				if s.method != http.MethodPost || s.header.Get("X-CM-ID") != "sbx" || s.header.Get("Authorization") != "" {
					t.Fatalf("session request: %s %s %v", s.method, s.path, s.header)
				}
				if tc.version == protocol.V3 {
					if s.path != "/api/hiecm/gateway/v3/sessions" || !protocol.IsUUID(s.header.Get("REQUEST-ID")) || s.header.Get("TIMESTAMP") == "" {
						t.Fatalf("v3 session request: %s %v", s.path, s.header)
					}
				} else if s.path != "/gateway/v0.5/sessions" || s.header.Get("REQUEST-ID") != "" {
					t.Fatalf("v0.5 session request: %s %v", s.path, s.header)
				}
			}
		})
	}
}

func TestAccessTokenRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		want string
	}{
		{"wrong credentials", http.StatusUnauthorized, "hip: gateway session: HTTP 401"},
		{"gateway down", http.StatusServiceUnavailable, "hip: gateway session: HTTP 503"},
		{"not a session", http.StatusOK, "hip: gateway session: HTTP 200"}, // 200 without a body
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			g.sessionCode.Store(int64(tc.code))
			c := g.client(protocol.V05, &clock{t: epoch})
			if _, err := c.AccessToken(context.Background()); err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			// A call does not go on without a session.
			if _, _, err := c.Call(context.Background(), http.MethodPost, c.Base()+"/v0.5/x", nil, []byte("{}")); err == nil || err.Error() != tc.want {
				t.Fatalf("Call: err = %v, want %q", err, tc.want)
			}
			if n := len(g.made()); n != 0 {
				t.Fatalf("%d calls made without a session", n)
			}
		})
	}
	// The gateway cannot be reached at all.
	g := newFakeGateway(t)
	c := g.client(protocol.V05, &clock{t: epoch})
	g.srv.Close()
	if _, err := c.AccessToken(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "hip: gateway session: ") {
		t.Fatalf("err = %v", err)
	}
}

func TestCallRetriesOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prepare  func(g *fakeGateway)
		answer   func(c call) int
		want     int // status Call returns
		calls    int // calls made to the path
		sessions int64
	}{
		{"a current token", func(*fakeGateway) {}, nil, 200, 1, 1},
		{"a token the gateway dropped is renewed once", (*fakeGateway).expire, nil, 200, 2, 2},
		{"a 401 after renewal is the answer", func(*fakeGateway) {}, func(call) int { return http.StatusUnauthorized }, 401, 2, 2},
		{"other refusals are not retried", func(*fakeGateway) {}, func(call) int { return http.StatusForbidden }, 403, 1, 1},
		{"nor are failures", func(*fakeGateway) {}, func(call) int { return http.StatusServiceUnavailable }, 503, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			g.answer = tc.answer
			c := g.client(protocol.V05, &clock{t: epoch})
			ctx := context.Background()
			if _, err := c.AccessToken(ctx); err != nil {
				t.Fatal(err)
			}
			tc.prepare(g)
			st, _, err := c.Call(ctx, http.MethodPost, c.Base()+"/v0.5/consents/on-notify", map[string]string{"X-HIU-ID": "IN1"}, []byte(`{"a":1}`))
			if err != nil || st != tc.want {
				t.Fatalf("Call = %d, %v; want %d", st, err, tc.want)
			}
			made := g.made()
			if len(made) != tc.calls {
				t.Fatalf("%d calls, want %d", len(made), tc.calls)
			}
			for _, m := range made {
				if m.path != "/gateway/v0.5/consents/on-notify" || string(m.body) != `{"a":1}` || m.header.Get("X-HIU-ID") != "IN1" ||
					m.header.Get("X-CM-ID") != "sbx" || m.header.Get("Content-Type") != "application/json" {
					t.Fatalf("call: %s %s %v", m.path, m.body, m.header)
				}
			}
			if n := g.sessions.Load(); n != tc.sessions {
				t.Fatalf("%d sessions, want %d", n, tc.sessions)
			}
		})
	}
}

func TestRegistration(t *testing.T) {
	fs := []Service{{ID: "IN1", Name: "One"}, {ID: "IN2", Name: "Two"}, {ID: "IN3", Name: "Three"}}
	conflictOn := func(taken ...string) func(call) int {
		return func(c call) int {
			if !strings.Contains(c.path, "ervices") {
				return http.StatusNoContent
			}
			var ss []struct{ ID string }
			json.Unmarshal(c.body, &ss)
			for _, s := range ss {
				if slices.Contains(taken, s.ID) {
					return http.StatusConflict
				}
			}
			return http.StatusOK
		}
	}
	for _, tc := range []struct {
		name    string
		version string
		each    bool // AddServicesEach, not AddServices
		answer  func(call) int
		ss      []Service
		wantErr string
		taken   []string
		paths   []string
	}{
		{"v0.5", protocol.V05, false, nil, fs, "", nil, []string{"PATCH /gateway/v1/bridges", "POST /gateway/v1/bridges/addUpdateServices"}},
		{"v3", protocol.V3, false, nil, fs, "", nil, []string{"PATCH /api/hiecm/gateway/v3/bridge/url", "POST /api/hiecm/gateway/v3/bridge-services"}},
		{"no services: the URL only", protocol.V05, false, nil, nil, "", nil, []string{"PATCH /gateway/v1/bridges"}},
		{"URL refused", protocol.V05, false, func(call) int { return http.StatusBadRequest }, fs,
			"hip: setting the bridge's callback URL: HTTP 400", nil, []string{"PATCH /gateway/v1/bridges"}},
		{"services refused", protocol.V05, false, func(c call) int {
			if c.method == http.MethodPost {
				return http.StatusUnprocessableEntity
			}
			return http.StatusNoContent
		}, fs, "hip: registering HIP services: HTTP 422", nil, []string{"PATCH /gateway/v1/bridges", "POST /gateway/v1/bridges/addUpdateServices"}},
		{"a taken service fails the whole list", protocol.V05, false, conflictOn("IN2"), fs,
			"hip: registering HIP services: HTTP 409", nil, []string{"PATCH /gateway/v1/bridges", "POST /gateway/v1/bridges/addUpdateServices"}},
		{"each: a taken service is left out", protocol.V05, true, conflictOn("IN2"), fs, "", []string{"IN2"},
			[]string{"PATCH /gateway/v1/bridges", "POST /gateway/v1/bridges/addUpdateServices", "POST /gateway/v1/bridges/addUpdateServices",
				"POST /gateway/v1/bridges/addUpdateServices", "POST /gateway/v1/bridges/addUpdateServices"}},
		{"each: all at once when none is taken", protocol.V05, true, nil, fs, "", nil,
			[]string{"PATCH /gateway/v1/bridges", "POST /gateway/v1/bridges/addUpdateServices"}},
		{"each: another refusal stops", protocol.V05, true, func(c call) int {
			var ss []struct{ ID string }
			json.Unmarshal(c.body, &ss)
			switch {
			case c.method == http.MethodPatch:
				return http.StatusNoContent
			case len(ss) > 1:
				return http.StatusConflict
			case ss[0].ID == "IN1":
				return http.StatusConflict
			}
			return http.StatusBadRequest
		}, fs, "hip: registering HIU services: HTTP 400", []string{"IN1"},
			[]string{"PATCH /gateway/v1/bridges", "POST /gateway/v1/bridges/addUpdateServices", "POST /gateway/v1/bridges/addUpdateServices",
				"POST /gateway/v1/bridges/addUpdateServices"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			g.answer = tc.answer
			c := g.client(tc.version, &clock{t: epoch})
			ctx := context.Background()
			err := c.SetCallbackURL(ctx, "https://node.example/hip")
			var taken []string
			if err == nil {
				if tc.each {
					taken, err = c.AddServicesEach(ctx, HIU, tc.ss)
				} else {
					err = c.AddServices(ctx, HIP, tc.ss)
				}
			}
			if got := errText(err); got != tc.wantErr {
				t.Fatalf("err = %q, want %q", got, tc.wantErr)
			}
			if !slices.Equal(taken, tc.taken) {
				t.Fatalf("taken = %v, want %v", taken, tc.taken)
			}
			var paths []string
			for _, m := range g.made() {
				paths = append(paths, m.method+" "+m.path)
				if tc.version == protocol.V3 && (!protocol.IsUUID(m.header.Get("REQUEST-ID")) || m.header.Get("TIMESTAMP") == "") {
					t.Fatalf("v3 call without v3 headers: %s %v", m.path, m.header)
				}
				if tc.version == protocol.V05 && m.header.Get("REQUEST-ID") != "" {
					t.Fatalf("v0.5 call with v3 headers: %s %v", m.path, m.header)
				}
			}
			if !slices.Equal(paths, tc.paths) {
				t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(tc.paths, "\n"))
			}
			made := g.made()
			if len(made) > 0 {
				var u map[string]string
				if json.Unmarshal(made[0].body, &u) != nil || u["url"] != "https://node.example/hip" {
					t.Fatalf("callback URL body: %s", made[0].body)
				}
			}
			if len(made) > 1 {
				typ := HIP
				if tc.each {
					typ = HIU
				}
				var ss []map[string]any
				json.Unmarshal(made[1].body, &ss)
				if len(ss) != len(tc.ss) {
					t.Fatalf("services body: %s", made[1].body)
				}
				for i, s := range ss {
					if s["id"] != tc.ss[i].ID || s["name"] != tc.ss[i].Name || s["type"] != typ || s["active"] != true || len(s) != 4 {
						t.Fatalf("service %d: %v", i, s)
					}
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestVerifyGatewayToken(t *testing.T) {
	gk, ok := keys(t)
	now := epoch
	exp := func(d time.Duration) float64 { return float64(now.Add(d).Unix()) }
	for _, tc := range []struct {
		name      string
		version   string
		token     func(t *testing.T) string
		certsDown bool
		code      string // "" for a token taken
		msg       string
	}{
		{"the gateway's", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp(time.Hour)})
		}, false, "", ""},
		{"the gateway's by clientId, v3 certs", protocol.V3, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"clientId": "gateway", "exp": exp(time.Hour)})
		}, false, "", ""},
		{"expired within the minute's leeway", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp(-59 * time.Second)})
		}, false, "", ""},
		{"expired", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp(-61 * time.Second)})
		}, false, arogya.EUNAUTHORIZED, "the token has expired"},
		{"a bridge's session token", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"sub": "bridge", "clientId": "bridge", "exp": exp(time.Hour)})
		}, false, arogya.EUNAUTHORIZED, "the token is not the gateway's"},
		{"no expiry", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"sub": "gateway"})
		}, false, arogya.EUNAUTHORIZED, "the token has no expiry"},
		{"signed by another key", protocol.V05, func(t *testing.T) string {
			return sign(t, ok, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp(time.Hour)})
		}, false, arogya.EUNAUTHORIZED, "the token's signature does not verify"},
		{"a key the gateway does not publish", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k2", jwt.MapClaims{"sub": "gateway", "exp": exp(time.Hour)})
		}, false, arogya.EUNAUTHORIZED, "the token is signed with a key the gateway does not publish"},
		{"no key ID", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "", jwt.MapClaims{"sub": "gateway", "exp": exp(time.Hour)})
		}, false, arogya.EUNAUTHORIZED, "the token is not an RS256 JWS with a key ID"},
		{"HS256", protocol.V05, func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "gateway", "exp": exp(time.Hour)})
			tok.Header["kid"] = "k1"
			s, _ := tok.SignedString([]byte("a shared secret"))
			return s
		}, false, arogya.EUNAUTHORIZED, "the token is not an RS256 JWS with a key ID"},
		{"not a JWS", protocol.V05, func(*testing.T) string { return "bridge-token" }, false, arogya.EUNAUTHORIZED, "not a signed token"},
		{"a header that is not base64", protocol.V05, func(*testing.T) string { return "!!.e30.sig" }, false, arogya.EUNAUTHORIZED,
			"the token is not an RS256 JWS with a key ID"},
		{"the keys cannot be fetched", protocol.V05, func(t *testing.T) string {
			return sign(t, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": exp(time.Hour)})
		}, true, arogya.EUNAVAILABLE, "the gateway's keys could not be fetched"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			g.certsDown.Store(tc.certsDown)
			c := New(Config{Role: "hiu", Version: tc.version, Base: g.srv.URL + "/gateway", CMID: "sbx", HTTP: g.srv.Client(), Now: func() time.Time { return now }})
			err := c.VerifyGatewayToken(context.Background(), tc.token(t))
			if arogya.ErrorCode(err) != tc.code || arogya.ErrorMessage(err) != tc.msg {
				t.Fatalf("err = %v, want %s %q", err, tc.code, tc.msg)
			}
			if g.sessions.Load() != 0 {
				t.Fatal("verifying opened a session")
			}
		})
	}
}

func TestVerifyArtefact(t *testing.T) {
	gk, ok := keys(t)
	detail := []byte(`{"consentId":"c1","hip":{"id":"IN1"},"hiTypes":["Prescription"],"n":1}`)
	var claims jwt.MapClaims
	if err := json.Unmarshal(detail, &claims); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		detail string
		sig    string
		msg    string
	}{
		{"over the detail", string(detail), sign(t, gk, "k1", claims), ""},
		{"over the detail, written otherwise", `{ "n": 1.0, "hiTypes": ["Prescription"], "hip": {"id": "IN1"}, "consentId": "c1" }`, sign(t, gk, "k1", claims), ""},
		{"over other bytes", `{"consentId":"c1","hip":{"id":"IN2"},"hiTypes":["Prescription"],"n":1}`, sign(t, gk, "k1", claims),
			"the signature is not over this consentDetail"},
		{"a detail that is not JSON", `{"consentId":`, sign(t, gk, "k1", claims), "the signature is not over this consentDetail"},
		{"by another key", string(detail), sign(t, ok, "k1", claims), "the token's signature does not verify"},
		{"no signature", string(detail), "", "not a signed token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			c := g.client(protocol.V05, &clock{t: epoch})
			err := c.VerifyArtefact(context.Background(), []byte(tc.detail), tc.sig)
			if arogya.ErrorMessage(err) != tc.msg || (err != nil && arogya.ErrorCode(err) != arogya.EUNAUTHORIZED) {
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
		})
	}
}

// TestWithCredentials: the session client shares the verifying client's
// keys (fetched once) and opens its own session.
func TestWithCredentials(t *testing.T) {
	gk, _ := keys(t)
	g := newFakeGateway(t)
	certs := New(Config{Role: "hip", Base: g.srv.URL + "/gateway", CMID: "sbx", HTTP: g.srv.Client(), Now: func() time.Time { return epoch }})
	tok := sign(t, gk, "k1", jwt.MapClaims{"sub": "gateway", "exp": float64(epoch.Add(time.Hour).Unix())})
	if err := certs.VerifyGatewayToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	c := certs.WithCredentials("bridge", "s3cret")
	if err := c.VerifyGatewayToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.calls {
		if strings.HasSuffix(m.path, "/certs") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the keys were fetched %d times", n)
	}
}

func TestV3Base(t *testing.T) {
	for in, want := range map[string]string{
		"https://cm.example/gateway":  "https://cm.example/api/hiecm",
		"https://cm.example/gateway/": "https://cm.example/api/hiecm",
		"https://cm.example":          "https://cm.example/api/hiecm",
	} {
		if got := V3Base(in); got != want {
			t.Errorf("V3Base(%q) = %q, want %q", in, got, want)
		}
	}
}

type memCreds struct {
	mu       sync.Mutex
	id       string
	sealed   []byte
	stored   int
	provided int
}

func TestCredentials(t *testing.T) {
	key := auth.DeriveKey([]byte("0123456789abcdef0123456789abcdef"), "test")
	otherKey := auth.DeriveKey([]byte("fedcba9876543210fedcba9876543210"), "test")
	sealed, err := auth.Seal(key, []byte("stored-secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		given      bool
		stored     bool
		key        []byte
		provision  bool
		storeErr   error
		wantID     string
		wantSecret string
		wantErr    string
		stores     int
	}{
		{"given", true, true, key, true, nil, "given-id", "given-secret", "", 0},
		{"stored", false, true, key, true, nil, "stored-id", "stored-secret", "", 0},
		{"stored under another key", false, true, otherKey, true, nil, "", "",
			"hiu: the stored bridge secret does not open: is this the node's master key?", 0},
		{"provisioned and stored", false, false, key, true, nil, "made-id", "made-secret", "", 1},
		{"provisioned, not stored", false, false, key, true, errors.New("disk full"), "", "", "disk full", 1},
		{"none", false, false, key, false, nil, "", "", "hiu: no bridge credentials: give --hiu-client-id and --hiu-client-secret", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &memCreds{}
			if tc.stored {
				m.id, m.sealed = "stored-id", sealed
			}
			c := Credentials{Role: "hiu", SecretKey: tc.key,
				Stored: func(context.Context) (string, []byte, error) {
					m.mu.Lock()
					defer m.mu.Unlock()
					if m.id == "" {
						return "", nil, arogya.Errorf(arogya.ENOTFOUND, "no bridge")
					}
					return m.id, m.sealed, nil
				},
				Store: func(_ context.Context, id, clientID string, s []byte) error {
					m.mu.Lock()
					defer m.mu.Unlock()
					m.stored++
					if tc.storeErr != nil {
						return tc.storeErr
					}
					m.id, m.sealed = clientID, s
					return nil
				}}
			if tc.given {
				c.ClientID, c.ClientSecret = "given-id", "given-secret"
			}
			if tc.provision {
				c.Provision = func(context.Context) (string, string, string, error) {
					m.mu.Lock()
					m.provided++
					m.mu.Unlock()
					return "bridge-1", "made-id", "made-secret", nil
				}
			}
			id, secret, err := c.find(context.Background())
			if errText(err) != tc.wantErr || id != tc.wantID || secret != tc.wantSecret {
				t.Fatalf("find = %q, %q, %v; want %q, %q, %q", id, secret, err, tc.wantID, tc.wantSecret, tc.wantErr)
			}
			if m.stored != tc.stores {
				t.Fatalf("stored %d times, want %d", m.stored, tc.stores)
			}
			if tc.stores == 1 && tc.storeErr == nil {
				// What was stored opens under the key.
				if s, err := auth.Open(key, m.sealed); err != nil || string(s) != "made-secret" {
					t.Fatalf("stored secret: %q, %v", s, err)
				}
			}
		})
	}
	// The store failing is not "none".
	c := Credentials{Role: "hip", SecretKey: key, Stored: func(context.Context) (string, []byte, error) { return "", nil, errors.New("db down") }}
	if _, _, err := c.find(context.Background()); errText(err) != "db down" {
		t.Fatalf("err = %v", err)
	}
}

// TestLazy: callers racing for the client provision the bridge once, and
// share one client whose keys are the verifying client's.
func TestLazy(t *testing.T) {
	g := newFakeGateway(t)
	key := auth.DeriveKey([]byte("0123456789abcdef0123456789abcdef"), "test")
	m := &memCreds{}
	l := NewLazy(Config{Role: "hip", Base: g.srv.URL + "/gateway", CMID: "sbx", ClientID: "ignored", Secret: "ignored", HTTP: g.srv.Client()},
		Credentials{Role: "hip", SecretKey: key,
			Stored: func(context.Context) (string, []byte, error) {
				m.mu.Lock()
				defer m.mu.Unlock()
				if m.id == "" {
					return "", nil, arogya.Errorf(arogya.ENOTFOUND, "no bridge")
				}
				return m.id, m.sealed, nil
			},
			Provision: func(context.Context) (string, string, string, error) {
				m.mu.Lock()
				defer m.mu.Unlock()
				m.provided++
				return "bridge-1", "bridge", "s3cret", nil
			},
			Store: func(_ context.Context, _, clientID string, s []byte) error {
				m.mu.Lock()
				defer m.mu.Unlock()
				m.id, m.sealed = clientID, s
				return nil
			}})
	if l.Certs.clientID != "" || l.Certs.secret != "" {
		t.Fatal("the verifying client has credentials")
	}
	var wg sync.WaitGroup
	got := make([]*Client, 8)
	for i := range got {
		wg.Go(func() {
			c, err := l.Client(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		})
	}
	wg.Wait()
	if m.provided != 1 {
		t.Fatalf("provisioned %d times", m.provided)
	}
	for _, c := range got {
		if c != got[0] || c.certs != l.Certs.certs {
			t.Fatal("callers got different clients, or a client with its own keys")
		}
	}
	if _, err := got[0].AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestRegisterLoop: a failing registration is retried until it succeeds,
// then done is called, and a new kick registers again.
func TestRegisterLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kick := make(chan struct{}, 1)
	var tries atomic.Int64
	done := make(chan struct{}, 4)
	go RegisterLoop(ctx, "hip", slogDiscard(), kick, func(context.Context) error {
		if tries.Add(1) == 1 {
			return errors.New("gateway down")
		}
		return nil
	}, func() { done <- struct{}{} })
	kick <- struct{}{}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("not registered")
	}
	if n := tries.Load(); n != 2 {
		t.Fatalf("%d tries, want 2", n)
	}
	kick <- struct{}{}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("not registered again")
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
