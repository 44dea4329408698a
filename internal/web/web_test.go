package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestPages(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		path     string
		status   int
		want     []string // in the body
		location string   // for redirects
	}{
		{path: "/abha/", status: 200, want: []string{"Create ABHA with Aadhaar", "I already have an ABHA", `href="/abha/static/style.css"`}},
		{path: "/abha/?notice=logout", status: 200, want: []string{"You have logged out."}},
		{path: "/abha/?notice=%3Cscript%3E", status: 200},
		{path: "/abha/enrol", status: 200, want: []string{`name="aadhaar"`, `name="consent"`, "Step 1 of 3", `name="csrf"`}},
		{path: "/abha/login", status: 200, want: []string{`name="loginId"`, `value="abha-number" checked`, "name.1990@sbx", `name="password"`}},
		{path: "/abha/static/style.css", status: 200, want: []string{"--brand"}},
		{path: "/abha/static/icon.svg", status: 200, want: []string{"<svg"}},
		{path: "/abha/nope", status: 404, want: []string{"We could not find that page."}},
		{path: "/abha/profile", status: 303, location: "/abha/login"},
		{path: "/abha/card.png", status: 303, location: "/abha/login"},
		{path: "/abha/card.pdf", status: 303, location: "/abha/login"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := e.browser(t).get(tt.path)
			if p.status != tt.status {
				t.Fatalf("status %d, want %d", p.status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("body lacks %q", w)
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
			if tt.status == 200 && strings.HasSuffix(tt.path, "/") || strings.Contains(tt.path, "enrol") {
				if got := p.header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control %q", got)
				}
			}
		})
	}
}

func TestCookies(t *testing.T) {
	e := newTestEnv(t)
	res, err := http.Get(e.srv.URL + "/abha/enrol")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var csrf *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == csrfCookie {
			csrf = c
		}
	}
	if csrf == nil {
		t.Fatal("no CSRF cookie")
	}
	if !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Path != "/abha" || csrf.Secure {
		t.Errorf("CSRF cookie attributes: %+v", csrf)
	}

	// Over TLS the cookies are Secure.
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://abha.example/abha/enrol", nil))
	if c := w.Result().Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookies over TLS: %+v", c)
	}

	// The session cookie carries the X-token for its lifetime.
	b := e.browser(t)
	e.enrol(t, b, aadhaar("89012345678"), "")
	u, _ := url.Parse(e.srv.URL + "/abha/profile")
	var session string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			session = c.Value
		}
	}
	if _, err := e.svc.Authenticate(t.Context(), session); err != nil {
		t.Errorf("session cookie is not an X-token: %v", err)
	}
	w = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/abha/enrol", strings.NewReader("step=zzz&csrf="+strings.Repeat("A", 43)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: csrfCookie, Value: strings.Repeat("A", 43)})
	e.mux.ServeHTTP(w, req)
	if w.Code != 400 {
		t.Errorf("matching CSRF token: status %d, want 400 from the handler", w.Code)
	}
}

func TestPostErrors(t *testing.T) {
	e := newTestEnv(t)
	good := aadhaar("23456789012")
	tests := []struct {
		name   string
		path   string
		form   url.Values
		noCSRF bool
		status int
		want   string
	}{
		{name: "bad aadhaar", path: "/abha/enrol", form: url.Values{"step": {"aadhaar"}, "aadhaar": {"123456789012"}, "consent": {"yes"}},
			status: 400, want: "Invalid Aadhaar number"},
		{name: "short aadhaar", path: "/abha/enrol", form: url.Values{"step": {"aadhaar"}, "aadhaar": {"2345"}, "consent": {"yes"}},
			status: 400, want: "Invalid Aadhaar number"},
		{name: "no consent", path: "/abha/enrol", form: url.Values{"step": {"aadhaar"}, "aadhaar": {good}},
			status: 400, want: "Please tick the box"},
		{name: "missing csrf", path: "/abha/enrol", form: url.Values{"step": {"aadhaar"}, "aadhaar": {good}, "consent": {"yes"}},
			noCSRF: true, status: 403, want: "This form has expired"},
		{name: "wrong csrf", path: "/abha/enrol", form: url.Values{"csrf": {strings.Repeat("A", 43)}, "step": {"aadhaar"}},
			status: 403, want: "This form has expired"},
		{name: "login missing csrf", path: "/abha/login", form: url.Values{"step": {"start"}}, noCSRF: true, status: 403},
		{name: "logout missing csrf", path: "/abha/logout", form: url.Values{}, noCSRF: true, status: 403},
		{name: "unknown txn", path: "/abha/enrol", form: url.Values{"step": {"otp"}, "txnId": {"nope"}, "otp": {"123456"}},
			status: 400, want: "Invalid transaction id"},
		{name: "unknown step", path: "/abha/enrol", form: url.Values{"step": {"zzz"}}, status: 400, want: "could not be read"},
		{name: "bad hint", path: "/abha/login", form: url.Values{"step": {"start"}, "hint": {"x"}, "loginId": {"y"}},
			status: 400, want: "Choose how you want to log in."},
		{name: "unknown abha", path: "/abha/login", form: url.Values{"step": {"start"}, "hint": {"abha-number"}, "loginId": {"91-0000-0000-0000"}},
			status: 404, want: "ABHA not found"},
		{name: "password by mobile", path: "/abha/login", form: url.Values{"step": {"start"}, "hint": {"mobile"}, "loginId": {"9876543210"}, "action": {"password"}},
			status: 400, want: "Password login needs"},
		{name: "profile without login", path: "/abha/profile", form: url.Values{"email": {"a@b.in"}}, status: 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.get("/abha/enrol") // sets the CSRF cookie
			if tt.noCSRF {
				b.csrf = ""
			}
			p := b.post(tt.path, tt.form)
			if p.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", p.status, tt.status, p.body)
			}
			if !strings.Contains(p.body, tt.want) {
				t.Errorf("body lacks %q", tt.want)
			}
			if strings.Contains(p.body, good) {
				t.Error("page echoes the Aadhaar number")
			}
		})
	}
}

// enrol walks the enrolment pages for the Aadhaar number with b and returns
// the profile page. A non-empty mobile other than the KYC one is verified
// with its own OTP.
func (e *testEnv) enrol(t *testing.T, b *browser, aadhaarNo, mobile string) page {
	t.Helper()
	b.get("/abha/enrol")
	p := b.post("/abha/enrol", url.Values{"step": {"aadhaar"}, "aadhaar": {aadhaarNo}, "consent": {"yes"}})
	if p.status != 200 || !strings.Contains(p.body, `name="otp"`) {
		t.Fatalf("aadhaar step: %d\n%s", p.status, p.body)
	}
	txn := hidden(t, p.body, "txnId")
	kycMobile := e.kycMobile(t, aadhaarNo)
	if !strings.Contains(p.body, kycMobile[6:]) || strings.Contains(p.body, kycMobile) {
		t.Error("OTP page does not show the masked mobile")
	}
	p = b.post("/abha/enrol", url.Values{"step": {"otp"}, "txnId": {txn}, "otp": {"000000"}, "mobile": {mobile}})
	if p.status != 401 || !strings.Contains(p.body, "Incorrect OTP") {
		t.Fatalf("wrong OTP: %d", p.status)
	}
	p = b.post("/abha/enrol", url.Values{"step": {"otp"}, "txnId": {txn}, "otp": {e.otp(t, kycMobile)}, "mobile": {mobile}})
	if mobile != "" && mobile != kycMobile {
		if p.status != 200 || !strings.Contains(p.body, "Verify your mobile") {
			t.Fatalf("mobile step: %d\n%s", p.status, p.body)
		}
		p = b.post("/abha/enrol", url.Values{"step": {"mobile"}, "txnId": {txn}, "otp": {e.otp(t, mobile)}})
	}
	if p.status != 200 || !strings.Contains(p.body, "Choose your ABHA address") {
		t.Fatalf("address step: %d\n%s", p.status, p.body)
	}
	if mobile == "" {
		sc := strings.Join(p.header.Values("Set-Cookie"), "\n")
		for _, want := range []string{"abha_session=", "Path=/abha", "Max-Age=1800", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(sc, want) {
				t.Errorf("session cookie lacks %s: %s", want, sc)
			}
		}
	}
	choice := hidden(t, strings.Replace(p.body, `name="choice" value=`, `name="choice0" value=`, 1), "choice0")
	p = b.post("/abha/enrol", url.Values{"step": {"address"}, "txnId": {txn}, "custom": {"x"}})
	if p.status != 400 || !strings.Contains(p.body, "8 to 18 characters") {
		t.Fatalf("bad address: %d", p.status)
	}
	p = b.post("/abha/enrol", url.Values{"step": {"address"}, "txnId": {txn}, "choice": {choice}})
	if p.status != 303 || p.location != "/abha/profile?notice=created" {
		t.Fatalf("address: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get(p.location)
	if p.status != 200 || !strings.Contains(p.body, choice+"@sbx") || !strings.Contains(p.body, "Your ABHA is ready") {
		t.Fatalf("profile: %d\n%s", p.status, p.body)
	}
	return p
}

func TestEnrolToCard(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(t)
	a := aadhaar("34567890123")
	p := e.enrol(t, b, a, "")
	accounts, err := e.db.AccountsByMobile(t.Context(), e.kycMobile(t, a))
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts: %v %d", err, len(accounts))
	}
	num := accounts[0].Number
	if want := num[:2] + "-" + num[2:6] + "-" + num[6:10] + "-" + num[10:]; !strings.Contains(p.body, `id="abha-number">`+want+"<") {
		t.Errorf("profile lacks the ABHA number %s", want)
	}
	for _, c := range []struct{ path, ctype, magic string }{
		{"/abha/card.png", "image/png", "\x89PNG\r\n\x1a\n"},
		{"/abha/card.pdf", "application/pdf", "%PDF-"},
	} {
		p := b.get(c.path)
		if p.status != 200 || p.header.Get("Content-Type") != c.ctype || !strings.HasPrefix(p.body, c.magic) {
			t.Errorf("%s: %d %q %q", c.path, p.status, p.header.Get("Content-Type"), p.body[:min(len(p.body), 8)])
		}
		if cd := p.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("%s: Content-Disposition %q", c.path, cd)
		}
	}

	// Enrolling the same Aadhaar again finds the existing ABHA.
	b2 := e.browser(t)
	b2.get("/abha/enrol")
	p = b2.post("/abha/enrol", url.Values{"step": {"aadhaar"}, "aadhaar": {a}, "consent": {"yes"}})
	p = b2.post("/abha/enrol", url.Values{"step": {"otp"}, "txnId": {hidden(t, p.body, "txnId")}, "otp": {e.otp(t, e.kycMobile(t, a))}})
	if p.status != 303 || p.location != "/abha/profile?notice=existing" {
		t.Errorf("re-enrol: %d %q", p.status, p.location)
	}

	// Saving details, then logging out.
	p = b.post("/abha/profile", url.Values{"email": {"not-an-email"}})
	if p.status != 400 || !strings.Contains(p.body, "email is not valid") {
		t.Errorf("bad email: %d", p.status)
	}
	p = b.post("/abha/profile", url.Values{"email": {"me@example.in"}, "password": {"correct horse"}})
	if p.status != 303 || p.location != "/abha/profile?notice=saved" {
		t.Fatalf("save: %d %q", p.status, p.location)
	}
	if p = b.get("/abha/profile"); !strings.Contains(p.body, "me@example.in") {
		t.Error("email not saved")
	}
	// Keep a copy of the session cookie, as a thief would.
	u, _ := url.Parse(b.base + "/abha/")
	var stolen *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			stolen = c
		}
	}
	if stolen == nil {
		t.Fatal("no session cookie before logout")
	}
	if p = b.post("/abha/logout", url.Values{}); p.status != 303 || p.location != "/abha/?notice=logout" {
		t.Fatalf("logout: %d %q", p.status, p.location)
	}
	if p = b.get("/abha/profile"); p.status != 303 {
		t.Errorf("profile after logout: %d", p.status)
	}
	// Logout ended the session on the server: the copied cookie is dead.
	req, _ := http.NewRequest("GET", b.base+"/abha/profile", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: stolen.Value})
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Errorf("copied session cookie after logout: %d, want a redirect to login", resp.StatusCode)
	}

	// Password login with the ABHA number.
	p = b.post("/abha/login", url.Values{"step": {"start"}, "hint": {"abha-number"}, "loginId": {num}, "action": {"password"}, "password": {"wrong password"}})
	if p.status != 401 || !strings.Contains(p.body, "Incorrect ABHA or password") {
		t.Errorf("wrong password: %d", p.status)
	}
	p = b.post("/abha/login", url.Values{"step": {"start"}, "hint": {"abha-number"}, "loginId": {num}, "action": {"password"}, "password": {"correct horse"}})
	if p.status != 303 || p.location != "/abha/profile?notice=loggedin" {
		t.Fatalf("password login: %d %q", p.status, p.location)
	}
	if p = b.get("/abha/profile"); p.status != 200 {
		t.Errorf("profile after login: %d", p.status)
	}
}

func TestLoginByMobile(t *testing.T) {
	e := newTestEnv(t)
	const mobile = "9123456780"
	e.enrol(t, e.browser(t), aadhaar("45678901234"), mobile)
	e.enrol(t, e.browser(t), aadhaar("56789012345"), mobile)

	b := e.browser(t)
	b.get("/abha/login")
	p := b.post("/abha/login", url.Values{"step": {"start"}, "hint": {"mobile"}, "loginId": {"+91 91234 56780"}, "action": {"otp"}})
	if p.status != 200 || !strings.Contains(p.body, "******6780") {
		t.Fatalf("request OTP: %d\n%s", p.status, p.body)
	}
	txn := hidden(t, p.body, "txnId")
	p = b.post("/abha/login", url.Values{"step": {"otp"}, "txnId": {txn}, "masked": {"******6780"}, "otp": {e.otp(t, mobile)}})
	if p.status != 200 || strings.Count(p.body, `name="number"`) != 2 {
		t.Fatalf("choose: %d\n%s", p.status, p.body)
	}
	number := hidden(t, strings.Replace(p.body, `name="number" value=`, `name="number0" value=`, 1), "number0")
	p = b.post("/abha/login", url.Values{"step": {"choose"}, "txnId": {hidden(t, p.body, "txnId")},
		"tToken": {hidden(t, p.body, "tToken")}, "number": {number}})
	if p.status != 303 || p.location != "/abha/profile?notice=loggedin" {
		t.Fatalf("chosen: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get("/abha/profile")
	if p.status != 200 || !strings.Contains(p.body, number[10:]) {
		t.Errorf("profile: %d", p.status)
	}
}

func TestCatalogueCoversTemplates(t *testing.T) {
	for lang, cat := range catalogues {
		used := map[string]bool{"lang": true}
		for _, name := range slices.Concat(pageNames, []string{"notfound", "registry_forbidden"}, registryPageNames, opsPageNames) {
			used["title."+name] = true
		}
		for _, g := range []string{"M", "F", "O"} {
			used["gender."+g] = true
		}
		files, _ := assets.ReadDir("templates")
		for _, f := range files {
			b, _ := assets.ReadFile("templates/" + f.Name())
			for _, m := range tmplMsgRE.FindAllSubmatch(b, -1) {
				used[string(m[1])] = true
			}
		}
		for id := range used {
			if _, ok := cat[id]; !ok {
				t.Errorf("%s: message %q is used but missing", lang, id)
			}
		}
		if len(used) < 50 {
			t.Errorf("only %d message ids found in templates", len(used))
		}
		for id, s := range cat {
			if bytes.ContainsAny([]byte(s), "<>") {
				t.Errorf("%s: message %q holds markup", lang, id)
			}
		}
	}
	// Ids the handlers use: literal ids and redirect notices.
	goFiles, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") || f == "messages_en.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goMsgRE.FindAllSubmatch(b, -1) {
			n++
			if _, ok := messagesEN[string(m[1])]; !ok {
				t.Errorf("%s: message %q is missing", f, m[1])
			}
		}
		for _, m := range noticeRE.FindAllSubmatch(b, -1) {
			n++
			if _, ok := messagesEN["notice."+string(m[1])]; !ok {
				t.Errorf("%s: notice %q is missing", f, m[1])
			}
		}
	}
	if n < 15 {
		t.Errorf("only %d message ids found in Go files", n)
	}
}

var (
	tmplMsgRE = regexp.MustCompile(`\{\{t "([^"]+)"`)
	goMsgRE   = regexp.MustCompile(`(?:userError\([^,]+, |text\(|Notice = )"([^"]+)"`)
	noticeRE  = regexp.MustCompile(`redirect\(w, r, "[^"]+", "([^"]+)"\)`)
)
