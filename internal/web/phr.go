package web

import (
	"context"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/phr"
)

// The PHR pages (phr*.go, templates/phr_*.html) are the person's app:
// their linked records from every facility on one timeline, linking new
// ones, the consent inbox, active consents, the access log, profile share
// at a facility, the lock, and their own documents. They sit under /abha/
// beside the ABHA pages and use the same login cookie. Everything but the
// person's own documents comes from the consent manager's person API,
// over HTTP only (internal/phr), with the person's own token.

// phrPageNames are the PHR's templates, each rendered inside
// phr_layout.html.
var phrPageNames = []string{"phr_records", "phr_link", "phr_consents", "phr_consent", "phr_access",
	"phr_share", "phr_lock", "phr_documents", "phr_error", "phr_view", "phr_view_record"}

// PHROptions configures the PHR pages.
type PHROptions struct {
	// Registry finds facilities by name for linking and sharing; nil
	// leaves only entry by ID.
	Registry *phr.Registry
	// Now is the clock of "new" marks; time.Now when nil.
	Now func() time.Time
	// HIU is the PHR's own HIU, through which the person opens their
	// records (phr_view.go); nil leaves the timeline without "Open".
	HIU *phr.HIU
}

// PHR serves the person's app under /abha/.
type PHR struct {
	pageSet
	cookieScope
	abha *abha.Service // checks the login cookie and names the owner of documents
	cm   *phr.Client
	docs *phr.Documents
	reg  *phr.Registry
	hiu  *phr.HIU
	now  func() time.Time
}

// NewPHR returns the PHR pages: logins checked by svc (the abha role on
// this node), the person's data from cm, their own documents in docs. It
// panics if the embedded templates do not parse.
func NewPHR(svc *abha.Service, cm *phr.Client, docs *phr.Documents, opts PHROptions) *PHR {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	c := abhaCookies
	c.maxForm = 64 << 10 // consent choices can be long
	return &PHR{abha: svc, cm: cm, docs: docs, reg: opts.Registry, hiu: opts.HIU, now: now, cookieScope: c,
		pageSet: newPageSet(phrPageNames, "templates/phr_layout.html", "templates/parts.html")}
}

// Register adds the PHR pages to mux. The ABHA pages serve the static
// files and the login.
func (p *PHR) Register(mux *http.ServeMux) {
	mux.Handle("GET /abha/records", secure(p.page(p.records)))
	mux.Handle("GET /abha/link", secure(p.page(p.linkGet)))
	mux.Handle("POST /abha/link", secure(p.post(p.linkPost)))
	mux.Handle("GET /abha/consents", secure(p.page(p.consents)))
	mux.Handle("POST /abha/consents", secure(p.post(p.consentsPost)))
	mux.Handle("GET /abha/access", secure(p.page(p.access)))
	mux.Handle("GET /abha/share", secure(p.page(p.shareGet)))
	mux.Handle("POST /abha/share", secure(p.post(p.sharePost)))
	mux.Handle("GET /abha/lock", secure(p.page(p.lockGet)))
	mux.Handle("POST /abha/lock", secure(p.post(p.lockPost)))
	mux.Handle("GET /abha/documents", secure(p.page(p.documents)))
	mux.Handle("POST /abha/documents", secure(http.HandlerFunc(p.documentsPost)))
	mux.Handle("POST /abha/documents/file", secure(p.post(p.documentFile)))
	if p.hiu != nil {
		p.registerView(mux)
	}
}

// person is a logged-in person: the token the CM takes and the ABHA
// number their documents are kept under.
type person struct {
	ctx    context.Context
	token  string
	number string
}

// phrView is what every PHR template gets.
type phrView struct {
	Page     string
	CSRF     string
	LoggedIn bool
	Error    string
	Notice   string
	MaxMiB   int

	Records  *recordsView
	Link     *linkView
	Consents *consentsView
	Consent  *consentView
	Access   []accessView
	Share    *shareView
	Lock     *lockView
	Docs     []docView
	View     *viewPage
}

// login checks the session cookie.
func (p *PHR) login(r *http.Request) (*person, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	number, err := p.abha.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil, false
	}
	ctx := arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorCitizen, ID: number})
	return &person{ctx: ctx, token: c.Value, number: number}, true
}

// requireLogin is login for pages: without one it sends the browser to
// the login page.
func (p *PHR) requireLogin(w http.ResponseWriter, r *http.Request) (*person, bool) {
	who, ok := p.login(r)
	if !ok {
		if _, err := r.Cookie(sessionCookie); err == nil {
			endSession(w, r)
			redirect(w, r, "/abha/login", "expired")
			return nil, false
		}
		redirect(w, r, "/abha/login", "")
	}
	return who, ok
}

// page wraps a GET page that needs a login.
func (p *PHR) page(h func(w http.ResponseWriter, r *http.Request, who *person, v *phrView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, ok := p.requireLogin(w, r)
		if !ok {
			return
		}
		h(w, r, who, &phrView{CSRF: p.csrfToken(w, r), LoggedIn: true, Notice: noticeID(p.cat, r.URL.Query().Get("notice"))})
	})
}

// post wraps a form handler that needs a login: it limits and parses the
// body and checks the CSRF token first.
func (p *PHR) post(h func(w http.ResponseWriter, r *http.Request, who *person, v *phrView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, status, msg := p.form(w, r)
		if status != 0 {
			_, ok := p.login(r)
			p.render(w, r, status, "phr_error", &phrView{CSRF: tok, LoggedIn: ok, Error: p.catFor(r).text(msg)})
			return
		}
		who, ok := p.requireLogin(w, r)
		if !ok {
			return
		}
		h(w, r, who, &phrView{CSRF: tok, LoggedIn: true})
	})
}

// render writes page name with v and status.
func (p *PHR) render(w http.ResponseWriter, r *http.Request, status int, name string, v *phrView) {
	if v.Page == "" {
		v.Page = name
	}
	v.MaxMiB = phr.MaxDocumentSize >> 20
	p.write(w, r, status, name, v)
}

// errText is the message a person reads for err: the catalogue's words
// for its code (the CM's own messages are for developers and in English
// only), with particular ones for the cases a person can act on.
func (p *PHR) errText(r *http.Request, err error, specific map[string]string) string {
	code := arogya.ErrorCode(err)
	if id, ok := specific[code]; ok {
		return p.catFor(r).text(id)
	}
	if id := "phr.err." + code; p.catFor(r)[id] != "" {
		return p.catFor(r).text(id)
	}
	return p.catFor(r).text("phr.err.internal")
}

// fail renders page name with err's message and status. A CM that says
// the login has ended ends the session here too.
func (p *PHR) fail(w http.ResponseWriter, r *http.Request, name string, v *phrView, err error, specific map[string]string) {
	if arogya.ErrorCode(err) == arogya.EUNAUTHORIZED && specific[arogya.EUNAUTHORIZED] == "" {
		endSession(w, r)
		redirect(w, r, "/abha/login", "expired")
		return
	}
	v.Error = p.errText(r, err, specific)
	p.render(w, r, errStatus(r, err), name, v)
}
