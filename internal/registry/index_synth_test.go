package registry

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/arogya-health/arogya/internal/india"
)

// Synthetic registry entries for the index's randomised tests and
// benchmarks: names from internal/india's name lists and common facility
// name words, random states and districts, and locations of which most
// crowd around big cities (as real facilities do) and the rest lie anywhere
// in India.

var ixBrandWords = []string{
	"Apollo", "Fortis", "Manipal", "Narayana", "Aster", "Medanta", "Kauvery", "Yashoda", "Sparsh",
	"Sahyadri", "Jupiter", "Ruby", "Lotus", "Sunrise", "Global", "National", "Rainbow", "Cloudnine",
	"City", "Care", "Life", "Lifeline", "Sanjeevani", "Arogya", "Dhanvantari", "Shanti", "Seva",
	"Sri", "Sai", "Ram", "Krishna", "Lakshmi", "Ganesh", "Balaji", "Venkateswara", "Durga", "Mother",
	"Holy", "Cross", "Mary", "Joseph", "Mission", "Memorial", "Charitable", "Janata", "Navjeevan",
	"Prakash", "Jeevan", "Suraksha", "Swasthya", "Nidan", "Kalyan", "Vatsalya", "Matru", "Kiran",
	"Star", "Galaxy", "Metro", "Pioneer", "Unity", "Trinity", "Hope", "Wellness", "Healing", "Prime",
}

var ixKindWords = []string{
	"Hospital", "Clinic", "Nursing Home", "Medical Centre", "Diagnostics", "Pharmacy", "Medicals",
	"Polyclinic", "Dental Clinic", "Eye Hospital", "Multispeciality Hospital", "Health Centre",
	"Maternity Home", "Heart Institute", "Children's Hospital", "Scan Centre", "Laboratory",
}

var ixServices = []string{
	"24x7 Emergency", "Dialysis", "ICU", "Blood Bank", "Ambulance", "Pharmacy", "X-Ray", "MRI",
	"CT Scan", "Physiotherapy", "Vaccination", "Maternity", "NICU", "Cath Lab", "Day Care",
}

// ixCities are big cities' centres: where most synthetic entries are.
var ixCities = []Point{
	{12.9716, 77.5946}, {19.0760, 72.8777}, {28.6139, 77.2090}, {13.0827, 80.2707}, {22.5726, 88.3639},
	{17.3850, 78.4867}, {18.5204, 73.8567}, {23.0225, 72.5714}, {26.9124, 75.7873}, {26.8467, 80.9462},
	{25.5941, 85.1376}, {23.2599, 77.4126}, {21.1458, 79.0882}, {22.7196, 75.8577}, {21.1702, 72.8311},
	{11.0168, 76.9558}, {9.9312, 76.2673}, {8.5241, 76.9366}, {30.7333, 76.7794}, {26.1445, 91.7362},
	{20.2961, 85.8245}, {25.3176, 82.9739}, {27.1767, 78.0081}, {31.6340, 74.8723}, {15.3173, 75.7139},
	{16.5062, 80.6480}, {17.6868, 83.2185}, {12.2958, 76.6394}, {10.7905, 78.7047}, {23.3441, 85.3096},
}

var ixStates = india.States()

type ixSynth struct {
	r *rand.Rand
}

func newIxSynth(seed uint64) *ixSynth {
	return &ixSynth{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (s *ixSynth) pick(xs []string) string { return xs[s.r.IntN(len(xs))] }

// place returns a state, a district of it and a location (zero for 5%).
func (s *ixSynth) place() (india.State, india.District, float64, float64) {
	st := ixStates[s.r.IntN(len(ixStates))]
	ds := india.Districts(st.Code)
	d := ds[s.r.IntN(len(ds))]
	var lat, lon float64
	switch x := s.r.IntN(100); {
	case x < 60:
		c := ixCities[s.r.IntN(len(ixCities))]
		lat, lon = c.Lat+s.r.NormFloat64()*0.12, c.Lon+s.r.NormFloat64()*0.12
	case x < 95:
		lat, lon = 8+s.r.Float64()*26, 69+s.r.Float64()*27
	}
	// as stored: the index keeps float32
	return st, d, float64(float32(lat)), float64(float32(lon))
}

// ixFacilityID is a facility ID for the state and number.
func ixFacilityID(state string, i int) string {
	if len(state) == 1 {
		state = "0" + state
	}
	return fmt.Sprintf("IN%s%08d", state, i)
}

func (s *ixSynth) codes(v Vocabulary, max int) []string {
	n := s.r.IntN(max + 1)
	var out []string
	for range n {
		c := v[s.r.IntN(len(v))].Code
		if !ixContains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func ixContains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

var ixTypeWeights = []struct {
	code string
	w    int
}{
	{"hospital", 20}, {"clinic", 25}, {"pharmacy", 20}, {"diagnostic-lab", 8}, {"sub-centre", 8},
	{"phc", 5}, {"chc", 2}, {"nursing-home", 4}, {"dental-clinic", 4}, {"imaging-centre", 2},
	{"blood-bank", 1}, {"wellness-centre", 1},
}

func (s *ixSynth) facility(i int) *Facility {
	st, d, lat, lon := s.place()
	var name string
	switch x := s.r.IntN(100); {
	case x < 30:
		name = s.pick(ixBrandWords) + " " + s.pick(ixKindWords)
	case x < 55:
		name = s.pick(ixBrandWords) + " " + s.pick(ixBrandWords) + " " + s.pick(ixKindWords)
	case x < 75:
		name = s.pick(india.LastNames(st.Code)) + " " + s.pick(ixKindWords)
	case x < 90:
		name = s.pick([]string{"Primary Health Centre", "Community Health Centre", "Sub Centre", "District Hospital", "Urban PHC"}) + " " + d.Name
	default:
		name = s.pick(ixBrandWords) + " " + Specialities[s.r.IntN(len(Specialities))].Label + " " + s.pick(ixKindWords)
	}
	w := s.r.IntN(100)
	typ := "hospital"
	for _, tw := range ixTypeWeights {
		if w < tw.w {
			typ = tw.code
			break
		}
		w -= tw.w
	}
	f := &Facility{
		ID:           ixFacilityID(st.Code, i),
		Name:         name,
		Type:         typ,
		Ownership:    Ownerships[s.r.IntN(len(Ownerships))].Code,
		Systems:      []string{"modern"},
		Address:      Address{City: d.Name, StateCode: st.Code, DistrictCode: d.Code, PIN: d.Pincode},
		Lat:          lat,
		Lon:          lon,
		Specialities: s.codes(Specialities, 3),
		Status:       StatusVerified,
	}
	if s.r.IntN(5) == 0 {
		f.Systems = []string{SystemsOfMedicine[1+s.r.IntN(len(SystemsOfMedicine)-1)].Code}
		if s.r.IntN(2) == 0 {
			f.Systems = append(f.Systems, "modern")
		}
	}
	for range s.r.IntN(4) {
		if sv := s.pick(ixServices); !ixContains(f.Services, sv) {
			f.Services = append(f.Services, sv)
		}
	}
	if s.r.IntN(10) < 3 {
		f.ABDMEnabled, f.ABDMRoles = true, []string{"HIP"}
		if s.r.IntN(2) == 0 {
			f.ABDMRoles = append(f.ABDMRoles, "HIU")
		}
	}
	return f
}

var ixDegrees = map[string][]string{
	"doctor":     {"MBBS", "MD (General Medicine)", "MS (General Surgery)", "DNB (Paediatrics)", "BAMS", "BHMS", "DM (Cardiology)"},
	"nurse":      {"B.Sc Nursing", "GNM", "M.Sc Nursing"},
	"pharmacist": {"B.Pharm", "D.Pharm", "M.Pharm"},
	"dentist":    {"BDS", "MDS (Orthodontics)"},
}

var ixCategoryWeights = []struct {
	code string
	w    int
}{
	{"doctor", 35}, {"nurse", 25}, {"pharmacist", 10}, {"asha", 8}, {"anm", 5}, {"dentist", 5},
	{"lab-technician", 4}, {"physiotherapist", 3}, {"radiographer", 2}, {"allied-health", 3},
}

func (s *ixSynth) professional(i, facilities int) *Professional {
	st, d, lat, lon := s.place()
	g := "M"
	if s.r.IntN(2) == 0 {
		g = "F"
	}
	w := s.r.IntN(100)
	cat := "doctor"
	for _, cw := range ixCategoryWeights {
		if w < cw.w {
			cat = cw.code
			break
		}
		w -= cw.w
	}
	name := s.pick(india.FirstNames(st.Code, g)) + " " + s.pick(india.LastNames(st.Code))
	if cat == "doctor" && s.r.IntN(2) == 0 {
		name = "Dr. " + name
	}
	p := &Professional{
		ID:        strconv.Itoa(70_000_000_000_000 + i),
		Name:      name,
		Gender:    g,
		Category:  cat,
		Address:   Address{City: d.Name, StateCode: st.Code, DistrictCode: d.Code, PIN: d.Pincode},
		Lat:       lat,
		Lon:       lon,
		Languages: []string{"en"},
		Status:    StatusVerified,
	}
	p.Languages = append(p.Languages, Languages[1+s.r.IntN(len(Languages)-1)].Code)
	switch cat {
	case "doctor":
		p.System = "modern"
		if s.r.IntN(4) == 0 {
			p.System = SystemsOfMedicine[1+s.r.IntN(len(SystemsOfMedicine)-1)].Code
		}
		p.Specialities = s.codes(Specialities, 2)
	case "nurse", "pharmacist":
		p.System = "modern"
	}
	for _, deg := range ixDegrees[cat] {
		if s.r.IntN(3) == 0 || len(p.Qualifications) == 0 {
			p.Qualifications = append(p.Qualifications, Qualification{Degree: deg})
		}
	}
	if facilities > 0 {
		for range 1 + s.r.IntN(2) {
			j := s.r.IntN(facilities)
			p.Facilities = append(p.Facilities, fmt.Sprintf("IN%02d%08d", 1+j%38, j))
		}
	}
	return p
}
