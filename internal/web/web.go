// Package web serves Arogya's server-rendered pages. The ABHA citizen pages
// (enrolment with Aadhaar, login, profile and card download) are plain HTML
// forms rendered with html/template from embedded templates and CSS, sized
// for phones first and working without JavaScript. Multi-step flows carry
// only the service's opaque transaction id in hidden fields; the login
// token lives in an HttpOnly, SameSite=Strict cookie, and every POST is
// checked against a double-submit CSRF token.
//
// The registry pages (registry*.go, templates/registry_*.html) work the
// same way: public search and detail pages for facilities, professionals
// and drugs, submission forms, and the state verifiers' sign-in, queue and
// decisions, with a signed session cookie for verifiers. So do the
// consent manager operator's pages (ops*.go, templates/ops_*.html). What
// the sites share, from parsing templates to signed sessions, is in
// site.go.
//
// Every string a person reads comes from a message catalogue
// (messages_en.go, messages_hi.go), so translations need no template
// changes; lang.go picks the catalogue of each request.
package web

import (
	"embed"
	"log/slog"
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/httpx"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"landing", "enrol", "login", "profile", "error"}

// Options configures the ABHA and registry pages.
type Options struct {
	// CMID is the suffix of ABHA addresses shown in forms ("sbx"); the
	// service's own is used when empty.
	CMID string
	// Secret signs the verifiers' and the operator's session cookies.
	// Nodes behind one load balancer must share it. When empty a random
	// one is made, so sessions end when the process does and hold on this
	// node only.
	Secret []byte
	// PHRURL is where people's PHR pages are (…/abha/share), for the
	// EMR's Scan & Share desk code; the node the browser reached when
	// empty.
	PHRURL string
}

// ABHA serves the ABHA citizen pages under /abha/.
type ABHA struct {
	pageSet
	cookieScope
	svc  *abha.Service
	cmid string
}

// NewABHA returns the ABHA pages over svc. It panics if the embedded
// templates do not parse, which is a build defect caught by any test.
func NewABHA(svc *abha.Service, opts Options) *ABHA {
	cmid := opts.CMID
	if cmid == "" {
		cmid = svc.CMID()
	}
	return &ABHA{svc: svc, cmid: cmid, cookieScope: abhaCookies,
		pageSet: newPageSet(pageNames, "templates/layout.html", "templates/parts.html")}
}

// Register adds the ABHA pages to mux.
func (p *ABHA) Register(mux *http.ServeMux) {
	serveStatic(mux, "/abha/static/")
	mux.Handle("GET /abha/{$}", secure(http.HandlerFunc(p.landing)))
	mux.Handle("GET /abha/", secure(http.HandlerFunc(p.notFound)))
	mux.Handle("GET /abha/enrol", secure(http.HandlerFunc(p.enrolGet)))
	mux.Handle("POST /abha/enrol", secure(p.post(p.enrolPost)))
	mux.Handle("GET /abha/login", secure(http.HandlerFunc(p.loginGet)))
	mux.Handle("POST /abha/login", secure(p.post(p.loginPost)))
	mux.Handle("GET /abha/profile", secure(http.HandlerFunc(p.profileGet)))
	mux.Handle("POST /abha/profile", secure(p.post(p.profilePost)))
	mux.Handle("GET /abha/card.png", secure(http.HandlerFunc(p.cardPNG)))
	mux.Handle("GET /abha/card.pdf", secure(http.HandlerFunc(p.cardPDF)))
	mux.Handle("POST /abha/logout", secure(p.post(p.logout)))
}

// secure sets the headers every page carries. Pages hold personal data, so
// nothing is cached; only same-origin resources load and nothing may frame
// them.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if switchLang(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// staticCache lets browsers keep the CSS for an hour.
func staticCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// view is what every template gets. Only the fields a page uses are set.
type view struct {
	Page     string // page name; its title is the message "title.<Page>"
	CSRF     string
	CMID     string
	LoggedIn bool
	Error    string // safe message of a failed step
	Notice   string // message id of a one-line confirmation

	// Multi-step forms.
	Step        string
	StepNo      int
	StepsTotal  int
	TxnID       string
	Masked      string // masked mobile the OTP went to
	Mobile      string
	Suggestions []string
	Hint        string
	LoginID     string
	TToken      string
	Accounts    []accountView

	Profile *profileView
}

// accountView is one ABHA offered at login by mobile.
type accountView struct {
	Number    string // bare digits, the form value
	Formatted string
	Address   string
	Name      string
}

// render writes page name with v and status.
func (p *ABHA) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	if v.Page == "" {
		v.Page = name
	}
	if v.CMID == "" {
		v.CMID = p.cmid
	}
	p.write(w, r, status, name, v)
}

// fail re-renders page name with err's safe message and matching status.
func (p *ABHA) fail(w http.ResponseWriter, r *http.Request, name string, v *view, err error) {
	v.Error = errText(p.catFor(r), err)
	p.render(w, r, errStatus(r, err), name, v)
}

// errStatus returns the HTTP status of err, logging server-side failures.
// The error may carry driver text; it goes to the log only, and the page
// shows the generic message.
func errStatus(r *http.Request, err error) int {
	status := httpx.Status(err)
	if status >= 500 {
		slog.ErrorContext(r.Context(), "web: request failed", "path", r.URL.Path, "err", err.Error())
	}
	return status
}

// userError is an error made here, with a message from the catalogue.
func (p *ABHA) userError(r *http.Request, code, id string) error {
	return &arogya.Error{Code: code, Message: p.catFor(r).text(id)}
}

// notFound answers paths under /abha/ that are not pages.
func (p *ABHA) notFound(w http.ResponseWriter, r *http.Request) {
	v := &view{Page: "notfound", CSRF: p.csrfToken(w, r), Error: p.catFor(r).text("error.notfound")}
	p.render(w, r, http.StatusNotFound, "error", v)
}

// landing offers enrolment and login.
func (p *ABHA) landing(w http.ResponseWriter, r *http.Request) {
	_, _, ok := p.citizen(r)
	v := &view{CSRF: p.csrfToken(w, r), LoggedIn: ok, Notice: noticeID(p.cat, r.URL.Query().Get("notice"))}
	p.render(w, r, http.StatusOK, "landing", v)
}

// noticeID accepts a notice id from a query string only if the catalogue
// has it, so nothing else can be injected into the page.
func noticeID(cat catalogue, id string) string {
	if id == "" {
		return ""
	}
	if _, ok := cat["notice."+id]; !ok {
		return ""
	}
	return "notice." + id
}
