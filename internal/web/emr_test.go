package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

// TestEMRSignInFails: wrong or missing credentials and a missing or wrong
// CSRF token all fail without a session, and the password is never echoed.
func TestEMRSignInFails(t *testing.T) {
	e := newEMREnv(t)
	tests := []struct {
		name    string
		form    url.Values
		csrf    string // "" uses the browser's token
		status  int
		want    string
		wantHPR bool // the HPR number typed comes back in the form
	}{
		{name: "wrong password", form: url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {"not-the-password"}},
			status: http.StatusUnauthorized, want: "Wrong facility ID, HPR number or password.", wantHPR: true},
		{name: "other facility", form: url.Values{"facility": {"IN2899999999"}, "hpr": {e.hpr}, "password": {e.password}},
			status: http.StatusUnauthorized, want: "Wrong facility ID, HPR number or password.", wantHPR: true},
		{name: "unknown HPR number", form: url.Values{"facility": {e.facility}, "hpr": {"12345678901234"}, "password": {e.password}},
			status: http.StatusUnauthorized, want: "Wrong facility ID, HPR number or password."},
		{name: "short HPR number", form: url.Values{"facility": {e.facility}, "hpr": {"1234"}, "password": {e.password}},
			status: http.StatusUnauthorized, want: "Wrong facility ID, HPR number or password."},
		{name: "empty form", form: url.Values{}, status: http.StatusUnauthorized, want: "Wrong facility ID, HPR number or password."},
		{name: "the one-time password, once replaced", form: url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {e.oneTime}},
			status: http.StatusUnauthorized, want: "Wrong facility ID, HPR number or password.", wantHPR: true},
		{name: "no CSRF token", form: url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {e.password}},
			csrf: "none", status: http.StatusForbidden, want: "expired"},
		{name: "wrong CSRF token", form: url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {e.password}},
			csrf: strings.Repeat("A", csrfLen), status: http.StatusForbidden, want: "expired"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			b := e.browser(t)
			b.get("/emr/sign-in")
			switch test.csrf {
			case "":
			case "none":
				b.csrf = ""
			default:
				test.form.Set("csrf", test.csrf)
			}
			p := b.post("/emr/sign-in", test.form)
			if p.status != test.status {
				t.Fatalf("status %d, want %d\n%s", p.status, test.status, p.body)
			}
			if !strings.Contains(p.body, test.want) {
				t.Errorf("body lacks %q", test.want)
			}
			if pw := test.form.Get("password"); pw != "" && strings.Contains(p.body, pw) {
				t.Error("the password is echoed back")
			}
			if test.wantHPR && !strings.Contains(p.body, `value="`+e.hpr+`"`) {
				t.Error("the HPR number typed is not kept")
			}
			if home := b.get("/emr/"); home.status != http.StatusSeeOther || !strings.HasPrefix(home.location, "/emr/sign-in") {
				t.Errorf("after a failed sign-in /emr/ answers %d %q", home.status, home.location)
			}
		})
	}
}

// TestEMRPostsNeedCSRF: every form of a signed-in staff member is refused
// without the page's CSRF token, and nothing is written.
func TestEMRPostsNeedCSRF(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	ref := registerPatient(t, b, "Lakshmi Devi")
	for _, path := range []string{"/emr/search", "/emr/patients", "/emr/patients/" + ref + "/consultation",
		"/emr/patients/" + ref + "/lab", "/emr/sign-out", "/emr/password"} {
		t.Run(path, func(t *testing.T) {
			p := b.post(path, url.Values{"csrf": {strings.Repeat("B", csrfLen)}, "q": {"9876543210"}, "name": {"X"}, "gender": {"F"},
				"visit_ref": {"OP-1"}, "visit_display": {"OP"}, "diagnoses": {"Fever"}, "test": {"CBC"}, "name1": {"Hb"}, "value1": {"9"}, "unit1": {"g/dL"}})
			if p.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403\n%s", p.status, p.body)
			}
		})
	}
	if p := b.get("/emr/patients/" + ref); !strings.Contains(p.body, "No visits yet.") {
		t.Error("a post without its CSRF token wrote a record")
	}
	if p := b.get("/emr/"); p.status != http.StatusOK {
		t.Errorf("the session ended on a refused sign-out: %d", p.status)
	}
}

var patientRefRE = regexp.MustCompile(`^/emr/patients/([^/?]+)\?notice=emr\.(registered|known)$`)

// registerPatient registers a patient with a mobile number and returns
// their reference.
func registerPatient(t *testing.T, b *browser, name string) string {
	t.Helper()
	p := b.post("/emr/patients", url.Values{"name": {name}, "gender": {"F"}, "year_of_birth": {"1984"}, "mobile": {"9876543210"},
		"abha_number": {"91-1234-5678-9012"}})
	m := patientRefRE.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %q\n%s", p.status, p.location, p.body)
	}
	return m[1]
}

// TestEMRConsultation: a signed-in doctor finds a patient, a consultation
// with a bad vital comes back with its values, a good one is saved and
// shown with its diagnosis, as a PDF too, and nothing is cached.
func TestEMRConsultation(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	if p := b.get("/emr/patients/X"); p.status != http.StatusSeeOther || p.location != "/emr/sign-in" {
		t.Fatalf("signed out, a patient page answers %d %q", p.status, p.location)
	}
	e.signIn(t, b)
	ref := registerPatient(t, b, "Lakshmi <b>Devi</b>")
	if again := registerPatient(t, b, "Lakshmi Devi"); again != ref {
		t.Errorf("the same ABHA number registered twice: %s and %s", ref, again)
	}
	for _, q := range []string{"9876543210", "91-1234-5678-9012"} {
		checkPage(t, b.post("/emr/search", url.Values{"q": {q}}), http.StatusOK, "Lakshmi &lt;b&gt;Devi&lt;/b&gt;", "/emr/patients/"+ref)
	}
	checkPage(t, b.post("/emr/search", url.Values{"q": {"12"}}), http.StatusUnprocessableEntity, "Enter a 14-digit ABHA number")

	form := b.get("/emr/patients/" + ref + "/consultation")
	checkPage(t, form, http.StatusOK, `value="OP-`)
	if cc := form.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	vr := regexp.MustCompile(`id="visit_ref"[^>]* value="(OP-\d{8}-1)"`).FindStringSubmatch(form.body)
	if vr == nil {
		t.Fatalf("no visit reference suggested\n%s", form.body)
	}
	vals := url.Values{"visit_ref": {vr[1]},
		"visit_display": {"OP consultation"}, "complaints": {"Fever for 3 days\nBody ache"}, "diagnoses": {"Viral fever"},
		"bp_sys": {"120"}, "bp_dia": {"80"}, "pulse": {"ninety"}, "temp": {"101.2"},
		"drug1": {"Paracetamol 500 mg"}, "dose1": {"1 tablet"}, "freq1": {"1-1-1"}, "days1": {"3"}, "instr1": {"after food"},
		"advice": {"Rest, fluids"}}
	checkPage(t, b.post("/emr/patients/"+ref+"/consultation", vals), http.StatusUnprocessableEntity,
		"Pulse (per min) must be a number.", `value="ninety"`, "Viral fever", "Paracetamol 500 mg", `value="after food"`)
	vals.Set("pulse", "92")
	p := b.post("/emr/patients/"+ref+"/consultation", vals)
	if p.status != http.StatusSeeOther || p.location != "/emr/patients/"+ref+"?notice=emr.recorded" {
		t.Fatalf("save: %d %q\n%s", p.status, p.location, p.body)
	}
	pat := b.get(p.location)
	checkPage(t, pat, http.StatusOK, "Record saved.", "OP consultation", "91-1234-5678-9012")
	m := regexp.MustCompile(`href="(/emr/patients/[^"]+/records/[^"]+)"`).FindStringSubmatch(pat.body)
	if m == nil {
		t.Fatalf("no record listed\n%s", pat.body)
	}
	rec := b.get(m[1])
	checkPage(t, rec, http.StatusOK, "Viral fever", "Paracetamol 500 mg", `class="fhir-record"`)
	if cc := rec.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("record Cache-Control %q", cc)
	}
	if pdf := b.get(m[1] + "/pdf"); pdf.status != http.StatusOK || !strings.HasPrefix(pdf.body, "%PDF") {
		t.Errorf("pdf: %d %.20q", pdf.status, pdf.body)
	}

	// The lab report: a low haemoglobin is flagged in words.
	lab := url.Values{"visit_ref": {"LAB-1"}, "visit_display": {"Lab tests"}, "test": {"Complete blood count"},
		"name1": {"Haemoglobin"}, "value1": {"9.1"}, "unit1": {"g/dL"}, "low1": {"12"}, "high1": {"15.5"}}
	if p := b.post("/emr/patients/"+ref+"/lab", lab); p.status != http.StatusSeeOther {
		t.Fatalf("lab: %d\n%s", p.status, p.body)
	}
	pat = b.get("/emr/patients/" + ref)
	ms := regexp.MustCompile(`href="(/emr/patients/[^"]+/visits/LAB-1/records/[^"]+)"`).FindStringSubmatch(pat.body)
	if ms == nil {
		t.Fatalf("no lab record listed\n%s", pat.body)
	}
	checkPage(t, b.get(ms[1]), http.StatusOK, "Haemoglobin", "flag-abnormal")

	// A visit is opened only under its own patient.
	other := b.post("/emr/patients", url.Values{"name": {"Ravi"}, "gender": {"M"}, "mobile": {"9123456780"}})
	oref := patientRefRE.FindStringSubmatch(other.location)
	if oref == nil {
		t.Fatalf("register other: %d %q", other.status, other.location)
	}
	if p := b.get(strings.Replace(m[1], ref, oref[1], 1)); p.status != http.StatusNotFound {
		t.Errorf("another patient's record under this one: %d", p.status)
	}

	// Signed out, the record is gone from this browser.
	b.post("/emr/sign-out", url.Values{})
	if p := b.get(m[1]); p.status != http.StatusSeeOther {
		t.Errorf("after sign-out the record answers %d", p.status)
	}
}

// TestEMRCatalogue: every EMR page has its title in the catalogue.
func TestEMRCatalogue(t *testing.T) {
	for _, name := range emrPageNames {
		if _, ok := messagesEN["title."+name]; !ok {
			t.Errorf("title.%s is missing", name)
		}
	}
}

// TestEMRDisabledAccount: a page session stops working as soon as the
// operator disables the account.
func TestEMRDisabledAccount(t *testing.T) {
	e := newEMREnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	if p := b.get("/emr/"); p.status != http.StatusOK {
		t.Fatalf("/emr/ signed in: %d", p.status)
	}
	op := arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorOperator})
	if err := e.svc.DisableStaff(op, e.facility, e.hpr); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/emr/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/emr/sign-in") {
		t.Fatalf("/emr/ after the account was disabled: %d %q, want a redirect to sign in", p.status, p.location)
	}
}
