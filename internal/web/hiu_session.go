package web

import (
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
)

// The clinician's sign-in, password change and sign-out, as the EMR's:
// the one-time password the operator hands over signs in to nothing; it
// only sets the clinician's own.

func signInForm(r *http.Request) *emrSignIn {
	return &emrSignIn{FacilityID: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("facility"))),
		HPRID: strings.NewReplacer("-", "", " ", "").Replace(r.PostForm.Get("hpr"))}
}

// signInGet shows the sign-in form, or the home page to one signed in.
func (h *HIU) signInGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.session(r); ok {
		http.Redirect(w, r, "/hiu/", http.StatusSeeOther)
		return
	}
	v := h.view(w, r)
	v.SignIn = &emrSignIn{}
	h.render(w, r, http.StatusOK, "hiu_login", v)
}

// signInPost checks the clinician's password and starts their session.
func (h *HIU) signInPost(w http.ResponseWriter, r *http.Request, v *hiuView) {
	in := signInForm(r)
	v.SignIn, v.Staff = in, nil
	if _, _, err := h.svc.StaffSignIn(r.Context(), in.FacilityID, in.HPRID, r.PostForm.Get("password")); err != nil {
		status := http.StatusUnauthorized
		switch arogya.ErrorCode(err) {
		case arogya.EUNAUTHORIZED, arogya.ENOTFOUND:
			v.Error = h.catFor(r).text("hiu.signin.failed")
		case arogya.ETOOMANYREQUESTS:
			status, v.Error = http.StatusTooManyRequests, h.catFor(r).text("hiu.signin.toomany")
		case arogya.EFORBIDDEN: // the one-time password: it only sets their own
			status, v.Error = http.StatusForbidden, h.catFor(r).text("hiu.signin.mustchange")
		default:
			h.failPage(w, r, v, err)
			return
		}
		h.render(w, r, status, "hiu_login", v)
		return
	}
	h.start(w, r, in.FacilityID, in.HPRID)
	redirect(w, r, "/hiu/", "hiu.signedin")
}

// signOut ends the session, on this node for any copy of the cookie too.
func (h *HIU) signOut(w http.ResponseWriter, r *http.Request, v *hiuView) {
	h.end(w, r)
	redirect(w, r, "/hiu/sign-in", "hiu.signedout")
}

// passwordGet shows the change-password form.
func (h *HIU) passwordGet(w http.ResponseWriter, r *http.Request) {
	v := h.view(w, r)
	v.Password = &emrSignIn{}
	if v.Staff != nil {
		v.Password = &emrSignIn{FacilityID: v.Staff.FacilityID, HPRID: v.Staff.HPRID}
	}
	h.render(w, r, http.StatusOK, "hiu_password", v)
}

// passwordPost changes the password after checking the current one.
func (h *HIU) passwordPost(w http.ResponseWriter, r *http.Request, v *hiuView) {
	in := signInForm(r)
	v.Password = in
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("confirm") {
		v.Error = h.catFor(r).text("hiu.password.mismatch")
		h.render(w, r, http.StatusUnprocessableEntity, "hiu_password", v)
		return
	}
	err := h.svc.ChangeStaffPassword(r.Context(), in.FacilityID, in.HPRID, r.PostForm.Get("password"), next)
	switch arogya.ErrorCode(err) {
	case "":
		to := "/hiu/sign-in"
		if v.Staff != nil {
			to = "/hiu/"
		}
		redirect(w, r, to, "hiu.password.changed")
	case arogya.EUNAUTHORIZED, arogya.ENOTFOUND:
		v.Error = h.catFor(r).text("hiu.signin.failed")
		h.render(w, r, http.StatusUnauthorized, "hiu_password", v)
	case arogya.ETOOMANYREQUESTS:
		v.Error = h.catFor(r).text("hiu.signin.toomany")
		h.render(w, r, http.StatusTooManyRequests, "hiu_password", v)
	case arogya.EINVALID:
		v.Error = h.catFor(r).text("hiu.password.short")
		h.render(w, r, http.StatusUnprocessableEntity, "hiu_password", v)
	default:
		h.failPage(w, r, v, err)
	}
}
