package abha

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestParseHealthID(t *testing.T) {
	for _, tc := range []struct {
		in, number, address, code string
	}{
		{"91-1234-5678-9012", "91123456789012", "", ""},
		{" 91123456789012 ", "91123456789012", "", ""},
		{"91 1234 5678 9012", "91123456789012", "", ""},
		{"Rahul.Sharma@SBX", "", "rahul.sharma@sbx", ""},
		{"rahul.sharma", "", "rahul.sharma@sbx", ""},
		{"91123456789012@sbx", "", "91123456789012@sbx", ""},
		{"rahul.sharma@abdm", "", "", arogya.ENOTFOUND}, // another CM: not here
		{"", "", "", arogya.EINVALID},
		{"91-1234-5678", "", "", arogya.EINVALID},
		{"@sbx", "", "", arogya.EINVALID},
		{"a@b@sbx", "", "", arogya.EINVALID},
		{"rahul sharma@sbx", "", "", arogya.EINVALID},
		{strings.Repeat("a", 200), "", "", arogya.EINVALID},
	} {
		n, a, err := parseHealthID(tc.in, "sbx")
		if n != tc.number || a != tc.address || arogya.ErrorCode(err) != tc.code {
			t.Errorf("parseHealthID(%q) = %q, %q, %v; want %q, %q, %s", tc.in, n, a, err, tc.number, tc.address, tc.code)
		}
	}
}

// FuzzParseHealthID: whatever the input, the outcome is exactly one of a
// 14-digit number, a valid address of this CM, or an error whose message
// does not repeat the input.
func FuzzParseHealthID(f *testing.F) {
	for _, s := range []string{"91-1234-5678-9012", "91123456789012", "x.y@sbx", "x.y", "a@abdm", "@", "--", "9@9@sbx", "राहुल@sbx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, a, err := parseHealthID(in, "sbx")
		switch {
		case err != nil:
			if n != "" || a != "" {
				t.Fatalf("%q: error with a result", in)
			}
			msg := arogya.ErrorMessage(err)
			if s := strings.TrimSpace(in); len(s) >= 3 && strings.Contains(msg, s) && !strings.Contains(errNoSuchABHA.Message+
				"healthid is not an ABHA number or ABHA addresshealthid is required", s) {
				t.Fatalf("%q: message %q repeats it", in, msg)
			}
		case n != "":
			if a != "" || len(n) != 14 || !allDigits(n) {
				t.Fatalf("%q: number %q, address %q", in, n, a)
			}
		default:
			if _, full, err := ParseAddress(a, "sbx"); err != nil || full != a {
				t.Fatalf("%q: address %q does not parse back: %v", in, a, err)
			}
		}
	})
}

// FuzzYearField: any JSON value reads as 0 or a four-digit year, never an
// error, so a bad year is the service's 400 rather than a decoding failure.
func FuzzYearField(f *testing.F) {
	for _, s := range []string{`"1990"`, `1990`, `1990.0`, `1990.5`, `"90"`, `null`, `{}`, `[1990]`, `1e300`, `-1990`, `"１９９０"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var y yearField
		if err := y.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if y != 0 && (y < 1000 || y > 9999) {
			t.Fatalf("%q read as %d", in, y)
		}
		var req authConfirmDemographicsRequest
		if json.Unmarshal([]byte(`{"yearOfBirth":`+in+`}`), &req) == nil && req.YearOfBirth != 0 && (req.YearOfBirth < 1000 || req.YearOfBirth > 9999) {
			t.Fatalf("%q read as %d in a body", in, req.YearOfBirth)
		}
	})
}
