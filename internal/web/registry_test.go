package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/registry"
)

func TestRegistryPages(t *testing.T) {
	e := newRegistryEnv(t)
	hosp := e.facility(t, "Guntur Government General Hospital", "28", true)
	pending := e.facility(t, "Tenali Pending Clinic", "28", false)
	doc := e.professional(t, "Sunitha Reddy", "sunitha.reddy", "28", true)
	e.drugs(t)
	d28 := district(t, "28")
	hpr := registry.FormatHPRID(doc.ID)
	tests := []struct {
		path     string
		status   int
		want     []string
		not      []string
		location string
	}{
		{path: "/registry/", status: 200, want: []string{`action="/registry/facilities"`, `action="/registry/professionals"`,
			`action="/registry/drugs"`, `href="/registry/static/style.css"`, "Health Registry"}},
		{path: "/registry/static/style.css", status: 200, want: []string{".results"}},
		{path: "/registry/nope", status: 404, want: []string{"We could not find that page."}},
		{path: "/registry/facilities", status: 200, want: []string{hosp.Name, "1 entry found"}, not: []string{pending.Name}},
		{path: "/registry/facilities?q=Guntur", status: 200, want: []string{hosp.Name, "Hospital · Government",
			"Andhra Pradesh", `class="tag abdm"`, `href="/registry/facilities/` + hosp.ID + `"`}},
		{path: "/registry/facilities?q=Tenali", status: 200, want: []string{"No entries match"}, not: []string{pending.Name}},
		{path: "/registry/facilities?state=28", status: 200, want: []string{`<option value="28" selected>`, d28.Name, hosp.Name}},
		{path: "/registry/facilities?state=36", status: 200, want: []string{"No entries match"}},
		{path: "/registry/facilities?state=28&district=" + d28.Code + "&type=hospital&ownership=government&system=modern&speciality=paediatrics&pin=" + d28.Pincode,
			status: 200, want: []string{hosp.Name, `<details class="filters" open>`}},
		{path: "/registry/facilities?type=phc", status: 200, want: []string{"No entries match"}},
		{path: "/registry/facilities?q=Guntur&utm_source=sms", status: 200, want: []string{hosp.Name}},
		{path: "/registry/facilities?near=" + d28.Pincode, status: 200, want: []string{hosp.Name, "Near PIN " + d28.Pincode, d28.Name + " district"}},
		{path: "/registry/facilities?near=999999", status: 400, want: []string{"We could not place this PIN code"}},
		{path: "/registry/facilities?near=000000", status: 400, want: []string{"Give a 6-digit PIN code."}},
		{path: "/registry/facilities?pin=12", status: 400, want: []string{"A PIN code is 6 digits.", `id="pin-error"`, "Some search options"}},
		{path: "/registry/facilities?type=castle", status: 400, want: []string{"Choose one of the listed options.", `id="type-error"`}},
		{path: "/registry/facilities?state=99", status: 400, want: []string{`id="state-error"`}},
		{path: "/registry/facilities?near=17.3,78.4&radius_km=9999", status: 400, want: []string{`id="near-error">The distance must be`}},
		{path: "/registry/facilities?near=16.3,80.4&radius_km=400", status: 200},
		{path: "/registry/facilities?page=0", status: 400, want: []string{"That page does not exist"}},
		{path: "/registry/facilities?page=999999", status: 400},
		{path: "/registry/facilities?q=" + strings.Repeat("x", 300), status: 400, want: []string{"at most 200 characters"}},
		{path: "/registry/facilities?q=%3Cb%3Ebold", status: 200, want: []string{"&lt;b&gt;bold"}, not: []string{"<b>bold"}},
		{path: "/registry/facilities/" + hosp.ID, status: 200, want: []string{hosp.Name, hosp.ID, "Hospital", "Government · State Government",
			"Modern Medicine (Allopathy)", "General Medicine, Paediatrics", d28.Name, "Andhra Pradesh", "08632234567", "24x7", "Health Information Provider"}},
		{path: "/registry/facilities/" + strings.ToLower(hosp.ID), status: 200, want: []string{hosp.Name}},
		{path: "/registry/facilities/" + pending.ID, status: 404, want: []string{"It may not be verified yet."}},
		{path: "/registry/facilities/nonsense", status: 404},
		{path: "/registry/professionals?q=Sunitha", status: 200, want: []string{doc.Name, "Doctor · Modern Medicine (Allopathy)", "Paediatrics"},
			not: []string{"9876543210", "doctor@example.in"}},
		{path: "/registry/professionals?category=doctor&language=te&speciality=paediatrics&state=28", status: 200, want: []string{doc.Name}},
		{path: "/registry/professionals?language=xx", status: 400, want: []string{`id="language-error"`}},
		{path: "/registry/professionals?facility=nope", status: 400, want: []string{"A facility ID is IN"}},
		{path: "/registry/professionals/" + doc.ID, status: 200, want: []string{doc.Name, `id="hpr-id">` + hpr + "<",
			`id="hpr-address">sunitha.reddy@hpr.abdm<`, "MBBS, NTR University of Health Sciences (2010)", "Telugu, English"},
			not: []string{"9876543210", "doctor@example.in", "Main Road"}},
		{path: "/registry/professionals/" + hpr, status: 200, want: []string{doc.Name}},
		{path: "/registry/professionals/sunitha.reddy@hpr.abdm", status: 200, want: []string{doc.Name}},
		{path: "/registry/professionals/12", status: 404},
		{path: "/registry/drugs?q=paracetamol", status: 200, want: []string{"Paracetamol 500 mg", "Crocin, Dolo 650", "Over the counter"}},
		{path: "/registry/drugs?schedule=h", status: 200, want: []string{"Amoxicillin"}, not: []string{"Paracetamol"}},
		{path: "/registry/drugs?schedule=Q", status: 400, want: []string{`id="schedule-error"`}},
		{path: "/registry/facilities/new", status: 200, want: []string{`name="csrf"`, `name="name"`, `id="show-districts"`,
			`<optgroup label="Government">`, `id="systems-modern"`}},
		{path: "/registry/professionals/new", status: 200, want: []string{`name="csrf"`, `name="handle"`, `id="languages-te"`}},
		{path: "/registry/submitted?facility=" + pending.ID, status: 200, want: []string{pending.ID, "Pending verification"}},
		{path: "/registry/submitted?professional=" + doc.ID + "&handle=sunitha.reddy", status: 200, want: []string{hpr, "sunitha.reddy@hpr.abdm"}},
		{path: "/registry/submitted?facility=%3Cscript%3E", status: 404},
		{path: "/registry/verify", status: 303, location: "/registry/verify/login"},
		{path: "/registry/verify/facilities/" + pending.ID, status: 303, location: "/registry/verify/login"},
		{path: "/registry/verify/professionals/" + doc.ID, status: 303, location: "/registry/verify/login"},
		{path: "/registry/verify/login", status: 200, want: []string{`name="verifier"`, `name="key"`, `name="csrf"`}},
		{path: "/registry/verify/login?notice=registry.signedout", status: 200, want: []string{"You have signed out."}},
	}
	for _, tt := range tests {
		t.Run(tt.path[:min(len(tt.path), 90)], func(t *testing.T) {
			p := e.browser(t).get(tt.path)
			checkPage(t, p, tt.status, tt.want...)
			for _, n := range tt.not {
				if strings.Contains(p.body, n) {
					t.Errorf("body has %q", n)
				}
			}
			if p.location != tt.location {
				t.Errorf("Location %q, want %q", p.location, tt.location)
			}
			if strings.Contains(p.body, "<script") {
				t.Error("page has a script")
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}

// TestRegistryPaging walks the pages of a long result list.
func TestRegistryPaging(t *testing.T) {
	e := newRegistryEnv(t)
	for i := range registry.DefaultPageSize + 5 {
		e.facility(t, "Rural Health Clinic "+string(rune('A'+i)), "28", true)
	}
	b := e.browser(t)
	p := b.get("/registry/facilities?q=clinic&state=28")
	checkPage(t, p, 200, "25 entries found", "Page 1 of 2", `id="page-next"`)
	if strings.Contains(p.body, `id="page-prev"`) {
		t.Error("page 1 links to a previous page")
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.body)
	if next == nil {
		t.Fatal("no next link")
	}
	p = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	checkPage(t, p, 200, "Page 2 of 2", `id="page-prev"`, `<option value="28" selected>`)
	if n := strings.Count(p.body, `class="result"`); n != 5 {
		t.Errorf("page 2 lists %d facilities, want 5", n)
	}
}

func TestRegistrySubmitFacility(t *testing.T) {
	e := newRegistryEnv(t)
	d28 := district(t, "28")
	tests := []struct {
		name   string
		change func(url.Values)
		status int
		want   []string
	}{
		{name: "no name", change: func(f url.Values) { f.Del("name") }, status: 400,
			want: []string{`id="name-error">is required<`, "Please correct the fields marked below."}},
		{name: "no system", change: func(f url.Values) { f.Del("systems") }, status: 400,
			want: []string{"needs at least one system of medicine"}},
		{name: "bad pin", change: func(f url.Values) { f.Set("pin", "12345") }, status: 400,
			want: []string{`id="pin-error">must be 6 digits`}},
		{name: "no district", change: func(f url.Values) { f.Del("district") }, status: 400,
			want: []string{`id="district-error">is required<`}},
		{name: "district of another state", change: func(f url.Values) { f.Set("district", district(t, "36").Code) }, status: 400,
			want: []string{`id="district-error">`}},
		{name: "bad beds", change: func(f url.Values) { f.Set("beds", "many") }, status: 400,
			want: []string{`id="beds-error">Give a whole number.<`}},
		{name: "half a location", change: func(f url.Values) { f.Set("lat", "16.3") }, status: 400,
			want: []string{`id="lat-error">Give both latitude and longitude`}},
		{name: "location abroad", change: func(f url.Values) { f.Set("lat", "51.5"); f.Set("lon", "-0.12") }, status: 400,
			want: []string{`id="lat-error">must be within India`}},
		{name: "bad phone", change: func(f url.Values) { f.Set("phone", "12") }, status: 400,
			want: []string{`id="phone-error">must be an Indian`}},
		{name: "roles without abdm", change: func(f url.Values) { f.Set("abdmRoles", "HIP") }, status: 400,
			want: []string{`abdmRoles`, "only for an ABDM-enabled facility"}},
		{name: "pharmacy without licence", change: func(f url.Values) { f.Set("type", "pharmacy") }, status: 400,
			want: []string{`id="drugLicence-error">is required<`}},
		{name: "sub-type of another ownership", change: func(f url.Values) { f.Set("ownershipSubType", "trust") }, status: 400,
			want: []string{`id="ownershipSubType-error">`}},
		{name: "show districts", change: func(f url.Values) { f.Del("district"); f.Set("action", "districts") }, status: 200,
			want: []string{`<option value="28" selected>`, `<option value="` + d28.Code + `">` + d28.Name, `value="Kasturba`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.get("/registry/facilities/new")
			form := facilityForm(t, "Kasturba Community Health Centre", "28")
			tt.change(form)
			p := b.post("/registry/facilities/new", form)
			checkPage(t, p, tt.status, tt.want...)
			if tt.status == 400 && !strings.Contains(p.body, `value="Kasturba Community Health Centre"`) && form.Get("name") != "" {
				t.Error("the form lost what was typed")
			}
		})
	}

	t.Run("csrf", func(t *testing.T) {
		b := e.browser(t)
		b.get("/registry/facilities/new")
		b.csrf = ""
		checkPage(t, b.post("/registry/facilities/new", facilityForm(t, "No Token Clinic", "28")), 403, "This form has expired")
	})

	t.Run("accepted", func(t *testing.T) {
		b := e.browser(t)
		b.get("/registry/facilities/new")
		p := b.post("/registry/facilities/new", facilityForm(t, "Kasturba Community Health Centre", "28"))
		if p.status != 303 || !strings.HasPrefix(p.location, "/registry/submitted?facility=IN28") {
			t.Fatalf("submit: %d %q\n%s", p.status, p.location, p.body)
		}
		id := strings.TrimPrefix(p.location, "/registry/submitted?facility=")
		checkPage(t, b.get(p.location), 200, `id="new-id">`+id+"<", "Pending verification")
		f, err := e.svc.Facility(e.op, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.Status != registry.StatusPending || f.Name != "Kasturba Community Health Centre" || f.Address.DistrictCode != d28.Code ||
			len(f.Services) != 2 || f.Beds != 30 || f.Phone != "08632234567" {
			t.Errorf("stored facility: %+v", f)
		}
		// Pending: not in public search or pages.
		checkPage(t, b.get("/registry/facilities?q=Kasturba"), 200, "No entries match")
		checkPage(t, b.get("/registry/facilities/"+id), 404)
	})
}

func TestRegistrySubmitProfessional(t *testing.T) {
	e := newRegistryEnv(t)
	e.professional(t, "Taken Handle", "taken.handle", "28", false)
	tests := []struct {
		name   string
		change func(url.Values)
		status int
		want   []string
	}{
		{name: "handle taken", change: func(f url.Values) { f.Set("handle", "taken.handle") }, status: 400,
			want: []string{`id="handle-error">That HPR address is taken.`}},
		{name: "bad handle", change: func(f url.Values) { f.Set("handle", "9x") }, status: 400, want: []string{`id="handle-error">must be 4-32`}},
		{name: "no language", change: func(f url.Values) { f.Del("languages") }, status: 400, want: []string{"needs at least one language"}},
		{name: "doctor without system", change: func(f url.Values) { f.Del("system") }, status: 400, want: []string{`id="system-error">is required<`}},
		{name: "old qualification", change: func(f url.Values) { f.Set("year1", "1901") }, status: 400, want: []string{`id="year1-error">must be between`}},
		{name: "odd year", change: func(f url.Values) { f.Set("year1", "twenty") }, status: 400, want: []string{`id="year1-error">Give a year`}},
		{name: "bad facility", change: func(f url.Values) { f.Set("facilities", "IN28 nope") }, status: 400, want: []string{`id="facilities-error">`}},
		{name: "show districts", change: func(f url.Values) { f.Set("action", "districts"); f.Set("state", "36") }, status: 200,
			want: []string{`<option value="36" selected>`, district(t, "36").Name}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.get("/registry/professionals/new")
			form := professionalForm(t, "lakshmi.devi", "28")
			tt.change(form)
			checkPage(t, b.post("/registry/professionals/new", form), tt.status, tt.want...)
		})
	}
	b := e.browser(t)
	b.get("/registry/professionals/new")
	p := b.post("/registry/professionals/new", professionalForm(t, "Lakshmi.Devi", "28"))
	if p.status != 303 || !strings.HasPrefix(p.location, "/registry/submitted?") {
		t.Fatalf("submit: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get(p.location)
	checkPage(t, p, 200, "lakshmi.devi@hpr.abdm", "Pending verification")
	if m := regexp.MustCompile(`id="new-id">(\d{2}-\d{4}-\d{4}-\d{4})<`).FindStringSubmatch(p.body); m == nil {
		t.Error("confirmation lacks the HPR number as NN-NNNN-NNNN-NNNN")
	}
}

func TestRegistryVerifierSession(t *testing.T) {
	e := newRegistryEnv(t)
	tests := []struct {
		name, id, key string
	}{
		{"wrong key", e.v28.ID, "vk_wrong"},
		{"unknown verifier", "vrf-000000000000", e.key28},
		{"another's key", e.v28.ID, e.key36},
		{"empty", "", ""},
		{"not a verifier id", "<b>x</b>", "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.get("/registry/verify/login")
			p := b.post("/registry/verify/login", url.Values{"verifier": {tt.id}, "key": {tt.key}})
			checkPage(t, p, 401, "do not match an active verifier")
			if strings.Contains(p.header.Get("Set-Cookie"), verifierCookie+"=") {
				t.Error("a failed sign-in set a session")
			}
			if strings.Contains(p.body, "<b>x") {
				t.Error("the ID is reflected unescaped")
			}
		})
	}

	b := e.browser(t)
	b.get("/registry/verify/login")
	p := b.post("/registry/verify/login", url.Values{"verifier": {e.v28.ID}, "key": {e.key28}})
	if p.status != 303 || p.location != "/registry/verify?notice=registry.signedin" {
		t.Fatalf("sign in: %d %q", p.status, p.location)
	}
	sc := strings.Join(p.header.Values("Set-Cookie"), "\n")
	for _, want := range []string{verifierCookie + "=", "Path=/registry", "Max-Age=28800", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie lacks %s: %s", want, sc)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Error("session cookie is Secure without TLS")
	}
	checkPage(t, b.get(p.location), 200, "You are signed in.", "Anita Rao, verifying for Andhra Pradesh", `id="nav-logout"`)
	if p := b.get("/registry/verify/login"); p.status != 303 {
		t.Errorf("sign-in page when signed in: %d", p.status)
	}

	// A tampered cookie is refused.
	u, _ := url.Parse(e.srv.URL + "/registry/")
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == verifierCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	for _, v := range []string{session.Value + "x", "x" + session.Value, strings.Replace(session.Value, ".", "", 1), "."} {
		req := httptest.NewRequest(http.MethodGet, "/registry/verify", nil)
		req.AddCookie(&http.Cookie{Name: verifierCookie, Value: v})
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, req)
		if w.Code != 303 || w.Header().Get("Location") != "/registry/verify/login?notice=registry.expired" {
			t.Errorf("tampered cookie %q: %d %q", v, w.Code, w.Header().Get("Location"))
		}
	}

	// Signing out kills a copy of the cookie too.
	p = b.post("/registry/verify/logout", url.Values{})
	if p.status != 303 || p.location != "/registry/verify/login?notice=registry.signedout" {
		t.Fatalf("sign out: %d %q", p.status, p.location)
	}
	req := httptest.NewRequest(http.MethodGet, "/registry/verify", nil)
	req.AddCookie(&http.Cookie{Name: verifierCookie, Value: session.Value})
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, req)
	if w.Code != 303 {
		t.Errorf("copied cookie after sign-out: %d", w.Code)
	}

	// After 8 hours the session has expired.
	e.signIn(t, b, e.v28.ID, e.key28)
	e.pages.now = func() time.Time { return time.Now().Add(verifierSessionFor + time.Minute) }
	if p := b.get("/registry/verify"); p.status != 303 || p.location != "/registry/verify/login?notice=registry.expired" {
		t.Errorf("expired session: %d %q", p.status, p.location)
	}
	e.pages.now = time.Now

	// Over TLS the cookies are Secure.
	w = httptest.NewRecorder()
	e.mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://registry.example/registry/verify/login", nil))
	if c := w.Result().Cookies(); len(c) != 1 || !c[0].Secure || c[0].SameSite != http.SameSiteLaxMode {
		t.Errorf("cookies over TLS: %+v", c)
	}

	// A disabled verifier's live session is ended.
	e.signIn(t, b, e.v28.ID, e.key28)
	if err := e.svc.SetVerifierDisabled(e.op, e.v28.ID, true); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/registry/verify"); p.status != 303 || p.location != "/registry/verify/login?notice=registry.expired" {
		t.Errorf("disabled verifier: %d %q", p.status, p.location)
	}
}

func TestRegistryDecisions(t *testing.T) {
	e := newRegistryEnv(t)
	fac := e.facility(t, "Mangalagiri Area Hospital", "28", false)
	other := e.facility(t, "Warangal Urban PHC", "36", false)
	pro := e.professional(t, "Padma Naidu", "padma.naidu", "28", false)

	b36 := e.browser(t)
	e.signIn(t, b36, e.v36.ID, e.key36)
	q := b36.get("/registry/verify")
	checkPage(t, q, 200, other.Name)
	for _, n := range []string{fac.Name, pro.Name} {
		if strings.Contains(q.body, n) {
			t.Errorf("Telangana's queue lists %q of Andhra Pradesh", n)
		}
	}
	forbidden := []struct {
		name, method, path string
	}{
		{"review facility", "GET", "/registry/verify/facilities/" + fac.ID},
		{"approve facility", "POST", "/registry/verify/facilities/" + fac.ID},
		{"review professional", "GET", "/registry/verify/professionals/" + pro.ID},
		{"approve professional", "POST", "/registry/verify/professionals/" + pro.ID},
	}
	for _, tt := range forbidden {
		t.Run("other state/"+tt.name, func(t *testing.T) {
			var p page
			if tt.method == "GET" {
				p = b36.get(tt.path)
			} else {
				p = b36.post(tt.path, url.Values{"decision": {"approve"}})
			}
			checkPage(t, p, 403, "belongs to another state", "<title>Not allowed")
		})
	}
	if f, _ := e.svc.Facility(e.op, fac.ID); f.Status != registry.StatusPending {
		t.Fatalf("after another state's attempt the facility is %s", f.Status)
	}

	b := e.browser(t)
	e.signIn(t, b, e.v28.ID, e.key28)
	q = b.get("/registry/verify")
	checkPage(t, q, 200, fac.Name, pro.Name, `href="/registry/verify/facilities/`+fac.ID+`"`, registry.FormatHPRID(pro.ID))
	if strings.Contains(q.body, other.Name) {
		t.Error("Andhra Pradesh's queue lists Telangana's facility")
	}
	checkPage(t, b.get("/registry/verify/facilities/"+fac.ID), 200, fac.Name, "Pending verification", "08632234567",
		`id="approve"`, `id="reject"`, "Submitted", "public")
	checkPage(t, b.get("/registry/verify/professionals/"+pro.ID), 200, pro.Name, "9876543210", "doctor@example.in")
	checkPage(t, b.get("/registry/verify/facilities/IN2899999999"), 404)

	steps := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   []string
		loc    string
	}{
		{"reject without reason", "/registry/verify/facilities/" + fac.ID, url.Values{"decision": {"reject"}}, 400,
			[]string{`id="reason-error">Give the reason for rejecting.`}, ""},
		{"reason too short", "/registry/verify/facilities/" + fac.ID, url.Values{"decision": {"reject"}, "reason": {"no"}}, 400,
			[]string{`id="reason-error">a rejection needs a reason`, ">no</textarea>"}, ""},
		{"unknown decision", "/registry/verify/facilities/" + fac.ID, url.Values{"decision": {"maybe"}}, 400,
			[]string{"could not be read"}, ""},
		{"approve", "/registry/verify/facilities/" + fac.ID, url.Values{"decision": {"approve"}}, 303, nil,
			"/registry/verify?notice=registry.approved"},
		{"approve again", "/registry/verify/facilities/" + fac.ID, url.Values{"decision": {"approve"}}, 409,
			[]string{"already been decided"}, ""},
		{"reject professional", "/registry/verify/professionals/" + pro.ID, url.Values{"decision": {"reject"}, "reason": {"Registration number not found with the council"}},
			303, nil, "/registry/verify?notice=registry.rejected"},
		{"no csrf", "/registry/verify/facilities/" + fac.ID, url.Values{"decision": {"reject"}, "reason": {"struck off"}, "csrf": {""}}, 403,
			[]string{"This form has expired"}, ""},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			p := b.post(tt.path, tt.form)
			checkPage(t, p, tt.status, tt.want...)
			if p.location != tt.loc {
				t.Errorf("Location %q, want %q", p.location, tt.loc)
			}
		})
	}
	checkPage(t, b.get("/registry/verify?notice=registry.approved"), 200, "Approved.")
	p := b.get("/registry/verify/facilities/" + fac.ID)
	checkPage(t, p, 200, "Verified", "verifier:"+e.v28.ID, `id="reject"`)
	if strings.Contains(p.body, `id="approve"`) {
		t.Error("a verified facility offers approval")
	}
	checkPage(t, b.get("/registry/verify/professionals/"+pro.ID), 200, "Rejected", "Registration number not found with the council")

	// Verified: in public search and its page. Rejected: in neither.
	anon := e.browser(t)
	checkPage(t, anon.get("/registry/facilities?q=Mangalagiri"), 200, fac.Name)
	checkPage(t, anon.get("/registry/facilities/"+fac.ID), 200, fac.Name)
	checkPage(t, anon.get("/registry/professionals/"+pro.ID), 404)
}
