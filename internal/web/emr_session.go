package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
)

// The sign-in, sign-out and change-password pages are one flow for the
// EMR's staff and the HIU's clinicians, written once here (staffPages)
// and given to each role by its handlers below and in hiu_session.go: the
// one-time password the operator hands over signs in to nothing; it only
// sets the holder's own.

// emrSignIn is the sign-in form, and the change-password form, as filled.
// Passwords are never echoed back.
type emrSignIn struct {
	FacilityID string
	HPRID      string
	// Role is the pages' role, "emr" or "hiu": the shared password form
	// (staff_password.html) posts to /<Role>/password and takes its words
	// from the role's messages, <Role>.password.….
	Role string
}

// staffSignIns is what the staff pages ask of a role's service: the hip
// and hiu services' staff methods.
type staffSignIns interface {
	StaffSignIn(ctx context.Context, facilityID, hprID, password string) (string, time.Time, error)
	ChangeStaffPassword(ctx context.Context, facilityID, hprID, old, next string) error
}

// staffView is a role's page view as the staff pages fill it in.
type staffView interface {
	signedIn() *emrStaff
	setSignIn(in *emrSignIn) // the sign-in form, and no one signed in
	setPassword(in *emrSignIn)
	setError(msg string)
}

// staffSite is the part of a role's pages (*EMR, *HIU) the staff pages
// render with; V is its view.
type staffSite[V staffView] interface {
	session(r *http.Request) (*emrStaff, bool)
	view(w http.ResponseWriter, r *http.Request) V
	render(w http.ResponseWriter, r *http.Request, status int, name string, v V)
	failPage(w http.ResponseWriter, r *http.Request, v V, err error)
	start(w http.ResponseWriter, r *http.Request, fields ...string)
	end(w http.ResponseWriter, r *http.Request)
	catFor(r *http.Request) catalogue
}

// staffPages are one role's sign-in and password pages: under /<role>/,
// its templates <role>_login and <role>_password, its messages
// <role>.signin.… and <role>.password.….
type staffPages[V staffView] struct {
	role string
	site staffSite[V]
	svc  staffSignIns
}

// form reads the sign-in or password form, with the facility ID and HPR
// number written as the registry writes them.
func (p staffPages[V]) form(r *http.Request) *emrSignIn {
	return &emrSignIn{FacilityID: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("facility"))),
		HPRID: strings.NewReplacer("-", "", " ", "").Replace(r.PostForm.Get("hpr")), Role: p.role}
}

// text is the role's message id.
func (p staffPages[V]) text(r *http.Request, id string) string {
	return p.site.catFor(r).text(p.role + "." + id)
}

// signInGet shows the sign-in form, or the home page to one signed in.
func (p staffPages[V]) signInGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.site.session(r); ok {
		http.Redirect(w, r, "/"+p.role+"/", http.StatusSeeOther)
		return
	}
	v := p.site.view(w, r)
	v.setSignIn(&emrSignIn{Role: p.role})
	p.site.render(w, r, http.StatusOK, p.role+"_login", v)
}

// signInPost checks the password with the service and starts the
// session; a refusal is shown on the form with the status it deserves.
func (p staffPages[V]) signInPost(w http.ResponseWriter, r *http.Request, v V) {
	in := p.form(r)
	v.setSignIn(in)
	if _, _, err := p.svc.StaffSignIn(r.Context(), in.FacilityID, in.HPRID, r.PostForm.Get("password")); err != nil {
		status := http.StatusUnauthorized
		switch arogya.ErrorCode(err) {
		case arogya.EUNAUTHORIZED, arogya.ENOTFOUND:
			v.setError(p.text(r, "signin.failed"))
		case arogya.ETOOMANYREQUESTS:
			status = http.StatusTooManyRequests
			v.setError(p.text(r, "signin.toomany"))
		case arogya.EFORBIDDEN: // the one-time password: it only sets their own
			status = http.StatusForbidden
			v.setError(p.text(r, "signin.mustchange"))
		default:
			p.site.failPage(w, r, v, err)
			return
		}
		p.site.render(w, r, status, p.role+"_login", v)
		return
	}
	p.site.start(w, r, in.FacilityID, in.HPRID)
	redirect(w, r, "/"+p.role+"/", p.role+".signedin")
}

// signOut ends the session, on this node for any copy of the cookie too.
func (p staffPages[V]) signOut(w http.ResponseWriter, r *http.Request, _ V) {
	p.site.end(w, r)
	redirect(w, r, "/"+p.role+"/sign-in", p.role+".signedout")
}

// passwordGet shows the change-password form: staff sign in first with
// the one-time password they were given, then set their own here.
func (p staffPages[V]) passwordGet(w http.ResponseWriter, r *http.Request) {
	v := p.site.view(w, r)
	in := &emrSignIn{Role: p.role}
	if s := v.signedIn(); s != nil {
		in.FacilityID, in.HPRID = s.FacilityID, s.HPRID
	}
	v.setPassword(in)
	p.renderPassword(w, r, http.StatusOK, v)
}

// passwordPost changes the password after checking the current one.
func (p staffPages[V]) passwordPost(w http.ResponseWriter, r *http.Request, v V) {
	in := p.form(r)
	v.setPassword(in)
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("confirm") {
		v.setError(p.text(r, "password.mismatch"))
		p.renderPassword(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	err := p.svc.ChangeStaffPassword(r.Context(), in.FacilityID, in.HPRID, r.PostForm.Get("password"), next)
	switch arogya.ErrorCode(err) {
	case "":
		to := "/" + p.role + "/sign-in"
		if v.signedIn() != nil {
			to = "/" + p.role + "/"
		}
		redirect(w, r, to, p.role+".password.changed")
	case arogya.EUNAUTHORIZED, arogya.ENOTFOUND:
		v.setError(p.text(r, "signin.failed"))
		p.renderPassword(w, r, http.StatusUnauthorized, v)
	case arogya.ETOOMANYREQUESTS:
		v.setError(p.text(r, "signin.toomany"))
		p.renderPassword(w, r, http.StatusTooManyRequests, v)
	case arogya.EINVALID:
		v.setError(p.text(r, "password.short"))
		p.renderPassword(w, r, http.StatusUnprocessableEntity, v)
	default:
		p.site.failPage(w, r, v, err)
	}
}

// renderPassword renders the role's password page, <role>_password,
// whose content is the form both roles share (staff_password.html).
func (p staffPages[V]) renderPassword(w http.ResponseWriter, r *http.Request, status int, v V) {
	p.site.render(w, r, status, p.role+"_password", v)
}

// The EMR's staff pages.

func (e *EMR) staffPages() staffPages[*emrView] {
	return staffPages[*emrView]{role: "emr", site: e, svc: e.svc}
}

func (e *EMR) signInGet(w http.ResponseWriter, r *http.Request) { e.staffPages().signInGet(w, r) }
func (e *EMR) signInPost(w http.ResponseWriter, r *http.Request, v *emrView) {
	e.staffPages().signInPost(w, r, v)
}
func (e *EMR) signOut(w http.ResponseWriter, r *http.Request, v *emrView) {
	e.staffPages().signOut(w, r, v)
}
func (e *EMR) passwordGet(w http.ResponseWriter, r *http.Request) { e.staffPages().passwordGet(w, r) }
func (e *EMR) passwordPost(w http.ResponseWriter, r *http.Request, v *emrView) {
	e.staffPages().passwordPost(w, r, v)
}

func (v *emrView) signedIn() *emrStaff       { return v.Staff }
func (v *emrView) setSignIn(in *emrSignIn)   { v.SignIn, v.Staff = in, nil }
func (v *emrView) setPassword(in *emrSignIn) { v.Password = in }
func (v *emrView) setError(msg string)       { v.Error = msg }
