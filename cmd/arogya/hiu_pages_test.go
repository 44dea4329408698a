package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHIUPagesSignIn: the operator gives a doctor of the HIU facility a
// clinician account on the operator's pages; its one-time password signs
// in to nothing and only sets their own; a wrong password, another
// facility or no CSRF token is refused; signing out ends the session, and
// disabling the account ends an open one.
func TestHIUPagesSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	w := newHIUWorld(t, false)
	ops := newHIUBrowser(t, w.base)
	ops.get("/cm/ops/login")
	if p := ops.post("/cm/ops/login", url.Values{"token": {hiuWorldAdmin}}); p.status != http.StatusSeeOther {
		t.Fatalf("operator sign-in: %d", p.status)
	}
	list := "/cm/ops/facilities/" + w.hiuID + "/clinicians"
	ops.get("/cm/ops/facilities").must(t, "the facilities page", 200, "Clinicians of facilities served as HIU", `href="`+list+`"`, "Review Clinic")
	ops.get(list).must(t, "the clinicians", 200, "Clinicians of Review Clinic", "Anita Das", w.hpr)
	ops.post(list, url.Values{"hprId": {"1234"}}).must(t, "a short HPR number", 400, "An HPR number has 14 digits.", `value="1234"`)
	added := ops.post(list, url.Values{"hprId": {w.nurse}})
	added.must(t, "add a clinician", 201, "Kavya Rao", "Change password page (/hiu/password)")
	m := regexp.MustCompile(`id="one-time-password">([^<]+)<`).FindStringSubmatch(added.body)
	if m == nil {
		t.Fatal("no one-time password shown")
	}
	oneTime := m[1]

	b := newHIUBrowser(t, w.base)
	if p := b.get("/hiu/"); p.status != http.StatusSeeOther || p.location != "/hiu/sign-in" {
		t.Fatalf("/hiu/ signed out: %d %q", p.status, p.location)
	}
	b.get("/hiu/sign-in").must(t, "the sign-in page", 200, `name="facility"`, `name="hpr"`, `name="password"`)
	for _, c := range []struct {
		name, facility, hpr, password string
		status                        int
		want                          string
	}{
		{"one-time password", w.hiuID, w.nurse, oneTime, 403, "Set your own password first"},
		{"wrong password", w.hiuID, w.hpr, "not the password", 401, "Wrong facility ID, HPR number or password."},
		{"another facility", "IN2899999999", w.hpr, w.password, 401, "Wrong facility ID, HPR number or password."},
	} {
		p := b.post("/hiu/sign-in", url.Values{"facility": {c.facility}, "hpr": {c.hpr}, "password": {c.password}})
		p.must(t, c.name, c.status, c.want, `value="`+c.hpr+`"`)
		if strings.Contains(p.body, c.password) {
			t.Errorf("%s: the password is echoed", c.name)
		}
	}
	if p := b.post("/hiu/sign-in", url.Values{"csrf": {strings.Repeat("x", 43)}, "facility": {w.hiuID}, "hpr": {w.hpr}, "password": {w.password}}); p.status != http.StatusForbidden {
		t.Fatalf("sign-in with a forged CSRF token: %d", p.status)
	}
	// The nurse sets their own password with the one-time one, then signs in.
	b.get("/hiu/password")
	own := "kavya's own passphrase"
	b.post("/hiu/password", url.Values{"facility": {w.hiuID}, "hpr": {w.nurse}, "password": {oneTime}, "new": {own}, "confirm": {own + "!"}}).
		must(t, "mismatched new passwords", 422, "not the same")
	if p := b.post("/hiu/password", url.Values{"facility": {w.hiuID}, "hpr": {w.nurse}, "password": {oneTime}, "new": {own}, "confirm": {own}}); p.status != 303 || p.location != "/hiu/sign-in?notice=hiu.password.changed" {
		t.Fatalf("password change: %d %q", p.status, p.location)
	}
	if p := b.post("/hiu/sign-in", url.Values{"facility": {w.hiuID}, "hpr": {w.nurse}, "password": {own}}); p.status != 303 {
		t.Fatalf("sign-in with their own password: %d", p.status)
	}
	b.get("/hiu/").must(t, "home signed in", 200, "Consent requests", "No consent requests yet", `id="nav-signout"`)
	cookies := b.hc.Jar.Cookies(mustURL(t, w.base+"/hiu/"))

	// Signing out kills this copy of the session too.
	if p := b.post("/hiu/sign-out", url.Values{}); p.status != 303 {
		t.Fatalf("sign out: %d", p.status)
	}
	copyB := newHIUBrowser(t, w.base)
	copyB.hc.Jar.SetCookies(mustURL(t, w.base+"/hiu/"), cookies)
	if p := copyB.get("/hiu/"); p.status != 303 {
		t.Fatalf("a copy of the signed-out session: %d", p.status)
	}

	// Disabling the account ends its open session.
	b2 := newHIUBrowser(t, w.base)
	b2.get("/hiu/sign-in")
	if p := b2.post("/hiu/sign-in", url.Values{"facility": {w.hiuID}, "hpr": {w.nurse}, "password": {own}}); p.status != 303 {
		t.Fatalf("sign-in again: %d", p.status)
	}
	b2.get("/hiu/").must(t, "home", 200)
	disable := list + "/" + w.nurse + "/disable"
	ops.get(disable).must(t, "disable page", 200, "Disable the clinician account of Kavya Rao")
	if p := ops.post(disable, url.Values{}); p.status != 303 || p.location != list+"?notice=ops.staff.disabled" {
		t.Fatalf("disable: %d %q", p.status, p.location)
	}
	if p := b2.get("/hiu/"); p.status != 303 || !strings.HasPrefix(p.location, "/hiu/sign-in") {
		t.Fatalf("the disabled clinician's session: %d %q", p.status, p.location)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var (
	requestIDRE  = regexp.MustCompile(`^/hiu/requests/([0-9a-f-]+)\?notice=hiu.asked$`)
	fetchRE      = regexp.MustCompile(`<form method="post" action="(/hiu/requests/[^"]+/fetch)">`)
	recordLinkRE = regexp.MustCompile(`class="result-name record-link" href="([^"]+)"`)
	groupRE      = regexp.MustCompile(`(?s)<h2 class="group-hip">([^<]+)</h2>\s*<p class="result-meta group-day">([^<]+)</p>(.*?)</section>`)
)

// TestHIUPagesJourney: a doctor finds the person by ABHA address, sees a
// refused consent form come back with its values and nothing stored, asks
// for consent, sees the request wait (reloading itself) and, once the
// person approves over the CM API, granted with its artefacts (no
// reload); gets the records of each, sees them grouped by facility and
// day, reads a lab value with its range and flag and downloads the raw
// FHIR; then sees that revocation and the erase date erased them.
func TestHIUPagesJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end; skipped with -short")
	}
	w := newHIUWorld(t, true)
	b := newHIUBrowser(t, w.base)
	w.signIn(t, b)
	ctx := t.Context()

	// Find the patient: the CM's answer, the address in no URL.
	b.get("/hiu/ask").must(t, "the ask page", 200, `action="/hiu/find"`, `name="hitype" value="DiagnosticReport"`, "Care management")
	found := b.post("/hiu/find", url.Values{"patient": {strings.ToUpper(w.p.address)}})
	found.must(t, "find", 200, `id="found-name">`+w.p.name, w.p.address)
	if found.location != "" {
		t.Fatalf("find redirects to %q", found.location)
	}
	b.post("/hiu/find", url.Values{"patient": {"nobody.here@sbx"}}).must(t, "find no one", 200, `id="not-found"`)
	b.post("/hiu/find", url.Values{"patient": {"not an address"}}).must(t, "find a non-address", 422, "Enter an ABHA address")

	// Refused forms come back with their values; nothing is sent or kept.
	for _, c := range []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"no HI type", func(f url.Values) { f.Del("hitype") }, "Choose at least one kind of record."},
		{"bad date", func(f url.Values) { f.Set("from", "11/03/2025") }, "Enter both dates"},
		{"dates reversed", func(f url.Values) { f.Set("from", "2026-01-01") }, "must not be after"},
		{"erase in the past", func(f url.Values) { f.Set("erase_at", "2020-01-01") }, "erase date must be in the future"},
		{"unknown purpose", func(f url.Values) { f.Set("purpose", "MARKETING") }, "Choose a purpose."},
		{"unknown HI type", func(f url.Values) { f.Add("hitype", "Horoscope") }, "Choose at least one kind of record."},
		{"no patient", func(f url.Values) { f.Set("patient", "") }, "Enter the patient"},
		{"not an address", func(f url.Values) { f.Set("patient", "someone") }, "ABHA address"},
	} {
		f := w.askForm()
		f.Set("hip", w.hipA)
		c.change(f)
		p := b.post("/hiu/requests", f)
		p.must(t, c.name, 422, c.want, `value="`+f.Get("to")+`"`, `value="`+w.hipA+`"`)
		if f.Has("hitype") && !strings.Contains(p.body, `value="OPConsultation" checked`) {
			t.Errorf("%s: the HI types ticked are not kept", c.name)
		}
		if f.Get("patient") != "" && !strings.Contains(p.body, `value="`+f.Get("patient")+`"`) {
			t.Errorf("%s: the patient's address is not kept", c.name)
		}
	}
	if list, err := w.n.hiu.ConsentRequests(ctx, w.hiuID, ""); err != nil || len(list) != 0 {
		t.Fatalf("after refused forms: %d requests, %v", len(list), err)
	}

	// Ask: the request waits, reloading itself, until the person decides.
	asked := b.post("/hiu/requests", w.askForm())
	m := requestIDRE.FindStringSubmatch(asked.location)
	if asked.status != 303 || m == nil {
		t.Fatalf("ask: %d %q\n%s", asked.status, asked.location, asked.body)
	}
	reqURL := "/hiu/requests/" + m[1]
	// The page reloads itself, but without the one-time "sent" notice.
	if p := b.get(asked.location); asked.location == reqURL || !strings.Contains(p.body, refreshMeta+reqURL+`">`) {
		t.Fatalf("the request page after asking (%s) reloads elsewhere:\n%s", asked.location, p.body)
	}
	var cmID string
	waitFor(t, "the CM takes the request", func() string {
		p := b.get(reqURL)
		if !strings.Contains(p.body, `id="request-status">Waiting for the patient`) || !strings.Contains(p.body, refreshMeta) {
			return "not REQUESTED with a refresh"
		}
		c, err := w.n.hiu.ConsentRequest(ctx, w.hiuID, m[1])
		if err != nil {
			return err.Error()
		}
		cmID = c.CMID
		return ""
	})
	b.get("/hiu/").must(t, "home lists the request", 200, reqURL, w.p.address, "Waiting for the patient")
	eraseAt := time.Now().Add(20 * 24 * time.Hour)
	w.approve(t, cmID, []string{"OPConsultation", "DiagnosticReport"}, "2025-01-01T00:00:00.000Z", "2025-12-31T00:00:00.000Z", eraseAt)
	var page hiuPage
	waitFor(t, "the page shows the grant", func() string {
		page = b.get(reqURL)
		if !strings.Contains(page.body, `id="request-status">Granted`) || strings.Count(page.body, "artefact-status\">Granted") != 2 {
			return "not granted with 2 artefacts"
		}
		return ""
	})
	page.must(t, "the granted request", 200, "Lakeside Hospital", "Hill Top Lab", "Diagnostic report")
	if strings.Contains(page.body, "http-equiv") {
		t.Fatal("a decided request still reloads itself")
	}
	fetches := fetchRE.FindAllStringSubmatch(page.body, -1)
	if len(fetches) != 2 {
		t.Fatalf("%d get-records buttons, want 2", len(fetches))
	}

	// Get records: each transfer's page reloads until it is done.
	for _, f := range fetches {
		p := b.post(f[1], url.Values{})
		if p.status != 303 || !strings.Contains(p.location, "/transfers/") {
			t.Fatalf("get records: %d %q", p.status, p.location)
		}
		tr := strings.TrimSuffix(p.location, "?notice=hiu.fetching")
		waitFor(t, "the transfer", func() string {
			p := b.get(tr)
			if !strings.Contains(p.body, `id="transfer-status">Received`) {
				if !strings.Contains(p.body, refreshMeta) {
					return "in progress without a refresh"
				}
				return "not received"
			}
			if strings.Contains(p.body, "http-equiv") {
				return "done but reloading"
			}
			return ""
		})
	}

	// The records, grouped by facility and then day.
	recs := b.get(reqURL + "/records")
	recs.must(t, "records", 200, "Records received")
	var groups []string
	for _, g := range groupRE.FindAllStringSubmatch(recs.body, -1) {
		groups = append(groups, fmt.Sprintf("%s|%s|%d", g[1], g[2], strings.Count(g[3], "record-link")))
	}
	slices.Sort(groups)
	want := []string{"Hill Top Lab|Fri, 2 May 2025|1", "Lakeside Hospital|Tue, 11 Mar 2025|2", "Lakeside Hospital|Wed, 20 Aug 2025|1"}
	if !slices.Equal(groups, want) {
		t.Fatalf("groups\n  %v\nwant\n  %v", groups, want)
	}
	if n := strings.Count(recs.body, "erased from this facility on"); n != 4 {
		t.Errorf("%d erase lines, want one per record", n)
	}

	// The hill top lab report: the low haemoglobin with its range, flagged.
	hill := groupRE.FindAllStringSubmatch(recs.body, -1)
	var labURL string
	for _, g := range hill {
		if g[1] == "Hill Top Lab" {
			labURL = recordLinkRE.FindStringSubmatch(g[3])[1]
		}
	}
	rec := b.get(labURL)
	rec.must(t, "the lab report", 200, "Haemoglobin", "9.2", "12", "15.5", "flag-abnormal", "erased from this facility on")
	if !regexp.MustCompile(`class="flag-abnormal">[^<]*(?i:low)`).MatchString(rec.body) {
		t.Errorf("the low haemoglobin is not flagged low")
	}
	raw := b.get(labURL + "/fhir")
	if raw.status != 200 || raw.header.Get("Content-Type") != "application/fhir+json" || !strings.HasPrefix(raw.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("raw FHIR: %d %q %q", raw.status, raw.header.Get("Content-Type"), raw.header.Get("Content-Disposition"))
	}
	var bundle struct{ ResourceType string }
	if err := json.Unmarshal([]byte(raw.body), &bundle); err != nil || bundle.ResourceType != "Bundle" {
		t.Fatalf("raw FHIR is not a bundle: %v", err)
	}
	// Another request's path does not open the record.
	if p := b.get("/hiu/requests/00000000-0000-0000-0000-000000000000/records/" + strings.TrimPrefix(labURL, reqURL+"/records/")); p.status != 404 {
		t.Errorf("the record under an unknown request: %d", p.status)
	}

	// Revocation erases the lakeside records, and the page says so.
	arts, err := w.n.hiu.Artefacts(ctx, w.hiuID, m[1])
	if err != nil {
		t.Fatal(err)
	}
	var lakeside string
	for _, a := range arts {
		if a.HIPID == w.hipA {
			lakeside = a.ID
		}
	}
	w.revoke(t, lakeside)
	waitFor(t, "the records page tells of the revocation", func() string {
		p := b.get(reqURL + "/records")
		if !strings.Contains(p.body, "The records from Lakeside Hospital have been erased: the patient revoked the consent.") {
			return "no revocation line"
		}
		if strings.Contains(p.body, `class="group-hip">Lakeside`) {
			return "lakeside records still shown"
		}
		return ""
	})
	page = b.get(reqURL)
	page.must(t, "the request after revocation", 200, "Revoked by the patient")
	if n := len(fetchRE.FindAllString(page.body, -1)); n != 1 {
		t.Errorf("%d get-records buttons after revocation, want 1", n)
	}

	// At the erase date the rest goes.
	if _, err := w.n.hiuBridge.EraseDue(ctx, eraseAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	p := b.get(reqURL + "/records")
	p.must(t, "records after the erase date", 200, "their erase date has passed", `id="no-records"`)
	if strings.Contains(p.body, "record-link") {
		t.Fatal("records shown after their erase date")
	}
	if p := b.get(labURL); p.status != 404 {
		t.Errorf("an erased record: %d", p.status)
	}
}

// TestHIUOnlyNodeServesPages: a node serving the hiu role alone serves
// the clinicians' pages and the operator's staff pages, without the
// consent manager's.
func TestHIUOnlyNodeServesPages(t *testing.T) {
	_, base, _ := testNode(t, func(c *Config) { c.Roles = []string{"hiu"}; c.AdminToken = "hiu-only-token" })
	b := newHIUBrowser(t, base)
	b.get("/hiu/sign-in").must(t, "the clinicians' sign-in", 200, `action="/hiu/sign-in"`)
	for path, to := range map[string]string{"/cm/ops/": "/cm/ops/facilities", "/cm/ops/facilities": "/cm/ops/login", "/hiu/": "/hiu/sign-in"} {
		if p := b.get(path); p.status != 303 || p.location != to {
			t.Errorf("GET %s: %d %q, want a redirect to %s", path, p.status, p.location, to)
		}
	}
	if p := b.get("/cm/ops/bridges"); p.status != 404 {
		t.Errorf("GET /cm/ops/bridges on a node that is not a CM: %d, want 404", p.status)
	}
	ops := newHIUBrowser(t, base)
	ops.get("/cm/ops/login")
	ops.post("/cm/ops/login", url.Values{"token": {"hiu-only-token"}})
	ops.get("/cm/ops/facilities").must(t, "the staff pages", 200, "Clinicians of facilities served as HIU", `id="hiu-no-facilities"`)
}
