package hip_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/registry"
	"github.com/arogya-health/arogya/internal/registryapi"
	"github.com/arogya-health/arogya/internal/sqlite"
)

var cheapArgon = auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}

type staffEnv struct {
	srv                 *httptest.Server
	svc                 *hip.Service
	facility, facility2 string
	hpr                 string
}

const operator = "operator-token-for-tests-0123456789"

// newStaffEnv is a real registry over HTTP with two verified facilities
// and a doctor working at the first, and the hip service (staff passwords
// hashed with argon) behind its handler.
func newStaffEnv(t *testing.T, argon auth.ArgonParams) *staffEnv {
	t.Helper()
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	log := audit.NewLog(db, time.Now)
	op := arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	rsvc := registry.NewService(db, log, registry.Config{Argon: cheapArgon})
	follow, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	if err := rsvc.Start(follow); err != nil {
		t.Fatal(err)
	}
	e := &staffEnv{}
	for i, name := range []string{"Coastal General Hospital", "Hill Top Hospital"} {
		f, err := rsvc.SubmitFacility(ctx, &registry.Facility{Name: name, Type: "hospital", Ownership: "private",
			Systems: []string{"modern"}, Address: registry.Address{StateCode: "28", DistrictCode: "520", PIN: "530002"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rsvc.DecideFacility(op, f.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.facility = f.ID
		} else {
			e.facility2 = f.ID
		}
	}
	p, err := rsvc.SubmitProfessional(ctx, &registry.Professional{Handle: "dr.meera.rao", Name: "Meera Rao", Gender: "F", Category: "doctor",
		System: "modern", Council: "Andhra Pradesh Medical Council", RegistrationNumber: "APMC/777",
		Qualifications: []registry.Qualification{{Degree: "MBBS", University: "Andhra University", Year: 2010}},
		Languages:      []string{"te", "en"}, Facilities: []string{e.facility},
		Address: registry.Address{City: "Visakhapatnam", StateCode: "28", DistrictCode: "520", PIN: "530002"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rsvc.DecideProfessional(op, p.ID, registry.Decision{Status: registry.StatusVerified}); err != nil {
		t.Fatal(err)
	}
	e.hpr = p.ID
	rmux := http.NewServeMux()
	registry.NewHandler(rsvc, "").Register(rmux)
	reg := httptest.NewServer(rmux)
	t.Cleanup(reg.Close)

	client := &registryapi.Client{BaseURL: reg.URL}
	svc := hip.NewService(db, client, hip.FHIRBundles{}, log, hip.Config{WrapKey: bytes.Repeat([]byte{7}, 32)})
	svc.EnableStaff(hip.StaffConfig{Store: db, Professionals: client, TokenKey: bytes.Repeat([]byte{9}, 32), Argon: argon})
	mux := http.NewServeMux()
	requireAdmin := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+operator {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r.WithContext(arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorOperator})))
		})
	}
	e.svc = svc
	hip.NewHandler(svc, operator).Register(mux, requireAdmin)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *staffEnv) call(t *testing.T, method, path, token string, body any, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		_ = json.Unmarshal(data, out)
	}
	return resp.StatusCode, string(data)
}

// TestStaffEMR: the operator adds a facility and a professional who works
// there; they sign in, register a patient by ABHA, write an OP
// consultation and a lab report, and read them back as FHIR, HTML and
// PDF. A professional who does not work there gets no account; a staff
// token does not open another facility.
func TestStaffEMR(t *testing.T) {
	e := newStaffEnv(t, cheapArgon)
	for _, id := range []string{e.facility, e.facility2} {
		if st, body := e.call(t, "POST", "/api/v1/admin/hip/facilities", operator, map[string]string{"facilityId": id}, nil); st != 201 {
			t.Fatalf("add facility: %d %s", st, body)
		}
	}
	if st, _ := e.call(t, "POST", "/api/v1/admin/hip/facilities/"+e.facility2+"/staff", operator, map[string]string{"hprId": e.hpr}, nil); st != 422 {
		t.Fatalf("staff for a facility they do not work at: %d, want 422", st)
	}
	var acct struct{ Password string }
	if st, body := e.call(t, "POST", "/api/v1/admin/hip/facilities/"+e.facility+"/staff", operator, map[string]string{"hprId": e.hpr}, &acct); st != 201 || acct.Password == "" {
		t.Fatalf("add staff: %d %s", st, body)
	}
	if st, _ := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/staff/sign-in", "", map[string]string{"hprId": e.hpr, "password": "wrong-password"}, nil); st != 401 {
		t.Fatalf("wrong password: %d", st)
	}
	// Guessing stops after 10 failures, whatever the password.
	other := "72345678901234" // no account: counted the same way
	for i := range 10 {
		if st, _ := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/staff/sign-in", "", map[string]string{"hprId": other, "password": "guess"}, nil); st != 401 {
			t.Fatalf("failed sign-in %d: %d", i+1, st)
		}
	}
	if st, _ := e.call(t, "POST", "/api/v1/hip/"+strings.ToLower(e.facility)+"/staff/sign-in", "", map[string]string{"hprId": other, "password": "guess"}, nil); st != 429 {
		t.Fatalf("the 11th failed sign-in: %d, want 429", st)
	}
	const mine = "a-new-long-password"
	if st, body := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/staff/password", "", map[string]string{"hprId": e.hpr, "password": acct.Password, "newPassword": mine}, nil); st != 204 {
		t.Fatalf("change password: %d %s", st, body)
	}
	var sess struct{ Token string }
	if st, body := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/staff/sign-in", "", map[string]string{"hprId": e.hpr, "password": mine}, &sess); st != 200 || sess.Token == "" {
		t.Fatalf("sign in: %d %s", st, body)
	}
	tok := sess.Token

	newPatient := map[string]any{"name": "Asha Devi", "gender": "F", "birthDate": "1990-04-01", "mobile": "+91 98765 43210", "abhaNumber": "91-1234-5678-9012"}
	var p struct{ ReferenceNumber, Mobile string }
	if st, body := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/patients", tok, newPatient, &p); st != 201 || p.ReferenceNumber == "" || p.Mobile != "9876543210" {
		t.Fatalf("register: %d %s", st, body)
	}
	var again struct{ ReferenceNumber string }
	if st, _ := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/patients", tok, newPatient, &again); st != 200 || again.ReferenceNumber != p.ReferenceNumber {
		t.Fatalf("register again: %d %+v, want 200 and the same patient", st, again)
	}
	if st, _ := e.call(t, "POST", "/api/v1/hip/"+e.facility2+"/patients", tok, newPatient, nil); st != 403 {
		t.Fatalf("at another facility: %d, want 403", st)
	}
	var found struct {
		Patients []struct{ ReferenceNumber string }
	}
	if st, _ := e.call(t, "GET", "/api/v1/hip/"+e.facility+"/patients?mobile=9876543210", tok, nil, &found); st != 200 || len(found.Patients) != 1 {
		t.Fatalf("find by mobile: %d %+v", st, found)
	}

	base := "/api/v1/hip/" + e.facility + "/patients/" + p.ReferenceNumber + "/records"
	visit := map[string]any{"kind": "OPConsultation", "careContext": map[string]string{"referenceNumber": "OP-2026-1", "display": "OP visit, 29 Nov 2026"},
		"content": map[string]any{
			"chiefComplaints": []map[string]string{{"system": fhir.SystemSNOMED, "code": "386661006", "text": "Fever"}},
			"diagnoses":       []map[string]string{{"text": "Viral fever"}},
			"medicines":       []map[string]any{{"drug": map[string]string{"text": "Paracetamol 500 mg tablet"}, "dose": "1 tablet", "frequency": "1-0-1", "days": 3}},
			"advice":          "Plenty of fluids",
		}}
	var rec struct {
		CareContext struct{ Created bool }
		Record      struct{ ID, HIType string }
	}
	if st, body := e.call(t, "POST", base, tok, visit, &rec); st != 201 || !rec.CareContext.Created || rec.Record.HIType != "OPConsultation" {
		t.Fatalf("record visit: %d %s", st, body)
	}
	lab := map[string]any{"kind": "LabReport", "careContext": map[string]string{"referenceNumber": "OP-2026-1", "display": "OP visit, 29 Nov 2026"},
		"content": map[string]any{"test": map[string]string{"system": fhir.SystemLOINC, "code": "58410-2", "text": "Complete blood count"}, "results": []map[string]any{{"test": map[string]string{"system": fhir.SystemLOINC, "code": "718-7", "text": "Haemoglobin"},
			"value": "9.1", "unit": "g/dL", "low": "12", "high": "15.5"}}}}
	var labRec struct{ Record struct{ ID string } }
	if st, body := e.call(t, "POST", base, tok, lab, &labRec); st != 201 {
		t.Fatalf("record lab report: %d %s", st, body)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		tok  string
		want int
	}{
		{"unknown kind", map[string]any{"kind": "Horoscope", "careContext": map[string]string{"referenceNumber": "X", "display": "x"}, "content": map[string]any{}}, tok, 400},
		{"unknown field", map[string]any{"kind": "OPConsultation", "careContext": map[string]string{"referenceNumber": "X", "display": "x"}, "content": map[string]any{"horoscope": "good"}}, tok, 400},
		{"operator (no author)", visit, operator, 403},
		{"no credentials", visit, "", 401},
	} {
		if st, body := e.call(t, "POST", base, tc.tok, tc.body, nil); st != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, st, body, tc.want)
		}
	}

	recs := "/api/v1/hip/" + e.facility + "/care-contexts/OP-2026-1/records"
	var list struct{ Records []struct{ ID, HIType string } }
	if st, _ := e.call(t, "GET", recs, tok, nil, &list); st != 200 || len(list.Records) != 2 {
		t.Fatalf("list records: %d %+v", st, list)
	}
	st, js := e.call(t, "GET", recs+"/"+rec.Record.ID, tok, nil, nil)
	if st != 200 || !strings.Contains(js, `"resourceType":"Bundle"`) || !strings.Contains(js, "Paracetamol") {
		t.Fatalf("record as FHIR: %d", st)
	}
	b, err := fhir.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := fhir.Validate(b); err != nil {
		t.Fatalf("the stored record does not validate: %v", err)
	}
	if st, html := e.call(t, "GET", recs+"/"+labRec.Record.ID+"?format=html", tok, nil, nil); st != 200 || !strings.Contains(html, "Haemoglobin") ||
		!strings.Contains(html, `<span class="flag-abnormal">Low</span>`) {
		t.Fatalf("record as HTML: %d (want haemoglobin 9.1 flagged Low in words)", st)
	}
	if st, pdf := e.call(t, "GET", recs+"/"+rec.Record.ID+"?format=pdf", tok, nil, nil); st != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("record as PDF: %d", st)
	}
	if st, _ := e.call(t, "GET", "/api/v1/hip/"+e.facility2+"/care-contexts/OP-2026-1/records", tok, nil, nil); st != 403 {
		t.Fatalf("another facility's records: %d, want 403", st)
	}

	if st, _ := e.call(t, "GET", "/api/v1/hip/"+strings.ToLower(e.facility)+"/care-contexts/OP-2026-1/records", tok, nil, nil); st != 200 {
		t.Fatalf("the facility ID in lower case: %d, want 200", st)
	}
	if st, _ := e.call(t, "GET", "/api/v1/hip/"+e.facility+"/care-contexts/NO-SUCH/records", tok, nil, nil); st != 404 {
		t.Fatalf("records of an unknown care context: %d, want 404", st)
	}
	if st, _ := e.call(t, "GET", "/api/v1/hip/IN2899999999/care-contexts/OP-2026-1/records", operator, nil, nil); st != 404 {
		t.Fatalf("records at a facility this node does not serve: %d, want 404", st)
	}
	if st, _ := e.call(t, "GET", recs+"/"+rec.Record.ID+"?format=docx", tok, nil, nil); st != 400 {
		t.Fatalf("an unknown format: %d, want 400", st)
	}

	// The professional leaves: the operator disables the account, and its
	// token stops working at once, as does signing in.
	if st, _ := e.call(t, "DELETE", "/api/v1/admin/hip/facilities/"+e.facility+"/staff/"+e.hpr, tok, nil, nil); st != 401 {
		t.Fatalf("a staff token disabling an account: %d, want 401", st)
	}
	if st, body := e.call(t, "DELETE", "/api/v1/admin/hip/facilities/"+e.facility+"/staff/"+e.hpr, operator, nil, nil); st != 204 {
		t.Fatalf("disable staff: %d %s", st, body)
	}
	if st, _ := e.call(t, "GET", recs, tok, nil, nil); st != 401 {
		t.Fatalf("a disabled account's token: %d, want 401", st)
	}
	if st, _ := e.call(t, "POST", base, tok, visit, nil); st != 401 {
		t.Fatalf("a disabled account writing a record: %d, want 401", st)
	}
	if st, _ := e.call(t, "POST", "/api/v1/hip/"+e.facility+"/staff/sign-in", "", map[string]string{"hprId": e.hpr, "password": mine}, nil); st != 401 {
		t.Fatalf("a disabled account signing in: %d, want 401", st)
	}
	if st, _ := e.call(t, "DELETE", "/api/v1/admin/hip/facilities/"+e.facility+"/staff/72345678901234", operator, nil, nil); st != 404 {
		t.Fatalf("disabling an account that does not exist: %d, want 404", st)
	}
}

// TestStaffNotEnabled: before EnableStaff the EMR's staff methods refuse
// (internal/staff's nil accounts) rather than fail or let anyone in.
func TestStaffNotEnabled(t *testing.T) {
	ctx := context.Background()
	svc := hip.NewService(sqlite.OpenTest(t), nil, hip.FHIRBundles{}, nil, hip.Config{WrapKey: bytes.Repeat([]byte{7}, 32)})
	if _, _, err := svc.AddStaff(ctx, "IN2810000001", "71234567890123"); arogya.ErrorCode(err) != arogya.EUNAVAILABLE {
		t.Errorf("AddStaff: %v, want %s", err, arogya.EUNAVAILABLE)
	}
	if _, _, err := svc.StaffSignIn(ctx, "IN2810000001", "71234567890123", "a long passphrase"); arogya.ErrorCode(err) != arogya.EUNAVAILABLE {
		t.Errorf("StaffSignIn: %v, want %s", err, arogya.EUNAVAILABLE)
	}
	if svc.StaffActive(ctx, "IN2810000001", "71234567890123") {
		t.Error("StaffActive")
	}
	if _, _, ok := svc.CheckStaffToken("st1.x.y"); ok {
		t.Error("CheckStaffToken")
	}
}
