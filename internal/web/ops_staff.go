package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
)

// The operator's staff pages: for each facility this node serves as HIP,
// who has an EMR account, a form to give a professional of the registry
// one, and a button to disable one. They live with the other operator
// pages, under the same sign-in with the node's operator token (the token
// the /api/v1/admin/hip/… staff endpoints take), rather than in the EMR,
// whose sign-in is the staff's own: no staff member may make accounts.

// WithStaff adds the staff pages over svc to the operator's pages, for a
// node that is also a HIP; it returns o.
func (o *Ops) WithStaff(svc *hip.Service) *Ops {
	o.hip = svc
	return o
}

// registerStaff adds the staff pages to mux, if enabled.
func (o *Ops) registerStaff(mux *http.ServeMux) {
	if o.hip == nil {
		return
	}
	h := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	h("GET /cm/ops/facilities", o.facilities)
	h("GET /cm/ops/facilities/{id}/staff", o.staffList)
	mux.Handle("POST /cm/ops/facilities/{id}/staff", secure(o.post(o.staffAdd)))
	h("GET /cm/ops/facilities/{id}/staff/{hpr}/disable", o.staffDisableGet)
	mux.Handle("POST /cm/ops/facilities/{id}/staff/{hpr}/disable", secure(o.post(o.staffDisablePost)))
}

// opsFacility is a facility the node serves, with a link to its staff.
type opsFacility struct {
	ID, Name, URL string
}

// opsStaff is a facility's staff page.
type opsStaff struct {
	Facility opsFacility
	Members  []opsMember
	HPRID    string // the add form's value as typed
	Added    *opsMember
	Password string // the new account's one-time password, on the answer page only
	Disable  *opsMember
}

// opsMember is one staff account.
type opsMember struct {
	HPRID, Name, Added, Disabled, DisableURL string
	MustChange                               bool
}

func staffURL(facilityID string) string {
	return "/cm/ops/facilities/" + url.PathEscape(facilityID) + "/staff"
}

func member(st *hip.Staff) opsMember {
	m := opsMember{HPRID: st.HPRID, Name: st.Name, Added: st.CreatedAt.UTC().Format("2 Jan 2006 15:04 MST"), MustChange: st.MustChange,
		DisableURL: staffURL(st.FacilityID) + "/" + url.PathEscape(st.HPRID) + "/disable"}
	if !st.DisabledAt.IsZero() {
		m.Disabled = st.DisabledAt.UTC().Format("2 Jan 2006 15:04 MST")
	}
	return m
}

// facilities lists the facilities this node serves as HIP.
func (o *Ops) facilities(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	v := o.view(w, r)
	fs, err := o.hip.Facilities(ctx)
	if err != nil {
		o.failPage(w, r, v, err)
		return
	}
	v.Facilities = []opsFacility{}
	for _, f := range fs {
		v.Facilities = append(v.Facilities, opsFacility{ID: f.ID, Name: f.Name, URL: staffURL(f.ID)})
	}
	o.render(w, r, http.StatusOK, "ops_facilities", v)
}

// staffPage fills v with the facility's staff page; false if it failed
// and the error page was shown.
func (o *Ops) staffPage(w http.ResponseWriter, r *http.Request, v *opsView) bool {
	ctx := operatorContext(r.Context())
	id := r.PathValue("id")
	list, err := o.hip.Staff(ctx, id)
	if err != nil {
		o.failPage(w, r, v, err)
		return false
	}
	name := id
	if fs, err := o.hip.Facilities(ctx); err == nil {
		for _, f := range fs {
			if strings.EqualFold(f.ID, id) {
				id, name = f.ID, f.Name
			}
		}
	}
	v.Staff = &opsStaff{Facility: opsFacility{ID: id, Name: name, URL: staffURL(id)}}
	for _, st := range list {
		v.Staff.Members = append(v.Staff.Members, member(st))
	}
	return true
}

// staffList shows a facility's staff and the form to add one.
func (o *Ops) staffList(w http.ResponseWriter, r *http.Request) {
	if _, ok := o.requireOperator(w, r); !ok {
		return
	}
	v := o.view(w, r)
	if o.staffPage(w, r, v) {
		o.render(w, r, http.StatusOK, "ops_staff", v)
	}
}

// staffAdd gives a professional an account and answers with its one-time
// password, shown on this page only: never in a URL, a redirect or a log.
func (o *Ops) staffAdd(w http.ResponseWriter, r *http.Request, v *opsView) {
	if !v.SignedIn {
		o.toSignIn(w, r)
		return
	}
	if !o.staffPage(w, r, v) { // the facility is one this node serves
		return
	}
	hpr := strings.TrimSpace(r.PostForm.Get("hprId"))
	st, password, err := o.hip.AddStaff(operatorContext(r.Context()), v.Staff.Facility.ID, hpr)
	var msg string
	switch arogya.ErrorCode(err) {
	case "":
		m := member(st)
		v.Staff.Added, v.Staff.Password = &m, password
		o.render(w, r, http.StatusCreated, "ops_staff_added", v)
		return
	case arogya.EINVALID:
		msg = "ops.staff.badhpr"
	case arogya.ENOTFOUND:
		msg = "ops.staff.unknown"
	case arogya.EUNPROCESSABLE:
		msg = "ops.staff.notlisted"
	case arogya.ECONFLICT:
		msg = "ops.staff.exists"
	default:
		o.failPage(w, r, v, err)
		return
	}
	v.Staff.HPRID = hpr
	v.Error = o.cat.text(msg)
	o.render(w, r, errStatus(r, err), "ops_staff", v)
}

// staffMember finds the account the path names on v's staff page.
func staffMember(v *opsView, hpr string) *opsMember {
	for i := range v.Staff.Members {
		if v.Staff.Members[i].HPRID == hpr {
			return &v.Staff.Members[i]
		}
	}
	return nil
}

// staffDisableGet asks the operator to confirm, in words, disabling an
// account.
func (o *Ops) staffDisableGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := o.requireOperator(w, r); !ok {
		return
	}
	v := o.view(w, r)
	if !o.staffPage(w, r, v) {
		return
	}
	m := staffMember(v, r.PathValue("hpr"))
	if m == nil {
		o.failPage(w, r, v, arogya.Errorf(arogya.ENOTFOUND, "no such staff account"))
		return
	}
	v.Staff.Disable = m
	o.render(w, r, http.StatusOK, "ops_staff_disable", v)
}

// staffDisablePost disables the account: it is signed out everywhere at
// once.
func (o *Ops) staffDisablePost(w http.ResponseWriter, r *http.Request, v *opsView) {
	if !v.SignedIn {
		o.toSignIn(w, r)
		return
	}
	id := r.PathValue("id")
	if err := o.hip.DisableStaff(operatorContext(r.Context()), id, r.PathValue("hpr")); err != nil {
		o.failPage(w, r, v, err)
		return
	}
	redirect(w, r, staffURL(id), "ops.staff.disabled")
}
