package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
)

// Cookie names. Both are scoped to /abha, HttpOnly and SameSite=Strict:
// another site can neither send nor read them.
const (
	sessionCookie = "abha_session" // the holder's X-token
	csrfCookie    = "abha_csrf"    // double-submit CSRF token
)

// abhaCookies is where the ABHA pages keep the session and CSRF cookies.
var abhaCookies = cookieScope{
	path: "/abha", sameSite: http.SameSiteStrictMode, csrf: csrfCookie,
	maxForm: 16 << 10, // bytes; the largest form is a few hundred
}

// post wraps a form handler: it limits and parses the body, checks the CSRF
// token and starts the view with the token for the next form.
func (p *ABHA) post(h func(w http.ResponseWriter, r *http.Request, v *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, status, msg := p.form(w, r)
		if status != 0 {
			p.render(w, r, status, "error", &view{CSRF: tok, Error: p.catFor(r).text(msg)})
			return
		}
		_, _, loggedIn := p.citizen(r)
		h(w, r, &view{CSRF: tok, LoggedIn: loggedIn})
	})
}

// startSession gives the browser the holder's X-token.
func startSession(w http.ResponseWriter, r *http.Request, t abha.Tokens) {
	http.SetCookie(w, abhaCookies.cookie(r, sessionCookie, t.Token, t.ExpiresIn))
}

// endSession removes the X-token from the browser.
func endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, abhaCookies.cookie(r, sessionCookie, "", -1))
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
