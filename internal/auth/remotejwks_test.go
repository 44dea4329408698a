package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestRemoteJWKS: the set is fetched once and cached; an unknown key ID
// fetches again only after JWKSRefetch; a failed fetch is not "unknown key".
func TestRemoteJWKS(t *testing.T) {
	jwk := func(kid string) JWK {
		pub, _, _ := ed25519.GenerateKey(nil)
		return JWK{Kty: "OKP", Crv: "Ed25519", Kid: kid, X: base64.RawURLEncoding.EncodeToString(pub)}
	}
	var published atomic.Value
	published.Store(JWKS{Keys: []JWK{jwk("k1")}})
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(published.Load())
	}))
	defer srv.Close()
	now := time.Unix(1_700_000_000, 0)
	s := &RemoteJWKS{URL: srv.URL, Now: func() time.Time { return now }}
	ctx := context.Background()

	key := func(kid string, wantFetches int32) error {
		t.Helper()
		k, err := s.Key(ctx, kid)
		if err == nil && k.Kid != kid {
			t.Errorf("Key(%q) = %q", kid, k.Kid)
		}
		if n := fetches.Load(); n != wantFetches {
			t.Errorf("Key(%q): %d fetches, want %d", kid, n, wantFetches)
		}
		return err
	}
	if err := key("k1", 1); err != nil {
		t.Fatal(err)
	}
	if err := key("k1", 1); err != nil {
		t.Fatal(err)
	}
	published.Store(JWKS{Keys: []JWK{jwk("k1"), jwk("k2")}})
	if err := key("k2", 1); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("k2 within JWKSRefetch: %v, want ErrUnknownKey", err)
	}
	now = now.Add(JWKSRefetch)
	if err := key("k2", 2); err != nil {
		t.Fatalf("k2 after JWKSRefetch: %v", err)
	}
	if err := key("", 2); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("no kid: %v, want ErrUnknownKey", err)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	if _, err := (&RemoteJWKS{URL: down.URL}).Key(ctx, "k1"); err == nil || errors.Is(err, ErrUnknownKey) {
		t.Errorf("keys that cannot be fetched: %v, want a fetch error", err)
	}
}
