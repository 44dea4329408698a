package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/gateway"
)

// TestAccessTokenCache: a verified access token and its bridge are reused
// for a second (never past the token's exp); this node's own changes to
// the bridge show at once, changes behind its back within that second.
func TestAccessTokenCache(t *testing.T) {
	e := newEnv(t)
	c := e.bridge("cached-hmis")
	exp := e.now.Load() + (20 * time.Minute).Milliseconds() // the clock is on a whole second
	tok := bearer(e.session(c).AccessToken)
	url := func() string {
		t.Helper()
		var got struct {
			Bridge struct{ URL string } `json:"bridge"`
		}
		if st := e.call("GET", "/gateway/v1/bridges/getServices", tok, nil, &got); st != 200 {
			t.Fatalf("getServices: %d", st)
		}
		return got.Bridge.URL
	}
	if u := url(); u != "" {
		t.Fatalf("new bridge's URL %q", u)
	}
	// Set through the gateway: the next message sees it, cache or not.
	if st := e.call("PATCH", "/gateway/v1/bridges", tok, map[string]string{"url": "https://one.example"}, nil); st != 200 {
		t.Fatalf("set url: %d", st)
	}
	if u := url(); u != "https://one.example" {
		t.Fatalf("URL right after PATCH: %q", u)
	}
	// Changed behind this node's back (another node): seen within a second.
	if err := e.db.SetBridgeURL(context.Background(), c.ClientID, "https://two.example", gateway.V05, time.UnixMilli(e.now.Load())); err != nil {
		t.Fatal(err)
	}
	if u := url(); u != "https://one.example" {
		t.Fatalf("URL within the second: %q, want the cached one", u)
	}
	e.now.Add(999)
	if u := url(); u != "https://one.example" {
		t.Fatalf("URL 999 ms on: %q, want the cached one", u)
	}
	e.now.Add(1)
	if u := url(); u != "https://two.example" {
		t.Fatalf("URL a second on: %q", u)
	}
	// A cached token is not taken past its exp (20 minutes after issue).
	e.now.Store(exp - 500)
	if u := url(); u != "https://two.example" {
		t.Fatalf("URL just before exp: %q", u)
	}
	e.now.Store(exp)
	if st := e.call("GET", "/gateway/v1/bridges/getServices", tok, nil, nil); st != 401 {
		t.Fatalf("getServices at the token's exp: %d, want 401", st)
	}
}
