package hip

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestPushPageRetries: a page is pushed again after a 5xx or a network
// error, up to pushAttempts, and not after a 4xx, which is the HIU's
// answer to the page itself.
func TestPushPageRetries(t *testing.T) {
	defer func(d time.Duration) { pushRetryDelay = d }(pushRetryDelay)
	pushRetryDelay = time.Millisecond
	for _, tc := range []struct {
		name      string
		answers   []int // the HIU's answers in turn; the last repeats
		wantCalls int32
		wantErr   bool
	}{
		{"taken at once", []int{202}, 1, false},
		{"taken after a 503", []int{503, 202}, 2, false},
		{"taken on the last attempt", []int{502, 500, 202}, 3, false},
		{"always down", []int{503}, pushAttempts, true},
		{"refused: not again", []int{404}, 1, true},
		{"too large: not again", []int{413}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			hiu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				w.WriteHeader(tc.answers[min(n, len(tc.answers))-1])
			}))
			defer hiu.Close()
			b := &Bridge{push: hiu.Client()}
			err := b.pushPage(t.Context(), hiu.URL, []byte(`{}`))
			if (err != nil) != tc.wantErr || calls.Load() != tc.wantCalls {
				t.Fatalf("err %v after %d calls; want error %v after %d", err, calls.Load(), tc.wantErr, tc.wantCalls)
			}
		})
	}
	t.Run("a refused address: not again", func(t *testing.T) {
		b := &Bridge{push: pushClient(http.DefaultClient, false)}
		retry, err := b.pushOnce(t.Context(), "http://127.0.0.1:1/push", []byte(`{}`))
		if retry || !errors.Is(err, errPrivatePush) {
			t.Fatalf("a push to loopback: retry %v, err %v; want no retry and errPrivatePush", retry, err)
		}
	})
}
