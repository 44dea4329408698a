package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/registryapi"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// emrEnv is the EMR pages over a real hip service with staff enabled, as
// internal/hip's staff tests set it up: a registry service over httptest
// with a verified facility and a doctor working there, who has an EMR
// account with a one-time password.
type emrEnv struct {
	srv      *httptest.Server
	svc      *hip.Service
	facility string
	hpr      string
	nurse    string // a verified professional of the facility without an account
	outsider string // a verified professional of no facility here
	oneTime  string // the password the operator handed over
	password string // the doctor's own, set with it
}

func newEMREnv(t testing.TB) *emrEnv {
	t.Helper()
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	log := audit.NewLog(db, time.Now)
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	argon := auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}
	rsvc := registry.NewService(db, log, registry.Config{Argon: argon})
	follow, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	if err := rsvc.Start(follow); err != nil {
		t.Fatal(err)
	}
	f, err := rsvc.SubmitFacility(ctx, &registry.Facility{Name: "Coastal General Hospital", Type: "hospital", Ownership: "private",
		Systems: []string{"modern"}, Address: registry.Address{StateCode: "28", DistrictCode: "520", PIN: "530002"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rsvc.DecideFacility(op, f.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
		t.Fatal(err)
	}
	p, err := rsvc.SubmitProfessional(ctx, &registry.Professional{Handle: "dr.meera.rao", Name: "Meera Rao", Gender: "F", Category: "doctor",
		System: "modern", Council: "Andhra Pradesh Medical Council", RegistrationNumber: "APMC/777",
		Qualifications: []registry.Qualification{{Degree: "MBBS", University: "Andhra University", Year: 2010}},
		Languages:      []string{"te", "en"}, Facilities: []string{f.ID},
		Address: registry.Address{City: "Visakhapatnam", StateCode: "28", DistrictCode: "520", PIN: "530002"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rsvc.DecideProfessional(op, p.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
		t.Fatal(err)
	}
	var others []string
	for i, works := range [][]string{{f.ID}, nil} {
		n, err := rsvc.SubmitProfessional(ctx, &registry.Professional{Handle: fmt.Sprintf("nurse.asha.%d", i), Name: "Asha Kumari", Gender: "F", Category: "nurse",
			System: "modern", Council: "Andhra Pradesh Nursing Council", RegistrationNumber: fmt.Sprintf("APNC/%d", 100+i),
			Qualifications: []registry.Qualification{{Degree: "BSc Nursing", University: "Andhra University", Year: 2015}},
			Languages:      []string{"te"}, Facilities: works,
			Address: registry.Address{City: "Visakhapatnam", StateCode: "28", DistrictCode: "520", PIN: "530002"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rsvc.DecideProfessional(op, n.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
			t.Fatal(err)
		}
		others = append(others, n.ID)
	}
	rmux := http.NewServeMux()
	registry.NewHandler(rsvc, "").Register(rmux)
	reg := httptest.NewServer(rmux)
	t.Cleanup(reg.Close)

	client := &registryapi.Client{BaseURL: reg.URL}
	svc := hip.NewService(db, client, hip.FHIRBundles{}, log, hip.Config{WrapKey: bytes.Repeat([]byte{7}, 32)})
	svc.EnableStaff(hip.StaffConfig{Store: db, Professionals: client, TokenKey: bytes.Repeat([]byte{9}, 32), Argon: argon})
	if _, err := svc.AddFacility(op, f.ID); err != nil {
		t.Fatal(err)
	}
	_, pw, err := svc.AddStaff(op, f.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	const own = "doctor's own password"
	if err := svc.ChangeStaffPassword(ctx, f.ID, p.ID, pw, own); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	NewEMR(svc, Options{Secret: []byte("test secret")}).Register(mux)
	e := &emrEnv{srv: httptest.NewServer(mux), svc: svc, facility: f.ID, hpr: p.ID, nurse: others[0], outsider: others[1], oneTime: pw, password: own}
	t.Cleanup(e.srv.Close)
	return e
}

// browser is an HTTP client for the EMR pages (see helpers_test.go).
func (e *emrEnv) browser(t testing.TB) *browser {
	return (&testEnv{srv: e.srv}).browser(t)
}

// signIn signs b in as the doctor.
func (e *emrEnv) signIn(t testing.TB, b *browser) {
	t.Helper()
	b.get("/emr/sign-in")
	p := b.post("/emr/sign-in", url.Values{"facility": {e.facility}, "hpr": {e.hpr}, "password": {e.password}})
	if p.status != http.StatusSeeOther || p.location != "/emr/?notice=emr.signedin" {
		t.Fatalf("sign in: %d %q\n%s", p.status, p.location, p.body)
	}
	b.get("/emr/") // for the CSRF token of the signed-in pages
}
