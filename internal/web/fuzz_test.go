package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzPost sends arbitrary form values to every form handler. Whatever
// arrives, the answer is a page or a redirect, never a server error, and
// what the person typed is never reflected unescaped.
func FuzzPost(f *testing.F) {
	e := newTestEnv(f)
	f.Add(uint8(0), "aadhaar", aadhaar("23456789012"), "yes", "", "")
	f.Add(uint8(0), "otp", "", "123456", "9876543210", "txn")
	f.Add(uint8(0), "address", "<script>alert(1)</script>", "", "", "")
	f.Add(uint8(1), "start", "abha-number", "91-1111-2222-3333", "password", "pw")
	f.Add(uint8(1), "start", "mobile", "+91 98765 43210", "otp", "")
	f.Add(uint8(1), "choose", "\x00", "91111122223333", "", "t.t.t")
	f.Add(uint8(2), "", "a@b", "\"><b>", "110001", "")
	const token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	f.Fuzz(func(t *testing.T, which uint8, step, a, b, c, d string) {
		path := []string{"/abha/enrol", "/abha/login", "/abha/profile", "/abha/logout"}[which%4]
		form := url.Values{"csrf": {token}, "step": {step},
			// enrolment fields
			"aadhaar": {a}, "consent": {b}, "otp": {b}, "mobile": {c}, "txnId": {d}, "choice": {a}, "custom": {c}, "skip": {d},
			// login and profile fields
			"hint": {a}, "loginId": {b}, "action": {c}, "password": {d}, "tToken": {d}, "number": {b},
			"email": {a}, "addressLine": {b}, "pinCode": {c}, "masked": {c},
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: token})
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s step %q: status %d\n%s", path, step, w.Code, w.Body)
		}
		body := w.Body.String()
		for _, v := range []string{a, b, c, d} {
			if strings.Contains(v, "<b") && strings.Contains(body, v) {
				t.Fatalf("%s reflects %q unescaped", path, v)
			}
		}
	})
}

// FuzzRegistrySearch sends arbitrary query strings to the search pages.
// Whatever arrives, the answer is a page (200 or 400), never a server
// error, and nothing typed is reflected unescaped: a "<zz" tag in any
// value never reaches the page as markup.
func FuzzRegistrySearch(f *testing.F) {
	e := newRegistryEnv(f)
	e.facility(f, "Guntur Government General Hospital", "28", true)
	f.Add(uint8(0), "q=guntur&state=28&district=502&type=hospital&page=2")
	f.Add(uint8(0), "near=522001&radius_km=10")
	f.Add(uint8(0), "near=17.385,78.4867&radius_km=NaN")
	f.Add(uint8(0), "near=1e400,-1e400&pin=%00&state=0028")
	f.Add(uint8(0), "q=%3Czz%3E&q=x&page=-1&page_size=9")
	f.Add(uint8(0), "near=%3Czz%3E&district=%3Czz%3E&state=%3Czz")
	f.Add(uint8(1), "category=doctor&language=te&facility=in2810014366&state=36&district=999")
	f.Add(uint8(1), "facility=%3Czz%3E&speciality=%ff%fe&q=%22%3E%3Czz")
	f.Add(uint8(2), "q=paracetamol&schedule=h1&form=tablet&page=500")
	f.Add(uint8(2), "%zz=%&&=;q")
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		path := []string{"/registry/facilities", "/registry/professionals", "/registry/drugs"}[which%3]
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.URL.RawQuery = raw
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("%s?%s: status %d\n%s", path, raw, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "<zz") {
			t.Fatalf("%s?%s reflects a tag unescaped", path, raw)
		}
	})
}
