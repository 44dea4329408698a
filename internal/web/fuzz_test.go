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
