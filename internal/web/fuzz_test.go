package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
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

// FuzzReadUpload reads arbitrary multipart bodies as the document upload
// does, with a small file cap. It never panics; what it keeps is within
// its limits: a file no larger than the cap (none when it was too big) and
// fields no larger than maxUploadField.
func FuzzReadUpload(f *testing.F) {
	seed := func(fields [][2]string, file []byte) []byte {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.SetBoundary("BOUNDARY")
		for _, kv := range fields {
			mw.WriteField(kv[0], kv[1])
		}
		if file != nil {
			fw, _ := mw.CreateFormFile("file", "x.pdf")
			fw.Write(file)
		}
		mw.Close()
		return b.Bytes()
	}
	f.Add(seed([][2]string{{"csrf", "tok"}, {"title", "Old report"}}, []byte("%PDF-1.4 small")))
	f.Add(seed([][2]string{{"title", "x"}}, bytes.Repeat([]byte("A"), 100)))
	f.Add(seed(nil, nil))
	f.Add(seed([][2]string{{"", "no name"}, {"file", "a field named file"}}, []byte{0xff, 0xd8, 0xff}))
	f.Add([]byte("--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunterminated"))
	f.Fuzz(func(t *testing.T, body []byte) {
		const maxFile = 64
		vals, up, err := readUpload(bytes.NewReader(body), "BOUNDARY", maxFile)
		if err != nil {
			return
		}
		if up == nil {
			t.Fatal("no upload and no error")
		}
		if len(up.data) > maxFile || (up.tooBig && up.data != nil) {
			t.Fatalf("kept %d bytes (tooBig %v) with a cap of %d", len(up.data), up.tooBig, maxFile)
		}
		n := 0
		for _, vs := range vals {
			for _, v := range vs {
				n++
				if len(v) > maxUploadField {
					t.Fatalf("a field of %d bytes kept", len(v))
				}
			}
		}
		if n > maxUploadParts {
			t.Fatalf("%d fields kept", n)
		}
	})
}

// FuzzKindForms fills every field of every described form with what the
// fuzzer gives. Building never panics, and what a form accepts the FHIR
// builder takes or refuses as invalid input, never otherwise.
func FuzzKindForms(f *testing.F) {
	f.Add(uint8(0), "Amoxicillin", "5", "2026-03-01", "12.5")
	f.Add(uint8(2), "Appendicitis", "2026-03-05", "2026-03-01", "")
	f.Add(uint8(3), "Covishield", "2", "2025-08-14", "x")
	f.Add(uint8(4), "[degF]", "98.4", "160", "1e308")
	f.Add(uint8(6), "Consultation", "-0", "NaN", "0.005")
	f.Fuzz(func(t *testing.T, which uint8, a, b, c, d string) {
		k := emrKinds[int(which)%len(emrKinds)]
		vals := []string{a, b, c, d}
		i := 0
		get := func(name string) string {
			i++
			return strings.TrimSpace(vals[i%len(vals)])
		}
		up := &upload{data: []byte(a)}
		content, p := k.build(&formInput{get: get, upload: up, now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
		if p != nil {
			if p.status < 400 || p.status > 499 || messagesEN[p.id] == "" {
				t.Fatalf("%s: problem %+v", k.path, p)
			}
			return
		}
		_, err := fhir.Build(fhir.Header{Patient: fhir.Person{Name: "P"}, Author: fhir.Clinician{Name: "A", HPRID: "71234567890123"},
			Facility: fhir.Facility{Name: "F", HFRID: "IN2810000001"}, Date: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}, content)
		if err != nil && arogya.ErrorCode(err) != arogya.EINVALID {
			t.Fatalf("%s: the builder fails with %v", k.path, err)
		}
	})
}

// FuzzHIUForms sends arbitrary values to the clinicians' forms, signed
// in: the consent request form (with its date fields), the patient search
// and the sign-in. Whatever arrives, the answer is a page or a redirect,
// never a server error, nothing typed is reflected unescaped, and no
// consent request is stored (the service has no consent manager to send
// it to).
func FuzzHIUForms(f *testing.F) {
	e := newHIUEnv(f)
	b := e.signIn(f)
	u, _ := url.Parse(e.srv.URL + "/hiu/")
	cookies := b.c.Jar.Cookies(u)
	f.Add(uint8(0), "asha@sbx", "CAREMGT", "Prescription", "2025-01-01", "2025-12-31", "2099-01-01")
	f.Add(uint8(0), "<b>x@sbx", "BTG", "Horoscope", "2025-02-30", "31/12/2025", "")
	f.Add(uint8(0), "a@b", "\x00", "", "0000-01-01", "99999-01-01", "2025-1-1")
	f.Add(uint8(1), "<b>@sbx", "", "", "", "", "")
	f.Add(uint8(2), "IN<b>", "7144 5566 7788 99", "pw", "", "", "")
	f.Fuzz(func(t *testing.T, which uint8, a, b, c, d, e2, g string) {
		path := []string{"/hiu/requests", "/hiu/find", "/hiu/sign-in"}[which%3]
		form := url.Values{"csrf": {hiuCSRF(cookies)}, "patient": {a}, "purpose": {b}, "hitype": {c, b}, "from": {d}, "to": {e2}, "erase_at": {g},
			"hip": {a}, "facility": {a}, "hpr": {b}, "password": {c}}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, k := range cookies {
			req.AddCookie(k)
		}
		w := httptest.NewRecorder()
		e.srv.Config.Handler.ServeHTTP(w, req)
		if w.Code == http.StatusInternalServerError {
			t.Fatalf("%s: status %d\n%s", path, w.Code, w.Body)
		}
		body := w.Body.String()
		for _, v := range []string{a, b, c, d, e2, g} {
			if strings.Contains(v, "<b") && strings.Contains(body, v) {
				t.Fatalf("%s reflects %q unescaped", path, v)
			}
		}
	})
	if list, err := e.svc.ConsentRequests(context.Background(), e.facility, ""); err != nil || len(list) != 0 {
		f.Fatalf("requests stored: %d, %v", len(list), err)
	}
}

// hiuCSRF is the CSRF cookie's value among cookies.
func hiuCSRF(cookies []*http.Cookie) string {
	for _, c := range cookies {
		if c.Name == "hiu_csrf" {
			return c.Value
		}
	}
	return ""
}

// FuzzHIUDay: a date field is read as one day in India or refused, and a
// day read shows as what was typed.
func FuzzHIUDay(f *testing.F) {
	for _, s := range []string{"2025-01-31", "", "2025-02-30", "0000-01-01", "99999-01-01", "2025-1-1", " 2025-03-11 "} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, end bool) {
		d, ok := hiuDay(s, end)
		if !ok {
			return
		}
		if d.Year() < 1900 || d.Year() > 2200 || d.In(ist).Format(time.DateOnly) != strings.TrimSpace(s) {
			t.Fatalf("hiuDay(%q, %v) = %v", s, end, d)
		}
	})
}

// FuzzSafeName: a download's file name keeps only letters, digits and
// hyphens, and is never empty.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"3f2a-11", "", `a"b\r\n`, strings.Repeat("x", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := safeName(s)
		if n == "" || len(n) > 64 || strings.ContainsFunc(n, func(r rune) bool {
			return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			t.Fatalf("safeName(%q) = %q", s, n)
		}
	})
}
