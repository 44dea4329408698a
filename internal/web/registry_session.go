package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// Registry cookies are scoped to /registry and HttpOnly. They are
// SameSite=Lax, so a verifier who follows a link to the queue from mail
// arrives signed in; every POST is still checked against the double-submit
// CSRF token, which another site can neither read nor set.
const (
	regCookiePath      = "/registry"
	regCSRFCookie      = "registry_csrf"
	verifierCookie     = "registry_verifier"
	verifierSessionFor = 8 * time.Hour
	maxRegistryForm    = 32 << 10 // bytes; the facility form with every box ticked is ~3 KiB
)

// regCookie returns a cookie with the attributes every registry cookie has.
func regCookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: regCookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	}
}

// csrfToken returns the browser's registry CSRF token, setting a new one
// if it has none (or a malformed one).
func (g *Registry) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(regCSRFCookie); err == nil && validCSRF(c.Value) {
		return c.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, regCookie(r, regCSRFCookie, tok, 0))
	return tok
}

// post wraps a form handler: it limits and parses the body, checks the CSRF
// token and starts the view with the token and the signed-in verifier.
func (g *Registry) post(h func(w http.ResponseWriter, r *http.Request, v *regView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRegistryForm)
		if err := r.ParseForm(); err != nil {
			g.render(w, r, http.StatusBadRequest, "registry_error", &regView{Error: g.cat.text("error.form")})
			return
		}
		c, err := r.Cookie(regCSRFCookie)
		if err != nil || !validCSRF(c.Value) ||
			subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
			v := &regView{CSRF: g.csrfToken(w, r), Error: g.cat.text("error.csrf")}
			g.render(w, r, http.StatusForbidden, "registry_error", v)
			return
		}
		v := &regView{CSRF: c.Value}
		if s, ok := g.session(r); ok {
			v.Verifier = s
		}
		h(w, r, v)
	})
}

// verifierSession is a signed-in verifier, as their session cookie says.
type verifierSession struct {
	ID        string
	Name      string
	StateCode string
	StateName string
	Expires   time.Time
	mac       string
}

// The session cookie is stateless, so any node sharing Options.Secret
// accepts it: base64url("id\nstate\nexpiry\nnonce\nname") "." base64url(HMAC).
// The service checks the verifier on every call (a disabled verifier can
// do nothing with a live cookie); sign-out is remembered by the node that
// served it until the cookie would have expired.

// startVerifierSession gives the browser a session for v.
func (g *Registry) startVerifierSession(w http.ResponseWriter, r *http.Request, v *registry.Verifier) {
	exp := g.now().Add(verifierSessionFor).Unix()
	var nonce [12]byte // every sign-in is a session of its own, to end on its own
	_, _ = rand.Read(nonce[:])
	payload := strings.Join([]string{v.ID, v.StateCode, strconv.FormatInt(exp, 10),
		base64.RawURLEncoding.EncodeToString(nonce[:]), v.Name}, "\n")
	body := base64.RawURLEncoding.EncodeToString([]byte(payload))
	http.SetCookie(w, regCookie(r, verifierCookie, body+"."+g.sign(body), int(verifierSessionFor/time.Second)))
}

func (g *Registry) sign(body string) string {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session reads and checks the verifier's session cookie.
func (g *Registry) session(r *http.Request) (*verifierSession, bool) {
	c, err := r.Cookie(verifierCookie)
	if err != nil || c.Value == "" || len(c.Value) > 1024 {
		return nil, false
	}
	body, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(g.sign(body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, false
	}
	f := strings.SplitN(string(raw), "\n", 5)
	if len(f) != 5 {
		return nil, false
	}
	exp, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return nil, false
	}
	s := &verifierSession{ID: f[0], StateCode: f[1], Expires: time.Unix(exp, 0), Name: f[4], mac: mac,
		StateName: registry.StateName(f[1])}
	if !g.now().Before(s.Expires) || g.ended.has(mac) {
		return nil, false
	}
	return s, true
}

// verifierContext names the session's verifier as the actor, for the
// service's checks and audit events.
func verifierContext(ctx context.Context, s *verifierSession) context.Context {
	return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorVerifier, ID: s.ID})
}

// requireVerifier is session for pages that need a verifier: without one
// it sends the browser to the sign-in page and reports false.
func (g *Registry) requireVerifier(w http.ResponseWriter, r *http.Request) (*verifierSession, bool) {
	s, ok := g.session(r)
	if ok {
		return s, true
	}
	if _, err := r.Cookie(verifierCookie); err == nil {
		http.SetCookie(w, regCookie(r, verifierCookie, "", -1))
		redirect(w, r, "/registry/verify/login", "registry.expired")
		return nil, false
	}
	redirect(w, r, "/registry/verify/login", "")
	return nil, false
}

// endedSessions remembers signed-out sessions until they would expire, so
// a copy of the cookie is dead on this node too.
type endedSessions struct {
	mu sync.Mutex
	m  map[string]time.Time // MAC → expiry
}

func (e *endedSessions) add(mac string, exp, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, t := range e.m {
		if !now.Before(t) {
			delete(e.m, k)
		}
	}
	e.m[mac] = exp
}

func (e *endedSessions) has(mac string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.m[mac]
	return ok
}
