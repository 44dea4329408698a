package registry

import (
	"net/url"
	"testing"

	"github.com/arogya-health/arogya"
)

func TestParseFacilityQuery(t *testing.T) {
	tests := []struct {
		query string
		ok    bool
		check func(FacilityQuery) bool
	}{
		{"", true, func(q FacilityQuery) bool { return q.Page == 1 && q.PageSize == DefaultPageSize && q.Near == nil }},
		{"q=apollo&state=28&district=520&type=hospital&page=2&page_size=50", true, func(q FacilityQuery) bool {
			return q.Q == "apollo" && q.State == "28" && q.District == "520" && q.Type == "hospital" && q.Page == 2 && q.PageSize == 50
		}},
		{"state=09", true, func(q FacilityQuery) bool { return q.State == "9" }},
		{"near=17.38,78.48", true, func(q FacilityQuery) bool { return q.Near != nil && q.RadiusKm == DefaultRadiusKm }},
		{"near=17.38,%2078.48&radius_km=2.5", true, func(q FacilityQuery) bool { return q.Near.Lon == 78.48 && q.RadiusKm == 2.5 }},
		{"abdm_role=hip", true, func(q FacilityQuery) bool { return q.ABDMRole == "HIP" }},
		{"abdm_role=xyz", false, nil},
		{"radius_km=5", false, nil},
		{"near=17.38", false, nil},
		{"near=NaN,1", false, nil},
		{"near=91,0", false, nil},
		{"near=17,78&radius_km=501", false, nil},
		{"near=17,78&radius_km=0", false, nil},
		{"page=0", false, nil},
		{"page=-1", false, nil},
		{"page_size=101", false, nil},
		{"page=101&page_size=100", false, nil},
		{"page=500&page_size=20", true, nil},
		{"state=99", false, nil},
		{"pin=5300", false, nil},
		{"district=abc", false, nil},
		{"type=castle", false, nil},
		{"q=a&q=b", false, nil},
		{"colour=blue", false, nil},
		{"q=" + string(make([]byte, 201)), false, nil},
		{"q=%ff", false, nil},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseFacilityQuery(v)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok=%v", tt.query, err, tt.ok)
			continue
		}
		if err != nil && arogya.ErrorCode(err) != arogya.EINVALID {
			t.Errorf("%q: code %s, want invalid", tt.query, arogya.ErrorCode(err))
		}
		if tt.check != nil && err == nil && !tt.check(q) {
			t.Errorf("%q: parsed %+v", tt.query, q)
		}
	}
}

func TestParseProfessionalAndDrugQuery(t *testing.T) {
	for _, tt := range []struct {
		query string
		ok    bool
	}{
		{"q=rao&category=doctor&language=te&facility=in2810014366", true},
		{"category=wizard", false},
		{"facility=XX12", false},
		{"language=xx", false},
	} {
		v, _ := url.ParseQuery(tt.query)
		if _, err := ParseProfessionalQuery(v); (err == nil) != tt.ok {
			t.Errorf("professionals %q: %v, want ok=%v", tt.query, err, tt.ok)
		}
	}
	for _, tt := range []struct {
		query string
		ok    bool
	}{
		{"q=paracetamol&form=tablet&schedule=otc", true},
		{"schedule=Z", false},
		{"form=potion", false},
	} {
		v, _ := url.ParseQuery(tt.query)
		if _, err := ParseDrugQuery(v); (err == nil) != tt.ok {
			t.Errorf("drugs %q: %v, want ok=%v", tt.query, err, tt.ok)
		}
	}
}

// FuzzParseQuery: any query string is either a valid query within the
// limits or an EINVALID error; never a panic.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "q=apollo&state=28", "near=17.3,78.4&radius_km=10", "page=3&page_size=100", "q=%ff", "near=1e308,1e308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, parse := range []func(url.Values) (int, int, float64, error){
			func(v url.Values) (int, int, float64, error) {
				q, err := ParseFacilityQuery(v)
				return q.Page, q.PageSize, q.RadiusKm, err
			},
			func(v url.Values) (int, int, float64, error) {
				q, err := ParseProfessionalQuery(v)
				return q.Page, q.PageSize, q.RadiusKm, err
			},
			func(v url.Values) (int, int, float64, error) {
				q, err := ParseDrugQuery(v)
				return q.Page, q.PageSize, 0, err
			},
		} {
			page, size, radius, err := parse(v)
			if err != nil {
				if arogya.ErrorCode(err) != arogya.EINVALID {
					t.Fatalf("%q: error code %s", raw, arogya.ErrorCode(err))
				}
				continue
			}
			if page < 1 || size < 1 || size > MaxPageSize || page*size > MaxResultDepth || radius < 0 || radius > MaxRadiusKm {
				t.Fatalf("%q: out of limits: page %d size %d radius %v", raw, page, size, radius)
			}
		}
	})
}
