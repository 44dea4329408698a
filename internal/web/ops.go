package web

import (
	"crypto/sha256"
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/gateway"
)

// opsPageNames are the consent manager operator's templates
// (templates/ops_*.html), each rendered inside ops_layout.html.
var opsPageNames = []string{
	"ops_login", "ops_home", "ops_bridges", "ops_traffic", "ops_dead", "ops_consents", "ops_error",
	"ops_facilities", "ops_staff", "ops_staff_added", "ops_staff_disable",
}

// Ops serves the consent manager operator's pages under /cm/ops/: the
// bridges and their services, message traffic and delivery latency, dead
// letters with a replay button, and counts of consents and transfers by
// status and state. The operator signs in with the node's operator token
// (the one /api/v1/admin/… takes as a bearer token) and gets a signed
// session cookie, as the registry's verifiers do. Like the other pages they
// are plain HTML forms, phone first, without JavaScript.
type Ops struct {
	pageSet
	signedSessions
	ops   *gateway.Ops
	token string       // the operator token; empty refuses every sign-in
	roles []*staffRole // the facilities' staff pages (WithStaff, WithClinicians); none without them
}

// NewOps returns the operator's pages over ops, signing in with token.
// On a node that is not a consent manager ops is nil, and only the staff
// pages (WithStaff, WithClinicians) are served.
// Sessions are signed with a key made from opts.Secret and the token, so
// a new operator token ends every session. It panics if the embedded
// templates do not parse, which is a build defect caught by any test.
func NewOps(ops *gateway.Ops, token string, opts Options) *Ops {
	tok := sha256.Sum256([]byte(token))
	return &Ops{pageSet: newPageSet(opsPageNames, "templates/ops_layout.html"), ops: ops, token: token,
		signedSessions: opsSessions(sessionKey(opts.Secret, []byte("arogya cm operator session v1\n"), tok[:]))}
}

// Register adds the operator's pages to mux.
func (o *Ops) Register(mux *http.ServeMux) {
	h := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	serveStatic(mux, "/cm/ops/static/")
	if o.ops == nil { // not a consent manager: the staff pages alone
		h("GET /cm/ops/{$}", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/cm/ops/facilities", http.StatusSeeOther)
		})
	} else {
		h("GET /cm/ops/{$}", o.home)
	}
	h("GET /cm/ops/", o.notFound)
	h("GET /cm/ops/login", o.loginGet)
	mux.Handle("POST /cm/ops/login", secure(o.post(o.loginPost)))
	mux.Handle("POST /cm/ops/logout", secure(o.post(o.logout)))
	if o.ops != nil {
		h("GET /cm/ops/bridges", o.bridges)
		h("GET /cm/ops/traffic", o.traffic)
		h("GET /cm/ops/dead", o.dead)
		mux.Handle("POST /cm/ops/dead/{id}/replay", secure(o.post(o.replay)))
		h("GET /cm/ops/consents", o.consents)
	}
	o.registerStaff(mux)
}

// opsView is what every operator template gets; each page sets its part.
type opsView struct {
	Page       string // template name; its title is the message "title.<Page>"
	CSRF       string // for the sign-in form, the sign-out and replay buttons
	Error      string // a failed step's message
	Notice     string // message id of a one-line confirmation
	SignedIn   bool
	HasStaff   bool // the staff pages are served: the nav links them
	HasGateway bool // the consent manager's pages are served

	Home           *opsHome
	Bridges        []opsBridge
	Traffic        *opsTraffic
	Dead           *opsDead
	Consents       *opsConsents
	FacilityGroups []opsFacilityGroup
	Staff          *opsStaff
}

// render writes page name with v and status.
func (o *Ops) render(w http.ResponseWriter, r *http.Request, status int, name string, v *opsView) {
	if v.Page == "" {
		v.Page = name
	}
	o.write(w, r, status, name, v)
}

// failPage shows err on the error page with its status, with a message
// from the catalogue; server failures are logged, never shown.
func (o *Ops) failPage(w http.ResponseWriter, r *http.Request, v *opsView, err error) {
	status := errStatus(r, err)
	switch arogya.ErrorCode(err) {
	case arogya.ENOTFOUND:
		v.Error = o.catFor(r).text("ops.error.notfound")
	case arogya.EFORBIDDEN, arogya.EUNAUTHORIZED:
		v.Error = o.catFor(r).text("ops.error.forbidden")
	default:
		v.Error = o.catFor(r).text("ops.error.internal")
	}
	v.Page = ""
	o.render(w, r, status, "ops_error", v)
}

// notFound answers paths under /cm/ops/ that are not pages.
func (o *Ops) notFound(w http.ResponseWriter, r *http.Request) {
	v := o.view(w, r)
	v.Page, v.Error = "notfound", o.catFor(r).text("error.notfound")
	o.render(w, r, http.StatusNotFound, "ops_error", v)
}

// view starts the view of a GET page: whether the operator is signed in,
// and then the CSRF token of the sign-out (and any replay) button.
func (o *Ops) view(w http.ResponseWriter, r *http.Request) *opsView {
	v := &opsView{Notice: noticeID(o.cat, r.URL.Query().Get("notice")), HasStaff: len(o.roles) > 0, HasGateway: o.ops != nil}
	if o.signedIn(r) {
		v.SignedIn = true
		v.CSRF = o.csrfToken(w, r)
	}
	return v
}
