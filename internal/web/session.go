package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
)

// Cookie names. Both are scoped to /abha, HttpOnly and SameSite=Strict.
const (
	sessionCookie = "abha_session" // the holder's X-token
	csrfCookie    = "abha_csrf"    // double-submit CSRF token
	csrfField     = "csrf"         // form field that must equal csrfCookie
	cookiePath    = "/abha"
	maxForm       = 16 << 10 // bytes; the largest form is a few hundred
	csrfLen       = 43       // base64url of 32 random bytes
)

// cookie returns a cookie with the attributes every ABHA cookie has.
func cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: cookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}

// csrfToken returns the CSRF token of the browser, setting a new one if it
// has none (or a malformed one).
func (p *ABHA) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validCSRF(c.Value) {
		return c.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, cookie(r, csrfCookie, tok, 0))
	return tok
}

// validCSRF reports whether s looks like a token csrfToken makes.
func validCSRF(s string) bool {
	if len(s) != csrfLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// checkCSRF reports whether the form's token matches the cookie's. The
// cookie is SameSite=Strict, so another site can neither send nor read it.
func checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validCSRF(c.Value) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) == 1
}

// post wraps a form handler: it limits and parses the body, checks the CSRF
// token and starts the view with the token for the next form.
func (p *ABHA) post(h func(w http.ResponseWriter, r *http.Request, v *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			p.render(w, r, http.StatusBadRequest, "error", &view{Error: p.cat.text("error.form")})
			return
		}
		if !checkCSRF(r) {
			v := &view{CSRF: p.csrfToken(w, r), Error: p.cat.text("error.csrf")}
			p.render(w, r, http.StatusForbidden, "error", v)
			return
		}
		c, _ := r.Cookie(csrfCookie)
		_, _, loggedIn := p.citizen(r)
		h(w, r, &view{CSRF: c.Value, LoggedIn: loggedIn})
	})
}

// startSession gives the browser the holder's X-token.
func startSession(w http.ResponseWriter, r *http.Request, t abha.Tokens) {
	http.SetCookie(w, cookie(r, sessionCookie, t.Token, t.ExpiresIn))
}

// endSession removes the X-token from the browser.
func endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, cookie(r, sessionCookie, "", -1))
}

// citizen authenticates the session cookie. It returns a context naming the
// holder as the actor, for the service's audit events, and the ABHA number.
func (p *ABHA) citizen(r *http.Request) (context.Context, string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return r.Context(), "", false
	}
	number, err := p.svc.Authenticate(r.Context(), c.Value)
	if err != nil {
		return r.Context(), "", false
	}
	return arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorCitizen, ID: number}), number, true
}

// requireCitizen is citizen for pages that need a login: without one it
// sends the browser to the login page and reports false.
func (p *ABHA) requireCitizen(w http.ResponseWriter, r *http.Request) (context.Context, string, bool) {
	ctx, number, ok := p.citizen(r)
	if !ok {
		if _, err := r.Cookie(sessionCookie); err == nil {
			endSession(w, r)
			redirect(w, r, "/abha/login", "expired")
			return nil, "", false
		}
		redirect(w, r, "/abha/login", "")
		return nil, "", false
	}
	return ctx, number, true
}

// redirect answers with 303 See Other to path, with an optional notice id
// (never personal data) in the query.
func redirect(w http.ResponseWriter, r *http.Request, path, notice string) {
	if notice != "" {
		path += "?notice=" + url.QueryEscape(notice)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
