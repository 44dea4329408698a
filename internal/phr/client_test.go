package phr

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestErrorsMapToCodes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   string
		msg    string
	}{
		{"cm code", 409, `{"error":{"code":"conflict","message":"the request is not pending"}}`, arogya.ECONFLICT, "the request is not pending"},
		{"abdm code falls back to status", 400, `{"error":{"code":"ABDM-1017","message":"hip.id is required"}}`, arogya.EINVALID, "hip.id is required"},
		{"no body", 404, ``, arogya.ENOTFOUND, "not found"},
		{"internal hides message", 500, `{"error":{"code":"internal","message":"sql: driver text"}}`, arogya.EINTERNAL, defaultMessages[arogya.EINTERNAL]},
		{"odd status", 418, `x`, arogya.EINTERNAL, defaultMessages[arogya.EINTERNAL]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := DecodeError(tt.status, []byte(tt.body))
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("DecodeError = %q %q, want %q %q", e.Code, e.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestClientSendsTokenAndBoundsReads(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/cm/patients/lock":
			_, _ = w.Write([]byte(`{"locked":true,"lockedAt":"2025-01-02T03:04:05.000Z"}`))
		case "/cm/patients/links":
			_, _ = w.Write([]byte(`{"patient":{"links":[` + strings.Repeat(" ", maxBody) + `]}}`))
		}
	}))
	defer srv.Close()
	c := New(srv.URL+"/", srv.Client())
	l, err := c.Lock(context.Background(), "tok")
	if err != nil || !l.Locked || l.LockedAt.Year() != 2025 {
		t.Fatalf("Lock = %+v, %v", l, err)
	}
	if _, err := c.Lock(context.Background(), "bad"); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
		t.Errorf("Lock with a bad token: %v, want unauthorized", err)
	}
	if _, err := c.Links(context.Background(), "tok"); err == nil {
		t.Error("Links read an answer over the bound")
	}
}

// FuzzDecodeAnswers feeds the decoders of the CM's answers anything.
func FuzzDecodeAnswers(f *testing.F) {
	f.Add(200, []byte(`{"patient":{"links":[{"hip":{"id":"H"},"careContexts":[{"referenceNumber":"a","hiTypes":["Prescription"],"date":"2025-01-01T00:00:00.000Z"}]}]}}`))
	f.Add(200, []byte(`{"consents":{"requests":[{"id":"x","permission":{"dateRange":{"from":"bad"}}}]}}`))
	f.Add(200, []byte(`{"consentArtefacts":[{"status":"GRANTED","consentDetail":{"hip":{"id":1}}}]}`))
	f.Add(409, []byte(`{"error":{"code":"conflict","message":"m"}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if status < 200 || status > 599 {
				status = 200
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		c := New(srv.URL, srv.Client())
		ctx := context.Background()
		_, _ = c.Links(ctx, "t")
		_, _ = c.Requests(ctx, "t", "")
		_, _ = c.Artefacts(ctx, "t", "")
		_, _ = c.AccessLog(ctx, "t")
		_, _ = c.Lock(ctx, "t")
		e := DecodeError(status, body)
		if e.Code == "" || e.Message == "" || len(e.Message) > 300 {
			t.Fatalf("DecodeError = %+v", e)
		}
	})
}
