package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/gateway"
)

func TestOpsSignedOut(t *testing.T) {
	e := newOpsEnv(t)
	tests := []struct {
		path     string
		status   int
		location string
		want     []string
	}{
		{path: "/cm/ops/", status: 303, location: "/cm/ops/login"},
		{path: "/cm/ops/bridges", status: 303, location: "/cm/ops/login"},
		{path: "/cm/ops/traffic", status: 303, location: "/cm/ops/login"},
		{path: "/cm/ops/dead", status: 303, location: "/cm/ops/login"},
		{path: "/cm/ops/consents", status: 303, location: "/cm/ops/login"},
		{path: "/cm/ops/login", status: 200, want: []string{`name="token"`, `type="password"`, `name="csrf"`, `href="/cm/ops/static/style.css"`}},
		{path: "/cm/ops/login?notice=ops.signedout", status: 200, want: []string{"You have signed out."}},
		{path: "/cm/ops/login?notice=%3Cscript%3E", status: 200},
		{path: "/cm/ops/static/style.css", status: 200, want: []string{".tiles"}},
		{path: "/cm/ops/nope", status: 404, want: []string{"We could not find that page."}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := e.browser(t).get(tt.path)
			checkPage(t, p, tt.status, tt.want...)
			if p.location != tt.location {
				t.Errorf("Location %q, want %q", p.location, tt.location)
			}
			for _, leak := range []string{opsHIPBridge, opsDeadKind, "<script"} {
				if strings.Contains(p.body, leak) {
					t.Errorf("signed-out page shows %q", leak)
				}
			}
		})
	}
}

func TestOpsSignIn(t *testing.T) {
	e := newOpsEnv(t)
	tests := []struct {
		name  string
		token string
	}{
		{"wrong", "not-the-operator-token"},
		{"empty", ""},
		{"prefix", opsToken[:10]},
		{"longer", opsToken + "x"},
		{"too long", strings.Repeat("x", 600)},
		{"markup", "<b>x</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.get("/cm/ops/login")
			p := b.post("/cm/ops/login", url.Values{"token": {tt.token}})
			checkPage(t, p, 401, "That is not the operator token.")
			if strings.Contains(p.header.Get("Set-Cookie"), opsCookie+"=") {
				t.Error("a failed sign-in set a session")
			}
			if tt.token != "" && strings.Contains(p.body, tt.token) {
				t.Error("the token is echoed back")
			}
		})
	}

	// Without the CSRF token nothing happens.
	b := e.browser(t)
	p := b.post("/cm/ops/login", url.Values{"token": {opsToken}})
	checkPage(t, p, 403, "This form has expired")

	b = e.browser(t)
	b.get("/cm/ops/login")
	p = b.post("/cm/ops/login", url.Values{"token": {" " + opsToken + "\n"}}) // pasted with spaces
	if p.status != 303 || p.location != "/cm/ops/?notice=ops.signedin" {
		t.Fatalf("sign in: %d %q", p.status, p.location)
	}
	sc := strings.Join(p.header.Values("Set-Cookie"), "\n")
	for _, want := range []string{opsCookie + "=", "Path=/cm/ops", "Max-Age=28800", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie lacks %s: %s", want, sc)
		}
	}
	checkPage(t, b.get(p.location), 200, "You are signed in.", `id="nav-logout"`, `aria-current="page"`)
	if p := b.get("/cm/ops/login"); p.status != 303 || p.location != "/cm/ops/" {
		t.Errorf("sign-in page when signed in: %d %q", p.status, p.location)
	}

	// A tampered cookie is refused.
	u, _ := url.Parse(e.srv.URL + "/cm/ops/")
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == opsCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	get := func(pages *Ops, cookie string) *httptest.ResponseRecorder {
		mux := e.mux
		if pages != e.pages {
			mux = http.NewServeMux()
			pages.Register(mux)
		}
		req := httptest.NewRequest(http.MethodGet, "/cm/ops/bridges", nil)
		req.AddCookie(&http.Cookie{Name: opsCookie, Value: cookie})
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		return w
	}
	for _, v := range []string{session.Value + "x", "x" + session.Value, strings.Replace(session.Value, ".", "", 1), "."} {
		if w := get(e.pages, v); w.Code != 303 || w.Header().Get("Location") != "/cm/ops/login?notice=ops.expired" {
			t.Errorf("tampered cookie %q: %d %q", v, w.Code, w.Header().Get("Location"))
		}
	}
	// Another node with the same secret and token accepts the session; a
	// node whose operator token changed, or with another secret, does not;
	// nor does one with no token.
	for _, tc := range []struct {
		name  string
		pages *Ops
		want  int
	}{
		{"same secret and token", NewOps(e.ops, opsToken, Options{Secret: e.secret}), 200},
		{"new token", NewOps(e.ops, "another-operator-token-987654", Options{Secret: e.secret}), 303},
		{"other secret", NewOps(e.ops, opsToken, Options{Secret: []byte("other")}), 303},
		{"no token", NewOps(e.ops, "", Options{Secret: e.secret}), 303},
	} {
		if w := get(tc.pages, session.Value); w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.want)
		}
	}
	// With no token configured nobody signs in.
	noToken := NewOps(e.ops, "", Options{Secret: e.secret})
	mux := http.NewServeMux()
	noToken.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	nb := (&testEnv{srv: srv}).browser(t)
	nb.get("/cm/ops/login")
	checkPage(t, nb.post("/cm/ops/login", url.Values{"token": {""}}), 401)

	// Signing out kills a copy of the cookie too.
	p = b.post("/cm/ops/logout", url.Values{})
	if p.status != 303 || p.location != "/cm/ops/login?notice=ops.signedout" {
		t.Fatalf("sign out: %d %q", p.status, p.location)
	}
	if w := get(e.pages, session.Value); w.Code != 303 {
		t.Errorf("copied cookie after sign-out: %d", w.Code)
	}

	// After 8 hours the session has expired.
	e.signIn(t, b)
	e.pages.now = func() time.Time { return time.Now().Add(opsSessionFor + time.Minute) }
	if p := b.get("/cm/ops/"); p.status != 303 || p.location != "/cm/ops/login?notice=ops.expired" {
		t.Errorf("expired session: %d %q", p.status, p.location)
	}
	e.pages.now = time.Now

	// Over TLS the cookies are Secure.
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://cm.example/cm/ops/login", nil))
	if c := w.Result().Cookies(); len(c) != 1 || !c[0].Secure || c[0].Path != "/cm/ops" {
		t.Errorf("cookies over TLS: %+v", c)
	}
}

func TestOpsPages(t *testing.T) {
	e := newOpsEnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	deadID := strconv.FormatInt(e.dead.ID, 10)
	tests := []struct {
		path   string
		status int
		want   []string
		not    []string
	}{
		{path: "/cm/ops/", status: 200, want: []string{`id="home-bridges">2<`, "2 active", `id="home-dead">1<`, "tile-bad",
			`href="/cm/ops/traffic"`, `href="/cm/ops/consents"`}},
		{path: "/cm/ops/bridges", status: 200, want: []string{
			`id="bridge-` + opsHIPBridge + `"`, "Apollo Hospitals HMIS", e.bridge.URL + "/" + opsHIPBridge, ">v3<",
			"Apollo Health City Guntur", opsHIP, "Apollo Clinic Tenali", "IN2810099999", `<span class="tag abdm">HIU</span>`,
			"Inactive", "City Diagnostics Lab System", ">v0.5<", opsHIU, " IST"},
			not: []string{"argon2", "secret"}},
		{path: "/cm/ops/traffic", status: 200, want: []string{`id="w1h"`, `id="w24h"`, "Last hour", "Last 24 hours",
			"Inbound: bridges to gateway", "latest 10000 delivered"},
			not: []string{"ravi.kumar"}},
		{path: "/cm/ops/dead", status: 200, want: []string{"1 message could not be delivered.", `id="dead-` + deadID + `"`, opsDeadKind,
			opsHIUBridge, opsHIU, "HTTP 404", `action="/cm/ops/dead/` + deadID + `/replay"`, `id="replay-` + deadID + `"`, `name="csrf"`},
			not: []string{"ravi.kumar", `id="dead-older"`}},
		{path: "/cm/ops/dead?before=" + deadID, status: 200, want: []string{"1 message could not be delivered."}, not: []string{`id="dead-` + deadID + `"`}},
		{path: "/cm/ops/dead?before=abc", status: 404, want: []string{"We could not find that."}},
		{path: "/cm/ops/dead?before=-3", status: 404},
		{path: "/cm/ops/consents", status: 200, want: []string{"Counts for All of India.",
			`<div data-status="REQUESTED"><dt>Requested</dt><dd>2</dd>`, `<div data-status="GRANTED"><dt>Granted</dt><dd>1</dd>`,
			`<div data-status="DENIED"><dt>Denied</dt><dd>1</dd>`, `<div data-status="REVOKED"><dt>Revoked</dt><dd>0</dd>`,
			`<div data-status="TRANSFERRED"><dt>Transferred</dt><dd>1</dd>`, `<div data-status="FAILED"><dt>Failed</dt><dd>0</dd>`,
			`<a href="/cm/ops/consents?state=36">Telangana</a></th><td>3</td><td>0</td><td>0</td>`,
			`<a href="/cm/ops/consents?state=28">Andhra Pradesh</a></th><td>0</td><td>1</td><td>1</td>`,
			`<a href="/cm/ops/consents?state=7">Delhi</a></th><td>1</td><td>0</td><td>0</td>`, "would need their personal data"},
			not: []string{"ravi.kumar"}},
		{path: "/cm/ops/consents?state=36", status: 200, want: []string{"Counts for Telangana.", `<option value="36" selected>`,
			`<div data-status="REQUESTED"><dt>Requested</dt><dd>1</dd>`, `<div data-status="GRANTED"><dt>Granted</dt><dd>1</dd>`,
			`<div data-status="TRANSFERRED"><dt>Transferred</dt><dd>0</dd>`}},
		{path: "/cm/ops/consents?state=28", status: 200, want: []string{"Counts for Andhra Pradesh.",
			`<div data-status="REQUESTED"><dt>Requested</dt><dd>0</dd>`, `<div data-status="TRANSFERRED"><dt>Transferred</dt><dd>1</dd>`}},
		{path: "/cm/ops/consents?state=07", status: 200, want: []string{"Counts for Delhi.", `<option value="7" selected>`}},
		{path: "/cm/ops/consents?state=9", status: 200, want: []string{"Counts for Uttar Pradesh.", `<option value="9" selected>`}},
		{path: "/cm/ops/consents?state=none", status: 200, want: []string{"Counts for Other facility IDs."}},
		{path: "/cm/ops/consents?state=99", status: 404},
		{path: "/cm/ops/consents?state=%3Cb%3E", status: 404, not: []string{"<b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := b.get(tt.path)
			checkPage(t, p, tt.status, tt.want...)
			for _, n := range tt.not {
				if strings.Contains(p.body, n) {
					t.Errorf("body has %q", n)
				}
			}
			if strings.Contains(p.body, "<script") {
				t.Error("page has a script")
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || p.header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers: CSP %q, Cache-Control %q", csp, p.header.Get("Cache-Control"))
			}
		})
	}
}

// TestOpsTraffic checks each window's figures: the seed has, in the last
// hour, on-init delivered in 120 ms, 250 ms and 2.5 s, a pending request
// to a HIP and a dead notice; earlier in the day a HIP notice delivered in
// 40 s; and two consent requests received, one in the last hour.
func TestOpsTraffic(t *testing.T) {
	e := newOpsEnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	p := b.get("/cm/ops/traffic")
	checkPage(t, p, 200)
	hour, day, ok := strings.Cut(p.body, `id="w24h"`)
	if !ok || !strings.Contains(hour, `id="w1h"`) {
		t.Fatal("no windows")
	}
	// kind returns the window's list item of the kind ("" for the total).
	kind := func(window, k string) string {
		t.Helper()
		start := `<div class="kind-total">`
		if k != "" {
			start = `data-kind="` + k + `"`
		}
		_, rest, ok := strings.Cut(window, start)
		if !ok {
			return ""
		}
		item, _, _ := strings.Cut(rest, "</dl>")
		return item
	}
	stats := func(delivered, pending, dead int, p50, p95, p99 string) []string {
		d := "<div>"
		if dead > 0 {
			d = `<div class="bad">`
		}
		return []string{"<dt>Delivered</dt><dd>" + strconv.Itoa(delivered) + "</dd>", "<dt>Pending</dt><dd>" + strconv.Itoa(pending) + "</dd>",
			d + "<dt>Dead</dt><dd>" + strconv.Itoa(dead) + "</dd>",
			"<dt>p50</dt><dd>" + p50 + "</dd>", "<dt>p95</dt><dd>" + p95 + "</dd>", "<dt>p99</dt><dd>" + p99 + "</dd>"}
	}
	tests := []struct {
		name, window, kind string
		want               []string
	}{
		{"hour, all", hour, "", stats(3, 1, 1, "250 ms", "2.5 s", "2.5 s")},
		{"hour, on-init", hour, "consent-requests/on-init", stats(3, 0, 0, "250 ms", "2.5 s", "2.5 s")},
		{"hour, hip request", hour, "health-information/hip/request", stats(0, 1, 0, "–", "–", "–")},
		{"hour, dead notice", hour, opsDeadKind, stats(0, 0, 1, "–", "–", "–")},
		{"hour, yesterday's notice", hour, "consents/hip/notify", nil},
		{"day, all", day, "", stats(4, 1, 1, "250 ms", "40.0 s", "40.0 s")},
		{"day, hip notice", day, "consents/hip/notify", stats(1, 0, 0, "40.0 s", "40.0 s", "40.0 s")},
		{"day, on-init", day, "consent-requests/on-init", stats(3, 0, 0, "250 ms", "2.5 s", "2.5 s")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := kind(tt.window, tt.kind)
			if tt.want == nil {
				if item != "" {
					t.Errorf("listed: %s", item)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(item, w) {
					t.Errorf("lacks %s in %s", w, item)
				}
			}
		})
	}
	for window, n := range map[string]string{hour: "1", day: "2"} {
		if !strings.Contains(window, `<dt class="mono">consent-requests/init</dt><dd>`+n+`</dd>`) {
			t.Errorf("inbound requests: want %s", n)
		}
	}

	// An inbound count over budget is left out, not failed.
	e.ops.InboundBudget = time.Nanosecond
	checkPage(t, b.get("/cm/ops/traffic"), 200, "Not counted: counting took too long.", `data-kind="consent-requests/on-init"`)
}

func TestOpsReplay(t *testing.T) {
	e := newOpsEnv(t)
	b := e.browser(t)
	e.signIn(t, b)
	id := strconv.FormatInt(e.dead.ID, 10)
	status := func() string {
		t.Helper()
		m, err := e.db.Outbound(t.Context(), e.dead.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m.Status
	}

	// Refusals first: the message stays dead.
	other := e.browser(t)
	other.get("/cm/ops/login") // a CSRF token but no session
	tests := []struct {
		name     string
		b        *browser
		path     string
		form     url.Values
		status   int
		location string
		want     []string
	}{
		{"no csrf", b, "/cm/ops/dead/" + id + "/replay", url.Values{"csrf": {""}}, 403, "", []string{"This form has expired"}},
		{"wrong csrf", b, "/cm/ops/dead/" + id + "/replay", url.Values{"csrf": {strings.Repeat("A", 43)}}, 403, "", nil},
		{"signed out", other, "/cm/ops/dead/" + id + "/replay", url.Values{}, 303, "/cm/ops/login", nil},
		{"unknown", b, "/cm/ops/dead/999999/replay", url.Values{}, 404, "", []string{"We could not find that."}},
		{"not an id", b, "/cm/ops/dead/x1/replay", url.Values{}, 404, "", nil},
		{"zero", b, "/cm/ops/dead/0/replay", url.Values{}, 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.b.post(tt.path, tt.form)
			checkPage(t, p, tt.status, tt.want...)
			if p.location != tt.location {
				t.Errorf("Location %q, want %q", p.location, tt.location)
			}
			if s := status(); s != gateway.OutDead {
				t.Errorf("message is %s", s)
			}
		})
	}

	// Replay: the message is due again and the list is empty.
	p := b.post("/cm/ops/dead/"+id+"/replay", url.Values{})
	if p.status != 303 || p.location != "/cm/ops/dead?notice=ops.replayed" {
		t.Fatalf("replay: %d %q\n%s", p.status, p.location, p.body)
	}
	if s := status(); s != gateway.OutPending {
		t.Errorf("after replay the message is %s", s)
	}
	checkPage(t, b.get(p.location), 200, "Replayed: the message is queued for delivery again.", "No dead letters.")
	checkPage(t, b.get("/cm/ops/"), 200, `id="home-dead">0<`, "None waiting")

	// Again: it is no longer dead.
	checkPage(t, b.post("/cm/ops/dead/"+id+"/replay", url.Values{}), 409, "no longer dead", "No dead letters.")

	// The replay is audited as the operator's.
	var n int
	if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM audit_events WHERE actor = 'operator' AND action = 'gateway.outbox.replay' AND subject = $1", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d audit events of the replay", n)
	}
}

// TestOpsDeadPaging lists more dead letters than fit on a page.
func TestOpsDeadPaging(t *testing.T) {
	e := newOpsEnv(t)
	var out []*gateway.Outbound
	for i := range deadPage + 5 {
		out = append(out, &gateway.Outbound{RequestID: "dead-" + strconv.Itoa(i), BridgeID: opsHIUBridge, Kind: "consents/hiu/notify",
			URL: e.bridge.URL, Status: gateway.OutDead, Attempts: 12, LastError: "timeout"})
	}
	if err := e.db.Enqueue(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	e.signIn(t, b)
	p := b.get("/cm/ops/dead")
	checkPage(t, p, 200, strconv.Itoa(deadPage+6)+" messages could not be delivered.", `id="dead-older"`)
	if n := strings.Count(p.body, `class="replay"`); n != deadPage {
		t.Errorf("first page lists %d", n)
	}
	older := "/cm/ops/dead?before=" + strconv.FormatInt(out[5].ID, 10)
	if !strings.Contains(p.body, `href="`+strings.ReplaceAll(older, "&", "&amp;")+`"`) {
		t.Fatalf("no link to %s", older)
	}
	p = b.get(older)
	if n := strings.Count(p.body, `class="replay"`); n != 6 || strings.Contains(p.body, `id="dead-older"`) || !strings.Contains(p.body, `id="dead-`+strconv.FormatInt(e.dead.ID, 10)+`"`) {
		t.Errorf("second page lists %d", n)
	}
}
