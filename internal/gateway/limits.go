package gateway

import (
	"sync"
	"time"
)

// windowLimiter counts events per key in fixed windows, on this node: a
// guard against one bridge wearing down what is shared (a person's
// attempts at ABHA, their phone), not an exact quota. Several nodes each
// count their own, so the bound is per node.
type windowLimiter struct {
	window time.Duration
	max    int

	mu     sync.Mutex
	counts map[string]windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

// windowLimiterMax bounds the keys remembered; past it, windows that are
// over are swept, and if none are, the oldest are forgotten with them.
const windowLimiterMax = 100_000

func newWindowLimiter(window time.Duration, max int) *windowLimiter {
	return &windowLimiter{window: window, max: max, counts: map[string]windowCount{}}
}

// full reports whether key has had max events in its current window.
func (l *windowLimiter) full(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.counts[key]
	return ok && now.Sub(c.start) < l.window && c.n >= l.max
}

// add counts an event for key.
func (l *windowLimiter) add(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.counts[key]
	if !ok || now.Sub(c.start) >= l.window {
		if !ok && len(l.counts) >= windowLimiterMax {
			l.sweep(now)
		}
		c = windowCount{start: now}
	}
	c.n++
	l.counts[key] = c
}

// allow counts an event for key unless the window is full.
func (l *windowLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.counts[key]
	if ok && now.Sub(c.start) < l.window {
		if c.n >= l.max {
			return false
		}
		c.n++
		l.counts[key] = c
		return true
	}
	if !ok && len(l.counts) >= windowLimiterMax {
		l.sweep(now)
	}
	l.counts[key] = windowCount{start: now, n: 1}
	return true
}

// sweep forgets windows that are over, or all if none is.
func (l *windowLimiter) sweep(now time.Time) {
	for k, c := range l.counts {
		if now.Sub(c.start) >= l.window {
			delete(l.counts, k)
		}
	}
	if len(l.counts) >= windowLimiterMax {
		clear(l.counts)
	}
}

// Limits on what one HIP may make the consent manager do to one person.
const (
	// demographicFailures: failed DEMOGRAPHICS verifications one HIP may
	// cause for one person in demographicWindow. ABHA locks a person's
	// authentication after 10 failures in 15 minutes whoever causes them;
	// without this, one HIP guessing could lock them out for every other.
	demographicFailures = 3
	demographicWindow   = 15 * time.Minute
	// smsPerPhone: SMS notices one HIP may have sent to one phone number in
	// smsWindow.
	smsPerPhone = 5
	smsWindow   = time.Hour
)
