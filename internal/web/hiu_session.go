package web

import "net/http"

// The clinician's sign-in, password change and sign-out: the EMR's pages
// (staffPages, emr_session.go) under /hiu/, in the HIU's words.

func (h *HIU) staffPages() staffPages[*hiuView] {
	return staffPages[*hiuView]{role: "hiu", site: h, svc: h.svc}
}

func (h *HIU) signInGet(w http.ResponseWriter, r *http.Request)   { h.staffPages().signInGet(w, r) }
func (h *HIU) passwordGet(w http.ResponseWriter, r *http.Request) { h.staffPages().passwordGet(w, r) }
func (h *HIU) signInPost(w http.ResponseWriter, r *http.Request, v *hiuView) {
	h.staffPages().signInPost(w, r, v)
}
func (h *HIU) signOut(w http.ResponseWriter, r *http.Request, v *hiuView) {
	h.staffPages().signOut(w, r, v)
}
func (h *HIU) passwordPost(w http.ResponseWriter, r *http.Request, v *hiuView) {
	h.staffPages().passwordPost(w, r, v)
}

// The HIU's view as the staff pages fill it in.
func (v *hiuView) signedIn() *emrStaff       { return v.Staff }
func (v *hiuView) setSignIn(in *emrSignIn)   { v.SignIn, v.Staff = in, nil }
func (v *hiuView) setPassword(in *emrSignIn) { v.Password = in }
func (v *hiuView) setError(msg string)       { v.Error = msg }
