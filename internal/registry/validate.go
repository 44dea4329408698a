package registry

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/arogya-health/arogya/internal/india"
)

// FieldError is one field's problem. Field is the field's API (JSON) name,
// e.g. "name", "beds", "address.pin", "systemsOfMedicine[1]",
// "qualifications[0].year"; csv.go maps it to a column. Reason is short
// English and never repeats the value, so errors carry no personal data.
type FieldError struct {
	Field  string
	Reason string
}

// FieldErrors are the problems of one entry. Validators return nil, not an
// empty slice, when the entry is valid; compare the FieldErrors (not an
// error interface holding one) with nil.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	var b strings.Builder
	for i, e := range fe {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Field)
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

func (fe *FieldErrors) add(field, reason string) {
	*fe = append(*fe, FieldError{Field: field, Reason: reason})
}

// Limits of the validated fields.
const (
	minNameLen       = 3
	maxNameLen       = 200
	maxLineLen       = 300
	maxCityLen       = 100
	maxTimingsLen    = 100
	maxServiceLen    = 100
	maxServices      = 30
	maxLicenceLen    = 64
	maxWebsiteLen    = 200
	maxEmailLen      = 254
	maxBeds          = 20_000
	maxCouncilLen    = 200
	maxRegNumberLen  = 64
	maxDegreeLen     = 100
	maxUniversityLen = 200
	maxQualification = 10
	maxFacilities    = 10
	maxGenericLen    = 200
	maxStrengthLen   = 100
	maxBrandLen      = 100
	maxBrands        = 30
	maxDrugIDLen     = 200
	minQualYear      = 1950
)

// India's bounding box, for coordinates.
const (
	indiaMinLat, indiaMaxLat = 6.0, 38.0
	indiaMinLon, indiaMaxLon = 68.0, 98.0
)

// ---- normalisation ----

// collapse trims s and turns every run of white space (new lines
// included) into one space.
func collapse(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// canonical returns the code of v that s names, by code or by label,
// ignoring case and surrounding space; a value that names none is returned
// trimmed and lower-cased.
func canonical(v Vocabulary, s string) string {
	s = collapse(s)
	for _, t := range v {
		if strings.EqualFold(t.Code, s) || strings.EqualFold(t.Label, s) {
			return t.Code
		}
	}
	return strings.ToLower(s)
}

// canonicalList applies canonical to each value, drops empty ones and
// repeats, and keeps the order.
func canonicalList(v Vocabulary, list []string) []string {
	return dedupe(list, func(s string) (string, string) {
		c := canonical(v, s)
		return c, c
	})
}

// textList collapses each value's spaces, drops empty ones and repeats
// (ignoring case), and keeps the order.
func textList(list []string) []string {
	return dedupe(list, func(s string) (string, string) {
		s = collapse(s)
		return s, strings.ToLower(s)
	})
}

// dedupe maps each value of list to a value and a key, in place, keeping
// the first value of each key and dropping empty values. It returns nil
// for an empty result.
func dedupe(list []string, f func(string) (value, key string)) []string {
	out := list[:0]
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		v, k := f(s)
		if v == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return nilIfEmpty(out)
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// trimZeros drops the leading zeros of a numeric code ("01" → "1"), as
// LGD codes are unpadded.
func trimZeros(s string) string {
	if !allDigits(s) {
		return s
	}
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func normaliseAddress(a *Address) {
	a.Line = collapse(a.Line)
	a.City = collapse(a.City)
	a.StateCode = trimZeros(collapse(a.StateCode))
	if a.StateCode != "" && !allDigits(a.StateCode) {
		if st, ok := india.StateByName(a.StateCode); ok {
			a.StateCode = st.Code
		}
	}
	a.DistrictCode = trimZeros(collapse(a.DistrictCode))
	if a.DistrictCode != "" && !allDigits(a.DistrictCode) {
		if d, ok := india.DistrictByName(a.StateCode, a.DistrictCode); ok {
			a.DistrictCode = d.Code
		}
	}
	a.PIN = strings.Join(strings.Fields(a.PIN), "")
}

// normalisePhone removes the separators people write in phone numbers
// (spaces, hyphens, brackets, dots) and turns a 0091 prefix into +91.
func normalisePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '-', '(', ')', '.':
			return -1
		}
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if rest, ok := strings.CutPrefix(s, "0091"); ok && len(rest) == 10 {
		s = "+91" + rest
	} else if len(s) == 12 && strings.HasPrefix(s, "91") && allDigits(s) && s[2] >= '6' {
		s = "+" + s // a mobile number with the country code but no +
	}
	return s
}

// normaliseEmail trims the address and lower-cases its domain.
func normaliseEmail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i+1] + strings.ToLower(s[i+1:])
	}
	return s
}

// normaliseWebsite trims the URL and adds https:// to a bare host name.
func normaliseWebsite(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") && !strings.ContainsFunc(s, unicode.IsSpace) && strings.Contains(s, ".") {
		s = "https://" + s
	}
	return s
}

// NormaliseFacility tidies f in place before validation: it trims fields
// and collapses runs of spaces in text, lower-cases codes (and accepts a
// vocabulary label for its code, e.g. "Primary Health Centre" for "phc"),
// drops repeats from lists, upper-cases ABDM roles, writes LGD codes
// unpadded ("01" → "1"; a state or district name becomes its code), strips
// spaces from the PIN and separators from the phone number.
func NormaliseFacility(f *Facility) {
	f.ID = strings.ToUpper(strings.TrimSpace(f.ID))
	f.Name = collapse(f.Name)
	f.Type = canonical(FacilityTypes, f.Type)
	f.Ownership = canonical(Ownerships, f.Ownership)
	f.OwnershipSubType = canonical(OwnershipSubTypes[f.Ownership], f.OwnershipSubType)
	f.Systems = canonicalList(SystemsOfMedicine, f.Systems)
	normaliseAddress(&f.Address)
	f.Phone = normalisePhone(f.Phone)
	f.Email = normaliseEmail(f.Email)
	f.Website = normaliseWebsite(f.Website)
	f.Specialities = canonicalList(Specialities, f.Specialities)
	f.Services = textList(f.Services)
	f.Timings = collapse(f.Timings)
	f.ABDMRoles = dedupe(f.ABDMRoles, func(s string) (string, string) {
		s = strings.ToUpper(collapse(s))
		return s, s
	})
	f.DrugLicence = collapse(f.DrugLicence)
	f.Status = Status(strings.ToUpper(strings.TrimSpace(string(f.Status))))
}

// NormaliseProfessional tidies p in place like NormaliseFacility; the
// handle goes through NormaliseHandle, the HPR number through
// NormaliseHPRID, the gender becomes M, F or O ("female" → "F"), and
// facility IDs are upper-cased.
func NormaliseProfessional(p *Professional) {
	if p.ID != "" {
		p.ID = NormaliseHPRID(p.ID)
	}
	p.Handle = NormaliseHandle(p.Handle)
	p.Name = collapse(p.Name)
	switch g := strings.ToUpper(collapse(p.Gender)); g {
	case "MALE", "MAN":
		p.Gender = "M"
	case "FEMALE", "WOMAN":
		p.Gender = "F"
	case "OTHER", "TRANSGENDER":
		p.Gender = "O"
	default:
		p.Gender = g
	}
	p.Category = canonical(ProfessionalCategories, p.Category)
	p.System = canonical(SystemsOfMedicine, p.System)
	p.Council = collapse(p.Council)
	p.RegistrationNumber = collapse(p.RegistrationNumber)
	qs := p.Qualifications[:0]
	seen := make(map[Qualification]bool, len(p.Qualifications))
	for _, q := range p.Qualifications {
		q.Degree, q.University = collapse(q.Degree), collapse(q.University)
		if q == (Qualification{}) || seen[q] {
			continue
		}
		seen[q] = true
		qs = append(qs, q)
	}
	if len(qs) == 0 {
		qs = nil
	}
	p.Qualifications = qs
	p.Specialities = canonicalList(Specialities, p.Specialities)
	p.Languages = canonicalList(Languages, p.Languages)
	p.Facilities = dedupe(p.Facilities, func(s string) (string, string) {
		s = strings.ToUpper(strings.TrimSpace(s))
		return s, s
	})
	normaliseAddress(&p.Address)
	p.Phone = normalisePhone(p.Phone)
	p.Email = normaliseEmail(p.Email)
	p.Status = Status(strings.ToUpper(strings.TrimSpace(string(p.Status))))
}

// NormaliseDrug tidies d in place: text trimmed and collapsed, form and
// route lower-cased, schedule and ATC code upper-cased, brands without
// repeats; an empty ID becomes DrugID(d).
func NormaliseDrug(d *Drug) {
	d.Generic = collapse(d.Generic)
	d.Brands = textList(d.Brands)
	d.Form = canonical(DosageForms, d.Form)
	d.Strength = collapse(d.Strength)
	d.Route = canonical(Routes, d.Route)
	if s := canonical(Schedules, d.Schedule); Schedules.Has(s) {
		d.Schedule = s
	} else {
		d.Schedule = strings.ToUpper(s)
	}
	d.Manufacturer = collapse(d.Manufacturer)
	d.ATC = strings.ToUpper(strings.Join(strings.Fields(d.ATC), ""))
	d.ID = strings.ToLower(strings.TrimSpace(d.ID))
	if d.ID == "" {
		d.ID = DrugID(d)
	}
}

// DrugID returns the drug's slug: generic, form and strength, lower-case,
// every run of other characters a single hyphen, e.g.
// "paracetamol-tablet-500-mg" or "amoxicillin-suspension-125-mg-5-ml".
// It is at most 200 bytes, cut at a hyphen.
func DrugID(d *Drug) string {
	var b strings.Builder
	hyphen := false
	for _, part := range []string{d.Generic, d.Form, d.Strength} {
		for _, r := range strings.ToLower(part) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				if hyphen && b.Len() > 0 {
					b.WriteByte('-')
				}
				hyphen = false
				b.WriteRune(r)
			} else {
				hyphen = true
			}
		}
		hyphen = true
	}
	s := b.String()
	if len(s) > maxDrugIDLen {
		s = s[:maxDrugIDLen]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// ---- validation ----

// checkText checks a free-text field: valid UTF-8, no control
// characters, within the length (in characters), and not starting with a
// character a spreadsheet would take for a formula.
func checkText(errs *FieldErrors, field, s string, minLen, maxLen int, required bool) {
	if s == "" {
		if required {
			errs.add(field, "is required")
		}
		return
	}
	if !utf8.ValidString(s) {
		errs.add(field, "is not valid UTF-8")
		return
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		errs.add(field, "contains control characters")
		return
	}
	switch n := utf8.RuneCountInString(s); {
	case n < minLen:
		errs.add(field, "is too short (at least "+strconv.Itoa(minLen)+" characters)")
		return
	case n > maxLen:
		errs.add(field, "is too long (at most "+strconv.Itoa(maxLen)+" characters)")
		return
	}
	if strings.ContainsRune("=+-@", rune(s[0])) {
		errs.add(field, "must not start with =, +, - or @")
	}
}

// checkCode checks a required or optional code of a vocabulary.
func checkCode(errs *FieldErrors, field, code string, v Vocabulary, what string, required bool) {
	switch {
	case code == "":
		if required {
			errs.add(field, "is required")
		}
	case !v.Has(code):
		errs.add(field, "is not a known "+what)
	}
}

// checkCodes checks a list of codes, reporting the first bad one.
func checkCodes(errs *FieldErrors, field string, codes []string, v Vocabulary, what string) {
	for i, c := range codes {
		if !v.Has(c) {
			errs.add(field+"["+strconv.Itoa(i)+"]", "is not a known "+what)
			return
		}
	}
}

// checkNoSeparators rejects list items holding the CSV list separators.
func checkNoSeparators(errs *FieldErrors, field, s, seps string) bool {
	if strings.ContainsAny(s, seps) {
		errs.add(field, "must not contain "+strings.Join(strings.Split(seps, ""), " or "))
		return false
	}
	return true
}

func checkAddress(errs *FieldErrors, a Address) {
	checkText(errs, "address.line", a.Line, 0, maxLineLen, false)
	checkText(errs, "address.city", a.City, 0, maxCityLen, false)
	switch _, ok := india.StateByCode(a.StateCode); {
	case a.StateCode == "":
		errs.add("address.stateCode", "is required")
	case !ok:
		errs.add("address.stateCode", "is not a known LGD state code")
	default:
		switch _, ok := india.DistrictByCode(a.StateCode, a.DistrictCode); {
		case a.DistrictCode == "":
			errs.add("address.districtCode", "is required")
		case !ok:
			errs.add("address.districtCode", "is not an LGD district of the state")
		}
	}
	if a.StateCode == "" && a.DistrictCode == "" {
		errs.add("address.districtCode", "is required")
	}
	switch {
	case a.PIN == "":
		errs.add("address.pin", "is required")
	case !ValidPIN(a.PIN):
		errs.add("address.pin", "must be 6 digits, not starting with 0")
	}
}

// ValidPIN reports whether s is a 6-digit PIN code not starting with 0.
func ValidPIN(s string) bool {
	return len(s) == 6 && allDigits(s) && s[0] != '0'
}

func checkLocation(errs *FieldErrors, lat, lon float64) {
	if lat == 0 && lon == 0 {
		return // unknown
	}
	if !(lat >= indiaMinLat && lat <= indiaMaxLat) {
		errs.add("location.lat", "must be within India (6 to 38 degrees north), or both coordinates 0")
	}
	if !(lon >= indiaMinLon && lon <= indiaMaxLon) {
		errs.add("location.lon", "must be within India (68 to 98 degrees east), or both coordinates 0")
	}
}

// ValidPhone reports whether s (normalised: digits and an optional +91)
// is an Indian phone number: a 10-digit mobile number starting with 6–9,
// or a landline number with its STD code (10 digits, or 11 with the
// leading 0). With +91 the leading 0 is dropped.
func ValidPhone(s string) bool {
	if rest, ok := strings.CutPrefix(s, "+91"); ok {
		return len(rest) == 10 && allDigits(rest) && rest[0] != '0'
	}
	if !allDigits(s) {
		return false
	}
	switch len(s) {
	case 10:
		return s[0] != '0'
	case 11:
		return s[0] == '0' && s[1] != '0'
	}
	return false
}

func checkPhone(errs *FieldErrors, s string) {
	if s != "" && !ValidPhone(s) {
		errs.add("phone", "must be an Indian mobile number (10 digits) or a landline number with its STD code, optionally after +91")
	}
}

// ValidEmail reports whether s has the basic form of an e-mail address:
// a local part of printable ASCII without spaces or the characters
// <>()[]\,;:", one @, and a domain of at least two dot-separated labels of
// lowercase letters, digits and inner hyphens; at most 254 bytes.
func ValidEmail(s string) bool {
	if len(s) > maxEmailLen {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 {
		return false
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`<>()[]\,;:"@`, c) >= 0 {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func checkEmail(errs *FieldErrors, s string) {
	if s != "" && !ValidEmail(s) {
		errs.add("email", "is not an e-mail address")
	}
}

func checkWebsite(errs *FieldErrors, s string) {
	if s == "" {
		return
	}
	if len(s) > maxWebsiteLen {
		errs.add("website", "is too long (at most "+strconv.Itoa(maxWebsiteLen)+" characters)")
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil ||
		!strings.Contains(u.Hostname(), ".") || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		errs.add("website", "must be an http:// or https:// address")
	}
}

func checkStatus(errs *FieldErrors, st Status) {
	switch st {
	case "", StatusPending, StatusVerified, StatusRejected:
	default:
		errs.add("status", "is not a known status")
	}
}

// ValidateFacility checks a facility after NormaliseFacility. It returns
// nil when f is valid. The ID may be empty (one is assigned on creation).
//
// Rules: name 3–200 characters; type and ownership from their
// vocabularies, the optional sub-type one of that ownership's; at least one
// system of medicine; a known LGD state, a district of that state and a
// 6-digit PIN; coordinates both 0 (unknown) or within India's bounding box;
// an Indian phone number, an e-mail address and an http(s) website when
// given; specialities known; beds 0–20,000; ABDM roles (HIP, HIU) only when
// ABDM-enabled; a drug licence for pharmacies and only for them.
func ValidateFacility(f *Facility) FieldErrors {
	var errs FieldErrors
	if f.ID != "" && !ValidFacilityID(f.ID) {
		errs.add("id", "is not a facility ID (IN, a 2-digit state code, 8 digits)")
	}
	checkText(&errs, "name", f.Name, minNameLen, maxNameLen, true)
	checkCode(&errs, "type", f.Type, FacilityTypes, "facility type", true)
	checkCode(&errs, "ownership", f.Ownership, Ownerships, "ownership", true)
	if f.OwnershipSubType != "" {
		if subs, ok := OwnershipSubTypes[f.Ownership]; !ok || !subs.Has(f.OwnershipSubType) {
			errs.add("ownershipSubType", "is not a sub-type of the ownership")
		}
	}
	if len(f.Systems) == 0 {
		errs.add("systemsOfMedicine", "needs at least one system of medicine")
	}
	checkCodes(&errs, "systemsOfMedicine", f.Systems, SystemsOfMedicine, "system of medicine")
	checkAddress(&errs, f.Address)
	checkLocation(&errs, f.Lat, f.Lon)
	checkPhone(&errs, f.Phone)
	checkEmail(&errs, f.Email)
	checkWebsite(&errs, f.Website)
	checkCodes(&errs, "specialities", f.Specialities, Specialities, "speciality")
	if len(f.Services) > maxServices {
		errs.add("services", "has too many entries (at most "+strconv.Itoa(maxServices)+")")
	} else {
		for i, s := range f.Services {
			field := "services[" + strconv.Itoa(i) + "]"
			if !checkNoSeparators(&errs, field, s, ";") {
				break
			}
			n := len(errs)
			if checkText(&errs, field, s, 1, maxServiceLen, true); len(errs) > n {
				break
			}
		}
	}
	if f.Beds < 0 || f.Beds > maxBeds {
		errs.add("beds", "must be between 0 and 20000")
	}
	checkText(&errs, "timings", f.Timings, 0, maxTimingsLen, false)
	if len(f.ABDMRoles) > 0 {
		if !f.ABDMEnabled {
			errs.add("abdmRoles", "only for an ABDM-enabled facility")
		} else {
			checkCodes(&errs, "abdmRoles", f.ABDMRoles, ABDMRoles, "ABDM role")
		}
	}
	if f.Type == "pharmacy" {
		checkText(&errs, "drugLicence", f.DrugLicence, 3, maxLicenceLen, true)
	} else if f.DrugLicence != "" {
		errs.add("drugLicence", "only for a pharmacy")
	}
	checkStatus(&errs, f.Status)
	return errs
}

// hasSystem reports whether members of the category practise one system
// of medicine, and whether they must name it.
func hasSystem(category string) (allowed, required bool) {
	allowed = slices.Contains(categoriesWithSystem, category)
	return allowed, allowed && category != "nurse"
}

// ValidateProfessional checks a professional after NormaliseProfessional.
// It returns nil when p is valid. The ID may be empty (one is assigned on
// creation).
//
// Rules: a valid HPR handle; name 3–200 characters; gender M, F or O; a
// known category; a system of medicine for doctors and pharmacists
// (optional for nurses, not allowed for other categories); a council and
// registration number unless the category is a health worker's (whose
// registration is optional, but both or neither);
// qualifications with a degree and a year 1950–this year; known
// specialities; at least one known language; facility IDs well formed; the
// address and contacts as for facilities.
func ValidateProfessional(p *Professional) FieldErrors {
	var errs FieldErrors
	if p.ID != "" && !ValidHPRID(p.ID) {
		errs.add("id", "is not an HPR number (14 digits with a check digit)")
	}
	switch {
	case p.Handle == "":
		errs.add("handle", "is required")
	case !ValidHandle(p.Handle):
		errs.add("handle", "must be 4-32 lowercase letters, digits, dots or underscores, starting with a letter")
	}
	checkText(&errs, "name", p.Name, minNameLen, maxNameLen, true)
	switch p.Gender {
	case "M", "F", "O":
	case "":
		errs.add("gender", "is required")
	default:
		errs.add("gender", "must be M, F or O")
	}
	checkCode(&errs, "category", p.Category, ProfessionalCategories, "professional category", true)
	if allowed, required := hasSystem(p.Category); allowed {
		checkCode(&errs, "systemOfMedicine", p.System, SystemsOfMedicine, "system of medicine", required)
	} else if p.System != "" && ProfessionalCategories.Has(p.Category) {
		errs.add("systemOfMedicine", "is not recorded for this category")
	}
	// Health workers need no registration, but one given is complete.
	worker := slices.Contains(HealthWorkerCategories, p.Category) && p.Council == "" && p.RegistrationNumber == ""
	checkText(&errs, "council", p.Council, 3, maxCouncilLen, !worker)
	checkText(&errs, "registrationNumber", p.RegistrationNumber, 1, maxRegNumberLen, !worker)
	if len(p.Qualifications) > maxQualification {
		errs.add("qualifications", "has too many entries (at most "+strconv.Itoa(maxQualification)+")")
	} else {
		year := time.Now().Year()
		for i, q := range p.Qualifications {
			pre := "qualifications[" + strconv.Itoa(i) + "]"
			n := len(errs)
			if checkNoSeparators(&errs, pre+".degree", q.Degree, ";|") {
				checkText(&errs, pre+".degree", q.Degree, 1, maxDegreeLen, true)
			}
			if checkNoSeparators(&errs, pre+".university", q.University, ";|") {
				checkText(&errs, pre+".university", q.University, 0, maxUniversityLen, false)
			}
			if q.Year < minQualYear || q.Year > year {
				errs.add(pre+".year", "must be between "+strconv.Itoa(minQualYear)+" and this year")
			}
			if len(errs) > n {
				break // one bad qualification is reported
			}
		}
	}
	checkCodes(&errs, "specialities", p.Specialities, Specialities, "speciality")
	if len(p.Languages) == 0 {
		errs.add("languages", "needs at least one language")
	}
	checkCodes(&errs, "languages", p.Languages, Languages, "language")
	if len(p.Facilities) > maxFacilities {
		errs.add("facilities", "has too many entries (at most "+strconv.Itoa(maxFacilities)+")")
	} else {
		for i, id := range p.Facilities {
			if !ValidFacilityID(id) {
				errs.add("facilities["+strconv.Itoa(i)+"]", "is not a facility ID")
				break
			}
		}
	}
	checkAddress(&errs, p.Address)
	checkLocation(&errs, p.Lat, p.Lon)
	checkPhone(&errs, p.Phone)
	checkEmail(&errs, p.Email)
	checkStatus(&errs, p.Status)
	return errs
}

// ValidATC reports whether s is a WHO ATC code at any level: A, A01, A01A,
// A01AA or A01AA01.
func ValidATC(s string) bool {
	pattern := "LDDLLDD" // L a letter, D a digit
	switch len(s) {
	case 1, 3, 4, 5, 7:
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if pattern[i] == 'L' && (c < 'A' || c > 'Z') || pattern[i] == 'D' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validDrugID reports whether id is a slug: lowercase letters and digits
// in hyphen-separated runs.
func validDrugID(id string) bool {
	if id == "" || len(id) > maxDrugIDLen || id[0] == '-' || id[len(id)-1] == '-' || strings.Contains(id, "--") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidateDrug checks a drug after NormaliseDrug: a slug ID, a generic
// name, a known dosage form, route and schedule, a strength, brands without
// list separators, and a well-formed ATC code when given. It returns nil
// when d is valid.
func ValidateDrug(d *Drug) FieldErrors {
	var errs FieldErrors
	if !validDrugID(d.ID) {
		errs.add("id", "must be lowercase letters and digits separated by single hyphens")
	}
	checkText(&errs, "generic", d.Generic, 2, maxGenericLen, true)
	if len(d.Brands) > maxBrands {
		errs.add("brands", "has too many entries (at most "+strconv.Itoa(maxBrands)+")")
	} else {
		for i, b := range d.Brands {
			field := "brands[" + strconv.Itoa(i) + "]"
			if !checkNoSeparators(&errs, field, b, ";") {
				break
			}
			n := len(errs)
			if checkText(&errs, field, b, 1, maxBrandLen, true); len(errs) > n {
				break
			}
		}
	}
	checkCode(&errs, "form", d.Form, DosageForms, "dosage form", true)
	checkText(&errs, "strength", d.Strength, 1, maxStrengthLen, true)
	checkCode(&errs, "route", d.Route, Routes, "route", true)
	checkCode(&errs, "schedule", d.Schedule, Schedules, "schedule", true)
	checkText(&errs, "manufacturer", d.Manufacturer, 0, maxNameLen, false)
	if d.ATC != "" && !ValidATC(d.ATC) {
		errs.add("atc", "is not a WHO ATC code (e.g. N02BE01)")
	}
	return errs
}
