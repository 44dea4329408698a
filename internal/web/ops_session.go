package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// The operator's cookies work as the registry verifiers' do (signedSessions
// in site.go): scoped to /cm/ops, SameSite=Lax so a link from an alert
// arrives signed in, and a session cookie that any node with the same
// secret and operator token accepts.
const (
	opsCookie       = "cm_ops_session"
	opsSessionFor   = 8 * time.Hour
	maxOpsForm      = 4 << 10 // bytes; the sign-in form is the largest, a token and a CSRF token
	maxOpsTokenSize = 512
)

// opsSessions makes the operator's sessions, signed with key. The cookie
// is "operator\nexpiry\nnonce".
func opsSessions(key []byte) signedSessions {
	return signedSessions{
		cookieScope: cookieScope{path: "/cm/ops", sameSite: http.SameSiteLaxMode, csrf: "cm_ops_csrf", maxForm: maxOpsForm},
		name:        opsCookie, life: opsSessionFor, maxLen: 512, fields: 1, expiryAt: 1,
		login: "/cm/ops/login", expired: "ops.expired",
		key: key, now: time.Now,
	}
}

// post wraps a form handler: it limits and parses the body, checks the CSRF
// token and starts the view with the token and whether the operator is
// signed in.
func (o *Ops) post(h func(w http.ResponseWriter, r *http.Request, v *opsView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, status, msg := o.form(w, r)
		if status != 0 {
			o.render(w, r, status, "ops_error", &opsView{CSRF: tok, Error: o.catFor(r).text(msg), HasStaff: len(o.roles) > 0, HasGateway: o.ops != nil})
			return
		}
		h(w, r, &opsView{CSRF: tok, SignedIn: o.signedIn(r), HasStaff: len(o.roles) > 0, HasGateway: o.ops != nil})
	})
}

// signedIn reports whether the browser has a live operator session.
func (o *Ops) signedIn(r *http.Request) bool {
	if o.token == "" {
		return false
	}
	s, ok := o.read(r)
	return ok && s.fields[0] == "operator"
}

// operatorContext names the operator as the actor, for the service's
// checks and audit events.
func operatorContext(ctx context.Context) context.Context {
	return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
}

// requireOperator is signedIn for pages that need the operator: without a
// session it sends the browser to the sign-in page and reports false;
// with one it returns the operator's context.
func (o *Ops) requireOperator(w http.ResponseWriter, r *http.Request) (context.Context, bool) {
	if o.signedIn(r) {
		return operatorContext(r.Context()), true
	}
	o.toSignIn(w, r)
	return nil, false
}

// loginGet shows the sign-in form, or the overview to one signed in.
func (o *Ops) loginGet(w http.ResponseWriter, r *http.Request) {
	if o.signedIn(r) {
		http.Redirect(w, r, "/cm/ops/", http.StatusSeeOther)
		return
	}
	v := o.view(w, r)
	v.CSRF = o.csrfToken(w, r)
	o.render(w, r, http.StatusOK, "ops_login", v)
}

// loginPost checks the operator token and starts a session. The token is
// compared in constant time; it is never echoed back.
func (o *Ops) loginPost(w http.ResponseWriter, r *http.Request, v *opsView) {
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if o.token == "" || tok == "" || len(tok) > maxOpsTokenSize ||
		subtle.ConstantTimeCompare([]byte(tok), []byte(o.token)) != 1 {
		v.SignedIn = false
		v.Error = o.catFor(r).text("ops.login.failed")
		o.render(w, r, http.StatusUnauthorized, "ops_login", v)
		return
	}
	o.start(w, r, "operator")
	redirect(w, r, "/cm/ops/", "ops.signedin")
}

// logout ends the operator's session, on this node for any copy of the
// cookie too.
func (o *Ops) logout(w http.ResponseWriter, r *http.Request, v *opsView) {
	o.end(w, r)
	redirect(w, r, "/cm/ops/login", "ops.signedout")
}
