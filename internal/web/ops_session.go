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
	"time"

	"github.com/arogya-health/arogya"
)

// The operator's cookies work as the registry verifiers' do
// (registry_session.go): scoped to /cm/ops, HttpOnly, SameSite=Lax (so a
// link from an alert arrives signed in), every POST checked against a
// double-submit CSRF token, and a stateless session cookie signed with
// HMAC that any node with the same secret and operator token accepts;
// signing out is remembered by the node that served it until the cookie
// would have expired.
const (
	opsCookiePath   = "/cm/ops"
	opsCSRFCookie   = "cm_ops_csrf"
	opsCookie       = "cm_ops_session"
	opsSessionFor   = 8 * time.Hour
	maxOpsForm      = 4 << 10 // bytes; the sign-in form is the largest, a token and a CSRF token
	maxOpsTokenSize = 512
)

// opsCookieFor returns a cookie with the attributes every operator cookie has.
func opsCookieFor(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: opsCookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	}
}

// csrfToken returns the browser's operator CSRF token, setting a new one if
// it has none (or a malformed one).
func (o *Ops) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(opsCSRFCookie); err == nil && validCSRF(c.Value) {
		return c.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, opsCookieFor(r, opsCSRFCookie, tok, 0))
	return tok
}

// post wraps a form handler: it limits and parses the body, checks the CSRF
// token and starts the view with the token and whether the operator is
// signed in.
func (o *Ops) post(h func(w http.ResponseWriter, r *http.Request, v *opsView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxOpsForm)
		if err := r.ParseForm(); err != nil {
			o.render(w, r, http.StatusBadRequest, "ops_error", &opsView{Error: o.cat.text("error.form")})
			return
		}
		c, err := r.Cookie(opsCSRFCookie)
		if err != nil || !validCSRF(c.Value) ||
			subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
			v := &opsView{CSRF: o.csrfToken(w, r), Error: o.cat.text("error.csrf")}
			o.render(w, r, http.StatusForbidden, "ops_error", v)
			return
		}
		_, signedIn := o.session(r)
		h(w, r, &opsView{CSRF: c.Value, SignedIn: signedIn})
	})
}

// opsSession is a signed-in operator, as their session cookie says.
type opsSession struct {
	Expires time.Time
	mac     string
}

// The cookie is base64url("operator\nexpiry\nnonce") "." base64url(HMAC).

// startSession gives the browser an operator session.
func (o *Ops) startSession(w http.ResponseWriter, r *http.Request) {
	exp := o.now().Add(opsSessionFor).Unix()
	var nonce [12]byte // every sign-in is a session of its own, to end on its own
	_, _ = rand.Read(nonce[:])
	payload := strings.Join([]string{"operator", strconv.FormatInt(exp, 10), base64.RawURLEncoding.EncodeToString(nonce[:])}, "\n")
	body := base64.RawURLEncoding.EncodeToString([]byte(payload))
	http.SetCookie(w, opsCookieFor(r, opsCookie, body+"."+o.sign(body), int(opsSessionFor/time.Second)))
}

func (o *Ops) sign(body string) string {
	m := hmac.New(sha256.New, o.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session reads and checks the operator's session cookie.
func (o *Ops) session(r *http.Request) (*opsSession, bool) {
	if o.token == "" {
		return nil, false
	}
	c, err := r.Cookie(opsCookie)
	if err != nil || c.Value == "" || len(c.Value) > 512 {
		return nil, false
	}
	body, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(o.sign(body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, false
	}
	f := strings.Split(string(raw), "\n")
	if len(f) != 3 || f[0] != "operator" {
		return nil, false
	}
	exp, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return nil, false
	}
	s := &opsSession{Expires: time.Unix(exp, 0), mac: mac}
	if !o.now().Before(s.Expires) || o.ended.has(mac) {
		return nil, false
	}
	return s, true
}

// operatorContext names the operator as the actor, for the service's
// checks and audit events.
func operatorContext(ctx context.Context) context.Context {
	return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
}

// requireOperator is session for pages that need the operator: without a
// session it sends the browser to the sign-in page and reports false;
// with one it returns the operator's context.
func (o *Ops) requireOperator(w http.ResponseWriter, r *http.Request) (context.Context, bool) {
	if _, ok := o.session(r); ok {
		return operatorContext(r.Context()), true
	}
	if _, err := r.Cookie(opsCookie); err == nil {
		http.SetCookie(w, opsCookieFor(r, opsCookie, "", -1))
		redirect(w, r, "/cm/ops/login", "ops.expired")
		return nil, false
	}
	redirect(w, r, "/cm/ops/login", "")
	return nil, false
}

// loginGet shows the sign-in form, or the overview to one signed in.
func (o *Ops) loginGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := o.session(r); ok {
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
		v.Error = o.cat.text("ops.login.failed")
		o.render(w, r, http.StatusUnauthorized, "ops_login", v)
		return
	}
	o.startSession(w, r)
	redirect(w, r, "/cm/ops/", "ops.signedin")
}

// logout ends the operator's session, on this node for any copy of the
// cookie too.
func (o *Ops) logout(w http.ResponseWriter, r *http.Request, v *opsView) {
	if s, ok := o.session(r); ok {
		o.ended.add(s.mac, s.Expires, o.now())
	}
	http.SetCookie(w, opsCookieFor(r, opsCookie, "", -1))
	redirect(w, r, "/cm/ops/login", "ops.signedout")
}
