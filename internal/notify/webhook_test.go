package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	arogya "github.com/arogya-health/arogya"
)

// gateway is a loopback SMS gateway that fails its first `fail` requests
// with status `code`.
type gateway struct {
	fail  int32
	code  int
	calls atomic.Int32
	last  atomic.Value // map[string]string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := g.calls.Add(1)
	var body map[string]string
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	g.last.Store(body)
	if n <= g.fail {
		http.Error(w, "number 9876543210 failed", g.code)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func newTestWebhook(url string) *webhookSMS {
	w := NewWebhookSMS(url, nil).(*webhookSMS)
	w.backoff = 5 * time.Millisecond
	w.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	return w
}

func TestWebhookSMS(t *testing.T) {
	msg := Message{To: "9876543210", Text: "Your OTP is 123456", OTP: "123456"}
	tests := []struct {
		name      string
		fail      int32
		code      int
		wantCalls int32
		wantCode  string
	}{
		{"ok", 0, 0, 1, ""},
		{"one 503 then ok", 1, http.StatusServiceUnavailable, 2, ""},
		{"429 then ok", 1, http.StatusTooManyRequests, 2, ""},
		{"always 500", 100, http.StatusInternalServerError, 3, arogya.EUNAVAILABLE},
		{"400 is not retried", 100, http.StatusBadRequest, 1, arogya.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gateway{fail: tt.fail, code: tt.code}
			srv := httptest.NewServer(g)
			defer srv.Close()
			err := newTestWebhook(srv.URL).SendSMS(context.Background(), msg)
			if got := arogya.ErrorCode(err); got != tt.wantCode {
				t.Errorf("err = %v, want code %q", err, tt.wantCode)
			}
			if err != nil && (strings.Contains(err.Error(), "9876543210") || strings.Contains(err.Error(), "123456")) {
				t.Errorf("error %q reveals the message", err)
			}
			if got := g.calls.Load(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			body, _ := g.last.Load().(map[string]string)
			want := map[string]string{"to": "9876543210", "text": "Your OTP is 123456", "otp": "123456", "at": "2026-01-02T03:04:05Z"}
			for k, v := range want {
				if body[k] != v {
					t.Errorf("body[%q] = %q, want %q", k, body[k], v)
				}
			}
		})
	}
}

func TestWebhookSMSUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	w := newTestWebhook(url)
	err := w.SendSMS(context.Background(), Message{To: "9876543210", Text: "t"})
	if arogya.ErrorCode(err) != arogya.EUNAVAILABLE || strings.Contains(err.Error(), "9876543210") {
		t.Errorf("err = %v, want EUNAVAILABLE without the number", err)
	}
}

func TestWebhookSMSDeadline(t *testing.T) {
	g := &gateway{fail: 100, code: http.StatusBadGateway}
	srv := httptest.NewServer(g)
	defer srv.Close()
	w := newTestWebhook(srv.URL)
	w.backoff = time.Second // longer than the deadline: no retry is attempted
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := w.SendSMS(ctx, Message{To: "9876543210", Text: "t"})
	if err == nil || time.Since(start) > 150*time.Millisecond {
		t.Errorf("err = %v after %v; want a prompt failure", err, time.Since(start))
	}
	if g.calls.Load() != 1 {
		t.Errorf("calls = %d, want 1", g.calls.Load())
	}
}
