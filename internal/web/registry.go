package web

import (
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// registryPageNames are the registry's templates (templates/registry_*.html),
// each rendered inside registry_layout.html.
var registryPageNames = []string{
	"registry_landing", "registry_facilities", "registry_facility", "registry_professionals",
	"registry_professional", "registry_drugs", "registry_facility_new", "registry_professional_new",
	"registry_submitted", "registry_login", "registry_queue", "registry_review", "registry_error",
}

// Registry serves the registry's pages under /registry/: public search and
// detail pages for facilities, professionals and drugs, submission forms,
// and the state verifiers' sign-in, queue and decisions. Like the ABHA
// pages they are plain HTML forms, phone first, without JavaScript.
type Registry struct {
	pageSet
	signedSessions
	svc *registry.Service
}

// NewRegistry returns the registry pages over svc. It panics if the
// embedded templates do not parse, which is a build defect caught by any
// test.
func NewRegistry(svc *registry.Service, opts Options) *Registry {
	return &Registry{svc: svc, pageSet: newPageSet(registryPageNames,
		"templates/registry_layout.html", "templates/parts.html", "templates/registry_parts.html"),
		signedSessions: verifierSessions(sessionKey(opts.Secret, []byte("arogya registry verifier session v1")))}
}

// Register adds the registry pages to mux.
func (g *Registry) Register(mux *http.ServeMux) {
	h := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	serveStatic(mux, "/registry/static/")
	h("GET /registry/{$}", g.landing)
	h("GET /registry/", g.notFound)
	h("GET /registry/facilities", g.facilities)
	h("GET /registry/facilities/{id}", g.facility)
	h("GET /registry/facilities/new", g.facilityNewGet)
	mux.Handle("POST /registry/facilities/new", secure(g.post(g.facilityNewPost)))
	h("GET /registry/professionals", g.professionals)
	h("GET /registry/professionals/{id}", g.professional)
	h("GET /registry/professionals/new", g.professionalNewGet)
	mux.Handle("POST /registry/professionals/new", secure(g.post(g.professionalNewPost)))
	h("GET /registry/drugs", g.drugs)
	h("GET /registry/submitted", g.submitted)
	h("GET /registry/verify/login", g.loginGet)
	mux.Handle("POST /registry/verify/login", secure(g.post(g.loginPost)))
	mux.Handle("POST /registry/verify/logout", secure(g.post(g.logout)))
	h("GET /registry/verify", g.queue)
	h("GET /registry/verify/facilities/{id}", g.reviewFacility)
	mux.Handle("POST /registry/verify/facilities/{id}", secure(g.post(g.decideFacility)))
	h("GET /registry/verify/professionals/{id}", g.reviewProfessional)
	mux.Handle("POST /registry/verify/professionals/{id}", secure(g.post(g.decideProfessional)))
}

// regView is what every registry template gets; each page sets its part.
type regView struct {
	Page     string // template name; its title is the message "title.<Page>"
	CSRF     string // set on pages with a POST form (and for the sign-out button)
	Error    string // a failed step's message
	Notice   string // message id of a one-line confirmation
	Verifier *verifierSession

	Search    *searchView
	Facility  *facilityView
	Pro       *professionalView
	Form      *entryForm
	Submitted *submittedView
	Login     *loginView
	Queue     *queueView
	Review    *reviewView
}

// render writes page name with v and status.
func (g *Registry) render(w http.ResponseWriter, r *http.Request, status int, name string, v *regView) {
	if v.Page == "" {
		v.Page = name
	}
	g.write(w, r, status, name, v)
}

// view starts the view of a GET page: the signed-in verifier, if any, and
// a CSRF token when a form on the page (or the sign-out button) posts.
func (g *Registry) view(w http.ResponseWriter, r *http.Request, withCSRF bool) *regView {
	v := &regView{Notice: noticeID(g.cat, r.URL.Query().Get("notice"))}
	if s, ok := g.session(r); ok {
		v.Verifier = s
		withCSRF = true
	}
	if withCSRF {
		v.CSRF = g.csrfToken(w, r)
	}
	return v
}

// failPage shows err on the error page with its status: a clear message for
// each kind of failure, from the catalogue; server failures are logged.
func (g *Registry) failPage(w http.ResponseWriter, r *http.Request, v *regView, err error) {
	status := errStatus(r, err)
	switch arogya.ErrorCode(err) {
	case arogya.EFORBIDDEN:
		v.Error = g.catFor(r).text("registry.error.forbidden")
	case arogya.ENOTFOUND:
		v.Error = g.catFor(r).text("registry.error.notfound")
	case arogya.EUNAUTHORIZED:
		v.Error = g.catFor(r).text("registry.error.unauthorized")
	case arogya.ECONFLICT:
		v.Error = g.catFor(r).text("registry.error.conflict")
	case arogya.EINVALID:
		v.Error = errText(g.catFor(r), err)
	default:
		v.Error = g.catFor(r).text("registry.error.internal")
	}
	v.Page = ""
	if status == http.StatusForbidden {
		v.Page = "registry_forbidden"
	}
	g.render(w, r, status, "registry_error", v)
}

// notFound answers paths under /registry/ that are not pages.
func (g *Registry) notFound(w http.ResponseWriter, r *http.Request) {
	v := g.view(w, r, false)
	v.Page, v.Error = "notfound", g.catFor(r).text("error.notfound")
	g.render(w, r, http.StatusNotFound, "registry_error", v)
}

// landing offers the three searches and the submission forms.
func (g *Registry) landing(w http.ResponseWriter, r *http.Request) {
	g.render(w, r, http.StatusOK, "registry_landing", g.view(w, r, false))
}
