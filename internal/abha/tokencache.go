package abha

import (
	"crypto/sha256"
	"sync"
	"time"
)

// maxCachedTokens bounds the verified-token cache; when full it is emptied,
// which costs only re-verification.
const maxCachedTokens = 100_000

// tokenCache remembers verified X-tokens by their SHA-256 until they expire.
type tokenCache struct {
	mu sync.RWMutex
	m  map[[32]byte]cachedToken
}

type cachedToken struct {
	number string
	exp    time.Time
}

func (c *tokenCache) get(token string, now time.Time) (string, bool) {
	k := sha256.Sum256([]byte(token))
	c.mu.RLock()
	t, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(t.exp) {
		return "", false
	}
	return t.number, true
}

func (c *tokenCache) put(token, number string, exp time.Time) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[[32]byte]cachedToken)
	}
	c.m[k] = cachedToken{number: number, exp: exp}
}
