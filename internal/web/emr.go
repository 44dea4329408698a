package web

import (
	"context"
	"net/http"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
)

// emrPageNames are the facility EMR's templates (templates/emr_*.html),
// each rendered inside emr_layout.html.
var emrPageNames = []string{
	"emr_login", "emr_password", "emr_home", "emr_patient", "emr_record", "emr_consult", "emr_lab", "emr_form", "emr_desk", "emr_error",
}

// EMR's cookies are scoped to /emr. The session is SameSite=Strict, as
// the pages show patients' records; every POST is also checked against
// the CSRF token (cookieScope). A session lasts a shift, as the EMR API's
// staff token does.
const (
	emrCookie     = "emr_session"
	emrSessionFor = 12 * time.Hour
	maxEMRForm    = 32 << 10 // bytes; the consultation form with every row filled is ~4 KiB
)

// EMR serves the facility EMR's pages under /emr/ for the staff of the
// facilities a hip node serves: sign-in with facility ID, HPR number and
// password, finding and registering patients, their visits and records,
// and forms for each kind of record: an OP consultation, a prescription,
// lab and imaging reports, a discharge summary, immunizations, vitals, an
// uploaded document and a bill. Like the other pages they are plain HTML
// forms, phone first, without JavaScript.
type EMR struct {
	pageSet
	signedSessions
	svc    *hip.Service
	phrURL string // Options.PHRURL
}

// NewEMR returns the EMR pages over svc. Sessions are signed with a key
// made from opts.Secret. It panics if the embedded templates do not
// parse, which is a build defect caught by any test.
func NewEMR(svc *hip.Service, opts Options) *EMR {
	return &EMR{svc: svc, phrURL: opts.PHRURL, pageSet: newPageSet(emrPageNames, "templates/emr_layout.html", "templates/staff_password.html"),
		signedSessions: signedSessions{
			cookieScope: cookieScope{path: "/emr", sameSite: http.SameSiteStrictMode, csrf: "emr_csrf", maxForm: maxEMRForm},
			name:        emrCookie, life: emrSessionFor, maxLen: 512, fields: 2, expiryAt: 2,
			login: "/emr/sign-in", expired: "emr.expired",
			key: sessionKey(opts.Secret, []byte("arogya hip emr session v1")), now: time.Now,
		}}
}

// Register adds the EMR pages to mux.
func (e *EMR) Register(mux *http.ServeMux) {
	h := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	p := func(pattern string, fn func(http.ResponseWriter, *http.Request, *emrView)) {
		mux.Handle(pattern, secure(e.post(fn)))
	}
	serveStatic(mux, "/emr/static/")
	h("GET /emr/{$}", e.home)
	h("GET /emr/", e.notFound)
	h("GET /emr/sign-in", e.signInGet)
	p("POST /emr/sign-in", e.signInPost)
	p("POST /emr/sign-out", e.signOut)
	h("GET /emr/password", e.passwordGet)
	h("GET /emr/desk", e.desk)
	h("GET /emr/desk/qr.png", e.deskQR)
	p("POST /emr/password", e.passwordPost)
	p("POST /emr/search", e.search)
	p("POST /emr/patients", e.register)
	h("GET /emr/patients/{ref}", e.patient)
	h("GET /emr/patients/{ref}/visits/{cc}/records/{id}", e.record)
	h("GET /emr/patients/{ref}/visits/{cc}/records/{id}/pdf", e.recordPDF)
	h("GET /emr/patients/{ref}/consultation", e.consultGet)
	p("POST /emr/patients/{ref}/consultation", e.consultPost)
	h("GET /emr/patients/{ref}/lab", e.labGet)
	p("POST /emr/patients/{ref}/lab", e.labPost)
	for _, k := range emrKinds {
		h("GET /emr/patients/{ref}/"+k.path, e.kindGet(k))
		if k.multipart {
			mux.Handle("POST /emr/patients/{ref}/"+k.path, secure(e.uploadPost(k)))
		} else {
			p("POST /emr/patients/{ref}/"+k.path, e.kindPost(k, nil))
		}
	}
}

// emrView is what every EMR template gets; each page sets its part.
type emrView struct {
	Page   string // template name; its title is the message "title.<Page>"
	CSRF   string
	Error  string // a failed step's message
	Notice string // message id of a one-line confirmation
	Staff  *emrStaff

	SignIn   *emrSignIn
	Home     *emrHome
	Patient  *emrPatient
	Record   *emrRecord
	Consult  *consultForm
	Lab      *labForm
	Form     *kindForm // the other kinds' forms
	Desk     *emrDesk
	Password *emrSignIn
}

// emrStaff is the signed-in staff member, as their session cookie says.
type emrStaff struct {
	FacilityID string
	HPRID      string
}

// render writes page name with v and status.
func (e *EMR) render(w http.ResponseWriter, r *http.Request, status int, name string, v *emrView) {
	if v.Page == "" {
		v.Page = name
	}
	e.write(w, r, status, name, v)
}

// session reads and checks the staff member's session cookie.
func (e *EMR) session(r *http.Request) (*emrStaff, bool) {
	s, ok := e.read(r)
	if !ok || !e.svc.StaffActive(r.Context(), s.fields[0], s.fields[1]) {
		return nil, false // no session, or the account was disabled since
	}
	return &emrStaff{FacilityID: s.fields[0], HPRID: s.fields[1]}, true
}

// view starts the view of a GET page: the signed-in staff member, if any,
// and the CSRF token of the page's forms and the sign-out button.
func (e *EMR) view(w http.ResponseWriter, r *http.Request) *emrView {
	v := &emrView{Notice: noticeID(e.cat, r.URL.Query().Get("notice")), CSRF: e.csrfToken(w, r)}
	if s, ok := e.session(r); ok {
		v.Staff = s
	}
	return v
}

// requireStaff is view for pages that need a signed-in staff member:
// without one it sends the browser to sign in and reports false.
func (e *EMR) requireStaff(w http.ResponseWriter, r *http.Request) (*emrView, bool) {
	if _, ok := e.session(r); !ok {
		e.toSignIn(w, r)
		return nil, false
	}
	return e.view(w, r), true
}

// post wraps a form handler: it limits and parses the body, checks the
// CSRF token and starts the view with the token and the staff member.
func (e *EMR) post(h func(w http.ResponseWriter, r *http.Request, v *emrView)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, status, msg := e.form(w, r)
		if status != 0 {
			v := &emrView{CSRF: tok, Error: e.catFor(r).text(msg)}
			v.Staff, _ = e.session(r)
			e.render(w, r, status, "emr_error", v)
			return
		}
		v := &emrView{CSRF: tok}
		v.Staff, _ = e.session(r)
		h(w, r, v)
	})
}

// staffContext names the staff member as the actor, for the service's
// audit events.
func staffContext(ctx context.Context, s *emrStaff) context.Context {
	return arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorStaff, ID: s.HPRID})
}

// failPage shows err on the error page with its status, with a message
// from the catalogue; server failures are logged, never shown.
func (e *EMR) failPage(w http.ResponseWriter, r *http.Request, v *emrView, err error) {
	status := errStatus(r, err)
	switch arogya.ErrorCode(err) {
	case arogya.ENOTFOUND:
		v.Error = e.catFor(r).text("emr.error.notfound")
	case arogya.EFORBIDDEN, arogya.EUNAUTHORIZED:
		v.Error = e.catFor(r).text("emr.error.forbidden")
	case arogya.EINVALID, arogya.EUNPROCESSABLE:
		v.Error = errText(e.catFor(r), err)
	default:
		v.Error = e.catFor(r).text("emr.error.internal")
	}
	v.Page = ""
	e.render(w, r, status, "emr_error", v)
}

// notFound answers paths under /emr/ that are not pages.
func (e *EMR) notFound(w http.ResponseWriter, r *http.Request) {
	v := e.view(w, r)
	v.Page, v.Error = "notfound", e.catFor(r).text("error.notfound")
	e.render(w, r, http.StatusNotFound, "emr_error", v)
}
