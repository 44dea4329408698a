package auth

import (
	"testing"
	"time"
)

func TestSecretCache(t *testing.T) {
	p := ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}
	h1, _ := HashPassword("first-secret", p)
	h2, _ := HashPassword("second-secret", p)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c := &SecretCache{TTL: time.Minute, Now: func() time.Time { return now }}
	for _, tc := range []struct {
		name, hash, secret string
		advance            time.Duration
		want               bool
	}{
		{"right secret", h1, "first-secret", 0, true},
		{"cached", h1, "first-secret", 0, true},
		{"wrong secret is never cached", h1, "other", 0, false},
		{"after the TTL: argon2 again, still right", h1, "first-secret", 2 * time.Minute, true},
		{"rotated: the old secret no longer counts", h2, "first-secret", 0, false},
		{"rotated: the new one does", h2, "second-secret", 0, true},
	} {
		now = now.Add(tc.advance)
		if got := c.Check("client-1", tc.hash, tc.secret); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	c.Forget("client-1")
	if !c.Check("client-1", h2, "second-secret") {
		t.Fatal("after Forget the secret must still verify by its hash")
	}
}
