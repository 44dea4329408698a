package web

import (
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
)

// emrSignIn is the sign-in form, and the change-password form, as filled.
// Passwords are never echoed back.
type emrSignIn struct {
	FacilityID string
	HPRID      string
}

// signInGet shows the sign-in form, or the home page to one signed in.
func (e *EMR) signInGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := e.session(r); ok {
		http.Redirect(w, r, "/emr/", http.StatusSeeOther)
		return
	}
	v := e.view(w, r)
	v.SignIn = &emrSignIn{}
	e.render(w, r, http.StatusOK, "emr_login", v)
}

// signInPost checks the staff member's password with the service and
// starts their session.
func (e *EMR) signInPost(w http.ResponseWriter, r *http.Request, v *emrView) {
	in := &emrSignIn{FacilityID: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("facility"))),
		HPRID: strings.NewReplacer("-", "", " ", "").Replace(r.PostForm.Get("hpr"))}
	v.SignIn, v.Staff = in, nil
	if _, _, err := e.svc.StaffSignIn(r.Context(), in.FacilityID, in.HPRID, r.PostForm.Get("password")); err != nil {
		status := http.StatusUnauthorized
		switch arogya.ErrorCode(err) {
		case arogya.EUNAUTHORIZED, arogya.ENOTFOUND:
			v.Error = e.catFor(r).text("emr.signin.failed")
		case arogya.ETOOMANYREQUESTS:
			status, v.Error = http.StatusTooManyRequests, e.catFor(r).text("emr.signin.toomany")
		case arogya.EFORBIDDEN: // the one-time password: it only sets their own
			status, v.Error = http.StatusForbidden, e.catFor(r).text("emr.signin.mustchange")
		default:
			e.failPage(w, r, v, err)
			return
		}
		e.render(w, r, status, "emr_login", v)
		return
	}
	e.start(w, r, in.FacilityID, in.HPRID)
	redirect(w, r, "/emr/", "emr.signedin")
}

// signOut ends the session, on this node for any copy of the cookie too.
func (e *EMR) signOut(w http.ResponseWriter, r *http.Request, v *emrView) {
	e.end(w, r)
	redirect(w, r, "/emr/sign-in", "emr.signedout")
}

// passwordGet shows the change-password form: staff sign in first with
// the one-time password they were given, then set their own here.
func (e *EMR) passwordGet(w http.ResponseWriter, r *http.Request) {
	v := e.view(w, r)
	v.Password = &emrSignIn{}
	if v.Staff != nil {
		v.Password = &emrSignIn{FacilityID: v.Staff.FacilityID, HPRID: v.Staff.HPRID}
	}
	e.render(w, r, http.StatusOK, "emr_password", v)
}

// passwordPost changes the password after checking the current one.
func (e *EMR) passwordPost(w http.ResponseWriter, r *http.Request, v *emrView) {
	in := &emrSignIn{FacilityID: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("facility"))),
		HPRID: strings.NewReplacer("-", "", " ", "").Replace(r.PostForm.Get("hpr"))}
	v.Password = in
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("confirm") {
		v.Error = e.catFor(r).text("emr.password.mismatch")
		e.render(w, r, http.StatusUnprocessableEntity, "emr_password", v)
		return
	}
	err := e.svc.ChangeStaffPassword(r.Context(), in.FacilityID, in.HPRID, r.PostForm.Get("password"), next)
	switch arogya.ErrorCode(err) {
	case "":
		to := "/emr/sign-in"
		if v.Staff != nil {
			to = "/emr/"
		}
		redirect(w, r, to, "emr.password.changed")
		return
	case arogya.EUNAUTHORIZED, arogya.ENOTFOUND:
		v.Error = e.catFor(r).text("emr.signin.failed")
		e.render(w, r, http.StatusUnauthorized, "emr_password", v)
	case arogya.ETOOMANYREQUESTS:
		v.Error = e.catFor(r).text("emr.signin.toomany")
		e.render(w, r, http.StatusTooManyRequests, "emr_password", v)
	case arogya.EINVALID:
		v.Error = e.catFor(r).text("emr.password.short")
		e.render(w, r, http.StatusUnprocessableEntity, "emr_password", v)
	default:
		e.failPage(w, r, v, err)
	}
}
