package hip

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true},
		{"203.0.113.9", true}, // documentation, but globally routable in form
		{"2400:cb00::1", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.10", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},      // carrier-grade NAT
		{"0.0.0.0", false},
		{"224.0.0.1", false},
		{"::1", false},
		{"fd00::1", false},
		{"fe80::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:8.8.8.8", true},
	} {
		if got := publicAddr(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}

// TestPushClientRefusesPrivate: a production bridge's pushes never reach
// a loopback address, directly or by a redirect from elsewhere; a private
// deployment's do.
func TestPushClientRefusesPrivate(t *testing.T) {
	hits := 0
	hiu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hiu.Close()
	base := &http.Client{}
	resp, err := pushClient(base, false).Post(hiu.URL, "application/json", nil)
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, errPrivatePush) || hits != 0 {
		t.Fatalf("a push to loopback: %v, %d hits", err, hits)
	}
	resp, err = pushClient(base, true).Post(hiu.URL, "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted || hits != 1 {
		t.Fatalf("a private deployment's push: %v %d hits", err, hits)
	}
	resp.Body.Close()
}
