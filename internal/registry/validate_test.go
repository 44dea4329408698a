package registry

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/checkdigit"
	"github.com/arogya-health/arogya/internal/india"
)

// vizag is Visakhapatnam district, Andhra Pradesh.
func vizag(t testing.TB) india.District {
	t.Helper()
	d, ok := india.DistrictByName("28", "Visakhapatnam")
	if !ok {
		t.Fatal("no Visakhapatnam district")
	}
	return d
}

func testFacility(t testing.TB) *Facility {
	d := vizag(t)
	return &Facility{
		Name:             "Sanjeevani Multispeciality Hospital, Gajuwaka",
		Type:             "hospital",
		Ownership:        "private",
		OwnershipSubType: "trust",
		Systems:          []string{"modern"},
		Address:          Address{Line: "12, Main Road", City: "Visakhapatnam", StateCode: "28", DistrictCode: d.Code, PIN: "530026"},
		Lat:              17.69, Lon: 83.21,
		Phone:        "08912345678",
		Email:        "info@sanjeevani.example",
		Website:      "https://sanjeevani.example",
		Specialities: []string{"general-medicine", "cardiology"},
		Services:     []string{"24x7 emergency", "ICU"},
		Beds:         120,
		Timings:      "24x7",
		ABDMEnabled:  true,
		ABDMRoles:    []string{"HIP", "HIU"},
	}
}

func testProfessional(t testing.TB) *Professional {
	d := vizag(t)
	return &Professional{
		Handle:             "dr.lakshmi.rao",
		Name:               "Lakshmi Rao",
		Gender:             "F",
		Category:           "doctor",
		System:             "modern",
		Council:            "Andhra Pradesh Medical Council",
		RegistrationNumber: "APMC-12345",
		Qualifications:     []Qualification{{Degree: "MBBS", University: "Andhra University", Year: 2009}, {Degree: "MD (General Medicine)", University: "Andhra University", Year: 2013}},
		Specialities:       []string{"general-medicine"},
		Languages:          []string{"te", "en"},
		Facilities:         []string{"IN2812345678"},
		Address:            Address{Line: "H.No. 4-12", City: "Visakhapatnam", StateCode: "28", DistrictCode: d.Code, PIN: "530026"},
		Phone:              "9845012345",
		Email:              "lakshmi@mail.example",
	}
}

func testDrug() *Drug {
	return &Drug{Generic: "Paracetamol", Brands: []string{"Crocin"}, Form: "tablet", Strength: "500 mg", Route: "oral", Schedule: "OTC", ATC: "N02BE01"}
}

// fields returns the fields of errs.
func fields(errs FieldErrors) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

func TestValidateFacility(t *testing.T) {
	other, _ := india.DistrictByName("36", "Hyderabad")
	jk := india.Districts("1")[0]
	tests := []struct {
		name  string
		edit  func(*Facility)
		field string // "" for valid
		check func(*Facility) bool
	}{
		{"valid", func(*Facility) {}, "", nil},
		{"name collapsed", func(f *Facility) { f.Name = "  City \t  Hospital\n " }, "", func(f *Facility) bool { return f.Name == "City Hospital" }},
		{"name short", func(f *Facility) { f.Name = "ab" }, "name", nil},
		{"name long", func(f *Facility) { f.Name = strings.Repeat("a", 201) }, "name", nil},
		{"name 200 runes", func(f *Facility) { f.Name = strings.Repeat("अ", 200) }, "", nil},
		{"name missing", func(f *Facility) { f.Name = " " }, "name", nil},
		{"name formula", func(f *Facility) { f.Name = "=HYPERLINK(1)" }, "name", nil},
		{"name control", func(f *Facility) { f.Name = "City\x00Hospital" }, "name", nil},
		{"name bad utf-8", func(f *Facility) { f.Name = "City \xff Hospital" }, "name", nil},
		{"type label", func(f *Facility) { f.Type = "Primary Health Centre" }, "", func(f *Facility) bool { return f.Type == "phc" }},
		{"type upper", func(f *Facility) { f.Type = " HOSPITAL " }, "", func(f *Facility) bool { return f.Type == "hospital" }},
		{"type unknown", func(f *Facility) { f.Type = "spa" }, "type", nil},
		{"type missing", func(f *Facility) { f.Type = "" }, "type", nil},
		{"ownership missing", func(f *Facility) { f.Ownership = ""; f.OwnershipSubType = "" }, "ownership", nil},
		{"sub-type of another", func(f *Facility) { f.OwnershipSubType = "esic" }, "ownershipSubType", nil},
		{"sub-type optional", func(f *Facility) { f.OwnershipSubType = "" }, "", nil},
		{"sub-type label", func(f *Facility) { f.OwnershipSubType = "Corporate Chain" }, "", func(f *Facility) bool { return f.OwnershipSubType == "corporate" }},
		{"systems missing", func(f *Facility) { f.Systems = nil }, "systemsOfMedicine", nil},
		{"systems blank", func(f *Facility) { f.Systems = []string{" ", ""} }, "systemsOfMedicine", nil},
		{"systems deduped", func(f *Facility) { f.Systems = []string{"Modern", "modern", "Ayurveda"} }, "", func(f *Facility) bool {
			return slices.Equal(f.Systems, []string{"modern", "ayurveda"})
		}},
		{"systems unknown", func(f *Facility) { f.Systems = []string{"modern", "magic"} }, "systemsOfMedicine[1]", nil},
		{"state missing", func(f *Facility) { f.Address.StateCode = "" }, "address.stateCode", nil},
		{"state unknown", func(f *Facility) { f.Address.StateCode = "99" }, "address.stateCode", nil},
		{"state padded", func(f *Facility) { f.Address.StateCode = "01"; f.Address.DistrictCode = jk.Code }, "", func(f *Facility) bool { return f.Address.StateCode == "1" }},
		{"state by name", func(f *Facility) { f.Address.StateCode = "Andhra Pradesh" }, "", func(f *Facility) bool { return f.Address.StateCode == "28" }},
		{"district by name", func(f *Facility) { f.Address.DistrictCode = "visakhapatnam" }, "", nil},
		{"district of another state", func(f *Facility) { f.Address.DistrictCode = other.Code }, "address.districtCode", nil},
		{"district missing", func(f *Facility) { f.Address.DistrictCode = "" }, "address.districtCode", nil},
		{"pin missing", func(f *Facility) { f.Address.PIN = "" }, "address.pin", nil},
		{"pin leading zero", func(f *Facility) { f.Address.PIN = "012345" }, "address.pin", nil},
		{"pin short", func(f *Facility) { f.Address.PIN = "53002" }, "address.pin", nil},
		{"pin letters", func(f *Facility) { f.Address.PIN = "53002a" }, "address.pin", nil},
		{"pin spaced", func(f *Facility) { f.Address.PIN = "530 026" }, "", func(f *Facility) bool { return f.Address.PIN == "530026" }},
		{"line long", func(f *Facility) { f.Address.Line = strings.Repeat("x", 301) }, "address.line", nil},
		{"location unknown", func(f *Facility) { f.Lat, f.Lon = 0, 0 }, "", nil},
		{"lat zero only", func(f *Facility) { f.Lat = 0 }, "location.lat", nil},
		{"outside India", func(f *Facility) { f.Lat, f.Lon = 51.5, -0.12 }, "location.lat", nil},
		{"lon outside", func(f *Facility) { f.Lon = 99 }, "location.lon", nil},
		{"lat NaN", func(f *Facility) { f.Lat = math.NaN() }, "location.lat", nil},
		{"lon Inf", func(f *Facility) { f.Lon = math.Inf(1) }, "location.lon", nil},
		{"phone mobile", func(f *Facility) { f.Phone = "98450 12345" }, "", func(f *Facility) bool { return f.Phone == "9845012345" }},
		{"phone +91", func(f *Facility) { f.Phone = "+91 98450-12345" }, "", func(f *Facility) bool { return f.Phone == "+919845012345" }},
		{"phone 0091", func(f *Facility) { f.Phone = "0091 9845012345" }, "", func(f *Facility) bool { return f.Phone == "+919845012345" }},
		{"phone 91", func(f *Facility) { f.Phone = "919845012345" }, "", func(f *Facility) bool { return f.Phone == "+919845012345" }},
		{"phone landline", func(f *Facility) { f.Phone = "(080) 2345-6789" }, "", func(f *Facility) bool { return f.Phone == "08023456789" }},
		{"phone landline no 0", func(f *Facility) { f.Phone = "4423456789" }, "", nil},
		{"phone short", func(f *Facility) { f.Phone = "12345" }, "phone", nil},
		{"phone +91 0", func(f *Facility) { f.Phone = "+91 08023456789" }, "phone", nil},
		{"phone foreign", func(f *Facility) { f.Phone = "+44 20 7946 0000" }, "phone", nil},
		{"phone 11 digits", func(f *Facility) { f.Phone = "98450123456" }, "phone", nil},
		{"phone 00", func(f *Facility) { f.Phone = "00123456789" }, "phone", nil},
		{"phone letters", func(f *Facility) { f.Phone = "98450ABCDE" }, "phone", nil},
		{"email domain case", func(f *Facility) { f.Email = " Info@Sanjeevani.EXAMPLE " }, "", func(f *Facility) bool { return f.Email == "Info@sanjeevani.example" }},
		{"email no dot", func(f *Facility) { f.Email = "a@b" }, "email", nil},
		{"email no at", func(f *Facility) { f.Email = "ab.example" }, "email", nil},
		{"email space", func(f *Facility) { f.Email = "a b@c.in" }, "email", nil},
		{"email two at", func(f *Facility) { f.Email = "a@b@c.in" }, "email", nil},
		{"email empty label", func(f *Facility) { f.Email = "a@b..in" }, "email", nil},
		{"website bare", func(f *Facility) { f.Website = "www.sanjeevani.example" }, "", func(f *Facility) bool { return f.Website == "https://www.sanjeevani.example" }},
		{"website http", func(f *Facility) { f.Website = "http://sanjeevani.example/about" }, "", nil},
		{"website ftp", func(f *Facility) { f.Website = "ftp://sanjeevani.example" }, "website", nil},
		{"website javascript", func(f *Facility) { f.Website = "javascript:alert(1)" }, "website", nil},
		{"website userinfo", func(f *Facility) { f.Website = "https://user:pw@sanjeevani.example" }, "website", nil},
		{"website long", func(f *Facility) { f.Website = "https://a.example/" + strings.Repeat("a", 200) }, "website", nil},
		{"speciality unknown", func(f *Facility) { f.Specialities = []string{"astrology"} }, "specialities[0]", nil},
		{"speciality label", func(f *Facility) { f.Specialities = []string{"Obstetrics & Gynaecology"} }, "", func(f *Facility) bool {
			return f.Specialities[0] == "obstetrics-gynaecology"
		}},
		{"services deduped", func(f *Facility) { f.Services = []string{"ICU", "icu", " ", "OPD"} }, "", func(f *Facility) bool {
			return slices.Equal(f.Services, []string{"ICU", "OPD"})
		}},
		{"services separator", func(f *Facility) { f.Services = []string{"ICU; OPD"} }, "services[0]", nil},
		{"services too many", func(f *Facility) {
			f.Services = nil
			for i := range 31 {
				f.Services = append(f.Services, "service "+strconv.Itoa(i))
			}
		}, "services", nil},
		{"beds negative", func(f *Facility) { f.Beds = -1 }, "beds", nil},
		{"beds too many", func(f *Facility) { f.Beds = 20001 }, "beds", nil},
		{"beds max", func(f *Facility) { f.Beds = 20000 }, "", nil},
		{"timings long", func(f *Facility) { f.Timings = strings.Repeat("9", 101) }, "timings", nil},
		{"roles not enabled", func(f *Facility) { f.ABDMEnabled = false }, "abdmRoles", nil},
		{"roles upper", func(f *Facility) { f.ABDMRoles = []string{"hip", "HIP"} }, "", func(f *Facility) bool { return slices.Equal(f.ABDMRoles, []string{"HIP"}) }},
		{"role unknown", func(f *Facility) { f.ABDMRoles = []string{"HIP", "CM"} }, "abdmRoles[1]", nil},
		{"enabled no roles", func(f *Facility) { f.ABDMRoles = nil }, "", nil},
		{"pharmacy licence", func(f *Facility) { f.Type = "pharmacy"; f.DrugLicence = "AP-20B-123456" }, "", nil},
		{"pharmacy no licence", func(f *Facility) { f.Type = "pharmacy" }, "drugLicence", nil},
		{"licence not pharmacy", func(f *Facility) { f.DrugLicence = "AP-20B-123456" }, "drugLicence", nil},
		{"id valid", func(f *Facility) { f.ID = " in2812345678 " }, "", func(f *Facility) bool { return f.ID == "IN2812345678" }},
		{"id bad state", func(f *Facility) { f.ID = "IN9912345678" }, "id", nil},
		{"id short", func(f *Facility) { f.ID = "IN281234" }, "id", nil},
		{"status", func(f *Facility) { f.Status = "verified" }, "", func(f *Facility) bool { return f.Status == StatusVerified }},
		{"status unknown", func(f *Facility) { f.Status = "MAYBE" }, "status", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFacility(t)
			tt.edit(f)
			NormaliseFacility(f)
			errs := ValidateFacility(f)
			checkErrs(t, errs, tt.field)
			if tt.check != nil && !tt.check(f) {
				t.Errorf("normalised to %+v", f)
			}
		})
	}
}

// checkErrs fails unless errs is nil (want "") or names the field want.
func checkErrs(t *testing.T, errs FieldErrors, want string) {
	t.Helper()
	if want == "" {
		if errs != nil {
			t.Fatalf("errors %v, want none", errs)
		}
		return
	}
	if !slices.Contains(fields(errs), want) {
		t.Fatalf("errors %v, want one for %s", errs, want)
	}
	for _, e := range errs {
		if e.Reason == "" {
			t.Errorf("field %s has no reason", e.Field)
		}
	}
}

func TestValidateProfessional(t *testing.T) {
	year := time.Now().Year()
	tests := []struct {
		name  string
		edit  func(*Professional)
		field string
		check func(*Professional) bool
	}{
		{"valid", func(*Professional) {}, "", nil},
		{"handle normalised", func(p *Professional) { p.Handle = " Dr.Lakshmi.Rao@hpr.abdm " }, "", func(p *Professional) bool { return p.Handle == "dr.lakshmi.rao" }},
		{"handle missing", func(p *Professional) { p.Handle = "" }, "handle", nil},
		{"handle short", func(p *Professional) { p.Handle = "abc" }, "handle", nil},
		{"handle digit first", func(p *Professional) { p.Handle = "1lakshmi" }, "handle", nil},
		{"handle double dot", func(p *Professional) { p.Handle = "lakshmi..rao" }, "handle", nil},
		{"handle space", func(p *Professional) { p.Handle = "lakshmi rao" }, "handle", nil},
		{"name short", func(p *Professional) { p.Name = "Al" }, "name", nil},
		{"gender word", func(p *Professional) { p.Gender = "female" }, "", func(p *Professional) bool { return p.Gender == "F" }},
		{"gender lower", func(p *Professional) { p.Gender = "o" }, "", func(p *Professional) bool { return p.Gender == "O" }},
		{"gender missing", func(p *Professional) { p.Gender = "" }, "gender", nil},
		{"gender unknown", func(p *Professional) { p.Gender = "X" }, "gender", nil},
		{"category missing", func(p *Professional) { p.Category = "" }, "category", nil},
		{"category unknown", func(p *Professional) { p.Category = "healer" }, "category", nil},
		{"category label", func(p *Professional) { p.Category = "Doctor" }, "", func(p *Professional) bool { return p.Category == "doctor" }},
		{"doctor no system", func(p *Professional) { p.System = "" }, "systemOfMedicine", nil},
		{"doctor unknown system", func(p *Professional) { p.System = "magic" }, "systemOfMedicine", nil},
		{"pharmacist no system", func(p *Professional) { p.Category = "pharmacist"; p.System = "" }, "systemOfMedicine", nil},
		{"nurse no system", func(p *Professional) { p.Category = "nurse"; p.System = "" }, "", nil},
		{"nurse system", func(p *Professional) { p.Category = "nurse" }, "", nil},
		{"dentist system", func(p *Professional) { p.Category = "dentist" }, "systemOfMedicine", nil},
		{"asha no registration", func(p *Professional) {
			p.Category, p.System, p.Council, p.RegistrationNumber, p.Qualifications = "asha", "", "", "", nil
		}, "", nil},
		{"asha system", func(p *Professional) { p.Category, p.Council, p.RegistrationNumber = "asha", "", "" }, "systemOfMedicine", nil},
		{"anm registered", func(p *Professional) { p.Category, p.System, p.Council = "anm", "", "Andhra Pradesh Nursing Council" }, "", nil},
		{"anm council only", func(p *Professional) { p.Category, p.System, p.RegistrationNumber = "anm", "", "" }, "registrationNumber", nil},
		{"doctor no council", func(p *Professional) { p.Council = "" }, "council", nil},
		{"doctor no registration", func(p *Professional) { p.RegistrationNumber = "" }, "registrationNumber", nil},
		{"nurse no council", func(p *Professional) { p.Category = "nurse"; p.Council = "" }, "council", nil},
		{"year early", func(p *Professional) { p.Qualifications[0].Year = 1949 }, "qualifications[0].year", nil},
		{"year future", func(p *Professional) { p.Qualifications[1].Year = year + 1 }, "qualifications[1].year", nil},
		{"year this year", func(p *Professional) { p.Qualifications[1].Year = year }, "", nil},
		{"year missing", func(p *Professional) { p.Qualifications[1].Year = 0 }, "qualifications[1].year", nil},
		{"degree missing", func(p *Professional) { p.Qualifications[0].Degree = " " }, "qualifications[0].degree", nil},
		{"degree separator", func(p *Professional) { p.Qualifications[0].Degree = "MBBS|MD" }, "qualifications[0].degree", nil},
		{"university separator", func(p *Professional) { p.Qualifications[0].University = "A; B" }, "qualifications[0].university", nil},
		{"qualification empty dropped", func(p *Professional) { p.Qualifications = append(p.Qualifications, Qualification{Degree: " "}) }, "", func(p *Professional) bool {
			return len(p.Qualifications) == 2
		}},
		{"qualification repeat dropped", func(p *Professional) { p.Qualifications = append(p.Qualifications, p.Qualifications[0]) }, "", func(p *Professional) bool {
			return len(p.Qualifications) == 2
		}},
		{"no qualifications", func(p *Professional) { p.Qualifications = nil }, "", nil},
		{"languages missing", func(p *Professional) { p.Languages = nil }, "languages", nil},
		{"language label", func(p *Professional) { p.Languages = []string{"Telugu", "te", "EN"} }, "", func(p *Professional) bool {
			return slices.Equal(p.Languages, []string{"te", "en"})
		}},
		{"language unknown", func(p *Professional) { p.Languages = []string{"te", "klingon"} }, "languages[1]", nil},
		{"speciality unknown", func(p *Professional) { p.Specialities = []string{"x"} }, "specialities[0]", nil},
		{"facility bad", func(p *Professional) { p.Facilities = []string{"IN2812345678", "IN99"} }, "facilities[1]", nil},
		{"facility lower", func(p *Professional) { p.Facilities = []string{"in2812345678", "IN2812345678"} }, "", func(p *Professional) bool {
			return slices.Equal(p.Facilities, []string{"IN2812345678"})
		}},
		{"no facilities", func(p *Professional) { p.Facilities = nil }, "", nil},
		{"id formatted", func(p *Professional) { p.ID = FormatHPRID(NewHPRID()) }, "", func(p *Professional) bool { return ValidHPRID(p.ID) }},
		{"id bad check digit", func(p *Professional) {
			p.ID = "7123456789012" + strconv.Itoa((checkdigit.Luhn("7123456789012")+1)%10)
		}, "id", nil},
		{"address", func(p *Professional) { p.Address.PIN = "" }, "address.pin", nil},
		{"phone", func(p *Professional) { p.Phone = "12" }, "phone", nil},
		{"email", func(p *Professional) { p.Email = "x" }, "email", nil},
		{"location", func(p *Professional) { p.Lat, p.Lon = 1, 1 }, "location.lat", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProfessional(t)
			tt.edit(p)
			NormaliseProfessional(p)
			checkErrs(t, ValidateProfessional(p), tt.field)
			if tt.check != nil && !tt.check(p) {
				t.Errorf("normalised to %+v", p)
			}
		})
	}
}

func TestValidateDrug(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Drug)
		field string
		check func(*Drug) bool
	}{
		{"valid", func(*Drug) {}, "", func(d *Drug) bool { return d.ID == "paracetamol-tablet-500-mg" }},
		{"id kept", func(d *Drug) { d.ID = "pcm-500" }, "", func(d *Drug) bool { return d.ID == "pcm-500" }},
		{"id bad", func(d *Drug) { d.ID = "pcm 500" }, "id", nil},
		{"id hyphens", func(d *Drug) { d.ID = "pcm--500" }, "id", nil},
		{"generic missing", func(d *Drug) { d.Generic = "" }, "generic", nil},
		{"form unknown", func(d *Drug) { d.Form = "elixir" }, "form", nil},
		{"form label", func(d *Drug) { d.Form = "Tablet" }, "", nil},
		{"route missing", func(d *Drug) { d.Route = "" }, "route", nil},
		{"route label", func(d *Drug) { d.Route = "Intravenous" }, "", func(d *Drug) bool { return d.Route == "iv" }},
		{"schedule lower", func(d *Drug) { d.Schedule = "h1" }, "", func(d *Drug) bool { return d.Schedule == "H1" }},
		{"schedule unknown", func(d *Drug) { d.Schedule = "Z" }, "schedule", nil},
		{"schedule missing", func(d *Drug) { d.Schedule = "" }, "schedule", nil},
		{"strength missing", func(d *Drug) { d.Strength = " " }, "strength", nil},
		{"atc lower", func(d *Drug) { d.ATC = "n02be01" }, "", func(d *Drug) bool { return d.ATC == "N02BE01" }},
		{"atc level 1", func(d *Drug) { d.ATC = "N" }, "", nil},
		{"atc level 2", func(d *Drug) { d.ATC = "N02" }, "", nil},
		{"atc level 3", func(d *Drug) { d.ATC = "N02B" }, "", nil},
		{"atc level 4", func(d *Drug) { d.ATC = "N02BE" }, "", nil},
		{"atc bad", func(d *Drug) { d.ATC = "N02BE1" }, "atc", nil},
		{"atc digits", func(d *Drug) { d.ATC = "0" }, "atc", nil},
		{"atc letters", func(d *Drug) { d.ATC = "NN2BE01" }, "atc", nil},
		{"atc long", func(d *Drug) { d.ATC = "N02BE011" }, "atc", nil},
		{"brands deduped", func(d *Drug) { d.Brands = []string{"Crocin", "crocin", "Calpol"} }, "", func(d *Drug) bool {
			return slices.Equal(d.Brands, []string{"Crocin", "Calpol"})
		}},
		{"brand separator", func(d *Drug) { d.Brands = []string{"A;B"} }, "brands[0]", nil},
		{"no brands", func(d *Drug) { d.Brands = nil }, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDrug()
			tt.edit(d)
			NormaliseDrug(d)
			checkErrs(t, ValidateDrug(d), tt.field)
			if tt.check != nil && !tt.check(d) {
				t.Errorf("normalised to %+v", d)
			}
		})
	}
}

func TestDrugID(t *testing.T) {
	tests := []struct{ generic, form, strength, want string }{
		{"Paracetamol", "tablet", "500 mg", "paracetamol-tablet-500-mg"},
		{"Amoxicillin + Clavulanic acid", "suspension", "200 mg + 28.5 mg/5 ml", "amoxicillin-clavulanic-acid-suspension-200-mg-28-5-mg-5-ml"},
		{"  Insulin human premixed 30/70 ", "injection", "40 IU/ml", "insulin-human-premixed-30-70-injection-40-iu-ml"},
		{"Paracetamol", "", "", "paracetamol"},
		{"पैरासिटामोल", "tablet", "500 mg", "tablet-500-mg"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := DrugID(&Drug{Generic: tt.generic, Form: tt.form, Strength: tt.strength}); got != tt.want {
			t.Errorf("DrugID(%q, %q, %q) = %q, want %q", tt.generic, tt.form, tt.strength, got, tt.want)
		}
	}
	long := DrugID(&Drug{Generic: strings.Repeat("abcdefghij ", 30), Form: "tablet", Strength: "5 mg"})
	if len(long) > 200 || !validDrugID(long) {
		t.Errorf("long DrugID %q (%d bytes)", long, len(long))
	}
}

// TestErrorsHoldNoValues checks that reasons never repeat a value.
func TestErrorsHoldNoValues(t *testing.T) {
	const secret = "Zq9Secret"
	f := &Facility{Name: "=" + secret, Type: secret, Ownership: secret, OwnershipSubType: secret, Systems: []string{secret},
		Address: Address{Line: "@" + secret, City: "\x01" + secret, StateCode: secret, DistrictCode: secret, PIN: secret},
		Phone:   secret, Email: secret, Website: secret, Specialities: []string{secret}, Services: []string{secret + ";"},
		Timings: strings.Repeat(secret, 20), ABDMRoles: []string{secret}, DrugLicence: secret, Status: secret, ID: secret}
	NormaliseFacility(f)
	p := &Professional{ID: secret, Handle: secret + "!", Name: "+" + secret, Gender: secret, Category: "doctor", System: secret,
		Qualifications: []Qualification{{Degree: secret + "|", Year: 1}}, Languages: []string{secret}, Facilities: []string{secret},
		Phone: secret, Email: secret}
	NormaliseProfessional(p)
	d := &Drug{ID: secret + " x", Generic: "-" + secret, Form: secret, Route: secret, Schedule: secret, ATC: secret, Brands: []string{secret + ";"}}
	NormaliseDrug(d)
	for _, errs := range []FieldErrors{ValidateFacility(f), ValidateProfessional(p), ValidateDrug(d)} {
		if len(errs) < 5 {
			t.Errorf("only %d errors: %v", len(errs), errs)
		}
		if msg := errs.Error(); strings.Contains(strings.ToLower(msg), strings.ToLower(secret)) {
			t.Errorf("an error repeats the value: %s", msg)
		}
	}
}

func TestFieldErrorsError(t *testing.T) {
	errs := FieldErrors{{"name", "is required"}, {"address.pin", "must be 6 digits"}}
	if got, want := errs.Error(), "name: is required; address.pin: must be 6 digits"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestValidPhone(t *testing.T) {
	for s, want := range map[string]bool{
		"9845012345": true, "6000000000": true, "+919845012345": true, "08023456789": true, "4423456789": true,
		"0802345678": false, "+91984501234": false, "+9109845012345": false, "": false, "+91": false,
		"984501234x": false, "00023456789": false, "+929845012345": false,
	} {
		if got := ValidPhone(s); got != want {
			t.Errorf("ValidPhone(%q) = %v, want %v", s, got, want)
		}
	}
}
