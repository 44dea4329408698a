package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"
)

// SecretCache remembers, for a while, which secret last matched an
// argon2id hash, so that a client presenting its key or client secret on
// every request pays for argon2 once per TTL rather than every time. It
// keeps only a SHA-256 of the secret, and a cached entry counts only while
// the stored hash is the one it was checked against (a rotated secret is
// checked afresh).
type SecretCache struct {
	TTL time.Duration    // how long a match is trusted; zero means 10 minutes
	Now func() time.Time // nil means time.Now

	mu sync.Mutex
	m  map[string]cachedSecret
}

type cachedSecret struct {
	digest [sha256.Size]byte
	hash   string
	at     time.Time
}

// Check reports whether secret matches the argon2id hash stored for id.
func (c *SecretCache) Check(id, storedHash, secret string) bool {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ttl := c.TTL
	if ttl == 0 {
		ttl = 10 * time.Minute
	}
	digest := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.hash == storedHash && now().Sub(e.at) < ttl && subtle.ConstantTimeCompare(e.digest[:], digest[:]) == 1 {
		return true
	}
	if match, err := CheckPassword(storedHash, secret); err != nil || !match {
		return false
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedSecret{}
	}
	c.m[id] = cachedSecret{digest: digest, hash: storedHash, at: now()}
	c.mu.Unlock()
	return true
}

// Forget drops id's cached match (the client was disabled).
func (c *SecretCache) Forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
