package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

var cheapArgon = auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}

type env struct {
	db    *sqldb.DB
	svc   *registry.Service
	audit *audit.Log
	op    context.Context // acting as the operator
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db := sqlite.OpenTest(t)
	log := audit.NewLog(db, nil)
	svc := registry.NewService(db, log, registry.Config{Argon: cheapArgon})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{db: db, svc: svc, audit: log, op: arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorOperator})}
}

// verifier appoints a verifier for the state and returns a context acting
// as them, and their ID and key.
func (e *env) verifier(t testing.TB, state string) (context.Context, string, string) {
	t.Helper()
	v, key, err := e.svc.CreateVerifier(e.op, "Verifier of "+state, state)
	if err != nil {
		t.Fatal(err)
	}
	return arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorVerifier, ID: v.ID}), v.ID, key
}

// facility is a valid submission in Visakhapatnam, Andhra Pradesh.
func facility(name string) *registry.Facility {
	return &registry.Facility{
		Name: name, Type: "hospital", Ownership: "private", OwnershipSubType: "trust", Systems: []string{"modern"},
		Address: registry.Address{Line: "Beach Road", City: "Visakhapatnam", StateCode: "28", DistrictCode: "520", PIN: "530002"},
		Lat:     17.7126, Lon: 83.3155, Phone: "08912345678", Specialities: []string{"cardiology", "general-medicine"},
		Beds: 120, Timings: "24x7", ABDMEnabled: true, ABDMRoles: []string{"HIP"},
	}
}

func professional(handle string) *registry.Professional {
	return &registry.Professional{
		Handle: handle, Name: "Lakshmi Narayana Rao", Gender: "F", Category: "doctor", System: "modern",
		Council: "Andhra Pradesh Medical Council", RegistrationNumber: "APMC/12345",
		Qualifications: []registry.Qualification{{Degree: "MBBS", University: "Andhra University", Year: 2008}},
		Specialities:   []string{"cardiology"}, Languages: []string{"te", "en"},
		Address: registry.Address{City: "Visakhapatnam", StateCode: "28", DistrictCode: "520", PIN: "530002"},
		Phone:   "9876543210", Email: "doctor@example.org",
	}
}

func TestFacilityVerificationFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f, err := e.svc.SubmitFacility(ctx, facility("Sagarika Heart Care Hospital"))
	if err != nil {
		t.Fatal(err)
	}
	if !registry.ValidFacilityID(f.ID) || !strings.HasPrefix(f.ID, "IN28") || f.Status != registry.StatusPending {
		t.Fatalf("submitted: id %q status %s", f.ID, f.Status)
	}
	// Pending: invisible to the public, absent from search.
	if _, err := e.svc.Facility(ctx, f.ID); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("public read of a pending facility: %v", err)
	}
	if ok, _ := e.svc.FacilityVerified(ctx, f.ID); ok {
		t.Fatal("pending facility reported verified")
	}
	page, err := e.svc.SearchFacilities(ctx, registry.FacilityQuery{Q: "sagarika"})
	if err != nil || page.Total != 0 {
		t.Fatalf("search before verification: %+v %v", page, err)
	}

	ap, _, _ := e.verifier(t, "28")
	tg, _, _ := e.verifier(t, "36")

	// A verifier of another state neither sees it queued nor may decide it.
	q, err := e.svc.PendingFacilities(tg, "", "", 0)
	if err != nil || len(q) != 0 {
		t.Fatalf("Telangana's queue: %d entries, %v", len(q), err)
	}
	if _, err := e.svc.DecideFacility(tg, f.ID, registry.Decision{Status: registry.StatusVerified}); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("other state's verifier: got %v, want forbidden", err)
	}
	if _, err := e.svc.DecideFacility(ctx, f.ID, registry.Decision{Status: registry.StatusVerified}); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("anonymous decision: got %v, want unauthorized", err)
	}
	// Rejection needs a reason.
	if _, err := e.svc.DecideFacility(ap, f.ID, registry.Decision{Status: registry.StatusRejected}); arogya.ErrorCode(err) != arogya.EINVALID {
		t.Fatalf("rejection without reason: %v", err)
	}

	q, err = e.svc.PendingFacilities(ap, "", "", 0)
	if err != nil || len(q) != 1 || q[0].ID != f.ID {
		t.Fatalf("Andhra Pradesh's queue: %v %v", q, err)
	}
	got, err := e.svc.DecideFacility(ap, f.ID, registry.Decision{Status: registry.StatusVerified})
	if err != nil || got.Status != registry.StatusVerified {
		t.Fatalf("approve: %v %v", got, err)
	}
	if _, err := e.svc.DecideFacility(ap, f.ID, registry.Decision{Status: registry.StatusVerified}); arogya.ErrorCode(err) != arogya.ECONFLICT {
		t.Fatalf("approving twice: %v", err)
	}
	if ok, _ := e.svc.FacilityVerified(ctx, f.ID); !ok {
		t.Fatal("verified facility not reported verified")
	}
	page, err = e.svc.SearchFacilities(ctx, registry.FacilityQuery{Q: "sagarika heart"})
	if err != nil || page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != f.ID {
		t.Fatalf("search after verification: %+v %v", page, err)
	}
	near, err := e.svc.SearchFacilities(ctx, registry.FacilityQuery{Near: &registry.Point{Lat: 17.72, Lon: 83.30}, RadiusKm: 5})
	if err != nil || near.Total != 1 || near.Items[0].DistanceKm <= 0 || near.Items[0].DistanceKm > 5 {
		t.Fatalf("nearby search: %+v %v", near, err)
	}

	// Struck off with a reason: gone from search at once.
	if _, err := e.svc.DecideFacility(e.op, f.ID, registry.Decision{Status: registry.StatusRejected, Reason: "licence lapsed"}); err != nil {
		t.Fatal(err)
	}
	if page, _ = e.svc.SearchFacilities(ctx, registry.FacilityQuery{Q: "sagarika"}); page.Total != 0 {
		t.Fatalf("rejected facility still found: %+v", page)
	}
	hs, err := e.svc.History(ap, registry.KindFacility, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, h := range hs {
		actions = append(actions, h.Action+"/"+h.Actor[:min(len(h.Actor), 8)])
	}
	if want := "submitted/public verified/verifier rejected/operator"; strings.Join(actions, " ") != want {
		t.Fatalf("history: %q, want %q", strings.Join(actions, " "), want)
	}
	if _, err := e.svc.History(ctx, registry.KindFacility, f.ID); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("public history: %v", err)
	}
	if _, err := e.svc.History(tg, registry.KindFacility, f.ID); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("other state's history: %v", err)
	}
}

func TestSubmitValidation(t *testing.T) {
	e := newEnv(t)
	bad := facility("X")
	bad.Address.DistrictCode = "603" // a Telangana district, not Andhra Pradesh's
	bad.Beds = -1
	_, err := e.svc.SubmitFacility(context.Background(), bad)
	var ve *registry.ValidationError
	if !errors.As(err, &ve) || arogya.ErrorCode(err) != arogya.EINVALID {
		t.Fatalf("got %v, want a validation error", err)
	}
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{"name", "beds"} {
		if !fields[want] {
			t.Errorf("no error for %s in %v", want, ve.Fields)
		}
	}
	n, _, err := e.db.RegistryCounts(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("a rejected submission was stored: %d %v", n, err)
	}
}

func TestProfessionalFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p, err := e.svc.SubmitProfessional(ctx, professional("dr.lakshmi"))
	if err != nil {
		t.Fatal(err)
	}
	if !registry.ValidHPRID(p.ID) {
		t.Fatalf("HPR number %q", p.ID)
	}
	if _, err := e.svc.SubmitProfessional(ctx, professional("dr.lakshmi")); arogya.ErrorCode(err) != arogya.ECONFLICT {
		t.Fatalf("taken handle: %v", err)
	}
	ap, _, _ := e.verifier(t, "28")
	if _, err := e.svc.DecideProfessional(ap, registry.FormatHPRID(p.ID), registry.Decision{Status: registry.StatusVerified}); err != nil {
		t.Fatal(err)
	}
	// The public sees no contact details; the state's verifier does.
	for _, c := range []struct {
		ctx     context.Context
		id      string
		contact bool
	}{
		{ctx, p.ID, false},
		{ctx, "dr.lakshmi@hpr.abdm", false},
		{ctx, registry.FormatHPRID(p.ID), false},
		{ap, p.ID, true},
	} {
		got, err := e.svc.Professional(c.ctx, c.id)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if (got.Phone != "") != c.contact || (got.Email != "") != c.contact {
			t.Errorf("%s: contact shown %v, want %v", c.id, got.Phone != "", c.contact)
		}
	}
	page, err := e.svc.SearchProfessionals(ctx, registry.ProfessionalQuery{Q: "lakshmi", Category: "doctor", Language: "te"})
	if err != nil || page.Total != 1 || page.Items[0].Phone != "" {
		t.Fatalf("search: %+v %v", page, err)
	}
}

func TestVerifierAuthentication(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.svc.CreateVerifier(ctx, "Someone", "28"); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("anonymous appointment: %v", err)
	}
	_, id, key := e.verifier(t, "28")
	for _, c := range []struct {
		id, key string
		ok      bool
	}{
		{id, key, true},
		{id, key, true}, // from the cache
		{id, key + "x", false},
		{id, "", false},
		{"vrf-000000000000", key, false},
		{"nonsense", key, false},
	} {
		_, err := e.svc.AuthenticateVerifier(ctx, c.id, c.key)
		if (err == nil) != c.ok {
			t.Errorf("authenticate(%q, …): %v, want ok=%v", c.id, err, c.ok)
		}
	}
	if err := e.svc.SetVerifierDisabled(e.op, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateVerifier(ctx, id, key); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("disabled verifier: %v", err)
	}
}

// TestAPI drives the REST API over HTTP: submit, the other state's
// verifier refused, approval, search with paging and totals.
func TestAPI(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	registry.NewHandler(e.svc, "operator-secret").Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, token string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}

	status, v := call("POST", "/api/v1/admin/verifiers", "operator-secret", map[string]string{"name": "AP verifier", "stateCode": "28"})
	if status != 201 {
		t.Fatalf("create verifier: %d %v", status, v)
	}
	apTok := v["id"].(string) + ":" + v["key"].(string)
	_, v = call("POST", "/api/v1/admin/verifiers", "operator-secret", map[string]string{"name": "TG verifier", "stateCode": "36"})
	tgTok := v["id"].(string) + ":" + v["key"].(string)
	if status, _ := call("POST", "/api/v1/admin/verifiers", "", map[string]string{"name": "Me", "stateCode": "28"}); status != 403 {
		t.Fatalf("anonymous verifier creation: %d", status)
	}
	if status, _ := call("GET", "/api/v1/facilities", apTok+"x", nil); status != 401 {
		t.Fatalf("wrong verifier key: %d", status)
	}

	var ids []string
	for i := range 3 {
		f := map[string]any{
			"name": fmt.Sprintf("Godavari Care Clinic %d", i+1), "type": "clinic", "ownership": "private",
			"systemsOfMedicine": []string{"modern"},
			"address":           map[string]string{"stateCode": "28", "districtCode": "520", "pin": "530002"},
			"location":          map[string]float64{"lat": 17.71, "lon": 83.31},
		}
		status, v := call("POST", "/api/v1/facilities", "", f)
		if status != 201 || v["status"] != "PENDING" {
			t.Fatalf("submit: %d %v", status, v)
		}
		ids = append(ids, v["id"].(string))
	}
	status, v = call("POST", "/api/v1/facilities", "", map[string]any{"name": "No"})
	if errObj, _ := v["error"].(map[string]any); status != 400 || errObj["fields"] == nil {
		t.Fatalf("invalid submission: %d %v", status, v)
	}
	if status, _ := call("GET", "/api/v1/facilities/"+ids[0], "", nil); status != 404 {
		t.Fatalf("public read of pending: %d", status)
	}
	if status, v := call("POST", "/api/v1/facilities/"+ids[0]+"/verification", tgTok, map[string]string{"decision": "VERIFIED"}); status != 403 {
		t.Fatalf("other state's verifier: %d %v", status, v)
	}
	for _, id := range ids {
		if status, v := call("POST", "/api/v1/facilities/"+id+"/verification", apTok, map[string]string{"decision": "VERIFIED"}); status != 200 || v["status"] != "VERIFIED" {
			t.Fatalf("approve: %d %v", status, v)
		}
	}
	status, v = call("GET", "/api/v1/facilities?q=godavari&state=28&page_size=2", "", nil)
	if status != 200 || v["total"].(float64) != 3 || len(v["items"].([]any)) != 2 {
		t.Fatalf("search page 1: %d %v", status, v)
	}
	first := v["items"].([]any)
	_, v = call("GET", "/api/v1/facilities?q=godavari&state=28&page_size=2&page=2", "", nil)
	second := v["items"].([]any)
	if len(second) != 1 || second[0].(map[string]any)["id"] == first[0].(map[string]any)["id"] || second[0].(map[string]any)["id"] == first[1].(map[string]any)["id"] {
		t.Fatalf("page 2 repeats page 1: %v / %v", first, second)
	}
	status, v = call("GET", "/api/v1/facilities?near=17.70,83.30&radius_km=10", "", nil)
	if status != 200 || v["total"].(float64) != 3 || v["items"].([]any)[0].(map[string]any)["distanceKm"] == nil {
		t.Fatalf("nearby: %d %v", status, v)
	}
	for _, bad := range []string{"?page_size=1000", "?near=abc", "?state=99", "?colour=blue", "?radius_km=5", "?page=0", "?type=castle"} {
		if status, v := call("GET", "/api/v1/facilities"+bad, "", nil); status != 400 {
			t.Errorf("GET /api/v1/facilities%s: %d %v, want 400", bad, status, v)
		}
	}
	if status, v := call("GET", "/api/v1/facilities/"+ids[0]+"/history", apTok, nil); status != 200 || len(v["history"].([]any)) != 2 {
		t.Fatalf("history: %d %v", status, v)
	}
	if status, _ := call("GET", "/api/v1/registry/vocabularies", "", nil); status != 200 {
		t.Fatalf("vocabularies: %d", status)
	}
}
