package registry

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
)

// MaxQueryLen bounds the text of a search.
const MaxQueryLen = 200

var (
	facilityParams     = []string{"q", "state", "district", "pin", "type", "ownership", "system", "speciality", "abdm_role", "near", "radius_km", "page", "page_size"}
	professionalParams = []string{"q", "state", "district", "pin", "category", "system", "speciality", "language", "facility", "near", "radius_km", "page", "page_size"}
	drugParams         = []string{"q", "form", "schedule", "page", "page_size"}
)

// ParseFacilityQuery reads the query parameters of GET /api/v1/facilities.
// Unknown parameters, repeated ones and malformed values are EINVALID
// errors naming the parameter.
func ParseFacilityQuery(v url.Values) (FacilityQuery, error) {
	p := params{v: v}
	p.known(facilityParams)
	q := FacilityQuery{
		Q: p.text("q"), State: p.state("state"), District: p.digits("district", 1, 6), PIN: p.digits("pin", 6, 6),
		Type: p.code("type", FacilityTypes), Ownership: p.code("ownership", Ownerships),
		System: p.code("system", SystemsOfMedicine), Speciality: p.code("speciality", Specialities),
		ABDMRole: strings.ToUpper(p.one("abdm_role")),
	}
	if q.ABDMRole != "" && !ABDMRoles.Has(q.ABDMRole) {
		p.fail("abdm_role must be HIP or HIU")
	}
	q.Near, q.RadiusKm = p.near()
	q.Page, q.PageSize = p.paging()
	return q, p.err
}

// ParseProfessionalQuery reads the query parameters of
// GET /api/v1/professionals.
func ParseProfessionalQuery(v url.Values) (ProfessionalQuery, error) {
	p := params{v: v}
	p.known(professionalParams)
	q := ProfessionalQuery{
		Q: p.text("q"), State: p.state("state"), District: p.digits("district", 1, 6), PIN: p.digits("pin", 6, 6),
		Category: p.code("category", ProfessionalCategories), System: p.code("system", SystemsOfMedicine),
		Speciality: p.code("speciality", Specialities), Language: p.code("language", Languages),
	}
	if f := strings.ToUpper(p.one("facility")); f != "" {
		if !ValidFacilityID(f) {
			p.fail("facility must be a facility ID (IN, a 2-digit state code, 8 digits)")
		}
		q.Facility = f
	}
	q.Near, q.RadiusKm = p.near()
	q.Page, q.PageSize = p.paging()
	return q, p.err
}

// ParseDrugQuery reads the query parameters of GET /api/v1/drugs.
func ParseDrugQuery(v url.Values) (DrugQuery, error) {
	p := params{v: v}
	p.known(drugParams)
	q := DrugQuery{Q: p.text("q"), Form: p.code("form", DosageForms), Schedule: strings.ToUpper(p.one("schedule"))}
	if q.Schedule != "" && !Schedules.Has(q.Schedule) {
		p.fail("schedule must be one of H, H1, X, G, OTC")
	}
	q.Page, q.PageSize = p.paging()
	return q, p.err
}

// params reads query parameters, keeping the first error.
type params struct {
	v   url.Values
	err error
}

func (p *params) fail(format string, args ...any) {
	if p.err == nil {
		p.err = arogya.Errorf(arogya.EINVALID, format, args...)
	}
}

func (p *params) known(names []string) {
	for k := range p.v {
		found := false
		for _, n := range names {
			if k == n {
				found = true
				break
			}
		}
		if !found {
			p.fail("unknown parameter %q; known: %s", clip(k, 40), strings.Join(names, ", "))
			return
		}
	}
}

func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		return "(not UTF-8)"
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// one returns the parameter's single value, trimmed.
func (p *params) one(name string) string {
	vs := p.v[name]
	if len(vs) > 1 {
		p.fail("parameter %s is given more than once", name)
	}
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[0])
}

func (p *params) text(name string) string {
	s := p.one(name)
	if !utf8.ValidString(s) {
		p.fail("%s is not valid UTF-8", name)
		return ""
	}
	if utf8.RuneCountInString(s) > MaxQueryLen {
		p.fail("%s is longer than %d characters", name, MaxQueryLen)
		return ""
	}
	return s
}

func (p *params) state(name string) string {
	s := strings.TrimLeft(p.one(name), "0")
	if s == "" {
		return ""
	}
	if StateName(s) == "" {
		p.fail("%s must be an LGD state code, e.g. 28 for Andhra Pradesh", name)
	}
	return s
}

func (p *params) digits(name string, minLen, maxLen int) string {
	s := p.one(name)
	if s == "" {
		return ""
	}
	if len(s) < minLen || len(s) > maxLen || !allDigits(s) {
		if minLen == maxLen {
			p.fail("%s must be %d digits", name, minLen)
		} else {
			p.fail("%s must be a number code", name)
		}
		return ""
	}
	return s
}

func (p *params) code(name string, v Vocabulary) string {
	s := p.one(name)
	if s == "" {
		return ""
	}
	if !v.Has(s) {
		p.fail("%s is not a known code; GET /api/v1/registry/vocabularies lists them", name)
		return ""
	}
	return s
}

func (p *params) near() (*Point, float64) {
	s := p.one("near")
	r := p.one("radius_km")
	var radius float64
	if r != "" {
		f, err := strconv.ParseFloat(r, 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f > MaxRadiusKm {
			p.fail("radius_km must be a number above 0 and at most %d", MaxRadiusKm)
			return nil, 0
		}
		radius = f
	}
	if s == "" {
		if r != "" {
			p.fail("radius_km needs near=LAT,LON")
		}
		return nil, 0
	}
	la, lo, ok := strings.Cut(s, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	if !ok || err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		p.fail("near must be LAT,LON in degrees, e.g. near=17.385,78.4867")
		return nil, 0
	}
	if radius == 0 {
		radius = DefaultRadiusKm
	}
	return &Point{Lat: lat, Lon: lon}, radius
}

func (p *params) paging() (page, size int) {
	page, size = 1, DefaultPageSize
	if s := p.one("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			p.fail("page must be a whole number from 1")
			return 1, DefaultPageSize
		}
		page = n
	}
	if s := p.one("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			p.fail("page_size must be 1 to %d", MaxPageSize)
			return 1, DefaultPageSize
		}
		size = n
	}
	if page > MaxResultDepth/size {
		p.fail("page × page_size may not exceed %d; narrow the search instead", MaxResultDepth)
	}
	return page, size
}
