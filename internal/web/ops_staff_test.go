package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

// staffOps serves the operator's pages with the staff pages over the EMR
// environment's hip service, and returns the server.
func (e *emrEnv) staffOps(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	NewOps(nil, opsToken, Options{Secret: []byte("ops test secret")}).WithStaff(e.svc).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// opsSignIn signs b in as the operator.
func opsSignIn(t *testing.T, b *browser) {
	t.Helper()
	b.get("/cm/ops/login")
	if p := b.post("/cm/ops/login", url.Values{"token": {opsToken}}); p.status != http.StatusSeeOther {
		t.Fatalf("operator sign-in: %d\n%s", p.status, p.body)
	}
}

var passwordRE = regexp.MustCompile(`id="one-time-password">([^<]+)<`)

// TestOpsStaff: the operator sees a facility's staff, adds a professional
// and gets a one-time password that only sets a new one, is refused with
// the value kept for a bad, unknown or duplicate HPR number, and disables
// an account, which stops its sign-in and its open EMR session at once.
func TestOpsStaff(t *testing.T) {
	e := newEMREnv(t)
	ops := e.staffOps(t)
	b := (&testEnv{srv: ops}).browser(t)
	opsSignIn(t, b)
	list := staffURL(e.facility)

	checkPage(t, b.get("/cm/ops/facilities"), http.StatusOK, "Coastal General Hospital", `href="`+list+`"`, `id="nav-staff"`)
	p := b.get(list)
	checkPage(t, p, http.StatusOK, "Meera Rao", e.hpr, "Active", `name="hprId"`)
	if strings.Contains(p.body, e.nurse) {
		t.Fatal("the nurse is listed before being added")
	}

	for _, test := range []struct {
		name, hpr string
		status    int
		want      string
	}{
		{"short", "1234", http.StatusBadRequest, "An HPR number has 14 digits."},
		{"unknown", "11112222333344", http.StatusNotFound, "The registry has no professional with that HPR number."},
		{"not at this facility", e.outsider, http.StatusUnprocessableEntity, "The registry does not list this professional as verified and working at this facility."},
		{"has one", e.hpr, http.StatusConflict, "That professional has an account at this facility already."},
	} {
		t.Run(test.name, func(t *testing.T) {
			p := b.post(list, url.Values{"hprId": {test.hpr}})
			checkPage(t, p, test.status, test.want, `value="`+test.hpr+`"`)
			if passwordRE.MatchString(p.body) {
				t.Error("a refused add shows a password")
			}
		})
	}
	list2, err := e.svc.Staff(arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorOperator}), e.facility)
	if err != nil || len(list2) != 1 {
		t.Fatalf("after refused adds: %d accounts, %v; want 1", len(list2), err)
	}

	// Add the nurse: the password is on the answer page, not in a URL.
	p = b.post(list, url.Values{"hprId": {e.nurse}})
	checkPage(t, p, http.StatusCreated, "Asha Kumari", e.nurse, "Shown this once")
	if p.location != "" {
		t.Errorf("the add answers with a redirect to %q", p.location)
	}
	m := passwordRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no one-time password shown\n%s", p.body)
	}
	oneTime := m[1]
	if again := b.get(list); strings.Contains(again.body, oneTime) || !strings.Contains(again.body, "not yet replaced") {
		t.Error("the staff list shows the password again, or not that it is still the one-time one")
	}

	// The one-time password signs in to nothing; it sets the nurse's own.
	emr := e.browser(t)
	emr.get("/emr/sign-in")
	checkPage(t, emr.post("/emr/sign-in", url.Values{"facility": {e.facility}, "hpr": {e.nurse}, "password": {oneTime}}),
		http.StatusForbidden, "Set your own password first")
	if _, _, err := e.svc.StaffSignIn(context.Background(), e.facility, e.nurse, oneTime); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Errorf("StaffSignIn with the one-time password: %v, want EFORBIDDEN", err)
	}
	const own = "nurse's own password"
	if err := e.svc.ChangeStaffPassword(context.Background(), e.facility, e.nurse, oneTime, own); err != nil {
		t.Fatalf("ChangeStaffPassword with the one-time password: %v", err)
	}
	if p := emr.post("/emr/sign-in", url.Values{"facility": {e.facility}, "hpr": {e.nurse}, "password": {own}}); p.status != http.StatusSeeOther {
		t.Fatalf("the nurse's sign-in with their own password: %d\n%s", p.status, p.body)
	}
	if p := emr.get("/emr/"); p.status != http.StatusOK {
		t.Fatalf("/emr/ signed in as the nurse: %d", p.status)
	}

	// Disable the nurse: confirmed in words, then signed out at once.
	disable := list + "/" + e.nurse + "/disable"
	checkPage(t, b.get(disable), http.StatusOK, "Disable the EMR account of Asha Kumari (HPR "+e.nurse+") at Coastal General Hospital?", `id="confirm-disable"`)
	if p := b.post(disable, url.Values{"csrf": {strings.Repeat("D", csrfLen)}}); p.status != http.StatusForbidden {
		t.Fatalf("disable without the CSRF token: %d, want 403", p.status)
	}
	if p := emr.get("/emr/"); p.status != http.StatusOK {
		t.Fatalf("a refused disable ended the session: %d", p.status)
	}
	p = b.post(disable, url.Values{})
	if p.status != http.StatusSeeOther || p.location != list+"?notice=ops.staff.disabled" {
		t.Fatalf("disable: %d %q\n%s", p.status, p.location, p.body)
	}
	checkPage(t, b.get(p.location), http.StatusOK, "The account was disabled.", "Disabled on")
	if p := emr.get("/emr/"); p.status != http.StatusSeeOther {
		t.Errorf("the nurse's open session after disabling: %d, want a redirect to sign in", p.status)
	}
	emr2 := e.browser(t)
	emr2.get("/emr/sign-in")
	checkPage(t, emr2.post("/emr/sign-in", url.Values{"facility": {e.facility}, "hpr": {e.nurse}, "password": {own}}),
		http.StatusUnauthorized, "Wrong facility ID, HPR number or password.")
	if p := b.post(list+"/"+e.nurse+"/disable", url.Values{}); p.status != http.StatusSeeOther {
		t.Errorf("disabling twice: %d", p.status)
	}
	checkPage(t, b.post(list+"/11112222333344/disable", url.Values{}), http.StatusNotFound)
}

// TestOpsStaffOperatorOnly: without the operator's session (signed out,
// signed in to the EMR as staff, or with a wrong token) every staff page
// sends the browser to sign in, and no account is added or disabled.
func TestOpsStaffOperatorOnly(t *testing.T) {
	e := newEMREnv(t)
	ops := e.staffOps(t)
	list := staffURL(e.facility)

	staff := e.browser(t) // signed in to the EMR: its session says nothing to the operator's pages
	e.signIn(t, staff)
	staff.base = ops.URL
	wrong := (&testEnv{srv: ops}).browser(t)
	wrong.get("/cm/ops/login")
	if p := wrong.post("/cm/ops/login", url.Values{"token": {"not-the-token"}}); p.status != http.StatusUnauthorized {
		t.Fatalf("a wrong token signs in: %d", p.status)
	}
	for name, b := range map[string]*browser{"signed out": (&testEnv{srv: ops}).browser(t), "EMR staff": staff, "wrong token": wrong} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/cm/ops/facilities", list, list + "/" + e.hpr + "/disable"} {
				if p := b.get(path); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/cm/ops/login") {
					t.Errorf("GET %s: %d %q, want a redirect to sign in", path, p.status, p.location)
				}
			}
			b.get("/cm/ops/login") // a CSRF token, so that only the missing session refuses
			for _, path := range []string{list, list + "/" + e.hpr + "/disable"} {
				p := b.post(path, url.Values{"hprId": {e.nurse}})
				if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/cm/ops/login") || passwordRE.MatchString(p.body) {
					t.Errorf("POST %s: %d %q, want a redirect to sign in", path, p.status, p.location)
				}
			}
		})
	}
	op := arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorOperator})
	list2, err := e.svc.Staff(op, e.facility)
	if err != nil || len(list2) != 1 || !list2[0].DisabledAt.IsZero() {
		t.Fatalf("after the refused posts: %+v, %v; want the doctor alone, active", list2, err)
	}
}
