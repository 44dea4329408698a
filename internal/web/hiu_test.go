package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/registryapi"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// The HIU pages' journeys run against a real node, consent manager and
// HIPs in cmd/arogya (hiu_pages_test.go, hiu_browser_test.go). Here: the
// pages over a real hiu service on SQLite with no bridge, for what needs
// no consent manager.

// hiuRegistry is the registry's public API, as a fake: every facility is
// verified, and one doctor works at the facility.
type hiuRegistry struct{ facility, hpr string }

func (r hiuRegistry) Facility(context.Context, string) (string, bool, error) {
	return "Review Clinic", true, nil
}

func (r hiuRegistry) Professional(_ context.Context, id string) (*registryapi.Professional, error) {
	if id != r.hpr {
		return nil, arogya.Errorf(arogya.ENOTFOUND, "no such professional")
	}
	return &registryapi.Professional{ID: id, Name: "Anita Das", Facilities: []string{r.facility}, Verified: true}, nil
}

// hiuEnv is the HIU pages over a service with one facility and one
// clinician whose password is set.
type hiuEnv struct {
	srv                     *httptest.Server
	svc                     *hiu.Service
	facility, hpr, password string
}

func newHIUEnv(t testing.TB) *hiuEnv {
	t.Helper()
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	reg := hiuRegistry{facility: "IN2810000001", hpr: "71445566778899"}
	svc := hiu.NewService(db, reg, audit.NewLog(db, time.Now), hiu.Config{WrapKey: bytes.Repeat([]byte{7}, 32), TokenKey: bytes.Repeat([]byte{9}, 32),
		Professionals: reg, Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}})
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	if _, err := svc.AddFacility(op, reg.facility); err != nil {
		t.Fatal(err)
	}
	_, pw, err := svc.AddStaff(op, reg.facility, reg.hpr)
	if err != nil {
		t.Fatal(err)
	}
	const own = "the doctor's own passphrase"
	if err := svc.ChangeStaffPassword(ctx, reg.facility, reg.hpr, pw, own); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	NewHIU(svc, Options{Secret: []byte("test secret")}).Register(mux)
	e := &hiuEnv{srv: httptest.NewServer(mux), svc: svc, facility: reg.facility, hpr: reg.hpr, password: own}
	t.Cleanup(e.srv.Close)
	return e
}

func (e *hiuEnv) signIn(t testing.TB) *browser {
	t.Helper()
	b := (&testEnv{srv: e.srv}).browser(t)
	b.get("/hiu/sign-in")
	if p := b.post("/hiu/sign-in", url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {e.password}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", p.status, p.body)
	}
	b.get("/hiu/")
	return b
}

// TestHIUPagesWithoutCM: every page needs a clinician's session; the
// consent form's refusals keep the values and store nothing; a form that
// passes the page's checks, with no consent manager to send it to, is an
// error page that stores nothing either; a request of another facility
// is not found.
func TestHIUPagesWithoutCM(t *testing.T) {
	e := newHIUEnv(t)
	anon := (&testEnv{srv: e.srv}).browser(t)
	for _, path := range []string{"/hiu/", "/hiu/ask", "/hiu/requests/x", "/hiu/requests/x/records", "/hiu/requests/x/records/y/fhir", "/hiu/find/x"} {
		if p := anon.get(path); p.status != http.StatusSeeOther || p.location != "/hiu/sign-in" {
			t.Errorf("GET %s signed out: %d %q", path, p.status, p.location)
		}
	}
	b := e.signIn(t)
	checkPage(t, b.get("/hiu/"), http.StatusOK, "No consent requests yet")
	form := url.Values{"patient": {"asha@sbx"}, "purpose": {"CAREMGT"}, "hitype": {"Prescription"}, "from": {"2025-01-01"}, "to": {"2025-12-31"},
		"erase_at": {time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("to", "2024-01-01")
	checkPage(t, b.post("/hiu/requests", bad), http.StatusUnprocessableEntity, "must not be after", `value="asha@sbx"`, `value="2024-01-01"`, `value="Prescription" checked`)
	checkPage(t, b.post("/hiu/requests", form), http.StatusServiceUnavailable, "cannot be reached")
	checkPage(t, b.post("/hiu/find", url.Values{"patient": {"asha@sbx"}}), http.StatusServiceUnavailable)
	if list, err := e.svc.ConsentRequests(context.Background(), e.facility, ""); err != nil || len(list) != 0 {
		t.Fatalf("requests stored: %d, %v", len(list), err)
	}
	checkPage(t, b.get("/hiu/requests/no-such-request"), http.StatusNotFound, "Not found, or not of this facility.")
	if p := b.post("/hiu/requests", url.Values{"csrf": {strings.Repeat("A", csrfLen)}}); p.status != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %d", p.status)
	}
}

// TestHIUCatalogue: every message id the HIU pages make at run time (the
// templates' literal ids are TestCatalogueCoversTemplates's) is in the
// catalogue.
func TestHIUCatalogue(t *testing.T) {
	ids := []string{"title.notfound"}
	for _, n := range hiuPageNames {
		ids = append(ids, "title."+n)
	}
	for _, p := range hiuPurposes {
		ids = append(ids, "hiu.purpose."+p)
	}
	for _, h := range hiu.HITypes {
		ids = append(ids, "hiu.hitype."+h)
	}
	for _, s := range []string{hiu.RequestPending, hiu.RequestRequested, hiu.RequestGranted, hiu.RequestDenied, hiu.RequestExpired, hiu.RequestErrored} {
		ids = append(ids, "hiu.status."+s)
	}
	for _, s := range []string{hiu.ArtefactFetching, hiu.ArtefactInvalid, "GRANTED", "REVOKED", "EXPIRED"} {
		ids = append(ids, "hiu.artefact."+s)
	}
	for _, s := range []string{hiu.TransferRequested, hiu.TransferAccepted, hiu.TransferDone, hiu.TransferFailed, hiu.TransferExpired} {
		ids = append(ids, "hiu.transfer."+s)
	}
	ids = append(ids, "hiu.erased.REVOKED", "hiu.erased.EXPIRED", "hiu.erased.due", "hiu.transfer.failed.why")
	for _, id := range []string{"ops.facilities.group", "ops.facilities.lead", "ops.facilities.none", "ops.staff.heading", "ops.staff.none",
		"ops.staff.password.once", "ops.staff.disable.question"} {
		ids = append(ids, id, id+".hiu")
	}
	for _, id := range ids {
		if _, ok := messagesEN[id]; !ok {
			t.Errorf("message %q is missing", id)
		}
	}
}
