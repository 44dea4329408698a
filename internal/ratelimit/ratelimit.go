// Package ratelimit counts events per key in fixed windows.
package ratelimit

import (
	"sync"
	"time"
)

// Window counts events per key in fixed windows, in this process: a guard
// against one party wearing down what is shared (a person's attempts at
// ABHA, their phone, a password), not an exact quota. Several nodes each
// count their own, so the bound is per node.
type Window struct {
	window time.Duration
	max    int

	mu     sync.Mutex
	counts map[string]count
}

type count struct {
	start time.Time
	n     int
}

// maxKeys bounds the keys remembered; past it, windows that are
// over are swept, and if none are, the oldest are forgotten with them.
const maxKeys = 100_000

// New returns a limiter of max events per key in each window.
func New(window time.Duration, max int) *Window {
	return &Window{window: window, max: max, counts: map[string]count{}}
}

// Full reports whether key has had max events in its current window.
func (l *Window) Full(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.counts[key]
	return ok && now.Sub(c.start) < l.window && c.n >= l.max
}

// Add counts an event for key.
func (l *Window) Add(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.counts[key]
	if !ok || now.Sub(c.start) >= l.window {
		if !ok && len(l.counts) >= maxKeys {
			l.sweep(now)
		}
		c = count{start: now}
	}
	c.n++
	l.counts[key] = c
}

// Allow counts an event for key unless the window is full.
func (l *Window) Allow(key string, now time.Time) bool {
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
	if !ok && len(l.counts) >= maxKeys {
		l.sweep(now)
	}
	l.counts[key] = count{start: now, n: 1}
	return true
}

// sweep forgets windows that are over, or all if none is.
func (l *Window) sweep(now time.Time) {
	for k, c := range l.counts {
		if now.Sub(c.start) >= l.window {
			delete(l.counts, k)
		}
	}
	if len(l.counts) >= maxKeys {
		clear(l.counts)
	}
}
