package registry_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/registry"
)

// FuzzSubmitJSON: whatever body is posted, a submission is either created
// (201) or refused with a client error; never a server error, and a
// refused body stores nothing.
func FuzzSubmitJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"Sea View Clinic","type":"clinic","ownership":"private","systemsOfMedicine":["modern"],"address":{"stateCode":"28","districtCode":"520","pin":"530002"}}`,
		`{"handle":"dr.fuzz","name":"Fuzz Rao","gender":"M","category":"asha","languages":["te"],"address":{"stateCode":"28","districtCode":"520","pin":"530002"}}`,
		`{"name":1}`, `[]`, `{"location":{"lat":1e400}}`, `{"beds":-1}`, "\x00", `{"name":"` + strings.Repeat("a", 300) + `"}`,
	} {
		f.Add("/api/v1/facilities", s)
		f.Add("/api/v1/professionals", s)
	}
	e := newEnv(f)
	mux := http.NewServeMux()
	registry.NewHandler(e.svc, "operator-secret").Register(mux)
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/api/v1/facilities" && path != "/api/v1/professionals" {
			path = "/api/v1/facilities"
		}
		before, beforeP, _ := e.db.RegistryCounts(t.Context())
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		after, afterP, _ := e.db.RegistryCounts(t.Context())
		switch {
		case rec.Code == http.StatusCreated:
			if after+afterP != before+beforeP+1 {
				t.Fatalf("201 but %d entries added", after+afterP-before-beforeP)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if after != before || afterP != beforeP {
				t.Fatalf("%d but the store changed", rec.Code)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}
