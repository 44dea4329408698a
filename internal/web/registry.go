package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

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
	svc   *registry.Service
	cat   catalogue
	pages map[string]*template.Template
	key   []byte           // signs verifier session cookies
	now   func() time.Time // the clock of session expiry
	ended endedSessions    // sessions signed out on this node
}

// NewRegistry returns the registry pages over svc. It panics if the
// embedded templates do not parse, which is a build defect caught by any
// test.
func NewRegistry(svc *registry.Service, opts Options) *Registry {
	cat := catalogues["en"]
	pages, err := parseRegistryPages(cat)
	if err != nil {
		panic(err)
	}
	secret := opts.Secret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	// A key of its own, so the session MAC cannot be confused with anything
	// else the node's secret signs.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("arogya registry verifier session v1"))
	return &Registry{svc: svc, cat: cat, pages: pages, key: m.Sum(nil), now: time.Now,
		ended: endedSessions{m: map[string]time.Time{}}}
}

// parseRegistryPages parses every registry page with its layout.
func parseRegistryPages(cat catalogue) (map[string]*template.Template, error) {
	funcs := template.FuncMap{"t": cat.text}
	pages := make(map[string]*template.Template, len(registryPageNames))
	for _, name := range registryPageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets,
			"templates/registry_layout.html", "templates/parts.html", "templates/registry_parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// Register adds the registry pages to mux.
func (g *Registry) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(assets, "static")
	h := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	mux.Handle("GET /registry/static/", secure(staticCache(http.StripPrefix("/registry/static/", http.FileServerFS(static)))))
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

// render writes page name with v and status, rendering into a buffer first
// so a template failure becomes a clean 500.
func (g *Registry) render(w http.ResponseWriter, r *http.Request, status int, name string, v *regView) {
	if v.Page == "" {
		v.Page = name
	}
	var buf bytes.Buffer
	if err := g.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		slog.ErrorContext(r.Context(), "web: render", "page", name, "err", err.Error())
		http.Error(w, g.cat.text("title.error"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
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
		v.Error = g.cat.text("registry.error.forbidden")
	case arogya.ENOTFOUND:
		v.Error = g.cat.text("registry.error.notfound")
	case arogya.EUNAUTHORIZED:
		v.Error = g.cat.text("registry.error.unauthorized")
	case arogya.ECONFLICT:
		v.Error = g.cat.text("registry.error.conflict")
	case arogya.EINVALID:
		v.Error = arogya.ErrorMessage(err)
	default:
		v.Error = g.cat.text("registry.error.internal")
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
	v.Page, v.Error = "notfound", g.cat.text("error.notfound")
	g.render(w, r, http.StatusNotFound, "registry_error", v)
}

// landing offers the three searches and the submission forms.
func (g *Registry) landing(w http.ResponseWriter, r *http.Request) {
	g.render(w, r, http.StatusOK, "registry_landing", g.view(w, r, false))
}
