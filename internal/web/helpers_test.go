package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// testEnv is a real ABHA service on SQLite behind the pages, served by an
// httptest server.
type testEnv struct {
	srv    *httptest.Server
	mux    *http.ServeMux
	svc    *abha.Service
	db     *sqldb.DB
	kyc    abha.KYC
	outbox string // SMS outbox file
}

// newTestEnv builds the service and pages for one test.
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	master, err := auth.LoadOrCreateMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.NewKeys(ctx, db, master, auth.KeysOptions{})
	if err != nil {
		t.Fatal(err)
	}
	outbox := filepath.Join(dir, "sms.jsonl")
	sms, err := notify.NewFileSMS(outbox)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sms.Close() })
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	kyc := abha.NewSandboxKYC()
	svc := abha.NewService(db, kyc, sms, audit.NewLog(db, time.Now), keys, abha.Config{
		CMID: "sbx", Issuer: srv.URL, Secret: master,
		Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1},
	})
	NewABHA(svc, Options{}).Register(mux)
	return &testEnv{srv: srv, mux: mux, svc: svc, db: db, kyc: kyc, outbox: outbox}
}

// aadhaar returns a well-formed Aadhaar number made from an 11-digit seed
// whose first digit is 2-9.
func aadhaar(seed string) string {
	return seed + strconv.Itoa(abha.VerhoeffDigit(seed))
}

// kycMobile returns the mobile the sandbox KYC gives the Aadhaar number.
func (e *testEnv) kycMobile(t testing.TB, aadhaarNo string) string {
	t.Helper()
	id, err := e.kyc.Lookup(context.Background(), aadhaarNo)
	if err != nil {
		t.Fatal(err)
	}
	return id.Mobile
}

// otp returns the latest OTP sent to mobile.
func (e *testEnv) otp(t testing.TB, mobile string) string {
	t.Helper()
	otp, err := notify.LatestOTP(e.outbox, mobile)
	if err != nil {
		t.Fatal(err)
	}
	return otp
}

// browser is an HTTP client with cookies that does not follow redirects,
// plus the CSRF token of its last page.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func (e *testEnv) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page is a fetched response.
type page struct {
	status   int
	body     string
	header   http.Header
	location string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return page{status: res.StatusCode, body: string(body), header: res.Header, location: res.Header.Get("Location")}
}

// get fetches path.
func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits form to path with the browser's CSRF token (unless the form
// has its own "csrf").
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok && b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// hidden returns the value of the hidden field name in body.
func hidden(t testing.TB, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hidden field %q in page", name)
	}
	return m[1]
}
