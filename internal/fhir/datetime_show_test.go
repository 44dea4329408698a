package fhir

import "testing"

func TestFormatDateTime(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2025-05-02T05:00:00Z", "2 May 2025, 10:30 IST"}, // recorded in UTC, read in India
		{"2025-05-02T10:30:00+05:30", "2 May 2025, 10:30 IST"},
		{"2025-12-31T20:00:00-05:00", "1 Jan 2026, 06:30 IST"},
		{"2025-05-02", "2 May 2025"},
		{"2025-05", "May 2025"},
		{"1991", "1991"},
		{"yesterday", "yesterday"},
	} {
		if got := formatDateTime(tc.in); got != tc.want {
			t.Errorf("formatDateTime(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
