package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fmtVerbRE finds a message's fmt verbs (a lone % in "SpO2 (%)" is text).
var fmtVerbRE = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z]`)

// TestCataloguesMatchEnglish: every catalogue has exactly English's message
// ids, each with the same fmt verbs (in any order, as a translation may
// reorder them), its own tag as "lang", and its name for the switch.
func TestCataloguesMatchEnglish(t *testing.T) {
	if len(catalogues) < 2 {
		t.Fatalf("only %d catalogues", len(catalogues))
	}
	for tag, cat := range catalogues {
		if cat["lang"] != tag || cat["lang.name"] == "" {
			t.Errorf("%s: lang %q, lang.name %q", tag, cat["lang"], cat["lang.name"])
		}
		if tag == defaultLang {
			continue
		}
		for id, en := range messagesEN {
			s, ok := cat[id]
			if !ok {
				t.Errorf("%s: message %q is missing", tag, id)
				continue
			}
			want, got := fmtVerbRE.FindAllString(en, -1), fmtVerbRE.FindAllString(s, -1)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("%s: message %q has verbs %q, English %q", tag, id, got, want)
			}
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: message %q is empty", tag, id)
			}
		}
		for id := range cat {
			if _, ok := messagesEN[id]; !ok {
				t.Errorf("%s: message %q is not in English", tag, id)
			}
		}
	}
}

// TestHindiIsHindi: the Hindi catalogue is written in Devanagari, bar the
// messages that are only names, codes and units.
func TestHindiIsHindi(t *testing.T) {
	deva := regexp.MustCompile(`[\x{0900}-\x{097F}]`)
	n := 0
	for id, s := range messagesHI {
		if id == "lang" {
			continue
		}
		if deva.MatchString(s) {
			n++
		} else if s != messagesEN[id] {
			t.Errorf("message %q is neither Hindi nor English's %q: %q", id, messagesEN[id], s)
		}
	}
	if n < len(messagesHI)*9/10 {
		t.Errorf("only %d of %d Hindi messages are in Devanagari", n, len(messagesHI))
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                               "",
		"hi":                             "hi",
		"hi-IN,hi;q=0.9":                 "hi",
		"HI-in":                          "hi",
		"en-IN,en;q=0.9,hi;q=0.8":        "en",
		"ta-IN,ta;q=0.9,hi;q=0.8":        "hi",
		"ta-IN,en;q=0.5,hi;q=0.8":        "hi",
		"en;q=0.5, hi;q=0.6":             "hi",
		"hi;q=0, en;q=0.1":               "en",
		"hi;q=0":                         "",
		"hi;q=2":                         "",
		"hi;q=abc,en":                    "en",
		"*":                              "",
		"fr-FR, de":                      "",
		"en, hi":                         "en",
		"hi ; Q=0.7 , en ; q=0.6":        "hi",
		"hindi,hi-Deva-IN;q=0.5":         "hi",
		strings.Repeat("x,", 300) + "hi": "",
	} {
		if got := acceptLanguage(h); got != want {
			t.Errorf("acceptLanguage(%.40q) = %q, want %q", h, got, want)
		}
	}
}

// TestLangSwitch: ?lang=hi keeps the choice in a cookie for the whole host
// for a year and goes back to the same path without the parameter, only
// ever to a path on this host; an unknown language or a POST is left to
// the page.
func TestLangSwitch(t *testing.T) {
	for _, c := range []struct{ target, want string }{
		{"/abha/?lang=hi", "/abha/"},
		{"/abha/share?hip-id=IN2810014366&lang=hi&counter-code=2", "/abha/share?counter-code=2&hip-id=IN2810014366"},
		{"/registry/facilities?lang=en", "/registry/facilities"},
		{"/abha/?lang=hi&next=https://evil.example/", "/abha/?next=https%3A%2F%2Fevil.example%2F"},
		{"/abha/?lang=hi&lang=en", "/abha/"},
		{"/abha/caf%C3%A9%2Fx?lang=hi", "/abha/caf%C3%A9%2Fx"},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, c.target, nil)
		if !switchLang(w, r) {
			t.Errorf("%s: not switched", c.target)
			continue
		}
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != c.want {
			t.Errorf("%s: %d to %q, want %q", c.target, w.Code, w.Header().Get("Location"), c.want)
		}
		sc := w.Header().Get("Set-Cookie")
		for _, want := range []string{"lang=", "Path=/;", "Max-Age=31536000", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(sc, want) {
				t.Errorf("%s: cookie lacks %s: %s", c.target, want, sc)
			}
		}
	}
	// A path that a browser would read as another host stays on this one.
	for _, p := range []string{"//evil.example/x", `/\evil.example/x`, `\\evil.example`, "///evil.example", "/%2F/evil.example", "/a\r\nSet-Cookie: x=y"} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/?lang=hi", nil)
		r.URL.Path, r.URL.RawPath = p, ""
		if !switchLang(w, r) {
			t.Fatalf("%q: not switched", p)
		}
		loc := w.Header().Get("Location")
		if u, err := url.Parse(loc); err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(loc, "/") ||
			strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.ContainsAny(loc, "\r\n") {
			t.Errorf("%q: sent to %q", p, loc)
		}
	}
	for _, target := range []string{"/abha/?lang=xx", "/abha/?lang=", "/abha/?lang=HI", "/abha/"} {
		if w := httptest.NewRecorder(); switchLang(w, httptest.NewRequest(http.MethodGet, target, nil)) {
			t.Errorf("%s: switched", target)
		}
	}
	if w := httptest.NewRecorder(); switchLang(w, httptest.NewRequest(http.MethodPost, "/abha/?lang=hi", nil)) {
		t.Error("a POST switched")
	}
	// Through a server: every hop stays on it.
	e := newTestEnv(t)
	b := e.browser(t)
	for _, path := range []string{"//evil.example/?lang=hi", "/abha//evil.example?lang=hi"} {
		p := b.get(path)
		for i := 0; i < 3 && p.status >= 300 && p.status < 400; i++ {
			if u, err := url.Parse(p.location); err != nil || u.Host != "" || strings.HasPrefix(p.location, "//") {
				t.Fatalf("%s: redirected to %q", path, p.location)
			}
			p = b.get(p.location)
		}
	}
}

// hindiPage is a page and a message it shows.
type hindiPage struct {
	b    *browser
	path string
	id   string
}

// checkLanguages fetches each page as English by default, in Hindi when the
// browser prefers it, and in the language the switch chose, which then
// outranks the browser's.
func checkLanguages(t *testing.T, pages []hindiPage) {
	t.Helper()
	get := func(b *browser, path, accept string) page {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return b.do(req)
	}
	want := func(p page, path, tag, id string) {
		t.Helper()
		msg := template.HTMLEscapeString(catalogues[tag][id])
		if p.status != http.StatusOK || !strings.Contains(p.body, `<html lang="`+tag+`">`) || !strings.Contains(p.body, msg) {
			t.Errorf("%s in %s: %d, want %q\n%.600s", path, tag, p.status, msg, p.body)
		}
		if !strings.Contains(p.header.Get("Vary"), "Accept-Language") {
			t.Errorf("%s: Vary %q", path, p.header.Get("Vary"))
		}
	}
	for _, pg := range pages {
		want(get(pg.b, pg.path, ""), pg.path, "en", pg.id)
		want(get(pg.b, pg.path, "hi-IN,hi;q=0.9"), pg.path, "hi", pg.id)
		want(get(pg.b, pg.path, "en-IN,en;q=0.9,hi;q=0.8"), pg.path, "en", pg.id)
	}
	for _, pg := range pages {
		sw := get(pg.b, pg.path+"?lang=hi", "")
		if sw.status != http.StatusSeeOther || sw.location != pg.path {
			t.Fatalf("%s?lang=hi: %d to %q", pg.path, sw.status, sw.location)
		}
		want(get(pg.b, sw.location, ""), pg.path, "hi", pg.id)
		want(get(pg.b, pg.path, "en-IN,en;q=0.9"), pg.path, "hi", pg.id)
		p := get(pg.b, pg.path, "")
		if !strings.Contains(p.body, `href="?lang=en" lang="en" hreflang="en" id="lang-en">English</a>`) {
			t.Errorf("%s: no switch back to English", pg.path)
		}
		get(pg.b, pg.path+"?lang=en", "")
		en := get(pg.b, pg.path, "hi")
		want(en, pg.path, "en", pg.id)
		if !strings.Contains(en.body, `href="?lang=hi" lang="hi" hreflang="hi" id="lang-hi">हिन्दी</a>`) {
			t.Errorf("%s: no switch to Hindi", pg.path)
		}
	}
}

// TestPagesInHindi: the main pages of every page set, signed out and in,
// are in Hindi when the browser asks for it or the switch chose it.
func TestPagesInHindi(t *testing.T) {
	t.Run("abha+phr", func(t *testing.T) {
		e := phrEnv(t)
		anon, asha := e.browser(t), e.browser(t)
		e.enrol(t, asha, aadhaar("23456789012"), "")
		checkLanguages(t, []hindiPage{
			{anon, "/abha/", "landing.heading"},
			{anon, "/abha/enrol", "enrol.aadhaar.heading"},
			{anon, "/abha/login", "login.heading"},
			{asha, "/abha/profile", "profile.card"},
			{asha, "/abha/documents", "phr.doc.heading"},
			{asha, "/abha/share", "phr.share.heading"},
		})
	})
	t.Run("query", func(t *testing.T) {
		e := newRegistryEnv(t)
		b := e.browser(t)
		p := b.get("/registry/facilities?q=Guntur&type=hospital")
		if !strings.Contains(p.body, `href="?lang=hi&amp;q=Guntur&amp;type=hospital" lang="hi"`) {
			t.Fatalf("the switch does not keep the search:\n%s", p.body)
		}
		if p := b.get("/registry/facilities?lang=hi&q=Guntur&type=hospital"); p.status != http.StatusSeeOther || p.location != "/registry/facilities?q=Guntur&type=hospital" {
			t.Fatalf("switch: %d %q", p.status, p.location)
		}
	})
	t.Run("registry", func(t *testing.T) {
		e := newRegistryEnv(t)
		e.facility(t, "Government General Hospital Guntur", "28", true)
		anon := e.browser(t)
		v := e.browser(t)
		e.signIn(t, v, e.v28.ID, e.key28)
		checkLanguages(t, []hindiPage{
			{anon, "/registry/facilities", "registry.facilities.q"}, // a label the handler makes
			{anon, "/registry/", "registry.landing.heading"},
			{anon, "/registry/facilities", "registry.facilities.heading"},
			{anon, "/registry/facilities/new", "registry.facilityNew.heading"},
			{v, "/registry/verify", "registry.queue.heading"},
		})
	})
	t.Run("ops", func(t *testing.T) {
		e := newOpsEnv(t)
		anon, op := e.browser(t), e.browser(t)
		e.signIn(t, op)
		checkLanguages(t, []hindiPage{
			{anon, "/cm/ops/login", "ops.login.heading"},
			{op, "/cm/ops/", "ops.home.heading"},
			{op, "/cm/ops/dead", "ops.dead.heading"},
			{op, "/cm/ops/traffic", "ops.traffic.day"}, // a heading the handler makes
		})
	})
	t.Run("emr", func(t *testing.T) {
		e := newEMREnv(t)
		anon, doc := e.browser(t), e.browser(t)
		e.signIn(t, doc)
		checkLanguages(t, []hindiPage{
			{anon, "/emr/sign-in", "emr.signin.heading"},
			{doc, "/emr/", "emr.search.heading"},
			{doc, "/emr/desk", "emr.desk.heading"},
		})
		// A handler's message, made in English, is shown in Hindi.
		doc.get("/emr/?lang=hi")
		doc.get("/emr/")
		p := doc.post("/emr/search", url.Values{"q": {"12"}})
		if !strings.Contains(p.body, template.HTMLEscapeString(messagesHI["emr.search.bad"])) {
			t.Errorf("the search's error is not in Hindi: %d\n%s", p.status, p.body)
		}
	})
	t.Run("hiu", func(t *testing.T) {
		e := newHIUEnv(t)
		doc := e.signIn(t)
		checkLanguages(t, []hindiPage{
			{(&testEnv{srv: e.srv}).browser(t), "/hiu/sign-in", "hiu.signin.heading"},
			{doc, "/hiu/", "hiu.home.heading"},
			{doc, "/hiu/ask", "hiu.find.heading"},
		})
	})
}
