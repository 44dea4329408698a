package abha_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/abha"
)

// FuzzV3Bodies sends arbitrary bodies to every ABHA v3 POST endpoint: none
// may panic or answer 5xx, whatever the input.
func FuzzV3Bodies(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `{"scope":["abha-enrol"],"loginHint":"aadhaar","loginId":"QUJD"}`,
		`{"authData":{"authMethods":["otp"],"otp":{"txnId":"x","otpValue":"QUJD"}},"consent":{"code":"abha-enrollment","version":"1.4"}}`,
		`{"txnId":"x","documentType":"DRIVING_LICENCE","frontSidePhoto":"/9j/AAAA"}`,
		`{"txnId":"x","abhaAddress":"abc.def_12","preferred":1}`,
		`{"scope":["abha-login"],"loginHint":"mobile","loginId":"` + string(bytes.Repeat([]byte("A"), 400)) + `"}`,
		`{"authData":{"authMethods":["password"],"password":{"ABHANumber":"91-1234","password":"x"}}}`,
	} {
		f.Add(s)
	}
	fx := newFixture(f)
	mux := http.NewServeMux()
	abha.NewHandler(fx.svc, keys).Register(mux, func(h http.Handler) http.Handler { return h })
	paths := []string{"/v3/enrollment/request/otp", "/v3/enrollment/enrol/byAadhaar", "/v3/enrollment/auth/byAbdm",
		"/v3/enrollment/enrol/byDocument", "/v3/enrollment/enrol/abha-address", "/v3/profile/login/request/otp",
		"/v3/profile/login/verify", "/v3/profile/login/verify/user", "/api/v1/abha/verify-qr", "/api/v1/abha/token/refresh"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req := httptest.NewRequest("POST", p, bytes.NewReader([]byte(body)))
			req.Header.Set("REQUEST-ID", "fuzz")
			req.Header.Set("TIMESTAMP", time.Now().UTC().Format(time.RFC3339))
			req.Header.Set("T-token", "Bearer "+body)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s: %d for body %q: %s", p, rec.Code, body, rec.Body)
			}
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2024-05-01T05:10:20.123Z", "2023-03-22T23:45:07.027+05:30", "2024-05-01 05:10:20", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := abha.ParseTimestamp(s)
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip through the canonical form.
		again, err := abha.ParseTimestamp(ts.UTC().Format(time.RFC3339Nano))
		if err != nil || !again.Equal(ts) {
			t.Fatalf("%q parsed to %v, which does not round-trip: %v", s, ts, err)
		}
	})
}
