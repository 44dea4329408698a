package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/staff"
)

// The operator's staff pages: for each facility this node serves as HIP
// (its EMR's staff) or as HIU (its clinicians), who has an account, a
// form to give a professional of the registry one, and a button to
// disable one. They live with the other operator pages, under the same
// sign-in with the node's operator token (the token the
// /api/v1/admin/hip|hiu/… staff endpoints take), rather than in the EMR
// or HIU pages, whose sign-in is the staff's own: no staff member may
// make accounts. The role is in the URL: a facility's EMR staff are at
// /cm/ops/facilities/{id}/staff, its HIU clinicians at
// /cm/ops/facilities/{id}/clinicians.

// staffService is what the staff pages need of a role's service: the hip
// and hiu services keep the same accounts (internal/staff).
type staffService interface {
	Staff(ctx context.Context, facilityID string) ([]*staff.Account, error)
	AddStaff(ctx context.Context, facilityID, hprID string) (*staff.Account, string, error)
	DisableStaff(ctx context.Context, facilityID, hprID string) error
}

// staffRole is one role's staff pages: its URL segment, the suffix of
// the messages that differ between roles, its accounts, and the
// facilities it serves.
type staffRole struct {
	seg, suffix string
	accounts    staffService
	facilities  func(ctx context.Context) ([]opsFacility, error)
}

// WithStaff adds the staff pages of the facilities svc serves as HIP to
// the operator's pages, for a node that is also a HIP; it returns o.
func (o *Ops) WithStaff(svc *hip.Service) *Ops {
	o.roles = append(o.roles, &staffRole{seg: "staff", accounts: svc, facilities: func(ctx context.Context) ([]opsFacility, error) {
		fs, err := svc.Facilities(ctx)
		return opsFacilities(fs, func(f *hip.Facility) (string, string) { return f.ID, f.Name }), err
	}})
	return o
}

// WithClinicians adds the clinicians' pages of the facilities svc serves
// as HIU, for a node that is also an HIU; it returns o.
func (o *Ops) WithClinicians(svc *hiu.Service) *Ops {
	o.roles = append(o.roles, &staffRole{seg: "clinicians", suffix: ".hiu", accounts: svc, facilities: func(ctx context.Context) ([]opsFacility, error) {
		fs, err := svc.Facilities(ctx)
		return opsFacilities(fs, func(f *hiu.Facility) (string, string) { return f.ID, f.Name }), err
	}})
	return o
}

// opsFacilities lists a role's facilities as the staff pages show them.
func opsFacilities[F any](fs []F, idName func(F) (string, string)) []opsFacility {
	out := make([]opsFacility, 0, len(fs))
	for _, f := range fs {
		id, name := idName(f)
		out = append(out, opsFacility{ID: id, Name: name})
	}
	return out
}

// registerStaff adds the staff pages to mux, if enabled.
func (o *Ops) registerStaff(mux *http.ServeMux) {
	if len(o.roles) == 0 {
		return
	}
	h := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, secure(fn)) }
	h("GET /cm/ops/facilities", o.facilities)
	for _, role := range o.roles {
		base := "/cm/ops/facilities/{id}/" + role.seg
		h("GET "+base, o.staffList(role))
		mux.Handle("POST "+base, secure(o.post(o.staffAdd(role))))
		h("GET "+base+"/{hpr}/disable", o.staffDisableGet(role))
		mux.Handle("POST "+base+"/{hpr}/disable", secure(o.post(o.staffDisablePost(role))))
	}
}

// opsFacility is a facility the node serves, with a link to its staff.
type opsFacility struct {
	ID, Name, URL string
}

// opsFacilityGroup is the facilities of one role, on the facilities page.
type opsFacilityGroup struct {
	Role, Suffix string // the URL segment, and the suffix of its messages
	Facilities   []opsFacility
}

// opsStaff is a facility's staff page.
type opsStaff struct {
	Suffix   string // of the messages that differ between roles: "" (EMR) or ".hiu"
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

// staffURL is the staff page of a facility served as HIP.
func staffURL(facilityID string) string { return roleStaffURL("staff", facilityID) }

func roleStaffURL(seg, facilityID string) string {
	return "/cm/ops/facilities/" + url.PathEscape(facilityID) + "/" + seg
}

// staffTimeLayout shows when an account was added or disabled, in UTC.
const staffTimeLayout = "2 Jan 2006 15:04 MST"

// member is st's row on the staff page of role seg, its dates with the
// month in cat's words.
func member(cat catalogue, seg string, st *staff.Account) opsMember {
	m := opsMember{HPRID: st.HPRID, Name: st.Name, Added: dateIn(cat, st.CreatedAt.UTC(), staffTimeLayout), MustChange: st.MustChange,
		DisableURL: roleStaffURL(seg, st.FacilityID) + "/" + url.PathEscape(st.HPRID) + "/disable"}
	if !st.DisabledAt.IsZero() {
		m.Disabled = dateIn(cat, st.DisabledAt.UTC(), staffTimeLayout)
	}
	return m
}

// facilities lists the facilities this node serves, by role.
func (o *Ops) facilities(w http.ResponseWriter, r *http.Request) {
	ctx, ok := o.requireOperator(w, r)
	if !ok {
		return
	}
	v := o.view(w, r)
	for _, role := range o.roles {
		fs, err := role.facilities(ctx)
		if err != nil {
			o.failPage(w, r, v, err)
			return
		}
		g := opsFacilityGroup{Role: role.seg, Suffix: role.suffix}
		for _, f := range fs {
			f.URL = roleStaffURL(role.seg, f.ID)
			g.Facilities = append(g.Facilities, f)
		}
		v.FacilityGroups = append(v.FacilityGroups, g)
	}
	o.render(w, r, http.StatusOK, "ops_facilities", v)
}

// staffPage fills v with the facility's staff page; false if it failed
// and the error page was shown.
func (o *Ops) staffPage(w http.ResponseWriter, r *http.Request, v *opsView, role *staffRole) bool {
	ctx := operatorContext(r.Context())
	id := r.PathValue("id")
	list, err := role.accounts.Staff(ctx, id)
	if err != nil {
		o.failPage(w, r, v, err)
		return false
	}
	name := id
	if fs, err := role.facilities(ctx); err == nil {
		for _, f := range fs {
			if strings.EqualFold(f.ID, id) {
				id, name = f.ID, f.Name
			}
		}
	}
	v.Staff = &opsStaff{Suffix: role.suffix, Facility: opsFacility{ID: id, Name: name, URL: roleStaffURL(role.seg, id)}}
	for _, st := range list {
		v.Staff.Members = append(v.Staff.Members, member(o.catFor(r), role.seg, st))
	}
	return true
}

// staffList shows a facility's staff and the form to add one.
func (o *Ops) staffList(role *staffRole) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := o.requireOperator(w, r); !ok {
			return
		}
		v := o.view(w, r)
		if o.staffPage(w, r, v, role) {
			o.render(w, r, http.StatusOK, "ops_staff", v)
		}
	}
}

// staffAdd gives a professional an account and answers with its one-time
// password, shown on this page only: never in a URL, a redirect or a log.
func (o *Ops) staffAdd(role *staffRole) func(http.ResponseWriter, *http.Request, *opsView) {
	return func(w http.ResponseWriter, r *http.Request, v *opsView) {
		if !v.SignedIn {
			o.toSignIn(w, r)
			return
		}
		if !o.staffPage(w, r, v, role) { // the facility is one this node serves
			return
		}
		hpr := strings.TrimSpace(r.PostForm.Get("hprId"))
		st, password, err := role.accounts.AddStaff(operatorContext(r.Context()), v.Staff.Facility.ID, hpr)
		var msg string
		switch arogya.ErrorCode(err) {
		case "":
			m := member(o.catFor(r), role.seg, st)
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
		v.Error = o.catFor(r).text(msg)
		o.render(w, r, errStatus(r, err), "ops_staff", v)
	}
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
func (o *Ops) staffDisableGet(role *staffRole) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := o.requireOperator(w, r); !ok {
			return
		}
		v := o.view(w, r)
		if !o.staffPage(w, r, v, role) {
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
}

// staffDisablePost disables the account: it is signed out everywhere at
// once.
func (o *Ops) staffDisablePost(role *staffRole) func(http.ResponseWriter, *http.Request, *opsView) {
	return func(w http.ResponseWriter, r *http.Request, v *opsView) {
		if !v.SignedIn {
			o.toSignIn(w, r)
			return
		}
		id := r.PathValue("id")
		if err := role.accounts.DisableStaff(operatorContext(r.Context()), id, r.PathValue("hpr")); err != nil {
			o.failPage(w, r, v, err)
			return
		}
		redirect(w, r, roleStaffURL(role.seg, id), "ops.staff.disabled")
	}
}
