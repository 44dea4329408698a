package abha

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestNewNumber(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		n, err := NewNumber()
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 14 || !allDigits(n) || !strings.HasPrefix(n, "91") {
			t.Fatalf("NewNumber() = %q, want 14 digits starting 91", n)
		}
		if !LuhnValid(n) {
			t.Errorf("NewNumber() = %q fails Luhn", n)
		}
		if got, err := ParseNumber(FormatNumber(n)); err != nil || got != n {
			t.Errorf("ParseNumber(FormatNumber(%q)) = %q, %v", n, got, err)
		}
		if seen[n] {
			t.Errorf("NewNumber repeated %q", n)
		}
		seen[n] = true
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"91628545755116", "91628545755116", true},
		{"91-6285-4575-5116", "91628545755116", true},
		{" 91 6285 4575 5116 ", "91628545755116", true},
		{"91 - 6285 - 4575 - 5116", "91628545755116", true},
		{"12345678901234", "12345678901234", true}, // format only: Luhn is the caller's call
		{"9162854575511", "", false},
		{"916285457551160", "", false},
		{"916-285-4575-5116", "", false},
		{"91-6285-45755116", "", false},
		{"91--6285-4575-5116", "", false},
		{"-91-6285-4575-5116", "", false},
		{"91-6285-4575-511a", "", false},
		{"९१६२८५४५७५५११६", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil {
			if arogya.ErrorCode(err) != arogya.EINVALID {
				t.Errorf("ParseNumber(%q) error code %q, want EINVALID", tt.in, arogya.ErrorCode(err))
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("ParseNumber error repeats its input: %v", err)
			}
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for in, want := range map[string]string{
		"91628545755116": "91-6285-4575-5116",
		"9162854575511":  "9162854575511",
		"abc":            "abc",
	} {
		if got := FormatNumber(in); got != want {
			t.Errorf("FormatNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLuhnValid(t *testing.T) {
	for in, want := range map[string]bool{
		"91628545755116": true, "91540802140264": true, "22722548295255": true,
		"31173752357135": true, "91628545755117": false, "12345678901234": false,
		"79927398713": true, "": false, "0": false, "9x": false,
	} {
		if got := LuhnValid(in); got != want {
			t.Errorf("LuhnValid(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestLuhnReferenceSamples checks LuhnValid against the NHA-sourced samples
// in the shared reference, each tagged with its Luhn result.
func TestLuhnReferenceSamples(t *testing.T) {
	b, err := os.ReadFile("../../../shared/reference/identifiers/abha-number-samples.json")
	if err != nil {
		t.Skipf("reference samples absent: %v", err)
	}
	var doc struct {
		Samples []struct {
			Digits    string `json:"digits"`
			LuhnValid *bool  `json:"luhnValid"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range doc.Samples {
		if s.LuhnValid == nil || len(s.Digits) != 14 {
			continue
		}
		n++
		if got := LuhnValid(s.Digits); got != *s.LuhnValid {
			t.Errorf("LuhnValid(%s) = %v, reference says %v", s.Digits, got, *s.LuhnValid)
		}
	}
	if n == 0 {
		t.Error("no samples with a Luhn result in the reference file")
	}
}

func TestVerhoeff(t *testing.T) {
	// 236 → check digit 3 is the textbook example.
	if got := VerhoeffDigit("236"); got != 3 {
		t.Errorf("VerhoeffDigit(236) = %d, want 3", got)
	}
	for in, want := range map[string]bool{"2363": true, "2364": false, "": false, "12a": false} {
		if got := VerhoeffValid(in); got != want {
			t.Errorf("VerhoeffValid(%q) = %v, want %v", in, got, want)
		}
	}
	if got := VerhoeffDigit("x"); got != -1 {
		t.Errorf("VerhoeffDigit(x) = %d, want -1", got)
	}
	// Verhoeff catches every single-digit error and adjacent transposition.
	base := "23456789012"
	full := base + itoa(VerhoeffDigit(base))
	for i := range len(full) {
		for d := byte('0'); d <= '9'; d++ {
			if d == full[i] {
				continue
			}
			b := []byte(full)
			b[i] = d
			if VerhoeffValid(string(b)) {
				t.Errorf("single-digit change %s passes", b)
			}
		}
		if i+1 < len(full) && full[i] != full[i+1] {
			b := []byte(full)
			b[i], b[i+1] = b[i+1], b[i]
			if VerhoeffValid(string(b)) {
				t.Errorf("transposition %s passes", b)
			}
		}
	}
}

func TestValidAadhaar(t *testing.T) {
	good := "23456789012" + "4" // check digit computed below
	good = good[:11] + itoa(VerhoeffDigit(good[:11]))
	tests := map[string]bool{
		good:            true,
		good[:11] + "x": false,
		"1" + good[1:11] + itoa(VerhoeffDigit("1"+good[1:11])): false, // first digit 1
		"0" + good[1:11] + itoa(VerhoeffDigit("0"+good[1:11])): false,
		good[:10]:        false,
		good + "0":       false,
		"2345 6789 0123": false,
	}
	for in, want := range tests {
		if got := ValidAadhaar(in); got != want {
			t.Errorf("ValidAadhaar(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMobile(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"9876543210", "9876543210", true},
		{"+919876543210", "9876543210", true},
		{"+91 98765 43210", "9876543210", true},
		{"+91-98765-43210", "9876543210", true},
		{"919876543210", "9876543210", true},
		{"09876543210", "9876543210", true},
		{"6000000000", "6000000000", true},
		{"5876543210", "", false},
		{"987654321", "", false},
		{"98765432100", "", false},
		{"+9198765432", "", false},
		{"+1 9876543210", "", false},
		{"98765x3210", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeMobile(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeMobile(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if ValidMobile("+919876543210") || !ValidMobile("9876543210") {
		t.Error("ValidMobile accepts only the 10-digit canonical form")
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in, handle, full string
		reason           string // part of the error message; "" if valid
	}{
		{"gaurav.kumar", "gaurav.kumar", "gaurav.kumar@sbx", ""},
		{"Gaurav.Kumar@SBX", "gaurav.kumar", "gaurav.kumar@sbx", ""},
		{" priya_s1991@sbx ", "priya_s1991", "priya_s1991@sbx", ""},
		{"91628545755116@sbx", "91628545755116", "91628545755116@sbx", ""},
		{"abcdefgh", "abcdefgh", "abcdefgh@sbx", ""},
		{"abcdefghijklmnopqr", "abcdefghijklmnopqr", "abcdefghijklmnopqr@sbx", ""},
		{"abcdefg", "", "", "8 to 18"},
		{"abcdefghijklmnopqrs", "", "", "8 to 18"},
		{"gaurav.kumar@abdm", "", "", "@sbx"},
		{"gaurav.kumar@", "", "", "@sbx"},
		{"gaurav@kumar@sbx", "", "", "@sbx"},
		{".gauravkumar", "", "", "start and end"},
		{"gauravkumar_", "", "", "start and end"},
		{"gaurav-kumar", "", "", "only letters"},
		{"gaurav kumar", "", "", "only letters"},
		{"गौरवकुमारशर्मा", "", "", ""},
	}
	for _, tt := range tests {
		h, full, err := ParseAddress(tt.in, "sbx")
		if tt.handle != "" {
			if err != nil || h != tt.handle || full != tt.full {
				t.Errorf("ParseAddress(%q) = %q, %q, %v; want %q, %q", tt.in, h, full, err, tt.handle, tt.full)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseAddress(%q) = %q, %q; want error", tt.in, h, full)
			continue
		}
		if arogya.ErrorCode(err) != arogya.EINVALID || !strings.Contains(arogya.ErrorMessage(err), tt.reason) {
			t.Errorf("ParseAddress(%q) error = %v; want EINVALID mentioning %q", tt.in, err, tt.reason)
		}
	}
}

func TestSuggestions(t *testing.T) {
	taken := map[string]bool{"gaurav.kumar": true, "gauravkumar": true}
	var asked [][]string
	lookup := func(hs []string) map[string]bool {
		asked = append(asked, hs)
		out := map[string]bool{}
		for _, h := range hs {
			if taken[h] {
				out[h] = true
			}
		}
		return out
	}
	got := Suggestions("Gaurav", "", "Kumar", 1991, lookup, 8)
	if len(got) != 8 {
		t.Fatalf("Suggestions = %v, want 8", got)
	}
	want := map[string]bool{"gaurav_kumar": true, "gaurav_1991": true, "kumargaurav91": true, "gaurav.kumar1991": true}
	seen := map[string]bool{}
	for _, h := range got {
		if _, _, err := ParseAddress(h, "sbx"); err != nil {
			t.Errorf("suggestion %q invalid: %v", h, err)
		}
		if taken[h] || seen[h] {
			t.Errorf("suggestion %q taken or repeated", h)
		}
		seen[h] = true
		delete(want, h)
	}
	if len(want) > 0 {
		t.Errorf("Suggestions = %v, missing %v", got, want)
	}
	if got[0] != "gaurav_kumar" {
		t.Errorf("first suggestion %q, want gaurav_kumar (gaurav.kumar is taken)", got[0])
	}
	if len(asked) != 1 {
		t.Errorf("taken called %d times, want once when the patterns suffice", len(asked))
	}
}

func TestSuggestionsEdgeCases(t *testing.T) {
	all := func(hs []string) map[string]bool {
		out := map[string]bool{}
		for _, h := range hs {
			if !strings.ContainsAny(h, "0123456789") {
				out[h] = true // only numbered handles are free
			}
		}
		return out
	}
	tests := []struct {
		name                string
		first, middle, last string
		year, n             int
		taken               func([]string) map[string]bool
		min                 int
	}{
		{"short names", "Li", "", "Wu", 2001, 5, nil, 5},
		{"no last name", "Ramesh", "", "", 1980, 5, nil, 5},
		{"only last name", "", "", "Venkataraman", 0, 3, nil, 3},
		{"long names", "Venkatasubramanian", "Ramaswamy", "Chandrasekharan", 1955, 5, nil, 5},
		{"non-latin", "राहुल", "", "शर्मा", 1990, 5, nil, 0},
		{"patterns taken", "Anita", "", "Das", 1970, 6, all, 6},
		{"zero wanted", "Anita", "", "Das", 1970, 0, nil, 0},
	}
	for _, tt := range tests {
		got := Suggestions(tt.first, tt.middle, tt.last, tt.year, tt.taken, tt.n)
		if len(got) < tt.min || len(got) > tt.n {
			t.Errorf("%s: Suggestions = %v, want %d to %d", tt.name, got, tt.min, tt.n)
		}
		seen := map[string]bool{}
		for _, h := range got {
			if _, _, err := ParseAddress(h, "abdm"); err != nil || seen[h] || allDigits(h) {
				t.Errorf("%s: bad or repeated suggestion %q (%v)", tt.name, h, err)
			}
			seen[h] = true
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"91-6285-4575-5116", "91628545755116", "91 6285 4575 5116", "--", "9-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		if len(n) != 14 || !allDigits(n) {
			t.Fatalf("ParseNumber(%q) = %q", s, n)
		}
		if again, err := ParseNumber(FormatNumber(n)); err != nil || again != n {
			t.Fatalf("round trip of %q: %q, %v", n, again, err)
		}
	})
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"gaurav.kumar@sbx", "a@b", "ABCDEFGH", "._a_.", "x@sbx@sbx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, full, err := ParseAddress(s, "sbx")
		if err != nil {
			return
		}
		if full != h+"@sbx" || checkHandle(h) != nil || h != strings.ToLower(h) {
			t.Fatalf("ParseAddress(%q) = %q, %q", s, h, full)
		}
		if h2, full2, err := ParseAddress(full, "sbx"); err != nil || h2 != h || full2 != full {
			t.Fatalf("ParseAddress not idempotent on %q", full)
		}
	})
}

func FuzzNormalizeMobile(f *testing.F) {
	for _, s := range []string{"+91 98765 43210", "09876543210", "919876543210", "+91", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := NormalizeMobile(s)
		if ok != ValidMobile(m) || (!ok && m != "") {
			t.Fatalf("NormalizeMobile(%q) = %q, %v", s, m, ok)
		}
		if ok {
			if again, ok := NormalizeMobile(m); !ok || again != m {
				t.Fatalf("NormalizeMobile not idempotent on %q", m)
			}
		}
	})
}

func FuzzVerhoeff(f *testing.F) {
	for _, s := range []string{"236", "23456789012", "0", "", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := VerhoeffDigit(s)
		if !allDigits(s) {
			if d != -1 {
				t.Fatalf("VerhoeffDigit(%q) = %d for non-digits", s, d)
			}
			return
		}
		if d < 0 || d > 9 {
			t.Fatalf("VerhoeffDigit(%q) = %d", s, d)
		}
		full := s + itoa(d)
		if !VerhoeffValid(full) {
			t.Fatalf("VerhoeffValid(%q) = false with its own check digit", full)
		}
		if VerhoeffValid(s + itoa((d+1)%10)) {
			t.Fatalf("VerhoeffValid accepts a wrong check digit on %q", s)
		}
	})
}
