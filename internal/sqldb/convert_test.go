package sqldb

import (
	"testing"
	"time"
)

func TestMillis(t *testing.T) {
	ist := time.FixedZone("IST", 19800)
	tests := []struct {
		in   time.Time
		want time.Time
	}{
		{time.Time{}, time.Time{}},
		{time.Date(2026, 1, 2, 3, 4, 5, 678_999_999, ist), time.Date(2026, 1, 1, 21, 34, 5, 678_000_000, time.UTC)},
		{time.UnixMilli(1), time.UnixMilli(1).UTC()},
		{time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := fromMillis(millis(tt.in)); !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("fromMillis(millis(%v)) = %v, want %v UTC", tt.in, got, tt.want)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		from, n int
		want    string
	}{
		{1, 0, ""},
		{1, 1, "$1"},
		{1, 3, "$1,$2,$3"},
		{9, 3, "$9,$10,$11"},
	}
	for _, tt := range tests {
		if got := placeholders(tt.from, tt.n); got != tt.want {
			t.Errorf("placeholders(%d, %d) = %q, want %q", tt.from, tt.n, got, tt.want)
		}
	}
}
