package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestStatusAndShape(t *testing.T) {
	for _, tc := range []struct {
		err      error
		status   int
		code     string
		abdmCode string
		message  string
	}{
		{arogya.Errorf(arogya.EINVALID, "bad"), 400, "invalid", "ABDM-1000", "bad"},
		{arogya.Errorf(arogya.ENOTFOUND, "nope"), 404, "not_found", "ABDM-1009", "nope"},
		{arogya.Errorf(arogya.ETOOMANYREQUESTS, "slow down"), 429, "too_many_requests", "ABDM-1013", "slow down"},
		{arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "token"), 401, "unauthorized", "ABDM-1017", "token"},
		{errors.New("pq: relation secret_table for 9876543210"), 500, "internal", "ABDM-1099", "Internal error."},
	} {
		for _, abdm := range []bool{false, true} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/x", nil)
			want := tc.code
			if abdm {
				ABDMError(rec, req, tc.err)
				want = tc.abdmCode
			} else {
				Error(rec, req, tc.err)
			}
			var b ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status || b.Error.Code != want || b.Error.Message != tc.message {
				t.Errorf("%v (abdm=%v): %d %+v", tc.err, abdm, rec.Code, b)
			}
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type v struct {
		A int `json:"a"`
	}
	for _, tc := range []struct {
		body string
		ok   bool
		msg  string
	}{
		{`{"a":1}`, true, ""},
		{``, false, "empty"},
		{`{"a":"x"}`, false, "field a has the wrong type"},
		{`{"a":1}{"a":2}`, false, "trailing"},
		{`{"a":`, false, "not valid JSON"},
		{`{"a":1,"b":"` + strings.Repeat("x", MaxBody) + `"}`, false, "larger than"},
	} {
		var out v
		err := DecodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(tc.body)), &out)
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(arogya.ErrorMessage(err), tc.msg)) {
			t.Errorf("%.40q: %v", tc.body, err)
		}
		if err != nil && arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("%.40q: code %s", tc.body, arogya.ErrorCode(err))
		}
	}
}

func TestHeaderSpellings(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X_HIP_ID", "IN2810014366")
	if got := Header(r, "X-HIP-ID"); got != "IN2810014366" {
		t.Fatalf("underscore header: %q", got)
	}
	r.Header.Set("X-HIP-ID", "IN0910034387")
	if got := Header(r, "X-HIP-ID"); got != "IN0910034387" {
		t.Fatalf("hyphen header preferred: %q", got)
	}
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "abc": "abc", "": ""} {
		if got := BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q", in, got)
		}
	}
}

func TestRequestIDAndPanic(t *testing.T) {
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		WriteJSON(w, 200, map[string]string{"id": RequestIDFrom(r.Context())})
	}), RequestID)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("REQUEST-ID", "839ede87-6bad-48df-a0d5-e93305c88e75")
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-ID") != "839ede87-6bad-48df-a0d5-e93305c88e75" {
		t.Fatalf("request id not echoed: %q", rec.Header().Get("X-Request-ID"))
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "<script>")
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-ID"); got == "<script>" || len(got) != 16 {
		t.Fatalf("unsafe request id accepted: %q", got)
	}
}

func FuzzSafeID(f *testing.F) {
	for _, s := range []string{"839ede87-6bad-48df-a0d5-e93305c88e75", "", "<script>", strings.Repeat("a", 65), "a:b.c_d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !safeID(s) {
			return
		}
		if len(s) > 64 || strings.ContainsAny(s, " \t\r\n<>\"'&/\\") {
			t.Fatalf("unsafe request id %q accepted", s)
		}
	})
}
