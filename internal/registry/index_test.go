package registry

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/arogya-health/arogya"
)

// ixFac returns a verified Bengaluru hospital with the ID and name, changed
// by the options.
func ixFac(id, name string, opts ...func(*Facility)) *Facility {
	f := &Facility{
		ID: id, Name: name, Type: "hospital", Ownership: "private", Systems: []string{"modern"},
		Address: Address{City: "Bengaluru", StateCode: "29", DistrictCode: "525", PIN: "560001"},
		Status:  StatusVerified,
	}
	for _, o := range opts {
		o(f)
	}
	return f
}

func ixPro(id, name string, opts ...func(*Professional)) *Professional {
	p := &Professional{
		ID: id, Name: name, Category: "doctor", System: "modern",
		Address: Address{City: "Pune", StateCode: "27", DistrictCode: "490", PIN: "411001"},
		Status:  StatusVerified,
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func ixIDs(r Result) []string {
	out := make([]string, 0, len(r.Hits))
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func ixInvalid(t *testing.T, err error) {
	t.Helper()
	var e *arogya.Error
	if !errors.As(err, &e) || e.Code != arogya.EINVALID {
		t.Fatalf("error = %v, want EINVALID", err)
	}
}

func ixTextIndex() *Index {
	x := NewIndex()
	x.PutFacilities([]*Facility{
		ixFac("F1", "Apollo Hospital"),
		ixFac("F2", "Apollo Clinic", func(f *Facility) {
			f.Type = "clinic"
			f.Address.City = "Pune"
			f.Address.StateCode, f.Address.DistrictCode = "27", "490"
		}),
		ixFac("F3", "Fortis Hospital", func(f *Facility) { f.Services = []string{"24x7 Emergency", "Dialysis"} }),
		ixFac("F4", "Apollonia Dental Care", func(f *Facility) { f.Type = "dental-clinic"; f.Address.City = "Mysuru"; f.Address.DistrictCode = "545" }),
		ixFac("F5", "Śrī Rāma Nursing Home", func(f *Facility) { f.Type = "nursing-home"; f.Specialities = []string{"cardiology"} }),
		ixFac("F6", "Bengaluru Eye Hospital", func(f *Facility) { f.Address.City = "Mysuru"; f.Address.DistrictCode = "545" }),
		ixFac("F7", "Mysore Heart Clinic", func(f *Facility) { f.Type = "clinic"; f.Specialities = []string{"cardiology", "ent"} }),
		ixFac("F8", "A to Z Clinic", func(f *Facility) { f.Type = "clinic" }),
	})
	return x
}

func TestSearchTokens(t *testing.T) {
	x := ixTextIndex()
	tests := []struct {
		q    string
		want []string // in order
	}{
		{"apollo", []string{"F2", "F1", "F4"}},                      // prefix of the last word: Apollonia too
		{"APOLLO hospital", []string{"F1"}},                         // AND
		{"hospital apollo", []string{"F1"}},                         // any order
		{"apol", []string{"F2", "F1", "F4"}},                        // typeahead
		{"ap", nil},                                                 // two letters: exact only
		{"apollo clinic x", []string{"F2"}},                         // one-letter words ignored
		{"apollo x", []string{"F2", "F1"}},                          // ... and then apollo is not a prefix
		{"apollo apollo", []string{"F2", "F1"}},                     // repeated word: exact
		{"sri rama", []string{"F5"}},                                // folded at index time
		{"śrī RĀMA", []string{"F5"}},                                // and at query time
		{"ram", []string{"F5"}},                                     // prefix over a folded token
		{"dialysis", []string{"F3"}},                                // services, weak
		{"24x7", []string{"F3"}},                                    // digits
		{"cardiology", []string{"F7", "F5"}},                        // speciality label
		{"heart", []string{"F7"}},                                   // name only
		{"nursing home", []string{"F5"}},                            // name and type label
		{"karnataka hospital", []string{"F1", "F6", "F3"}},          // state name: all tier 2
		{"maharashtra", []string{"F2"}},                             // state name
		{"mysuru", []string{"F4", "F6"}},                            // city and district name
		{"bengaluru urban", []string{"F8", "F1", "F3", "F7", "F5"}}, // district name
		{"zzz", nil},
		{"", []string{"F8", "F2", "F1", "F4", "F6", "F3", "F7", "F5"}}, // by name
		{"!!! ..", []string{"F8", "F2", "F1", "F4", "F6", "F3", "F7", "F5"}},
	}
	for _, tt := range tests {
		r, err := x.SearchFacilities(FacilityQuery{Q: tt.q})
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		want := tt.want
		if got := ixIDs(r); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%q: got %v, want %v", tt.q, got, want)
		}
		if r.Total != len(want) {
			t.Errorf("%q: total %d, want %d", tt.q, r.Total, len(want))
		}
	}
}

func TestSearchRankingTiers(t *testing.T) {
	x := ixTextIndex()
	// "bengaluru": F6 has it in its name (tier 1) though it is in Mysuru;
	// the others only by city or district (tier 2), by name.
	r, err := x.SearchFacilities(FacilityQuery{Q: "bengaluru"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"F6", "F8", "F1", "F3", "F7", "F5"}
	if got := ixIDs(r); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// A name match beats a label match: "clinic" is F2, F7, F8's name and
	// F4's type label ("Dental Clinic").
	r, _ = x.SearchFacilities(FacilityQuery{Q: "clinic"})
	if got, want := ixIDs(r), []string{"F8", "F2", "F7", "F4"}; !slices.Equal(got, want) {
		t.Errorf("clinic: got %v, want %v", got, want)
	}
	// Page 2 continues across the tiers.
	r, _ = x.SearchFacilities(FacilityQuery{Q: "bengaluru", PageSize: 4, Page: 2})
	if got, want := ixIDs(r), []string{"F7", "F5"}; !slices.Equal(got, want) || r.Total != 6 {
		t.Errorf("page 2: got %v (total %d), want %v (6)", got, r.Total, want)
	}
}

func TestSearchFacilityFilters(t *testing.T) {
	x := NewIndex()
	x.PutFacilities([]*Facility{
		ixFac("F1", "One", func(f *Facility) {
			f.Systems = []string{"modern", "ayurveda"}
			f.Specialities = []string{"cardiology"}
			f.ABDMEnabled, f.ABDMRoles = true, []string{"HIP", "HIU"}
		}),
		ixFac("F2", "Two", func(f *Facility) {
			f.Type, f.Ownership = "phc", "government"
			f.Address = Address{City: "Pune", StateCode: "27", DistrictCode: "490", PIN: "411001"}
			f.ABDMRoles = []string{"HIP"} // not enabled
		}),
		ixFac("F3", "Three", func(f *Facility) {
			f.Systems = []string{"ayurveda"}
			f.Specialities = []string{"panchakarma", "cardiology"}
			f.Address.DistrictCode, f.Address.PIN = "545", "570001"
			f.ABDMEnabled, f.ABDMRoles = true, []string{"HIP"}
		}),
	})
	tests := []struct {
		name string
		q    FacilityQuery
		want []string
	}{
		{"none", FacilityQuery{}, []string{"F1", "F3", "F2"}},
		{"state", FacilityQuery{State: "29"}, []string{"F1", "F3"}},
		{"district", FacilityQuery{District: "545"}, []string{"F3"}},
		{"pin", FacilityQuery{PIN: "560001"}, []string{"F1"}},
		{"type", FacilityQuery{Type: "phc"}, []string{"F2"}},
		{"ownership", FacilityQuery{Ownership: "private"}, []string{"F1", "F3"}},
		{"system any", FacilityQuery{System: "ayurveda"}, []string{"F1", "F3"}},
		{"system modern", FacilityQuery{System: "modern"}, []string{"F1", "F2"}},
		{"speciality", FacilityQuery{Speciality: "cardiology"}, []string{"F1", "F3"}},
		{"abdm HIP", FacilityQuery{ABDMRole: "HIP"}, []string{"F1", "F3"}},
		{"abdm HIU", FacilityQuery{ABDMRole: "HIU"}, []string{"F1"}},
		{"combined", FacilityQuery{State: "29", System: "ayurveda", Speciality: "cardiology", ABDMRole: "HIP"}, []string{"F1", "F3"}},
		{"combined none", FacilityQuery{State: "27", System: "ayurveda"}, nil},
		{"unknown code", FacilityQuery{Type: "spaceport"}, nil},
		{"unknown state", FacilityQuery{State: "99"}, nil},
		{"with q", FacilityQuery{Q: "one", State: "29"}, []string{"F1"}},
		{"with q none", FacilityQuery{Q: "one", State: "27"}, nil},
	}
	for _, tt := range tests {
		r, err := x.SearchFacilities(tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := ixIDs(r); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 || r.Total != len(tt.want) {
			t.Errorf("%s: got %v (total %d), want %v", tt.name, got, r.Total, tt.want)
		}
	}
}

func TestSearchProfessionals(t *testing.T) {
	x := NewIndex()
	x.PutProfessionals([]*Professional{
		ixPro("P1", "Dr. Rajesh Kumar", func(p *Professional) {
			p.Specialities = []string{"cardiology"}
			p.Languages = []string{"hi", "mr"}
			p.Facilities = []string{"IN2710000001"}
			p.Qualifications = []Qualification{{Degree: "MBBS"}, {Degree: "MD (General Medicine)"}}
		}),
		ixPro("P2", "Sunita Kumari", func(p *Professional) {
			p.Category, p.System = "nurse", ""
			p.Languages = []string{"mr"}
			p.Facilities = []string{"IN2710000001", "IN2710000002"}
			p.Qualifications = []Qualification{{Degree: "B.Sc Nursing"}}
		}),
		ixPro("P3", "Kumar Swamy", func(p *Professional) {
			p.System = "ayurveda"
			p.Address = Address{City: "Mysuru", StateCode: "29", DistrictCode: "545", PIN: "570001"}
			p.Languages = []string{"kn"}
			p.Facilities = []string{"custom-facility"}
		}),
		ixPro("P4", "Asha Devi", func(p *Professional) { p.Category, p.System = "asha", "" }),
		ixPro("P5", "Hidden Kumar", func(p *Professional) { p.Status = StatusPending }),
	})
	tests := []struct {
		name string
		q    ProfessionalQuery
		want []string
	}{
		{"name", ProfessionalQuery{Q: "rajesh"}, []string{"P1"}},
		{"surname, name tiers", ProfessionalQuery{Q: "kumar"}, []string{"P1", "P3", "P2"}}, // "kumar" exact + prefix "kumari"
		{"exact", ProfessionalQuery{Q: "kumar dr"}, []string{"P1"}},
		{"degree", ProfessionalQuery{Q: "mbbs"}, []string{"P1"}},
		{"degree words", ProfessionalQuery{Q: "general medicine"}, []string{"P1"}},
		{"speciality label", ProfessionalQuery{Q: "cardiology"}, []string{"P1"}},
		{"category label", ProfessionalQuery{Q: "nurse"}, []string{"P2"}},
		{"category label asha", ProfessionalQuery{Q: "accredited social"}, []string{"P4"}},
		{"city", ProfessionalQuery{Q: "mysuru"}, []string{"P3"}},
		{"category", ProfessionalQuery{Category: "doctor"}, []string{"P1", "P3"}},
		{"system", ProfessionalQuery{System: "ayurveda"}, []string{"P3"}},
		{"speciality", ProfessionalQuery{Speciality: "cardiology"}, []string{"P1"}},
		{"language", ProfessionalQuery{Language: "mr"}, []string{"P1", "P2"}},
		{"facility", ProfessionalQuery{Facility: "IN2710000001"}, []string{"P1", "P2"}},
		{"facility 2", ProfessionalQuery{Facility: "IN2710000002"}, []string{"P2"}},
		{"facility unpacked", ProfessionalQuery{Facility: "custom-facility"}, []string{"P3"}},
		{"facility unknown", ProfessionalQuery{Facility: "IN2710000003"}, nil},
		{"state", ProfessionalQuery{State: "29"}, []string{"P3"}},
		{"district", ProfessionalQuery{District: "490"}, []string{"P4", "P1", "P2"}},
		{"pin", ProfessionalQuery{PIN: "570001"}, []string{"P3"}},
		{"pending hidden", ProfessionalQuery{Q: "hidden"}, nil},
		{"q and filters", ProfessionalQuery{Q: "kumar", Language: "mr", Facility: "IN2710000001"}, []string{"P1", "P2"}},
	}
	check := func(stage string) {
		for _, tt := range tests {
			r, err := x.SearchProfessionals(tt.q)
			if err != nil {
				t.Fatalf("%s %s: %v", stage, tt.name, err)
			}
			if got := ixIDs(r); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 || r.Total != len(tt.want) {
				t.Errorf("%s %s: got %v (total %d), want %v", stage, tt.name, got, r.Total, tt.want)
			}
		}
	}
	check("put")
	// Replace P2 with itself and compact: the lists are renumbered.
	p2 := ixPro("P2", "Sunita Kumari", func(p *Professional) {
		p.Category, p.System = "nurse", ""
		p.Languages = []string{"mr"}
		p.Facilities = []string{"IN2710000001", "IN2710000002"}
		p.Qualifications = []Qualification{{Degree: "B.Sc Nursing"}}
	})
	x.PutProfessional(p2)
	check("replaced")
	x.pro.mu.Lock()
	x.pro.compact()
	x.pro.mu.Unlock()
	check("compacted")
	if f, p, d := x.Counts(); f != 0 || p != 4 || d != 0 {
		t.Errorf("Counts = %d, %d, %d; want 0, 4, 0", f, p, d)
	}
}

func TestSearchDrugs(t *testing.T) {
	x := NewIndex()
	x.PutDrugs([]*Drug{
		{ID: "paracetamol-tablet-500-mg", Generic: "Paracetamol", Brands: []string{"Crocin", "Dolo 650"}, Form: "tablet", Schedule: "OTC", Manufacturer: "GSK"},
		{ID: "paracetamol-syrup-250-mg-5-ml", Generic: "Paracetamol", Brands: []string{"Calpol"}, Form: "syrup", Schedule: "OTC", Manufacturer: "GSK"},
		{ID: "amoxicillin-capsule-500-mg", Generic: "Amoxicillin", Brands: []string{"Mox"}, Form: "capsule", Schedule: "H", Manufacturer: "Ranbaxy"},
		{ID: "ibuprofen-x", Generic: "Ibuprofen", Form: "tablet", Schedule: "H", Manufacturer: "Crocin Labs"},
	})
	x.PutDrug(&Drug{ID: "amoxicillin-capsule-500-mg", Generic: "Amoxicillin", Brands: []string{"Novamox"}, Form: "capsule", Schedule: "H", Manufacturer: "Cipla"})
	tests := []struct {
		name string
		q    DrugQuery
		want []string
	}{
		{"generic", DrugQuery{Q: "paracetamol"}, []string{"paracetamol-syrup-250-mg-5-ml", "paracetamol-tablet-500-mg"}},
		{"brand", DrugQuery{Q: "dolo"}, []string{"paracetamol-tablet-500-mg"}},
		{"brand with strength", DrugQuery{Q: "dolo 650"}, []string{"paracetamol-tablet-500-mg"}},
		{"brand before manufacturer", DrugQuery{Q: "croc"}, []string{"paracetamol-tablet-500-mg", "ibuprofen-x"}},
		{"brand before manufacturer exact", DrugQuery{Q: "crocin x"}, []string{"paracetamol-tablet-500-mg", "ibuprofen-x"}},
		{"manufacturer", DrugQuery{Q: "gsk"}, []string{"paracetamol-syrup-250-mg-5-ml", "paracetamol-tablet-500-mg"}},
		{"replaced brand gone", DrugQuery{Q: "mox"}, nil}, // and "mox" does not begin "novamox"
		{"replaced manufacturer gone", DrugQuery{Q: "ranbaxy"}, nil},
		{"new manufacturer", DrugQuery{Q: "cipla"}, []string{"amoxicillin-capsule-500-mg"}},
		{"form", DrugQuery{Form: "tablet"}, []string{"ibuprofen-x", "paracetamol-tablet-500-mg"}},
		{"schedule", DrugQuery{Schedule: "H"}, []string{"amoxicillin-capsule-500-mg", "ibuprofen-x"}},
		{"q and form", DrugQuery{Q: "paracetamol", Form: "syrup"}, []string{"paracetamol-syrup-250-mg-5-ml"}},
	}
	for _, tt := range tests {
		r, err := x.SearchDrugs(tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want := tt.want
		if got := ixIDs(r); !slices.Equal(got, want) && len(got)+len(want) > 0 || r.Total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", tt.name, got, r.Total, want)
		}
	}
	if _, _, d := x.Counts(); d != 4 {
		t.Errorf("drugs = %d, want 4", d)
	}
}

// ixHaversine is the reference distance.
func ixHaversine(lat1, lon1, lat2, lon2 float64) float64 {
	r := math.Pi / 180
	dlat, dlon := (lat2-lat1)*r, (lon2-lon1)*r
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*r)*math.Cos(lat2*r)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(a))
}

func TestSearchNear(t *testing.T) {
	x := NewIndex()
	centre := Point{12.9716, 77.5946} // Bengaluru
	// F<km>: due north or east of the centre, about that far
	at := func(id string, km float64, east bool, opts ...func(*Facility)) *Facility {
		f := ixFac(id, "Clinic "+id, opts...)
		f.Lat, f.Lon = centre.Lat, centre.Lon
		if east {
			f.Lon += km / (111.195 * math.Cos(centre.Lat*math.Pi/180))
		} else {
			f.Lat += km / 111.195
		}
		return f
	}
	x.PutFacilities([]*Facility{
		at("F01", 1, false),
		at("F05", 5, true, func(f *Facility) { f.Type = "pharmacy" }),
		at("F12", 12, false),
		at("F20", 20, true, func(f *Facility) { f.Type = "pharmacy" }),
		at("F24", 24.9, false),
		at("F26", 25.2, true),
		at("F90", 90, false),
		at("F450", 450, true),
		ixFac("F00", "Clinic Nowhere"), // no location
		at("FX", 2, false, func(f *Facility) { f.Status = StatusRejected }),
	})
	tests := []struct {
		name   string
		q      FacilityQuery
		want   []string
		errors bool
	}{
		{"default radius", FacilityQuery{Near: &centre}, []string{"F01", "F05", "F12", "F20", "F24"}, false},
		{"radius 10", FacilityQuery{Near: &centre, RadiusKm: 10}, []string{"F01", "F05"}, false},
		{"radius 100", FacilityQuery{Near: &centre, RadiusKm: 100}, []string{"F01", "F05", "F12", "F20", "F24", "F26", "F90"}, false},
		{"radius max", FacilityQuery{Near: &centre, RadiusKm: 500}, []string{"F01", "F05", "F12", "F20", "F24", "F26", "F90", "F450"}, false},
		{"filter", FacilityQuery{Near: &centre, Type: "pharmacy"}, []string{"F05", "F20"}, false},
		{"q", FacilityQuery{Near: &centre, Q: "f12"}, []string{"F12"}, false},
		{"q prefix", FacilityQuery{Near: &centre, Q: "clinic"}, []string{"F01", "F05", "F12", "F20", "F24"}, false},
		{"far away", FacilityQuery{Near: &Point{28.6, 77.2}}, nil, false},
		{"outside india", FacilityQuery{Near: &Point{-33.9, 151.2}, RadiusKm: 500}, nil, false},
		{"radius too big", FacilityQuery{Near: &centre, RadiusKm: 501}, nil, true},
		{"radius negative", FacilityQuery{Near: &centre, RadiusKm: -1}, nil, true},
		{"bad point", FacilityQuery{Near: &Point{91, 0}}, nil, true},
	}
	for _, tt := range tests {
		r, err := x.SearchFacilities(tt.q)
		if tt.errors {
			ixInvalid(t, err)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := ixIDs(r); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 || r.Total != len(tt.want) {
			t.Errorf("%s: got %v (total %d), want %v", tt.name, got, r.Total, tt.want)
		}
		for _, h := range r.Hits {
			if h.DistanceKm <= 0 || h.DistanceKm > 500 {
				t.Errorf("%s: %s at %v km", tt.name, h.ID, h.DistanceKm)
			}
		}
	}
	r, _ := x.SearchFacilities(FacilityQuery{Near: &centre, RadiusKm: 500})
	wantKm := []float64{1, 5, 12, 20, 24.9, 25.2, 90, 450}
	for i, h := range r.Hits {
		if math.Abs(h.DistanceKm-wantKm[i]) > 0.01*wantKm[i] {
			t.Errorf("%s: distance %v km, want about %v", h.ID, h.DistanceKm, wantKm[i])
		}
	}
	// Paging a nearby search.
	r, _ = x.SearchFacilities(FacilityQuery{Near: &centre, RadiusKm: 500, PageSize: 3, Page: 3})
	if got, want := ixIDs(r), []string{"F90", "F450"}; !slices.Equal(got, want) || r.Total != 8 {
		t.Errorf("page 3: got %v (total %d), want %v (8)", got, r.Total, want)
	}
}

func TestSearchPaging(t *testing.T) {
	x := NewIndex()
	var fs []*Facility
	for i := range 55 {
		// names collide in pairs: order by name, then ID
		fs = append(fs, ixFac(fmt.Sprintf("F%03d", 100-i), fmt.Sprintf("Clinic %02d", i/2)))
	}
	x.PutFacilities(fs)
	for _, q := range []string{"", "clinic", "clin"} {
		var all []string
		for page := 1; ; page++ {
			r, err := x.SearchFacilities(FacilityQuery{Q: q, Page: page, PageSize: 10})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != 55 || r.Page != page || r.PageSize != 10 {
				t.Fatalf("q %q page %d: total %d, page %d, size %d", q, page, r.Total, r.Page, r.PageSize)
			}
			if len(r.Hits) == 0 {
				if page != 7 {
					t.Fatalf("q %q: empty at page %d", q, page)
				}
				break
			}
			all = append(all, ixIDs(r)...)
		}
		if len(all) != 55 {
			t.Fatalf("q %q: %d hits over the pages", q, len(all))
		}
		want := make([]string, 0, 55)
		for i := range 28 { // Clinic 00 is F100 and F099: F099 first
			for _, j := range []int{2*i + 1, 2 * i} {
				if j < 55 {
					want = append(want, fmt.Sprintf("F%03d", 100-j))
				}
			}
		}
		if !slices.Equal(all, want) {
			t.Errorf("q %q: order %v, want %v", q, all, want)
		}
	}
	r, _ := x.SearchFacilities(FacilityQuery{})
	if r.PageSize != DefaultPageSize || r.Page != 1 || len(r.Hits) != DefaultPageSize {
		t.Errorf("defaults: page %d, size %d, %d hits", r.Page, r.PageSize, len(r.Hits))
	}
	for _, q := range []FacilityQuery{
		{Page: -1}, {PageSize: -1}, {PageSize: MaxPageSize + 1}, {Page: 101, PageSize: 100}, {Page: 10_001},
		{Page: math.MaxInt, PageSize: 100}, {Q: string(make([]byte, 300))},
		{Q: "a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4 b5 b6 b7 b8"},
	} {
		_, err := x.SearchFacilities(q)
		ixInvalid(t, err)
	}
	if _, err := x.SearchFacilities(FacilityQuery{Page: 100, PageSize: 100}); err != nil {
		t.Errorf("page 100 of 100: %v", err)
	}
}

func TestIndexReplaceRemove(t *testing.T) {
	x := NewIndex()
	x.PutFacility(ixFac("F1", "Old Name Hospital"))
	x.PutFacility(ixFac("F2", "Other Hospital"))
	find := func(q string) []string {
		t.Helper()
		r, err := x.SearchFacilities(FacilityQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != len(r.Hits) {
			t.Fatalf("%q: total %d, %d hits", q, r.Total, len(r.Hits))
		}
		return ixIDs(r)
	}
	if got := find("old"); !slices.Equal(got, []string{"F1"}) {
		t.Fatalf("old: %v", got)
	}
	x.PutFacility(ixFac("F1", "New Name Clinic", func(f *Facility) { f.Type = "clinic" }))
	if got := find("old"); len(got) != 0 {
		t.Errorf("after replace, old: %v", got)
	}
	if got := find("new name"); !slices.Equal(got, []string{"F1"}) {
		t.Errorf("after replace, new: %v", got)
	}
	if got := find("hospital"); !slices.Equal(got, []string{"F2"}) {
		t.Errorf("after replace, hospital: %v", got)
	}
	if got := find(""); !slices.Equal(got, []string{"F1", "F2"}) {
		t.Errorf("after replace, all: %v", got)
	}
	if f, _, _ := x.Counts(); f != 2 {
		t.Errorf("count %d, want 2", f)
	}
	x.PutFacility(ixFac("F1", "New Name Clinic", func(f *Facility) { f.Status = StatusRejected }))
	if got := find("new"); len(got) != 0 {
		t.Errorf("after reject: %v", got)
	}
	if got := find(""); !slices.Equal(got, []string{"F2"}) {
		t.Errorf("after reject, all: %v", got)
	}
	r, _ := x.SearchFacilities(FacilityQuery{State: "29"})
	if r.Total != 1 {
		t.Errorf("after reject, state total %d", r.Total)
	}
	x.PutFacility(ixFac("F3", "Pending", func(f *Facility) { f.Status = StatusPending }))
	if f, _, _ := x.Counts(); f != 1 {
		t.Errorf("count %d, want 1", f)
	}
	x.PutFacility(ixFac("F1", "Back Again"))
	if got := find("back"); !slices.Equal(got, []string{"F1"}) {
		t.Errorf("after re-verify: %v", got)
	}
	x.fac.mu.Lock()
	x.fac.compact()
	x.fac.mu.Unlock()
	if got := find(""); !slices.Equal(got, []string{"F1", "F2"}) {
		t.Errorf("after compaction: %v", got)
	}
	if got := find("back"); !slices.Equal(got, []string{"F1"}) {
		t.Errorf("after compaction, back: %v", got)
	}
	x.PutFacility(ixFac("F2", "Renamed"))
	if got := find("other"); len(got) != 0 {
		t.Errorf("after compaction and replace: %v", got)
	}
	if f, _, _ := x.Counts(); f != 2 {
		t.Errorf("count %d, want 2", f)
	}
}

func TestIndexConcurrent(t *testing.T) {
	x := NewIndex()
	var fs []*Facility
	for i := range 2000 {
		fs = append(fs, ixFac(fmt.Sprintf("F%d", i), fmt.Sprintf("Clinic %d Care", i%50), func(f *Facility) {
			f.Lat, f.Lon = 12.9+float64(i%100)/1000, 77.5+float64(i/100)/1000
		}))
	}
	x.PutFacilities(fs[:1000])
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, f := range fs[1000:] {
			x.PutFacility(f)
			if i%3 == 0 {
				g := *fs[i]
				g.Status = StatusRejected
				x.PutFacility(&g)
			}
		}
	}()
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				q := FacilityQuery{Q: fmt.Sprintf("clinic %d", (i+w)%50), PageSize: 5}
				if i%2 == 0 {
					q = FacilityQuery{Q: "care", Near: &Point{12.95, 77.52}, RadiusKm: 10}
				}
				r, err := x.SearchFacilities(q)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Total < len(r.Hits) {
					t.Errorf("total %d < %d hits", r.Total, len(r.Hits))
				}
				x.Counts()
			}
		}()
	}
	wg.Wait()
	if f, _, _ := x.Counts(); f != 2000-334 {
		t.Errorf("count %d, want %d", f, 2000-334)
	}
}

var ixRounds = []string{"Alpha", "Beta", "Gamma", "Delta"}

func TestIndexAutoCompaction(t *testing.T) {
	x := NewIndex()
	const n = 3000
	put := func(round int) {
		fs := make([]*Facility, 0, n)
		for i := range n {
			fs = append(fs, ixFac(fmt.Sprintf("F%04d", i), fmt.Sprintf("%s Clinic %d", ixRounds[round], i%7), func(f *Facility) {
				f.Lat, f.Lon = 12.9+float64(i%50)/100, 77.5+float64(i/50)/100
			}))
		}
		x.PutFacilities(fs)
	}
	put(0)
	for round := 1; round <= 3; round++ {
		for i := range n { // one at a time, as from the change feed
			x.PutFacility(ixFac(fmt.Sprintf("F%04d", i), fmt.Sprintf("%s Clinic %d", ixRounds[round], i%7), func(f *Facility) {
				f.Lat, f.Lon = 12.9+float64(i%50)/100, 77.5+float64(i/50)/100
			}))
		}
	}
	c := x.fac
	c.mu.RLock()
	ords, live := int(c.n), c.live
	c.mu.RUnlock()
	if live != n || ords >= 4*n {
		t.Errorf("%d ords for %d live: not compacted", ords, live)
	}
	for _, q := range []FacilityQuery{{Q: "delta"}, {Q: "clinic"}, {State: "29"}, {Near: &Point{13.1, 77.8}, RadiusKm: 100}} {
		r, err := x.SearchFacilities(q)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != n {
			t.Errorf("%+v: total %d, want %d", q, r.Total, n)
		}
	}
	if r, _ := x.SearchFacilities(FacilityQuery{Q: "gamma"}); r.Total != 0 {
		t.Errorf("old names: total %d", r.Total)
	}
}
