package ratelimit

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	l := New(time.Minute, 2)
	for i, tc := range []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true},
		{"a", time.Second, true},
		{"a", 2 * time.Second, false}, // the window is full
		{"b", 3 * time.Second, true},  // another key
		{"a", time.Minute, true},      // a new window
		{"a", time.Minute + time.Second, true},
		{"a", time.Minute + 2*time.Second, false},
	} {
		if got := l.Allow(tc.key, t0.Add(tc.at)); got != tc.want {
			t.Errorf("#%d allow(%s, +%v) = %v, want %v", i, tc.key, tc.at, got, tc.want)
		}
	}
	f := New(time.Minute, 2)
	f.Add("x", t0)
	if f.Full("x", t0) {
		t.Error("full after one of two")
	}
	f.Add("x", t0.Add(time.Second))
	if !f.Full("x", t0.Add(2*time.Second)) || f.Full("x", t0.Add(time.Minute)) {
		t.Error("full: want true within the window, false after it")
	}
}
