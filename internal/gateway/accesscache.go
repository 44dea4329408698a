package gateway

import (
	"sync"
	"time"
)

// accessCache remembers for a second the bridges whose access tokens have
// just verified, so that a bridge sending a stream of messages costs one
// RS256 verification and one read of its row per second rather than per
// message. An entry never outlives its token's exp.
//
// Staleness: this node drops a bridge's entries when it changes the
// bridge's URL or services (SetURL, AddUpdateServices), so its next message
// sees the change. A change made on another node, or straight in the
// database (a bridge disabled), is seen here within accessCacheTTL.
type accessCache struct {
	mu      sync.Mutex
	entries map[string]accessEntry // by token
	// gen counts drops: a lookup that read the bridge before a drop does
	// not store what it read.
	gen uint64
}

type accessEntry struct {
	bridge Bridge
	until  time.Time // exclusive
}

const (
	// accessCacheTTL bounds how long a bridge row is reused.
	accessCacheTTL = time.Second
	// accessCacheMax bounds the entries; each bridge has one or two live
	// tokens at a time.
	accessCacheMax = 4096
)

// get returns a copy of the bridge cached for token, if any is live at
// now, and the generation to pass to put after a miss.
func (c *accessCache) get(token string, now time.Time) (*Bridge, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[token]; ok && now.Before(e.until) {
		b := e.bridge
		return &b, c.gen, true
	}
	return nil, c.gen, false
}

// put caches b for token until until, unless a drop came since gen.
func (c *accessCache) put(token string, b *Bridge, now, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !now.Before(until) {
		return
	}
	if c.entries == nil {
		c.entries = make(map[string]accessEntry)
	}
	if len(c.entries) >= accessCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= accessCacheMax {
			clear(c.entries)
		}
	}
	c.entries[token] = accessEntry{bridge: *b, until: until}
}

// drop forgets the bridge's entries.
func (c *accessCache) drop(bridgeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.bridge.ID == bridgeID {
			delete(c.entries, k)
		}
	}
}
