package registry

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/india"
)

// km is the great-circle distance between two points.
func km(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * 6371 * math.Asin(math.Sqrt(a))
}

func TestSynthFacilities(t *testing.T) {
	s := NewSynth(1)
	ids := map[string]bool{}
	types := map[string]int{}
	for range 2000 {
		f := s.Facility()
		if errs := ValidateFacility(f); errs != nil {
			t.Fatalf("invalid facility %+v: %v", f, errs)
		}
		c := *f
		NormaliseFacility(&c)
		if !reflect.DeepEqual(&c, f) {
			t.Fatalf("facility not normalised:\n %+v\n %+v", f, &c)
		}
		if f.Status != StatusVerified || !ValidFacilityID(f.ID) || ids[f.ID] {
			t.Fatalf("status %s, ID %q (seen %v)", f.Status, f.ID, ids[f.ID])
		}
		ids[f.ID] = true
		if trimZeros(f.ID[2:4]) != f.Address.StateCode {
			t.Errorf("ID %s for state %s", f.ID, f.Address.StateCode)
		}
		d, _ := india.DistrictByCode(f.Address.StateCode, f.Address.DistrictCode)
		if dist := km(d.Lat, d.Lon, f.Lat, f.Lon); dist > 15.1 {
			t.Errorf("%s is %.1f km from its district's point", f.ID, dist)
		}
		if f.Address.PIN != d.Pincode {
			t.Errorf("PIN %s, district's %s", f.Address.PIN, d.Pincode)
		}
		if !synthNameIsSafe(f.Name) {
			t.Errorf("name %q has a real hospital's word", f.Name)
		}
		if (f.Type == "pharmacy") != (f.DrugLicence != "") {
			t.Errorf("type %s with licence %q", f.Type, f.DrugLicence)
		}
		types[f.Type]++
	}
	for _, ty := range FacilityTypes {
		if types[ty.Code] == 0 {
			t.Errorf("no facility of type %s", ty.Code)
		}
	}
	if types["sub-centre"] < types["chc"] || types["clinic"] < types["blood-bank"] {
		t.Errorf("type mix %v", types)
	}
}

func TestSynthProfessionals(t *testing.T) {
	s := NewSynth(2)
	var fids []string
	facs := map[string]*Facility{}
	for range 1000 {
		f := s.Facility()
		fids = append(fids, f.ID)
		facs[f.ID] = f
	}
	handles, ids := map[string]bool{}, map[string]bool{}
	cats := map[string]int{}
	for i := range 2000 {
		var p *Professional
		if i%10 == 0 {
			p = s.Professional(nil)
		} else {
			p = s.Professional(fids)
		}
		if errs := ValidateProfessional(p); errs != nil {
			t.Fatalf("invalid professional %+v: %v", p, errs)
		}
		c := *p
		c.Qualifications = slices.Clone(p.Qualifications)
		NormaliseProfessional(&c)
		if !reflect.DeepEqual(&c, p) {
			t.Fatalf("professional not normalised:\n %+v\n %+v", p, &c)
		}
		if p.Status != StatusVerified || handles[p.Handle] || ids[p.ID] {
			t.Fatalf("status %s, handle %q, ID %q: repeated or wrong", p.Status, p.Handle, p.ID)
		}
		handles[p.Handle], ids[p.ID] = true, true
		cats[p.Category]++
		st := p.Address.StateCode
		if i%10 == 0 {
			if p.Facilities != nil {
				t.Errorf("facilities %v without facility IDs", p.Facilities)
			}
		} else {
			if n := len(p.Facilities); n < 1 || n > 2 {
				t.Fatalf("works at %d facilities", n)
			}
			for _, id := range p.Facilities {
				if facs[id] == nil || facs[id].Address.StateCode != st {
					t.Errorf("professional of state %s works at %s", st, id)
				}
			}
			f := facs[p.Facilities[0]]
			if p.Address.DistrictCode != f.Address.DistrictCode || km(f.Lat, f.Lon, p.Lat, p.Lon) > 5.1 {
				t.Errorf("professional not near their facility")
			}
		}
		if main := synthStateLanguages[st][0]; !slices.Contains(p.Languages, main) {
			t.Errorf("professional of state %s speaks %v", st, p.Languages)
		}
		if !slices.ContainsFunc(india.FirstNames(st, p.Gender), func(n string) bool { return strings.HasPrefix(p.Name, n+" ") }) ||
			!slices.ContainsFunc(india.LastNames(st), func(n string) bool { return strings.HasSuffix(p.Name, " "+n) }) {
			t.Errorf("name %q not from state %s's lists", p.Name, st)
		}
	}
	for _, c := range []string{"doctor", "nurse", "asha", "pharmacist", "anm", "dentist"} {
		if cats[c] == 0 {
			t.Errorf("no %s among %v", c, cats)
		}
	}
	if cats["doctor"] < cats["dentist"] || cats["nurse"] < cats["midwife"] {
		t.Errorf("category mix %v", cats)
	}
}

func TestSynthLanguages(t *testing.T) {
	s := NewSynth(5)
	tn := 0
	for range 3000 {
		p := s.Professional(nil)
		if p.Address.StateCode == "33" {
			tn++
			for _, l := range p.Languages {
				if l != "ta" && l != "en" && l != "hi" {
					t.Errorf("Tamil Nadu professional speaks %v", p.Languages)
				}
			}
		}
	}
	if tn == 0 {
		t.Error("no professional in Tamil Nadu")
	}
}

func TestSynthStates(t *testing.T) {
	s := NewSynth(3)
	count := map[string]int{}
	for range 5000 {
		count[s.Facility().Address.StateCode]++
	}
	for _, st := range india.States() {
		if count[st.Code] == 0 {
			t.Errorf("no facility in %s", st.Name)
		}
	}
	for code, n := range count {
		if code != "9" && n >= count["9"] {
			t.Errorf("state %s has %d facilities, Uttar Pradesh %d", code, n, count["9"])
		}
	}
}

func TestSynthDeterministic(t *testing.T) {
	gen := func(seed uint64) ([]*Facility, []*Professional) {
		s := NewSynth(seed)
		var fs []*Facility
		var ids []string
		for range 200 {
			f := s.Facility()
			fs = append(fs, f)
			ids = append(ids, f.ID)
		}
		fs = append(fs, s.FacilityInDistrict("28", vizag(t).Code))
		var ps []*Professional
		for range 200 {
			ps = append(ps, s.Professional(ids))
		}
		return fs, ps
	}
	f1, p1 := gen(42)
	f2, p2 := gen(42)
	if !reflect.DeepEqual(f1, f2) || !reflect.DeepEqual(p1, p2) {
		t.Error("the same seed gave different data")
	}
	f3, _ := gen(43)
	if reflect.DeepEqual(f1, f3) {
		t.Error("different seeds gave the same data")
	}
}

func TestSynthFacilityInDistrict(t *testing.T) {
	s := NewSynth(4)
	for _, st := range []string{"28", "1", "31"} {
		for _, d := range india.Districts(st) {
			f := s.FacilityInDistrict(st, d.Code)
			if f == nil || f.Address.StateCode != st || f.Address.DistrictCode != d.Code || ValidateFacility(f) != nil {
				t.Fatalf("FacilityInDistrict(%s, %s) = %+v", st, d.Code, f)
			}
		}
	}
	if f := s.FacilityInDistrict("01", india.Districts("1")[0].Code); f == nil || f.Address.StateCode != "1" {
		t.Errorf("padded state code: %+v", f)
	}
	other, _ := india.DistrictByName("36", "Hyderabad")
	for _, c := range [][2]string{{"99", "1"}, {"28", other.Code}, {"", ""}} {
		if f := s.FacilityInDistrict(c[0], c[1]); f != nil {
			t.Errorf("FacilityInDistrict(%q, %q) = %+v, want nil", c[0], c[1], f)
		}
	}
}

func TestSynthIDs(t *testing.T) {
	// Past a million facilities in a state the IDs are drawn at random,
	// still unique and never one of the sequence's.
	s := NewSynth(9)
	seq := map[string]bool{}
	for range 50 {
		seq[s.facilityID("9")] = true
	}
	s.facN["9"] = synthFacMod / 100
	for x := uint64(0); x < 100_000; x += 997 {
		if unfeistel(feistel(x, synthFacHalf, 77), synthFacHalf, 77) != x || feistel(x, synthFacHalf, 77) >= synthFacMod {
			t.Fatalf("feistel does not invert at %d", x)
		}
	}
	for range 2000 {
		id := s.facilityID("9")
		if !ValidFacilityID(id) || seq[id] {
			t.Fatalf("ID %q invalid or repeated", id)
		}
		seq[id] = true
	}
	// Synths with different tags share no facility ID or HPR number.
	a, b := NewSynth(1), NewSynth(2)
	if a.facTag == b.facTag || a.hprTag == b.hprTag || a.handleTag == b.handleTag {
		t.Skip("seeds 1 and 2 share a tag")
	}
	got := map[string]bool{}
	for range 2000 {
		got[a.facilityID("7")], got[a.hprID()] = true, true
	}
	for range 2000 {
		if id, h := b.facilityID("7"), b.hprID(); got[id] || got[h] || !ValidHPRID(h) {
			t.Fatalf("shared or invalid ID %s %s", id, h)
		}
	}
}

func TestSynthHandle(t *testing.T) {
	s := NewSynth(1)
	for _, c := range [][2]string{{"Kevichüsa", "Rengma"}, {"C Lalthanzara", "D'Cunha"}, {"", ""}, {"Venkatanarasimharajuvaripeta", "Subrahmanyeswaraswamy"}} {
		h := s.handle(c[0], c[1])
		if !ValidHandle(h) {
			t.Errorf("handle(%q, %q) = %q, not valid", c[0], c[1], h)
		}
	}
}

func TestDrugs(t *testing.T) {
	ds := Drugs()
	if len(ds) < 300 {
		t.Fatalf("%d drugs, want at least 300", len(ds))
	}
	ids := map[string]*Drug{}
	for _, d := range ds {
		if errs := ValidateDrug(d); errs != nil {
			t.Errorf("drug %s: %v", d.ID, errs)
		}
		if d.ID != DrugID(d) {
			t.Errorf("drug ID %s, DrugID %s", d.ID, DrugID(d))
		}
		if ids[d.ID] != nil {
			t.Errorf("drug %s repeated", d.ID)
		}
		ids[d.ID] = d
	}
	pcm := ids["paracetamol-tablet-500-mg"]
	if pcm == nil || pcm.ATC != "N02BE01" || !slices.Contains(pcm.Brands, "Crocin") || pcm.Schedule != "OTC" {
		t.Errorf("paracetamol 500 mg: %+v", pcm)
	}
	if d := ids["paracetamol-tablet-650-mg"]; d == nil || !slices.Contains(d.Brands, "Dolo 650") {
		t.Errorf("paracetamol 650 mg: %+v", d)
	}
	if d := ids["metformin-tablet-500-mg"]; d == nil || d.ATC != "A10BA02" {
		t.Errorf("metformin: %+v", d)
	}
	ds[0].Brands = append(ds[0].Brands, "changed")
	ds[0].Generic = "changed"
	if again := Drugs(); again[0].Generic == "changed" || slices.Contains(again[0].Brands, "changed") {
		t.Error("Drugs returned shared entries")
	}
}
