package web

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/arogya-health/arogya/internal/phr"
)

// FuzzParseFacilityCode: whatever a QR code or a person gives, the parser
// returns a well-formed facility ID or none, and a bounded counter code.
func FuzzParseFacilityCode(f *testing.F) {
	for _, s := range []string{
		"IN2710000123",
		"https://phrsbx.abdm.gov.in/share-profile?hip-id=IN2710000123&counter-code=OPD-1",
		`{"hipId":"IN2710000123","code":"2"}`,
		`{"hip_id":"in27","counterCode":12}`,
		"?hip-id=a%20b", "{", "", "  in2710000123  ", strings.Repeat("A", 3000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, counter := parseFacilityCode(s)
		if id != "" && !validFacilityID(id) {
			t.Fatalf("parseFacilityCode(%q) = invalid ID %q", s, id)
		}
		if id == "" && counter != "" {
			t.Fatalf("a counter %q without a facility", counter)
		}
		if len(counter) > 50 {
			t.Fatalf("counter of %d bytes", len(counter))
		}
	})
}

// FuzzParseDay: a date field gives a day in range or is refused.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2025-01-31", "", "2025-02-30", "0000-01-01", "99999-01-01", "2025-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDay(s)
		if !ok || s == "" {
			return
		}
		if d.Year() < 1900 || d.Year() > 2200 || isoDay(d) != s {
			t.Fatalf("parseDay(%q) = %v, shown as %q", s, d, isoDay(d))
		}
	})
}

// FuzzDocumentInput: the title and the sniffing of an upload take any
// bytes; a title comes back printable and bounded, a type only one of
// three.
func FuzzDocumentInput(f *testing.F) {
	f.Add("Blood test", []byte("%PDF-1.7"))
	f.Add("x\x00\ny", []byte("\x89PNG\r\n\x1a\n"))
	f.Add(strings.Repeat("अ", 300), []byte("\xff\xd8\xff"))
	f.Fuzz(func(t *testing.T, title string, content []byte) {
		c := phr.CleanTitle(title)
		if !utf8.ValidString(c) || utf8.RuneCountInString(c) > 120 || strings.ContainsAny(c, "\x00\n\r\t") {
			t.Fatalf("CleanTitle(%q) = %q", title, c)
		}
		switch ct := phr.Sniff(content); ct {
		case "", "application/pdf", "image/png", "image/jpeg":
		default:
			t.Fatalf("Sniff = %q", ct)
		}
	})
}
