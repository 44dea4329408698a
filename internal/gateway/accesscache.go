package gateway

import (
	"sync"
	"time"
)

// ttlCache remembers values for a short while (a second), so that a bridge
// sending a stream of messages costs one RS256 verification and one read of
// its row, or of a service's, per second rather than per message.
//
// Staleness: this node drops the entries a change of its own touches
// (SetURL, AddUpdateServices), so its next message sees the change. A
// change made on another node, or straight in the database (a bridge
// disabled), is seen here within the entry's lifetime.
type ttlCache[V any] struct {
	mu      sync.Mutex
	entries map[string]ttlEntry[V]
	// gen counts drops: a lookup that read the value before a drop does
	// not store what it read.
	gen uint64
}

type ttlEntry[V any] struct {
	v     V
	until time.Time // exclusive
}

const (
	// accessCacheTTL bounds how long a bridge or service row is reused.
	accessCacheTTL = time.Second
	// ttlCacheMax bounds a cache's entries; each bridge has one or two
	// live tokens at a time, and a busy node talks to a few thousand
	// services a second at most.
	ttlCacheMax = 4096
)

// get returns a copy of the value cached for key, if one is live at now,
// and the generation to pass to put after a miss.
func (c *ttlCache[V]) get(key string, now time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && now.Before(e.until) {
		return e.v, c.gen, true
	}
	var zero V
	return zero, c.gen, false
}

// put caches v for key until until, unless a drop came since gen.
func (c *ttlCache[V]) put(key string, v V, now, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !now.Before(until) {
		return
	}
	if c.entries == nil {
		c.entries = make(map[string]ttlEntry[V])
	}
	if len(c.entries) >= ttlCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= ttlCacheMax {
			clear(c.entries)
		}
	}
	c.entries[key] = ttlEntry[V]{v: v, until: until}
}

// drop forgets the entries that match.
func (c *ttlCache[V]) drop(match func(key string, v *V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if match(k, &e.v) {
			delete(c.entries, k)
		}
	}
}
