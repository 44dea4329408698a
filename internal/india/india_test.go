package india

import (
	"regexp"
	"strings"
	"testing"
)

func TestStates(t *testing.T) {
	states := States()
	if len(states) != 36 {
		t.Fatalf("len(States()) = %d, want 36", len(states))
	}
	uts := 0
	for i, s := range states {
		if i > 0 && states[i-1].Name >= s.Name {
			t.Errorf("States not sorted by name: %q before %q", states[i-1].Name, s.Name)
		}
		if s.Name == strings.ToUpper(s.Name) {
			t.Errorf("state %s name %q is in capitals", s.Code, s.Name)
		}
		if s.UT {
			uts++
		}
		if got, ok := StateByCode(s.Code); !ok || got != s {
			t.Errorf("StateByCode(%q) = %v, %v; want %v", s.Code, got, ok, s)
		}
		if got, ok := StateByName(s.Name); !ok || got != s {
			t.Errorf("StateByName(%q) = %v, %v; want %v", s.Name, got, ok, s)
		}
	}
	if uts != 8 {
		t.Errorf("%d union territories, want 8", uts)
	}
	states[0].Name = "changed"
	if States()[0].Name == "changed" {
		t.Error("States returned the package's own slice")
	}
}

func TestStateCodes(t *testing.T) {
	tests := []struct {
		code, name string
		ut         bool
	}{
		{"28", "Andhra Pradesh", false},
		{"36", "Telangana", false},
		{"9", "Uttar Pradesh", false},
		{"37", "Ladakh", true},
		{"38", "Dadra and Nagar Haveli and Daman and Diu", true},
		{"1", "Jammu and Kashmir", true},
		{"35", "Andaman and Nicobar Islands", true},
	}
	for _, tt := range tests {
		s, ok := StateByCode(tt.code)
		if !ok || s.Name != tt.name || s.UT != tt.ut {
			t.Errorf("StateByCode(%q) = %+v, %v; want name %q, UT %v", tt.code, s, ok, tt.name, tt.ut)
		}
	}
	for _, code := range []string{"", "0", "09", "39", "x"} {
		if s, ok := StateByCode(code); ok {
			t.Errorf("StateByCode(%q) = %+v, want not found", code, s)
		}
	}
}

func TestStateByName(t *testing.T) {
	tests := []struct{ name, code string }{
		{"andhra pradesh", "28"},
		{"ANDHRA PRADESH", "28"},
		{"Jammu & Kashmir", "1"},
		{"Jammu and Kashmir", "1"},
		{"Orissa", "21"},
		{"Odisha", "21"},
		{"Pondicherry", "34"},
		{"Puducherry", "34"},
		{"Tamilnadu", "33"},
		{"Tamil Nadu", "33"},
		{"Uttaranchal", "5"},
		{"Chattisgarh", "22"},
		{"Andaman & Nicobar Islands", "35"},
		{"The Dadra And Nagar Haveli And Daman And Diu", "38"},
		{"Dadra & Nagar Haveli", "38"},
		{"NCT of Delhi", "7"},
		{" west  bengal ", "19"},
	}
	for _, tt := range tests {
		s, ok := StateByName(tt.name)
		if !ok || s.Code != tt.code {
			t.Errorf("StateByName(%q) = %+v, %v; want code %s", tt.name, s, ok, tt.code)
		}
	}
	for _, name := range []string{"", "Atlantis", "and", "Pradesh"} {
		if s, ok := StateByName(name); ok {
			t.Errorf("StateByName(%q) = %+v, want not found", name, s)
		}
	}
}

func TestDistricts(t *testing.T) {
	pin := regexp.MustCompile(`^[1-9][0-9]{5}$`)
	total := 0
	codes := map[string]bool{}
	for _, s := range States() {
		ds := Districts(s.Code)
		if len(ds) == 0 {
			t.Errorf("state %s (%s) has no districts", s.Code, s.Name)
		}
		total += len(ds)
		for i, d := range ds {
			if d.StateCode != s.Code {
				t.Errorf("district %s in state %s has StateCode %s", d.Code, s.Code, d.StateCode)
			}
			if i > 0 && ds[i-1].Name > d.Name {
				t.Errorf("districts of %s not sorted: %q before %q", s.Code, ds[i-1].Name, d.Name)
			}
			if !pin.MatchString(d.Pincode) {
				t.Errorf("district %s/%s (%s) has PIN %q", d.StateCode, d.Code, d.Name, d.Pincode)
			}
			if d.Lat < 6 || d.Lat > 38 || d.Lon < 68 || d.Lon > 98 {
				t.Errorf("district %s/%s (%s) at %v,%v: outside India", d.StateCode, d.Code, d.Name, d.Lat, d.Lon)
			}
			if d.Name == strings.ToUpper(d.Name) {
				t.Errorf("district %s name %q is in capitals", d.Code, d.Name)
			}
			if codes[d.Code] {
				t.Errorf("district code %s repeated", d.Code)
			}
			codes[d.Code] = true
			if got, ok := DistrictByCode(s.Code, d.Code); !ok || got != d {
				t.Errorf("DistrictByCode(%q, %q) = %v, %v; want %v", s.Code, d.Code, got, ok, d)
			}
			if got, ok := DistrictByName(s.Code, d.Name); !ok || got.Code != d.Code {
				t.Errorf("DistrictByName(%q, %q) = %v, %v; want code %s", s.Code, d.Name, got, ok, d.Code)
			}
		}
	}
	if total != 784 {
		t.Errorf("%d districts, want 784", total)
	}
	if ds := Districts("99"); ds != nil {
		t.Errorf("Districts(99) = %v, want nil", ds)
	}
}

func TestDistrictLookups(t *testing.T) {
	tests := []struct {
		state, name, code string
	}{
		{"4", "chandigarh", "44"},
		{"19", "KOLKATA", "315"},
		{"27", "Mumbai", "482"},
		{"19", "North 24 Parganas", "303"},
		{"23", "Mauganj", "766"},
		{"3", "SAS Nagar", "608"},
	}
	for _, tt := range tests {
		d, ok := DistrictByName(tt.state, tt.name)
		if !ok || d.Code != tt.code {
			t.Errorf("DistrictByName(%q, %q) = %+v, %v; want code %s", tt.state, tt.name, d, ok, tt.code)
		}
	}
	if d, ok := DistrictByName("9", "Kolkata"); ok {
		t.Errorf("DistrictByName found Kolkata in Uttar Pradesh: %+v", d)
	}
	if d, ok := DistrictByCode("9", "315"); ok {
		t.Errorf("DistrictByCode found Kolkata's code in Uttar Pradesh: %+v", d)
	}
	// A sanity check of the generated PINs: the first digit is the postal zone.
	if d, _ := DistrictByName("19", "Kolkata"); !strings.HasPrefix(d.Pincode, "7") {
		t.Errorf("Kolkata PIN %s, want 7xxxxx", d.Pincode)
	}
	if d, _ := DistrictByName("7", "New Delhi"); !strings.HasPrefix(d.Pincode, "110") {
		t.Errorf("New Delhi PIN %s, want 110xxx", d.Pincode)
	}
	// Kolkata lies near 22.57 N, 88.36 E.
	if d, _ := DistrictByName("19", "Kolkata"); d.Lat < 22.3 || d.Lat > 22.8 || d.Lon < 88.1 || d.Lon > 88.6 {
		t.Errorf("Kolkata at %v,%v, want near 22.57,88.36", d.Lat, d.Lon)
	}
}

func TestNames(t *testing.T) {
	for _, s := range States() {
		for _, g := range []string{"M", "F", "O"} {
			if n := FirstNames(s.Code, g); len(n) < 5 {
				t.Errorf("FirstNames(%s %s, %s) has %d names", s.Code, s.Name, g, len(n))
			}
		}
		if n := LastNames(s.Code); len(n) < 5 {
			t.Errorf("LastNames(%s %s) has %d names", s.Code, s.Name, len(n))
		}
	}
	if got, want := FirstNames("37", "F"), FirstNames("1", "F"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Ladakh's names are not Jammu and Kashmir's")
	}
	if got, want := LastNames("31"), LastNames("32"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Lakshadweep's surnames are not Kerala's")
	}
	m, f := FirstNames("9", "M"), FirstNames("9", "F")
	if len(FirstNames("9", "")) > len(m)+len(f) {
		t.Error("FirstNames with no gender has more than both lists")
	}
	if FirstNames("99", "M") != nil || LastNames("99") != nil {
		t.Error("names for unknown state code 99")
	}
}
