package web

import (
	"context"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
)

// hiuPageNames are the clinicians' HIU templates (templates/hiu_*.html),
// each rendered inside hiu_layout.html.
var hiuPageNames = []string{
	"hiu_login", "hiu_password", "hiu_home", "hiu_ask", "hiu_request", "hiu_transfer", "hiu_records", "hiu_record", "hiu_error",
}

// The HIU's cookies are scoped to /hiu, SameSite=Strict: the pages show
// other facilities' records. A session lasts a shift, as the HIU API's
// clinician token does.
const (
	hiuCookie     = "hiu_session"
	hiuSessionFor = 12 * time.Hour
	maxHIUForm    = 16 << 10 // bytes; the consent form is a few hundred
	hiuFindWait   = 5 * time.Second
	hiuRefresh    = 3 // seconds between reloads of a page that waits for the CM
)

// HIU serves the clinicians' pages under /hiu/ for the facilities a hiu
// node serves: sign-in with facility ID, HPR number and password; the
// facility's consent requests; finding a patient by ABHA address at the
// consent manager; asking them for consent; following a request as the
// person decides (the page reloads itself while it waits, without
// JavaScript); getting the records an artefact covers; and reading them,
// grouped by facility and day, rendered for people or as raw FHIR, until
// their erase time.
type HIU struct {
	pageSet
	signedSessions
	svc *hiu.Service
	now func() time.Time
}

// NewHIU returns the clinicians' pages over svc. Sessions are signed
// with a key made from opts.Secret. It panics if the embedded templates
// do not parse, which is a build defect caught by any test.
func NewHIU(svc *hiu.Service, opts Options) *HIU {
	return &HIU{svc: svc, now: time.Now, pageSet: newPageSet(hiuPageNames, "templates/hiu_layout.html", "templates/staff_password.html"),
		signedSessions: signedSessions{
			cookieScope: cookieScope{path: "/hiu", sameSite: http.SameSiteStrictMode, csrf: "hiu_csrf", maxForm: maxHIUForm},
			name:        hiuCookie, life: hiuSessionFor, maxLen: 512, fields: 2, expiryAt: 2,
			login: "/hiu/sign-in", expired: "hiu.expired",
			key: sessionKey(opts.Secret, []byte("arogya hiu clinician session v1")), now: time.Now,
		}}
}

// Register adds the clinicians' pages to mux. The dataPushUrl and the
// gateway's callbacks (/hiu/v0.5/…) are the bridge's, registered apart.
func (h *HIU) Register(mux *http.ServeMux) {
	g := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	p := func(pattern string, fn func(http.ResponseWriter, *http.Request, *hiuView)) {
		mux.Handle(pattern, secure(h.post(fn)))
	}
	serveStatic(mux, "/hiu/static/")
	g("GET /hiu/{$}", h.home)
	g("GET /hiu/", h.notFound)
	g("GET /hiu/sign-in", h.signInGet)
	p("POST /hiu/sign-in", h.signInPost)
	p("POST /hiu/sign-out", h.signOut)
	g("GET /hiu/password", h.passwordGet)
	p("POST /hiu/password", h.passwordPost)
	g("GET /hiu/ask", h.askGet)
	p("POST /hiu/find", h.find)
	g("GET /hiu/find/{id}", h.findResult)
	p("POST /hiu/requests", h.ask)
	g("GET /hiu/requests/{id}", h.request)
	p("POST /hiu/requests/{id}/artefacts/{aid}/fetch", h.fetch)
	g("GET /hiu/requests/{id}/transfers/{tid}", h.transfer)
	g("GET /hiu/requests/{id}/records", h.records)
	g("GET /hiu/requests/{id}/records/{rid}", h.record)
	g("GET /hiu/requests/{id}/records/{rid}/fhir", h.recordFHIR)
}

// hiuView is what every HIU template gets; each page sets its part.
type hiuView struct {
	Page    string // template name; its title is the message "title.<Page>"
	CSRF    string
	Error   string // a failed step's message
	Notice  string // message id of a one-line confirmation
	Refresh int    // seconds: the page reloads itself while it waits for the CM
	// RefreshURL is what it reloads: itself without the one-time notice,
	// which would otherwise say "sent" again on every reload.
	RefreshURL string
	Staff      *emrStaff

	SignIn   *emrSignIn
	Password *emrSignIn
	Home     *hiuHome
	Ask      *hiuAsk
	Request  *hiuRequest
	Transfer *hiuTransfer
	Records  *hiuRecords
	Record   *hiuRecord
}

// render writes page name with v and status.
func (h *HIU) render(w http.ResponseWriter, r *http.Request, status int, name string, v *hiuView) {
	if v.Page == "" {
		v.Page = name
	}
	if v.Refresh > 0 {
		u := *r.URL
		q := u.Query()
		q.Del("notice")
		u.RawQuery = q.Encode()
		v.RefreshURL = u.RequestURI()
	}
	h.write(w, r, status, name, v)
}

// session reads and checks the clinician's session cookie.
func (h *HIU) session(r *http.Request) (*emrStaff, bool) {
	s, ok := h.read(r)
	if !ok || !h.svc.StaffActive(r.Context(), s.fields[0], s.fields[1]) {
		return nil, false // no session, or the account was disabled since
	}
	return &emrStaff{FacilityID: s.fields[0], HPRID: s.fields[1]}, true
}

// view starts the view of a GET page.
func (h *HIU) view(w http.ResponseWriter, r *http.Request) *hiuView {
	v := &hiuView{Notice: noticeID(h.cat, r.URL.Query().Get("notice")), CSRF: h.csrfToken(w, r)}
	if s, ok := h.session(r); ok {
		v.Staff = s
	}
	return v
}

// requireStaff is view for pages that need a signed-in clinician: without
// one it sends the browser to sign in and reports false.
func (h *HIU) requireStaff(w http.ResponseWriter, r *http.Request) (*hiuView, context.Context, bool) {
	if _, ok := h.session(r); !ok {
		h.toSignIn(w, r)
		return nil, nil, false
	}
	v := h.view(w, r)
	return v, staffContext(r.Context(), v.Staff), true
}

// post wraps a form handler: it limits and parses the body, checks the
// CSRF token and starts the view with the token and the clinician.
func (h *HIU) post(fn func(w http.ResponseWriter, r *http.Request, v *hiuView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, status, msg := h.form(w, r)
		v := &hiuView{CSRF: tok}
		v.Staff, _ = h.session(r)
		if status != 0 {
			v.Error = h.catFor(r).text(msg)
			h.render(w, r, status, "hiu_error", v)
			return
		}
		fn(w, r, v)
	})
}

// failPage shows err on the error page with its status, with a message
// from the catalogue; server failures are logged, never shown.
func (h *HIU) failPage(w http.ResponseWriter, r *http.Request, v *hiuView, err error) {
	status := errStatus(r, err)
	switch arogya.ErrorCode(err) {
	case arogya.ENOTFOUND:
		v.Error = h.catFor(r).text("hiu.error.notfound")
	case arogya.EFORBIDDEN, arogya.EUNAUTHORIZED:
		v.Error = h.catFor(r).text("hiu.error.forbidden")
	case arogya.EUNAVAILABLE:
		v.Error = h.catFor(r).text("hiu.error.unavailable")
	case arogya.EINVALID, arogya.EUNPROCESSABLE:
		v.Error = errText(h.catFor(r), err) // the service's messages hold no personal data
	default:
		v.Error = h.catFor(r).text("hiu.error.internal")
	}
	v.Page, v.Refresh = "", 0
	h.render(w, r, status, "hiu_error", v)
}

// notFound answers paths under /hiu/ that are not pages.
func (h *HIU) notFound(w http.ResponseWriter, r *http.Request) {
	v := h.view(w, r)
	v.Page, v.Error = "notfound", h.catFor(r).text("error.notfound")
	h.render(w, r, http.StatusNotFound, "hiu_error", v)
}

// signedOut sends a POST without a live session to sign in.
func (h *HIU) signedOut(w http.ResponseWriter, r *http.Request, v *hiuView) bool {
	if v.Staff == nil {
		h.toSignIn(w, r)
		return true
	}
	return false
}
