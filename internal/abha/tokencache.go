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
	ver    int64
	client string // set for tokens from system authentication
	exp    time.Time
}

func (c *tokenCache) get(token string, now time.Time) (string, int64, string, bool) {
	k := sha256.Sum256([]byte(token))
	c.mu.RLock()
	t, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(t.exp) {
		return "", 0, "", false
	}
	return t.number, t.ver, t.client, true
}

func (c *tokenCache) put(token, number string, ver int64, client string, exp time.Time) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[[32]byte]cachedToken)
	}
	c.m[k] = cachedToken{number: number, ver: ver, client: client, exp: exp}
}

// VersionCacheTTL is how long a node trusts its copy of an account's token
// version: a revocation on another node takes effect here within it.
const VersionCacheTTL = 5 * time.Second

// versionCache remembers accounts' token versions for VersionCacheTTL.
type versionCache struct {
	mu sync.RWMutex
	m  map[string]cachedVersion
}

type cachedVersion struct {
	ver int64
	at  time.Time
}

func (c *versionCache) get(number string, now time.Time) (int64, bool) {
	c.mu.RLock()
	v, ok := c.m[number]
	c.mu.RUnlock()
	if !ok || now.Sub(v.at) >= VersionCacheTTL || now.Before(v.at) {
		return 0, false
	}
	return v.ver, true
}

func (c *versionCache) put(number string, ver int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[string]cachedVersion)
	}
	c.m[number] = cachedVersion{ver: ver, at: now}
}

func (c *versionCache) forget(number string) {
	c.mu.Lock()
	delete(c.m, number)
	c.mu.Unlock()
}
