package web

import (
	"context"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// Registry cookies are scoped to /registry. They are SameSite=Lax, so a
// verifier who follows a link to the queue from mail arrives signed in;
// every POST is still checked against the CSRF token (cookieScope).
const (
	verifierCookie     = "registry_verifier"
	verifierSessionFor = 8 * time.Hour
	maxRegistryForm    = 32 << 10 // bytes; the facility form with every box ticked is ~3 KiB
)

// verifierSessions makes the verifiers' sessions, signed with key. The
// cookie is "id\nstate\nexpiry\nnonce\nname", so any node sharing
// Options.Secret accepts it. The service checks the verifier on every call
// (a disabled verifier can do nothing with a live cookie).
func verifierSessions(key []byte) signedSessions {
	return signedSessions{
		cookieScope: cookieScope{path: "/registry", sameSite: http.SameSiteLaxMode, csrf: "registry_csrf", maxForm: maxRegistryForm},
		name:        verifierCookie, life: verifierSessionFor, maxLen: 1024, fields: 3, expiryAt: 2,
		login: "/registry/verify/login", expired: "registry.expired",
		key: key, now: time.Now,
	}
}

// post wraps a form handler: it limits and parses the body, checks the CSRF
// token and starts the view with the token and the signed-in verifier.
func (g *Registry) post(h func(w http.ResponseWriter, r *http.Request, v *regView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, status, msg := g.form(w, r)
		if status != 0 {
			g.render(w, r, status, "registry_error", &regView{CSRF: tok, Error: g.catFor(r).text(msg)})
			return
		}
		v := &regView{CSRF: tok}
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
}

// startVerifierSession gives the browser a session for v.
func (g *Registry) startVerifierSession(w http.ResponseWriter, r *http.Request, v *registry.Verifier) {
	g.start(w, r, v.ID, v.StateCode, v.Name)
}

// session reads and checks the verifier's session cookie.
func (g *Registry) session(r *http.Request) (*verifierSession, bool) {
	s, ok := g.read(r)
	if !ok {
		return nil, false
	}
	f := s.fields
	return &verifierSession{ID: f[0], StateCode: f[1], Name: f[2], StateName: stateName(g.catFor(r), f[1])}, true
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
	g.toSignIn(w, r)
	return nil, false
}
