package web

import (
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
	"github.com/arogya-health/arogya/internal/india"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// regEnv is a real registry service on SQLite behind the registry pages,
// served by an httptest server, with a verifier for Andhra Pradesh (28)
// and one for Telangana (36).
type regEnv struct {
	srv   *httptest.Server
	mux   *http.ServeMux
	svc   *registry.Service
	db    *sqldb.DB
	pages *Registry
	op    context.Context // acts as the operator
	v28   *registry.Verifier
	key28 string
	v36   *registry.Verifier
	key36 string
}

// newRegistryEnv builds the service and pages for one test.
func newRegistryEnv(t testing.TB) *regEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db := sqlite.OpenTest(t)
	svc := registry.NewService(db, audit.NewLog(db, time.Now), registry.Config{
		Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1},
	})
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	pages := NewRegistry(svc, Options{Secret: []byte("test secret")})
	pages.Register(mux)
	e := &regEnv{srv: srv, mux: mux, svc: svc, db: db, pages: pages,
		op: arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})}
	var err error
	if e.v28, e.key28, err = svc.CreateVerifier(e.op, "Anita Rao", "28"); err != nil {
		t.Fatal(err)
	}
	if e.v36, e.key36, err = svc.CreateVerifier(e.op, "Ravi Kumar", "36"); err != nil {
		t.Fatal(err)
	}
	return e
}

// district returns the first district of the state.
func district(t testing.TB, state string) india.District {
	t.Helper()
	ds := india.Districts(state)
	if len(ds) == 0 {
		t.Fatalf("no districts in state %s", state)
	}
	return ds[0]
}

// newFacility returns a valid facility in the state.
func newFacility(t testing.TB, name, state string) *registry.Facility {
	d := district(t, state)
	return &registry.Facility{
		Name: name, Type: "hospital", Ownership: "government", OwnershipSubType: "state",
		Systems: []string{"modern"}, Specialities: []string{"general-medicine", "paediatrics"},
		Address: registry.Address{Line: "Main Road", City: d.Name, StateCode: state, DistrictCode: d.Code, PIN: d.Pincode},
		Phone:   "08632234567", Beds: 120, Timings: "24x7", ABDMEnabled: true, ABDMRoles: []string{"HIP"},
	}
}

// facility submits a facility and, when verify, has the operator verify it.
func (e *regEnv) facility(t testing.TB, name, state string, verify bool) *registry.Facility {
	t.Helper()
	f, err := e.svc.SubmitFacility(context.Background(), newFacility(t, name, state))
	if err != nil {
		t.Fatal(err)
	}
	if verify {
		if f, err = e.svc.DecideFacility(e.op, f.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// newProfessional returns a valid doctor in the state.
func newProfessional(t testing.TB, name, handle, state string) *registry.Professional {
	d := district(t, state)
	return &registry.Professional{
		Handle: handle, Name: name, Gender: "F", Category: "doctor", System: "modern",
		Council: "Andhra Pradesh Medical Council", RegistrationNumber: "APMC/12345",
		Qualifications: []registry.Qualification{{Degree: "MBBS", University: "NTR University of Health Sciences", Year: 2010}},
		Specialities:   []string{"paediatrics"}, Languages: []string{"te", "en"},
		Address: registry.Address{City: d.Name, StateCode: state, DistrictCode: d.Code, PIN: d.Pincode},
		Phone:   "9876543210", Email: "doctor@example.in",
	}
}

// professional submits a professional and, when verify, verifies them.
func (e *regEnv) professional(t testing.TB, name, handle, state string, verify bool) *registry.Professional {
	t.Helper()
	p, err := e.svc.SubmitProfessional(context.Background(), newProfessional(t, name, handle, state))
	if err != nil {
		t.Fatal(err)
	}
	if verify {
		if p, err = e.svc.DecideProfessional(e.op, p.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// drugs stores a few drugs and brings the index up to date.
func (e *regEnv) drugs(t testing.TB) {
	t.Helper()
	ds := []*registry.Drug{
		{ID: "paracetamol-tablet-500-mg", Generic: "Paracetamol", Brands: []string{"Crocin", "Dolo 650"}, Form: "tablet",
			Strength: "500 mg", Route: "oral", Schedule: "OTC", ATC: "N02BE01"},
		{ID: "amoxicillin-capsule-500-mg", Generic: "Amoxicillin", Brands: []string{"Mox"}, Form: "capsule",
			Strength: "500 mg", Route: "oral", Schedule: "H", ATC: "J01CA04"},
	}
	if err := e.db.PutDrugs(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client for the registry pages (see helpers_test.go).
func (e *regEnv) browser(t testing.TB) *browser {
	b := (&testEnv{srv: e.srv}).browser(t)
	return b
}

// signIn signs b in as the verifier.
func (e *regEnv) signIn(t testing.TB, b *browser, id, key string) {
	t.Helper()
	b.get("/registry/verify/login")
	p := b.post("/registry/verify/login", url.Values{"verifier": {id}, "key": {key}})
	if p.status != http.StatusSeeOther || p.location != "/registry/verify?notice=registry.signedin" {
		t.Fatalf("sign in: %d %q\n%s", p.status, p.location, p.body)
	}
	b.get("/registry/verify") // for the CSRF token of the signed-in pages
}

// facilityForm is a valid facility form of the state.
func facilityForm(t testing.TB, name, state string) url.Values {
	d := district(t, state)
	return url.Values{
		"name": {name}, "type": {"chc"}, "ownership": {"government"}, "ownershipSubType": {"state"},
		"systems": {"modern", "ayurveda"}, "line": {"Near bus stand"}, "city": {d.Name}, "state": {state},
		"district": {d.Code}, "pin": {d.Pincode}, "phone": {"0863 223 4567"}, "specialities": {"general-medicine"},
		"services": {"24x7 emergency\nDialysis"}, "beds": {"30"}, "timings": {"24x7"},
	}
}

// professionalForm is a valid professional form of the state.
func professionalForm(t testing.TB, handle, state string) url.Values {
	d := district(t, state)
	return url.Values{
		"name": {"Lakshmi Devi"}, "gender": {"F"}, "handle": {handle}, "category": {"doctor"}, "system": {"modern"},
		"council": {"Andhra Pradesh Medical Council"}, "registration": {"APMC/99881"},
		"degree1": {"MBBS"}, "university1": {"Andhra University"}, "year1": {"2012"},
		"specialities": {"paediatrics"}, "languages": {"te", "en"}, "city": {d.Name}, "state": {state},
		"district": {d.Code}, "pin": {d.Pincode}, "phone": {"9876501234"}, "email": {"lakshmi@example.in"},
	}
}

// checkPage fails unless p has the status and every want in its body.
func checkPage(t *testing.T, p page, status int, want ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
	}
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}
