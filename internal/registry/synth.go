package registry

import (
	"bytes"
	_ "embed"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/arogya-health/arogya/internal/checkdigit"
	"github.com/arogya-health/arogya/internal/india"
)

// Synthetic registry data for demos, tests and benchmarks. Everything here
// is invented: facility names are built from common words, invented
// locality names and surnames, never a real hospital's name; people's
// names come from india's per-state lists; phone numbers are random;
// e-mail addresses and websites use the reserved .example domain.

//go:embed data/drugs.csv
var builtinDrugsCSV []byte

var builtinDrugs = sync.OnceValue(func() []*Drug {
	r, err := NewDrugReader(bytes.NewReader(builtinDrugsCSV))
	if err != nil {
		panic("registry: data/drugs.csv: " + err.Error())
	}
	var out []*Drug
	for {
		d, _, errs, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			panic("registry: data/drugs.csv: " + err.Error())
		}
		if errs != nil {
			panic("registry: data/drugs.csv: " + errs[0].Error())
		}
		out = append(out, d)
	}
})

// Drugs returns the built-in list of essential medicines common in India
// (see data/drugs.csv): a few hundred generics in their usual forms and
// strengths, with ATC codes and well-known Indian brands where known. The
// drugs are valid and have their IDs; each call returns new copies.
func Drugs() []*Drug {
	src := builtinDrugs()
	out := make([]*Drug, len(src))
	for i, d := range src {
		c := *d
		c.Brands = slices.Clone(d.Brands)
		out[i] = &c
	}
	return out
}

// synthMaxYear is the latest qualification year synthetic data uses, fixed
// so that a seed always gives the same data.
const synthMaxYear = 2025

// Synth generates deterministic synthetic facilities and professionals:
// the same seed gives the same sequence on every run. It is not safe for
// concurrent use.
//
// IDs are unique within one Synth. Across Synths with different seeds they
// are unique unless the seeds share a tag (1 in 100 for facility IDs, 1 in
// 1,000 for HPR numbers, 1 in 17,576 for handles), as the seed is mixed
// into every ID.
type Synth struct {
	rng       *rand.Rand
	facTag    uint64            // 0–99: mixed into facility IDs
	hprTag    uint64            // 0–999: mixed into HPR numbers
	handleTag string            // three letters ending every handle
	facN      map[string]uint64 // facilities drawn per state
	facExtra  map[string]bool   // IDs drawn at random once a state's sequence ran out
	hprN      uint64
	handleN   uint64
	known     map[string]synthFacility // facilities this Synth made (bounded)

	lists map[string][]string // per-state name and district lists, cached

	// The facility IDs last passed to Professional, by state.
	idsFirst *string
	idsLen   int
	idsState map[string][]string
	idsValid []string
}

// synthFacility is what Professional needs of a facility it made.
type synthFacility struct {
	district string
	typ      string
	system   string
	lat, lon float64
}

const synthMaxKnown = 200_000

// NewSynth returns a generator for the seed.
func NewSynth(seed uint64) *Synth {
	mix := synthMix(seed)
	t := mix % 17576
	return &Synth{
		rng:       rand.New(rand.NewPCG(seed, mix)),
		facTag:    mix % 100,
		hprTag:    (mix >> 20) % 1000,
		handleTag: string([]byte{byte('a' + t/676), byte('a' + t/26%26), byte('a' + t%26)}),
		facN:      map[string]uint64{},
		facExtra:  map[string]bool{},
		known:     map[string]synthFacility{},
		lists:     map[string][]string{},
	}
}

// cached returns the list named key, building it on first use.
func (s *Synth) cached(key string, build func() []string) []string {
	l, ok := s.lists[key]
	if !ok {
		l = build()
		s.lists[key] = l
	}
	return l
}

func (s *Synth) firstNames(state, gender string) []string {
	return s.cached("first/"+gender+"/"+state, func() []string { return india.FirstNames(state, gender) })
}

func (s *Synth) lastNames(state string) []string {
	return s.cached("last/"+state, func() []string { return india.LastNames(state) })
}

// district returns a random district of the state.
func (s *Synth) district(state string) india.District {
	codes := s.cached("districts/"+state, func() []string {
		var cs []string
		for _, d := range india.Districts(state) {
			cs = append(cs, d.Code)
		}
		return cs
	})
	d, _ := india.DistrictByCode(state, synthPick(s, codes))
	return d
}

func synthMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// ---- random helpers ----

func (s *Synth) intn(n int) int { return s.rng.IntN(n) }

func (s *Synth) chance(p float64) bool { return s.rng.Float64() < p }

func synthPick[T any](s *Synth, list []T) T { return list[s.rng.IntN(len(list))] }

// synthChoice is a value and its weight.
type synthChoice struct {
	v string
	w int
}

// synthWeights is a list of choices with integer weights.
type synthWeights []synthChoice

func (s *Synth) pickW(ws synthWeights) string {
	total := 0
	for _, c := range ws {
		total += c.w
	}
	n := s.intn(total)
	for _, c := range ws {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	return ws[len(ws)-1].v
}

// digits returns n random digits, the first from first..9.
func (s *Synth) digits(n int, first byte) string {
	b := make([]byte, n)
	for i := range b {
		if i == 0 {
			b[i] = first + byte(s.intn(int('9'-first)+1))
		} else {
			b[i] = '0' + byte(s.intn(10))
		}
	}
	return string(b)
}

// near returns a point within km of lat, lon, uniformly over the disc,
// rounded to 6 decimals and kept inside India's bounding box.
func (s *Synth) near(lat, lon, km float64) (float64, float64) {
	d := km * math.Sqrt(s.rng.Float64())
	a := 2 * math.Pi * s.rng.Float64()
	lat2 := lat + d*math.Cos(a)/110.574
	lon2 := lon + d*math.Sin(a)/(111.320*math.Cos(lat*math.Pi/180))
	round := func(v, lo, hi float64) float64 {
		return math.Round(min(max(v, lo+1e-4), hi-1e-4)*1e6) / 1e6
	}
	return round(lat2, indiaMinLat, indiaMaxLat), round(lon2, indiaMinLon, indiaMaxLon)
}

// ---- states and places ----

// synthPopulation is each state's population in lakh (Census 2011, the
// 2014 and 2019 reorganisations applied), for weighting.
var synthPopulation = map[string]float64{
	"1": 1227, "2": 686, "3": 2774, "4": 106, "5": 1009, "6": 2535, "7": 1679, "8": 6855,
	"9": 19981, "10": 10410, "11": 6, "12": 14, "13": 20, "14": 29, "15": 11, "16": 37,
	"17": 30, "18": 3121, "19": 9128, "20": 3299, "21": 4197, "22": 2555, "23": 7263, "24": 6044,
	"27": 11237, "28": 4939, "29": 6110, "30": 15, "31": 0.6, "32": 3341, "33": 7215, "34": 12,
	"35": 4, "36": 3519, "37": 3, "38": 6,
}

type synthStateWeights struct {
	states []india.State
	cum    []float64
}

// synthStates weighs states by population (70%) and district count
// (25%), with a floor (5%) so that every state and UT shows up.
var synthStates = sync.OnceValue(func() synthStateWeights {
	states := india.States()
	var pop, dist float64
	for _, st := range states {
		pop += synthPopulation[st.Code]
		dist += float64(len(india.Districts(st.Code)))
	}
	sw := synthStateWeights{states: states}
	sum := 0.0
	for _, st := range states {
		sum += 0.70*synthPopulation[st.Code]/pop + 0.25*float64(len(india.Districts(st.Code)))/dist + 0.05/float64(len(states))
		sw.cum = append(sw.cum, sum)
	}
	return sw
})

func (s *Synth) pickState() india.State {
	sw := synthStates()
	x := s.rng.Float64() * sw.cum[len(sw.cum)-1]
	i, _ := slices.BinarySearch(sw.cum, x)
	return sw.states[min(i, len(sw.states)-1)]
}

// synthStateAbbr are the states' usual two-letter abbreviations.
var synthStateAbbr = map[string]string{
	"1": "JK", "2": "HP", "3": "PB", "4": "CH", "5": "UK", "6": "HR", "7": "DL", "8": "RJ", "9": "UP",
	"10": "BR", "11": "SK", "12": "AR", "13": "NL", "14": "MN", "15": "MZ", "16": "TR", "17": "ML",
	"18": "AS", "19": "WB", "20": "JH", "21": "OD", "22": "CG", "23": "MP", "24": "GJ", "27": "MH",
	"28": "AP", "29": "KA", "30": "GA", "31": "LD", "32": "KL", "33": "TN", "34": "PY", "35": "AN",
	"36": "TS", "37": "LA", "38": "DD",
}

// synthRegion groups states whose place names and institutions look alike.
func synthRegion(stateCode string) string {
	switch stateCode {
	case "33", "34":
		return "tamil"
	case "32", "31":
		return "malayalam"
	case "29":
		return "kannada"
	case "28", "36":
		return "telugu"
	case "27":
		return "marathi"
	case "30":
		return "goa"
	case "24", "38":
		return "gujarati"
	case "19", "16":
		return "bengal"
	case "21":
		return "odia"
	case "18":
		return "assam"
	case "3":
		return "punjab"
	case "1":
		return "kashmir"
	case "37", "11", "12":
		return "himalaya"
	case "13", "14", "15", "17":
		return "northeast"
	case "7":
		return "delhi"
	case "4":
		return "chandigarh"
	}
	return "hindi"
}

// Invented place names are a prefix and a suffix of the region.
var synthPlaceParts = map[string][2][]string{
	"hindi": {
		{"Ram", "Shiv", "Kishan", "Chandan", "Sundar", "Hari", "Madhav", "Kesar", "Moti", "Gopal", "Basant", "Anand", "Lakshman", "Durga", "Bhawani", "Sita", "Narayan", "Dev", "Kamal", "Amar", "Hanuman", "Bhim", "Indra", "Sona"},
		{"pur", "nagar", "ganj", "garh", "pura", "khera", "gaon", "bagh", "abad", "pur Kalan", "pur Khurd", "ganj Bazar"},
	},
	"punjab": {
		{"Fateh", "Jhandi", "Kot", "Dhan", "Sangat", "Mehar", "Bhai", "Ajit", "Sarab", "Chak", "Nangal", "Bhagat"},
		{"pur", "garh", "wala", "kot", " Kalan", " Khurd", "nagar", "sar"},
	},
	"kashmir": {
		{"Gul", "Noor", "Reshi", "Sona", "Zain", "Bemi", "Hari", "Nishat", "Wular", "Tral", "Khan", "Mir"},
		{"pora", "gam", "bal", "marg", "nag", "kote"},
	},
	"himalaya": {
		{"Chu", "Nyo", "Tsar", "Chang", "Ska", "Phu", "Rum", "Pel", "Nam", "Tash", "Yang", "Bom"},
		{"ling", "gang", "thang", "tek", "chi", "dila", "kiong", "gaon"},
	},
	"northeast": {
		{"Mawl", "Nong", "Lung", "Khaw", "Sai", "Zo", "Wang", "Lam", "Kei", "Tse", "Pfu", "Thang"},
		{"pung", "rim", "veng", "mual", "khul", "jam", "ma", "nyu", "lai", "tei"},
	},
	"bengal": {
		{"Shyam", "Radha", "Kali", "Bishnu", "Hari", "Chandan", "Sona", "Krishna", "Ichha", "Madhu", "Nabin", "Gopi"},
		{"pur", "gram", "hati", "danga", "nagar", "para", "tala", "ganj"},
	},
	"odia": {
		{"Jagannath", "Krushna", "Gopi", "Bali", "Hari", "Rama", "Sundara", "Kalinga", "Chandra", "Nila"},
		{"pur", "pada", "patna", "garh", "sahi", "nagar"},
	},
	"assam": {
		{"Hati", "Bor", "Kamal", "Sonari", "Dhan", "Madhu", "Rang", "Bhela", "Sil", "Tamul"},
		{"gaon", "bari", "guri", "pur", "pathar", "ghat"},
	},
	"marathi": {
		{"Shiv", "Ganesh", "Vitthal", "Sai", "Pimpal", "Kasar", "Wad", "Ambe", "Datta", "Khandoba", "Rajur", "Malhar"},
		{"wadi", "gaon", "pur", "nagar", "pada", "ner", "wade"},
	},
	"goa": {
		{"Mapu", "Chor", "Sali", "Navel", "Calan", "Ponda", "Sirsa", "Carmo", "Bandi", "Cansa"},
		{"vaddo", "im", "em", "wada", "gal"},
	},
	"gujarati": {
		{"Kesar", "Sona", "Moti", "Ambe", "Ram", "Hari", "Mahi", "Nar", "Dhola", "Vasant", "Jay"},
		{"pur", "nagar", "vav", "pura", "gam", "vada", "sar", "ganj"},
	},
	"kannada": {
		{"Basava", "Hosa", "Chikka", "Dodda", "Kere", "Rama", "Hanuma", "Shiva", "Malle", "Gowri", "Kalla", "Belli"},
		{"halli", "pura", "kere", "nagar", "palya", "gudda", "hatti", "kote"},
	},
	"telugu": {
		{"Rama", "Krishna", "Venkata", "Gopala", "Sitha", "Narasa", "Chinna", "Pedda", "Kotha", "Lakshmi", "Sri Rama", "Bhimavara"},
		{"palli", "peta", "puram", "gudem", "nagar", "padu", "palem", "guda"},
	},
	"tamil": {
		{"Anna", "Kalai", "Thiru", "Mani", "Velu", "Siva", "Kumara", "Ponnu", "Muthu", "Sundara", "Kamatchi", "Thillai"},
		{"puram", "palayam", "kottai", "patti", "nallur", "kuppam", "pettai", "nagar", "kulam", "ur"},
	},
	"malayalam": {
		{"Kara", "Thiru", "Chira", "Puthu", "Kotta", "Nedum", "Mala", "Vella", "Aru", "Kunnam", "Perum", "Chemba"},
		{"kkal", "kara", "kulam", "puram", "ssery", "mala", "kode", "nad", "kunnu"},
	},
	"delhi": {
		{"Shanti", "Anand", "Sundar", "Moti", "Prem", "Ashok", "Vikas", "Krishna", "Gyan", "Shakti", "Lok", "Amar"},
		{" Nagar", " Vihar", " Enclave", " Colony", " Puri", " Bagh", " Park", " Kunj"},
	},
}

// locality returns an invented locality name for the state.
func (s *Synth) locality(stateCode string) string {
	r := synthRegion(stateCode)
	if r == "chandigarh" {
		return "Sector " + strconv.Itoa(1+s.intn(56))
	}
	p := synthPlaceParts[r]
	return synthPick(s, p[0]) + synthPick(s, p[1])
}

var synthStreets = []string{
	"Station Road", "Main Road", "Hospital Road", "Temple Street", "Market Road", "Bypass Road",
	"Gandhi Road", "College Road", "Court Road", "Bus Stand Road", "Nehru Street", "Subhash Marg",
	"Ambedkar Road", "Church Road", "Mill Road", "Tank Road", "Canal Road", "Old Post Office Road",
}

// ---- facilities ----

var synthTypeWeights = synthWeights{
	{"sub-centre", 22}, {"phc", 9}, {"chc", 3}, {"hospital", 10}, {"clinic", 18}, {"nursing-home", 5},
	{"diagnostic-lab", 7}, {"imaging-centre", 2}, {"pharmacy", 14}, {"blood-bank", 1},
	{"telemedicine-centre", 1}, {"dental-clinic", 4}, {"physiotherapy-centre", 2}, {"wellness-centre", 2},
}

// Words of invented private facility names. Famous hospital names and
// chains are not among them, and synthBannedWords keeps them out.
var synthNameWords = map[string][]string{
	"": {"Ashirwad", "Sanjeevani", "Arogya", "Shanti", "Navjeevan", "Jeevan Jyoti", "Sahyog", "Kalyan", "Amrit",
		"Suraksha", "Vatsalya", "Mangal", "Shubham", "Aastha", "Shraddha", "Swasthya", "Chetana", "Nirmal",
		"Vishwas", "Samarpan", "Prerna", "Dhanvantari", "Janata", "New Life", "Lotus", "Green Valley",
		"Riverside", "Hill View", "Sewa", "Parivar", "Jeevan Rekha", "Punarjeevan", "Sukh Shanti", "Nav Chetna"},
	"south": {"Sri Sai", "Sri Venkateswara", "Annai", "Amma", "Karunya", "Sneha", "Santhi", "Kripa", "Anugraha",
		"Sri Lakshmi", "Sri Ganesh", "Navodaya", "Arogya", "Dhanvantari", "Sanjeevini", "Vijaya Sree", "Sri Durga"},
	"east": {"Maa Tara", "Sebayan", "Arogya Niketan", "Suchikitsa", "Nirmaya", "Sanjibani", "Jibandeep", "Maa Sarada",
		"Sebasadan", "Ashray", "Nirmal", "Kalyani"},
	"north": {"Shri Ram", "Shree Krishna", "Shri Balaji", "Sewa Sadan", "Jeevan Rekha", "Jan Kalyan", "Maa Durga",
		"Shri Hanuman", "Sanjivani", "Aarogyam", "Param", "Sukhmani"},
}

// synthBannedWords are words of real hospital names and chains that no
// synthetic name may contain.
var synthBannedWords = []string{
	"apollo", "fortis", "manipal", "medanta", "narayana", "max", "aster", "kokilaben", "lilavati", "hinduja",
	"jaslok", "batra", "bhatia", "wockhardt", "columbia", "kauvery", "kims", "yashoda", "rainbow", "cloudnine",
	"motherhood", "sankara", "aravind", "agarwal", "agarwals", "vasan", "sahyadri", "ruby", "continental",
	"artemis", "paras", "moolchand", "aiims", "pgimer", "jipmer", "nanavati", "jupiter", "shalby", "sterling",
	"zydus", "amrita", "lakeshore", "miot", "gleneagles", "sparsh", "blk", "saifee", "masina", "bhaktivedanta",
	"deenanath", "jehangir", "sancheti", "kamineni", "ramachandra", "malar", "hiranandani", "breach",
	"global", "sunshine", "medicover", "vikram", "ganga", "tata", "cmc", "nims", "sgpgi", "kem", "safdarjung",
}

var synthBanned = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, w := range synthBannedWords {
		m[w] = true
	}
	return m
})

func synthNameIsSafe(name string) bool {
	banned := synthBanned()
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if banned[w] {
			return false
		}
	}
	return true
}

func synthNameWordsFor(stateCode string) []string {
	switch synthRegion(stateCode) {
	case "tamil", "malayalam", "kannada", "telugu":
		return append(slices.Clone(synthNameWords[""][:12]), synthNameWords["south"]...)
	case "bengal", "odia", "assam":
		return append(slices.Clone(synthNameWords[""][:12]), synthNameWords["east"]...)
	case "hindi", "delhi", "punjab", "chandigarh", "gujarati", "marathi":
		return append(slices.Clone(synthNameWords[""]), synthNameWords["north"]...)
	}
	return synthNameWords[""]
}

// surname returns a last name of the state that is safe in a facility
// name.
func (s *Synth) surname(stateCode string) string {
	lasts := s.lastNames(stateCode)
	for range 20 {
		if n := synthPick(s, lasts); synthNameIsSafe(n) {
			return n
		}
	}
	return "Memorial"
}

// govHospital returns the usual name of a government hospital below the
// district level in the state's region.
func (s *Synth) govHospital(stateCode string) string {
	switch synthRegion(stateCode) {
	case "tamil", "kannada", "malayalam":
		return synthPick(s, []string{"Taluk Hospital", "Government Hospital", "Government Taluk Hospital"})
	case "telugu":
		return synthPick(s, []string{"Area Hospital", "Government Hospital", "Community Hospital"})
	case "bengal", "odia", "assam":
		return synthPick(s, []string{"Rural Hospital", "Sub-Divisional Hospital", "State General Hospital"})
	}
	return synthPick(s, []string{"Civil Hospital", "Sub-Divisional Hospital", "Government Hospital"})
}

// ayushSystem picks an AYUSH system likely in the state.
func (s *Synth) ayushSystem(stateCode string) string {
	ws := synthWeights{{"ayurveda", 50}, {"homoeopathy", 30}, {"unani", 8}, {"yoga-naturopathy", 7}}
	switch stateCode {
	case "33", "34":
		ws = append(ws, synthChoice{"siddha", 40})
	case "37", "11", "2", "12", "19":
		ws = append(ws, synthChoice{"sowa-rigpa", 15})
	}
	return s.pickW(ws)
}

var synthAyushWord = map[string]string{
	"ayurveda": "Ayurveda", "homoeopathy": "Homoeopathy", "unani": "Unani", "siddha": "Siddha",
	"yoga-naturopathy": "Yoga & Naturopathy", "sowa-rigpa": "Sowa-Rigpa",
}

// facilityName invents a name for the facility.
func (s *Synth) facilityName(f *Facility, loc string) string {
	st := f.Address.StateCode
	for range 50 {
		if name := s.facilityName1(f, loc, st); synthNameIsSafe(name) {
			return name
		}
	}
	return "Health Centre " + loc
}

func (s *Synth) facilityName1(f *Facility, loc, st string) string {
	words := s.cached("words/"+st, func() []string { return synthNameWordsFor(st) })
	word := func() string { return synthPick(s, words) }
	sys := f.Systems[0]
	if f.Ownership == "government" {
		switch f.Type {
		case "sub-centre":
			return synthPick(s, []string{"Sub Centre " + loc, "Ayushman Arogya Mandir, Sub Centre " + loc, "Health and Wellness Centre " + loc})
		case "phc":
			return synthPick(s, []string{"Primary Health Centre " + loc, "Primary Health Centre, " + loc, "Urban Primary Health Centre " + loc, "PHC " + loc})
		case "chc":
			return synthPick(s, []string{"Community Health Centre " + loc, "Community Health Centre, " + loc, "CHC " + loc})
		case "hospital":
			switch f.OwnershipSubType {
			case "railways":
				return "Railway Hospital " + loc
			case "esic":
				return "ESIC Hospital " + loc
			case "armed-forces":
				return "Station Health Organisation " + loc
			case "local-body":
				return synthPick(s, []string{"Municipal Hospital " + loc, "Municipal Maternity Home " + loc})
			}
			return s.govHospital(st) + " " + loc
		case "clinic":
			switch f.OwnershipSubType {
			case "cghs":
				return "CGHS Wellness Centre " + loc
			case "esic":
				return "ESI Dispensary " + loc
			case "local-body":
				return "Municipal Dispensary " + loc
			}
			return "Government Dispensary " + loc
		case "wellness-centre":
			return synthPick(s, []string{"Government " + synthAyushWord[sys] + " Dispensary " + loc, "AYUSH Wellness Centre " + loc})
		case "pharmacy":
			return "Jan Aushadhi Kendra " + loc
		case "blood-bank":
			return "Government Blood Centre " + loc
		case "telemedicine-centre":
			return "Telemedicine Hub " + loc
		case "diagnostic-lab":
			return "Public Health Laboratory " + loc
		case "imaging-centre":
			return "Government Imaging Centre " + loc
		case "dental-clinic":
			return "Government Dental Clinic " + loc
		case "physiotherapy-centre":
			return "Government Physiotherapy Unit " + loc
		case "nursing-home":
			return "Municipal Maternity Home " + loc
		}
		return "Government Health Centre " + loc
	}
	if f.Ownership == "psu" {
		unit := synthPick(s, []string{"Steel Plant", "Coalfields", "Port Trust", "Refinery", "Power Project", "Fertilisers", "Heavy Electricals", "Township"})
		if f.Type == "hospital" {
			return unit + " Hospital " + loc
		}
		return unit + " Dispensary " + loc
	}
	switch f.Type {
	case "hospital":
		if sys != "modern" {
			return word() + " " + synthAyushWord[sys] + " Hospital, " + loc
		}
		return synthPick(s, []string{
			word() + " Hospital, " + loc,
			word() + " Multispeciality Hospital, " + loc,
			s.surname(st) + " Memorial Hospital, " + loc,
			word() + " Children's Hospital, " + loc,
			word() + " Mother and Child Hospital, " + loc,
			loc + " Mission Hospital",
			word() + " Superspeciality Hospital, " + loc,
		})
	case "clinic":
		if sys != "modern" {
			switch sys {
			case "homoeopathy":
				return synthPick(s, []string{word() + " Homoeo Clinic, " + loc, "Dr. " + s.surname(st) + "'s Homoeopathy Clinic, " + loc})
			case "unani":
				return word() + " Unani Dawakhana, " + loc
			case "siddha":
				return word() + " Siddha Vaidhyasalai, " + loc
			}
			return word() + " " + synthAyushWord[sys] + " Clinic, " + loc
		}
		return synthPick(s, []string{
			"Dr. " + s.surname(st) + "'s Clinic, " + loc,
			word() + " Clinic, " + loc,
			s.surname(st) + " Family Clinic, " + loc,
			word() + " Polyclinic, " + loc,
		})
	case "nursing-home":
		return synthPick(s, []string{word() + " Nursing Home, " + loc, s.surname(st) + " Nursing Home, " + loc, word() + " Maternity & Nursing Home, " + loc})
	case "diagnostic-lab":
		return synthPick(s, []string{word() + " Diagnostics, " + loc, word() + " Pathology Laboratory, " + loc, loc + " Diagnostic Centre", word() + " Clinical Laboratory, " + loc})
	case "imaging-centre":
		return synthPick(s, []string{word() + " Scan Centre, " + loc, word() + " Imaging & Diagnostics, " + loc, loc + " Scans"})
	case "pharmacy":
		return synthPick(s, []string{word() + " Medicals, " + loc, s.surname(st) + " Medical Stores, " + loc, word() + " Pharmacy, " + loc, "New " + loc + " Medical Hall"})
	case "blood-bank":
		return synthPick(s, []string{word() + " Blood Centre, " + loc, loc + " Voluntary Blood Bank"})
	case "telemedicine-centre":
		return word() + " Teleconsultation Centre, " + loc
	case "dental-clinic":
		return synthPick(s, []string{word() + " Dental Clinic, " + loc, "Dr. " + s.surname(st) + "'s Dental Clinic, " + loc, word() + " Dental Care, " + loc})
	case "physiotherapy-centre":
		return synthPick(s, []string{word() + " Physiotherapy Centre, " + loc, word() + " Physio & Rehab Clinic, " + loc})
	case "wellness-centre":
		switch sys {
		case "ayurveda":
			return synthPick(s, []string{word() + " Ayurveda Wellness Centre, " + loc, word() + " Panchakarma Centre, " + loc})
		case "yoga-naturopathy":
			return word() + " Yoga & Naturopathy Centre, " + loc
		}
		return word() + " " + synthAyushWord[sys] + " Wellness Centre, " + loc
	}
	return word() + " Health Centre, " + loc
}

// facilityOwnership picks an ownership and sub-type fitting the type.
func (s *Synth) facilityOwnership(typ string) (string, string) {
	gov := func() (string, string) { return "government", "state" }
	priv := func() (string, string) {
		return "private", s.pickW(synthWeights{{"individual", 45}, {"partnership", 20}, {"company", 15}, {"trust", 15}, {"corporate", 5}})
	}
	switch typ {
	case "sub-centre", "phc", "chc", "telemedicine-centre":
		return gov()
	case "hospital":
		switch s.pickW(synthWeights{{"gov", 35}, {"priv", 60}, {"psu", 5}}) {
		case "gov":
			return "government", s.pickW(synthWeights{{"state", 70}, {"local-body", 8}, {"railways", 6}, {"esic", 8}, {"armed-forces", 4}, {"central", 4}})
		case "psu":
			return "psu", s.pickW(synthWeights{{"central-psu", 70}, {"state-psu", 30}})
		}
		return "private", s.pickW(synthWeights{{"trust", 30}, {"company", 30}, {"partnership", 15}, {"individual", 15}, {"corporate", 10}})
	case "clinic":
		if s.chance(0.12) {
			return "government", s.pickW(synthWeights{{"state", 50}, {"cghs", 20}, {"esic", 15}, {"local-body", 15}})
		}
		if s.chance(0.02) {
			return "psu", "central-psu"
		}
		return "private", s.pickW(synthWeights{{"individual", 75}, {"partnership", 15}, {"trust", 10}})
	case "pharmacy":
		if s.chance(0.15) {
			return "government", "central"
		}
		return "private", s.pickW(synthWeights{{"individual", 70}, {"partnership", 20}, {"company", 10}})
	case "blood-bank", "wellness-centre", "diagnostic-lab", "dental-clinic", "physiotherapy-centre", "imaging-centre", "nursing-home":
		p := map[string]float64{"blood-bank": 0.5, "wellness-centre": 0.5, "diagnostic-lab": 0.1, "imaging-centre": 0.08,
			"dental-clinic": 0.05, "physiotherapy-centre": 0.05, "nursing-home": 0.03}[typ]
		if s.chance(p) {
			if typ == "nursing-home" {
				return "government", "local-body"
			}
			return gov()
		}
	}
	return priv()
}

var synthTypeSpecialities = map[string][]string{
	"hospital":             {"general-medicine", "general-surgery", "obstetrics-gynaecology", "paediatrics", "orthopaedics", "anaesthesiology", "emergency-medicine", "ophthalmology", "ent", "dermatology", "psychiatry", "radiology", "pathology", "cardiology", "nephrology", "dialysis", "critical-care", "pulmonology", "urology", "neurology", "gastroenterology", "oncology", "endocrinology"},
	"chc":                  {"general-medicine", "general-surgery", "obstetrics-gynaecology", "paediatrics", "anaesthesiology"},
	"phc":                  {"general-medicine", "community-medicine", "obstetrics-gynaecology"},
	"sub-centre":           {"community-medicine"},
	"clinic":               {"general-medicine", "family-medicine", "paediatrics", "dermatology", "ent", "ophthalmology", "obstetrics-gynaecology", "psychiatry", "endocrinology"},
	"nursing-home":         {"obstetrics-gynaecology", "general-surgery", "general-medicine", "paediatrics"},
	"diagnostic-lab":       {"pathology"},
	"imaging-centre":       {"radiology"},
	"blood-bank":           {"pathology"},
	"telemedicine-centre":  {"general-medicine", "family-medicine"},
	"dental-clinic":        {"dentistry"},
	"physiotherapy-centre": {"physiotherapy"},
}

var synthTypeServices = map[string][]string{
	"hospital":             {"24x7 emergency", "OPD", "IPD", "ICU", "Operation theatre", "Labour room", "X-ray", "Ultrasound", "Pharmacy", "Ambulance", "Blood storage", "Dialysis", "CT scan", "Laboratory"},
	"chc":                  {"24x7 emergency", "OPD", "IPD", "Labour room", "Immunisation", "X-ray", "Laboratory", "Ambulance", "TB DOTS centre", "NCD screening"},
	"phc":                  {"OPD", "Immunisation", "Antenatal care", "Family planning", "Laboratory", "NCD screening", "TB DOTS centre", "Teleconsultation", "Free medicines"},
	"sub-centre":           {"Immunisation", "Antenatal care", "Family planning", "NCD screening", "Teleconsultation", "Health education", "Free medicines"},
	"clinic":               {"OPD", "Teleconsultation", "Minor procedures", "Vaccination", "Health check-ups"},
	"nursing-home":         {"IPD", "Labour room", "Operation theatre", "OPD", "Pharmacy"},
	"diagnostic-lab":       {"Blood tests", "Home sample collection", "Urine tests", "Thyroid profile", "HbA1c", "Online reports"},
	"imaging-centre":       {"X-ray", "Ultrasound", "CT scan", "MRI", "Mammography", "ECG"},
	"pharmacy":             {"Home delivery", "Generic medicines", "Surgical items", "Open late"},
	"blood-bank":           {"Whole blood", "Component separation", "Blood donation camps", "24x7 issue"},
	"telemedicine-centre":  {"Teleconsultation", "Specialist referral", "e-Prescriptions"},
	"dental-clinic":        {"Root canal treatment", "Extraction", "Dental implants", "Orthodontics", "Scaling"},
	"physiotherapy-centre": {"Sports injury rehabilitation", "Post-operative rehabilitation", "Home visits", "Pain management"},
	"wellness-centre":      {"OPD", "Panchakarma", "Yoga sessions", "Herbal medicines", "Diet counselling"},
}

var synthTypeTimings = map[string][]string{
	"hospital":             {"24x7"},
	"chc":                  {"24x7"},
	"nursing-home":         {"24x7"},
	"blood-bank":           {"24x7"},
	"phc":                  {"Mon-Sat 09:00-16:00", "24x7"},
	"sub-centre":           {"Mon-Sat 09:00-16:00", "Mon-Sat 09:00-13:00"},
	"clinic":               {"Mon-Sat 10:00-13:00, 17:00-21:00", "Mon-Sat 09:00-14:00", "Daily 18:00-21:30"},
	"pharmacy":             {"Daily 08:00-22:00", "Daily 09:00-23:00", "24x7"},
	"diagnostic-lab":       {"Mon-Sat 07:00-20:00", "Daily 07:00-21:00"},
	"imaging-centre":       {"Mon-Sat 08:00-20:00"},
	"telemedicine-centre":  {"Mon-Sat 09:00-17:00"},
	"dental-clinic":        {"Mon-Sat 10:00-14:00, 17:00-20:30"},
	"physiotherapy-centre": {"Mon-Sat 07:00-12:00, 16:00-20:00"},
	"wellness-centre":      {"Mon-Sat 09:00-16:00"},
}

// sample returns up to n distinct values of list in list order.
func (s *Synth) sample(list []string, n int) []string {
	if n >= len(list) {
		return slices.Clone(list)
	}
	idx := s.rng.Perm(len(list))[:n]
	slices.Sort(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

// landline returns an 11-digit landline number: 0, an STD code, the
// subscriber number.
func (s *Synth) landline() string {
	std := s.digits(2+s.intn(3), '1')
	return "0" + std + s.digits(10-len(std), '2')
}

func (s *Synth) mobile() string { return s.digits(10, '6') }

// synthSlug turns text into a lowercase ASCII slug: its words of letters
// and digits joined by sep, at most maxLen bytes.
func synthSlug(text, sep string, maxLen int) string {
	words := strings.FieldsFunc(synthFold(text), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	out := strings.Join(words, sep)
	if len(out) > maxLen {
		out = strings.TrimRight(out[:maxLen], sep)
	}
	return out
}

// synthFold lower-cases s and drops accents from the Latin letters the
// name lists use (Kevichüsa → kevichusa); other characters stay.
func synthFold(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		switch r {
		case 'ü', 'ú', 'ù', 'û':
			return 'u'
		case 'é', 'è', 'ê', 'ë':
			return 'e'
		case 'á', 'à', 'â', 'ä', 'ā':
			return 'a'
		case 'í', 'ì', 'î', 'ï':
			return 'i'
		case 'ó', 'ò', 'ô', 'ö':
			return 'o'
		}
		return r
	}, s)
}

// Facility returns a valid, VERIFIED facility with a new ID, in a state
// drawn by population and district count, in a random district of it, at
// a point within 15 km of the district's PIN location.
func (s *Synth) Facility() *Facility {
	st := s.pickState()
	return s.facility(st.Code, s.district(st.Code))
}

// FacilityInDistrict is Facility in the given district (LGD codes; "01" is
// read as "1"). It returns nil for an unknown state or a district not of
// that state.
func (s *Synth) FacilityInDistrict(stateCode, districtCode string) *Facility {
	d, ok := india.DistrictByCode(trimZeros(stateCode), trimZeros(districtCode))
	if !ok {
		return nil
	}
	return s.facility(d.StateCode, d)
}

func (s *Synth) facility(st string, d india.District) *Facility {
	f := &Facility{Type: s.pickW(synthTypeWeights), Status: StatusVerified}
	f.Ownership, f.OwnershipSubType = s.facilityOwnership(f.Type)
	switch {
	case f.Type == "wellness-centre":
		f.Systems = []string{s.ayushSystem(st)}
	case f.Type == "clinic" && s.chance(0.22), f.Type == "hospital" && f.Ownership == "private" && s.chance(0.06):
		f.Systems = []string{s.ayushSystem(st)}
	case (f.Type == "phc" || f.Type == "chc" || f.Type == "hospital" && f.Ownership == "government") && s.chance(0.3):
		f.Systems = []string{"modern", s.ayushSystem(st)} // an AYUSH wing
	default:
		f.Systems = []string{"modern"}
	}
	loc := s.locality(st)
	f.Address = Address{
		City:         d.Name,
		StateCode:    st,
		DistrictCode: d.Code,
		PIN:          d.Pincode,
	}
	switch f.Type {
	case "sub-centre", "phc", "chc":
		f.Address.Line = synthPick(s, []string{"Near Panchayat Office", "Near Bus Stand", "Opposite Government School", "Near Post Office", "Main Road"}) + ", " + loc
	default:
		f.Address.Line = strconv.Itoa(1+s.intn(400)) + ", " + synthPick(s, synthStreets) + ", " + loc
	}
	f.Name = s.facilityName(f, loc)
	f.Lat, f.Lon = s.near(d.Lat, d.Lon, 15)
	if f.Type == "clinic" || f.Type == "pharmacy" || f.Type == "dental-clinic" || f.Type == "physiotherapy-centre" || s.chance(0.2) {
		f.Phone = s.mobile()
	} else {
		f.Phone = s.landline()
	}
	if s.chance(0.08) {
		f.Phone = "" // no public number
	}
	switch {
	case f.Ownership == "government" && s.chance(0.3):
		f.Email = synthSlug(f.Type+" "+loc, ".", 40) + "@health.example"
	case f.Ownership != "government" && s.chance(0.45):
		site := synthSlug(f.Name, "-", 50)
		f.Email = "info@" + site + ".example"
		if f.Type == "hospital" || f.Type == "diagnostic-lab" || f.Type == "imaging-centre" || s.chance(0.3) {
			f.Website = "https://www." + site + ".example"
		}
	}
	if sp := synthTypeSpecialities[f.Type]; len(sp) > 0 {
		n := 1
		switch f.Type {
		case "hospital":
			n = 3 + s.intn(10)
		case "chc", "nursing-home", "phc":
			n = 2 + s.intn(2)
		}
		f.Specialities = s.sample(sp, n)
	}
	if f.Systems[0] != "modern" {
		f.Specialities = nil
		if f.Systems[0] == "ayurveda" {
			f.Specialities = s.sample([]string{"panchakarma", "kayachikitsa"}, 1+s.intn(2))
		}
	}
	if sv := synthTypeServices[f.Type]; f.Systems[0] != "modern" {
		f.Services = s.sample(synthTypeServices["wellness-centre"], 2+s.intn(3))
	} else if len(sv) > 0 {
		f.Services = s.sample(sv, min(len(sv), 2+s.intn(4)))
	}
	switch f.Type {
	case "hospital":
		if f.Ownership == "government" {
			f.Beds = 50 + 10*s.intn(26)
		} else {
			f.Beds = 20 + 5*s.intn(47)
		}
	case "chc":
		f.Beds = 30
	case "phc":
		f.Beds = 6
	case "nursing-home":
		f.Beds = 5 + s.intn(36)
	case "wellness-centre":
		if s.chance(0.2) {
			f.Beds = 10 + s.intn(16)
		}
	}
	f.Timings = synthPick(s, synthTypeTimings[f.Type])
	if s.chance(map[bool]float64{true: 0.55, false: 0.3}[f.Ownership == "government"]) {
		f.ABDMEnabled = true
		f.ABDMRoles = []string{"HIP"}
		switch f.Type {
		case "hospital", "clinic", "phc", "chc", "nursing-home", "telemedicine-centre":
			if s.chance(0.45) {
				f.ABDMRoles = append(f.ABDMRoles, "HIU")
			}
		}
	}
	if f.Type == "pharmacy" {
		f.DrugLicence = synthStateAbbr[st] + "-" + synthPick(s, []string{"20B", "21B", "20", "21"}) + "-" + s.digits(6, '1')
	}
	f.ID = s.facilityID(st)
	if len(s.known) < synthMaxKnown {
		s.known[f.ID] = synthFacility{district: d.Code, typ: f.Type, system: f.Systems[0], lat: f.Lat, lon: f.Lon}
	}
	return f
}

// feistel permutes [0, half²) with a 4-round Feistel network on the
// decimal halves of x, keyed by key: a bijection that scatters
// neighbouring inputs over the whole range.
func feistel(x, half, key uint64) uint64 {
	a, b := x/half, x%half
	for r := uint64(0); r < 4; r++ {
		a, b = b, (a+synthMix(b^key^r<<56)%half)%half
	}
	return a*half + b
}

// unfeistel inverts feistel.
func unfeistel(y, half, key uint64) uint64 {
	a, b := y/half, y%half
	for r := uint64(4); r > 0; r-- {
		a, b = (b+half-synthMix(a^key^(r-1)<<56)%half)%half, a
	}
	return a*half + b
}

// Facility IDs: the 8 digits are a per-state permutation of
// count*100 + tag, so a Synth never repeats one and Synths with different
// tags never share one; past a million per state they are drawn at random
// from the numbers the sequence would not give.
const (
	synthFacHalf = 10_000
	synthFacMod  = synthFacHalf * synthFacHalf
)

func (s *Synth) facilityID(state string) string {
	n := s.facN[state]
	s.facN[state] = n + 1
	key, _ := strconv.ParseUint(state, 10, 64)
	key = synthMix(key + 0xfac)
	var v uint64
	if n < synthFacMod/100 {
		v = feistel(n*100+s.facTag, synthFacHalf, key)
	} else {
		for {
			v = s.rng.Uint64N(synthFacMod)
			if unfeistel(v, synthFacHalf, key)%100 != s.facTag && !s.facExtra[state+"/"+strconv.FormatUint(v, 10)] {
				s.facExtra[state+"/"+strconv.FormatUint(v, 10)] = true
				break
			}
		}
	}
	if len(state) == 1 {
		state = "0" + state
	}
	num := strconv.FormatUint(v, 10)
	return "IN" + state + strings.Repeat("0", 8-len(num)) + num
}

// HPR numbers: 7 or 8, twelve digits (a permutation of count*1000 + tag),
// a Luhn check digit.
const synthHPRHalf = 1_000_000

func (s *Synth) hprID() string {
	v := feistel(s.hprN*1000+s.hprTag, synthHPRHalf, 0x4b9)
	s.hprN++
	num := strconv.FormatUint(v, 10)
	body := strconv.Itoa(7+s.intn(2)) + strings.Repeat("0", 12-len(num)) + num
	return body + string(rune('0'+checkdigit.Luhn(body)))
}

// ---- professionals ----

var synthCategoryWeights = synthWeights{
	{"doctor", 30}, {"nurse", 24}, {"asha", 14}, {"pharmacist", 8}, {"anm", 6}, {"dentist", 3},
	{"lab-technician", 3}, {"physiotherapist", 2}, {"allied-health", 2}, {"community-health-officer", 3},
	{"multipurpose-worker", 3}, {"radiographer", 1}, {"midwife", 1},
}

// synthWorkplaces are the facility types each category usually works at.
var synthWorkplaces = map[string][]string{
	"asha":                     {"sub-centre", "phc"},
	"anm":                      {"sub-centre", "phc", "chc"},
	"multipurpose-worker":      {"sub-centre", "phc"},
	"community-health-officer": {"sub-centre", "phc"},
	"pharmacist":               {"pharmacy", "hospital", "chc"},
	"lab-technician":           {"diagnostic-lab", "hospital", "chc", "phc", "blood-bank"},
	"radiographer":             {"imaging-centre", "hospital"},
	"dentist":                  {"dental-clinic", "hospital"},
	"physiotherapist":          {"physiotherapy-centre", "hospital"},
	"doctor":                   {"hospital", "clinic", "phc", "chc", "nursing-home", "wellness-centre", "telemedicine-centre"},
	"nurse":                    {"hospital", "chc", "phc", "nursing-home"},
	"midwife":                  {"hospital", "chc", "phc", "nursing-home"},
	"allied-health":            {"hospital", "diagnostic-lab", "imaging-centre"},
}

// synthStateLanguages lists the languages of each state, the main one first.
var synthStateLanguages = map[string][]string{
	"1": {"ks", "ur", "doi", "hi"}, "2": {"hi"}, "3": {"pa", "hi"}, "4": {"hi", "pa"}, "5": {"hi"}, "6": {"hi"},
	"7": {"hi", "pa", "ur"}, "8": {"hi"}, "9": {"hi", "ur"}, "10": {"hi", "mai", "ur"}, "11": {"ne", "hi"},
	"12": {"hi"}, "13": {"en", "hi"}, "14": {"mni"}, "15": {"en"}, "16": {"bn"}, "17": {"en"},
	"18": {"as", "bn", "brx"}, "19": {"bn", "hi", "ne"}, "20": {"hi", "sat"}, "21": {"or", "hi"}, "22": {"hi"},
	"23": {"hi"}, "24": {"gu", "hi"}, "27": {"mr", "hi"}, "28": {"te", "ur"}, "29": {"kn", "hi"},
	"30": {"kok", "mr"}, "31": {"ml"}, "32": {"ml"}, "33": {"ta"}, "34": {"ta", "ml"}, "35": {"hi", "bn", "ta"},
	"36": {"te", "ur", "hi"}, "37": {"hi"}, "38": {"gu", "hi"},
}

// synthUniversities are health-science universities of some states.
var synthUniversities = map[string][]string{
	"29": {"Rajiv Gandhi University of Health Sciences"},
	"28": {"Dr. NTR University of Health Sciences"},
	"36": {"Kaloji Narayana Rao University of Health Sciences", "Osmania University"},
	"33": {"The Tamil Nadu Dr. M.G.R. Medical University"},
	"34": {"Pondicherry University"},
	"27": {"Maharashtra University of Health Sciences"},
	"32": {"Kerala University of Health Sciences", "University of Kerala"},
	"19": {"The West Bengal University of Health Sciences", "University of Calcutta"},
	"8":  {"Rajasthan University of Health Sciences"},
	"3":  {"Baba Farid University of Health Sciences"},
	"6":  {"Pt. B.D. Sharma University of Health Sciences"},
	"18": {"Srimanta Sankaradeva University of Health Sciences", "Gauhati University"},
	"23": {"Madhya Pradesh Medical Science University"},
	"24": {"Gujarat University"},
	"7":  {"University of Delhi"},
	"9":  {"Banaras Hindu University", "University of Lucknow", "Aligarh Muslim University"},
	"10": {"Aryabhatta Knowledge University"},
	"21": {"Utkal University"},
	"1":  {"University of Kashmir", "University of Jammu"},
	"20": {"Ranchi University"},
	"30": {"Goa University"},
	"17": {"North-Eastern Hill University"},
	"14": {"Manipur University"},
}

var synthOtherUniversities = []string{"University of Delhi", "Banaras Hindu University", "Gauhati University", "University of Calcutta", "Rajiv Gandhi University of Health Sciences", "Maharashtra University of Health Sciences"}

// synthNationalCouncilStates are the UTs whose professionals register with
// the national body.
var synthNationalCouncilStates = []string{"4", "31", "35", "37", "38"}

// synthCouncil names the registration council of a category and system in a
// state.
func synthCouncil(category, system, stateCode string) string {
	national := slices.Contains(synthNationalCouncilStates, stateCode)
	st, _ := india.StateByCode(stateCode)
	name := st.Name
	switch category {
	case "doctor":
		switch system {
		case "modern":
			if national {
				return "National Medical Commission"
			}
			if stateCode == "32" {
				return "Travancore-Cochin Medical Council"
			}
			return name + " Medical Council"
		case "homoeopathy":
			if national {
				return "National Commission for Homoeopathy"
			}
			return name + " Homoeopathic Medical Council"
		}
		if national {
			return "National Commission for Indian System of Medicine"
		}
		return name + " Board of Indian Medicine"
	case "nurse", "midwife", "anm":
		if national {
			return "Indian Nursing Council"
		}
		return name + " Nursing Council"
	case "pharmacist":
		if national {
			return "Pharmacy Council of India"
		}
		return name + " Pharmacy Council"
	case "dentist":
		if national {
			return "Dental Council of India"
		}
		return name + " Dental Council"
	}
	if national {
		return "National Commission for Allied and Healthcare Professions"
	}
	return name + " Allied and Healthcare Council"
}

// synthInitials of a council name: "Karnataka Medical Council" → "KMC".
func synthInitials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		switch w {
		case "of", "and", "for", "the", "The":
			continue
		}
		if c := w[0]; c >= 'A' && c <= 'Z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Postgraduate degrees of modern-medicine doctors and their speciality;
// super-speciality ones follow an MD in general medicine or an MS in
// general surgery.
var synthPGDegrees = []struct{ degree, speciality string }{
	{"MD (General Medicine)", "general-medicine"}, {"MS (General Surgery)", "general-surgery"},
	{"MD (Paediatrics)", "paediatrics"}, {"MS (Obstetrics & Gynaecology)", "obstetrics-gynaecology"},
	{"MS (Orthopaedics)", "orthopaedics"}, {"MD (Anaesthesiology)", "anaesthesiology"},
	{"MD (Radiodiagnosis)", "radiology"}, {"MD (Pathology)", "pathology"}, {"MD (Psychiatry)", "psychiatry"},
	{"MD (Dermatology, Venereology & Leprosy)", "dermatology"}, {"MS (Ophthalmology)", "ophthalmology"},
	{"MS (ENT)", "ent"}, {"MD (Community Medicine)", "community-medicine"}, {"DNB (Family Medicine)", "family-medicine"},
	{"MD (Emergency Medicine)", "emergency-medicine"}, {"MD (Respiratory Medicine)", "pulmonology"},
}

var synthSuperDegrees = []struct{ degree, speciality string }{
	{"DM (Cardiology)", "cardiology"}, {"DM (Neurology)", "neurology"}, {"DM (Nephrology)", "nephrology"},
	{"DM (Gastroenterology)", "gastroenterology"}, {"DM (Endocrinology)", "endocrinology"},
	{"DM (Medical Oncology)", "oncology"}, {"DM (Pulmonary, Critical Care and Sleep Medicine)", "critical-care"},
}

var synthFirstDegree = map[string]string{
	"ayurveda": "BAMS", "homoeopathy": "BHMS", "unani": "BUMS", "siddha": "BSMS",
	"yoga-naturopathy": "BNYS", "sowa-rigpa": "BSRMS", "modern": "MBBS",
}

// Professional returns a valid, VERIFIED professional with a new HPR
// number and handle. With facility IDs, they work at one or two of them
// (the second of the same state; types suiting the category preferred,
// among the facilities this Synth made) and live in the first one's state,
// near it when this Synth made it. Without, the state is drawn as for
// facilities. The slice should not change between calls: it is indexed
// once.
func (s *Synth) Professional(facilityIDs []string) *Professional {
	p := &Professional{Category: s.pickW(synthCategoryWeights), Status: StatusVerified}
	var (
		st, district string
		known        synthFacility
		haveKnown    bool
	)
	if ids, valid := s.indexIDs(facilityIDs); ids != nil {
		first := synthPick(s, valid)
		st = trimZeros(first[2:4])
		same := ids[st]
		want := synthWorkplaces[p.Category]
		for try := 0; try < 6; try++ {
			if k, ok := s.known[first]; ok && slices.Contains(want, k.typ) {
				break
			}
			first = synthPick(s, same)
		}
		p.Facilities = []string{first}
		if len(same) > 1 && s.chance(0.3) {
			if second := synthPick(s, same); second != first {
				p.Facilities = append(p.Facilities, second)
			}
		}
		known, haveKnown = s.known[first]
	}
	if st == "" {
		st = s.pickState().Code
	}
	var lat, lon float64
	if haveKnown {
		district = known.district
		lat, lon = s.near(known.lat, known.lon, 5)
	} else {
		d := s.district(st)
		district = d.Code
		lat, lon = s.near(d.Lat, d.Lon, 15)
	}
	dist, _ := india.DistrictByCode(st, district)
	p.Address = Address{
		Line:         "H.No. " + strconv.Itoa(1+s.intn(300)) + ", " + synthPick(s, synthStreets) + ", " + s.locality(st),
		City:         dist.Name,
		StateCode:    st,
		DistrictCode: district,
		PIN:          dist.Pincode,
	}
	p.Lat, p.Lon = lat, lon

	switch p.Category {
	case "asha", "anm", "midwife":
		p.Gender = "F"
	case "nurse":
		p.Gender = s.pickW(synthWeights{{"F", 85}, {"M", 15}})
	default:
		p.Gender = s.pickW(synthWeights{{"M", 520}, {"F", 475}, {"O", 5}})
	}
	first := synthPick(s, s.firstNames(st, p.Gender))
	last := synthPick(s, s.lastNames(st))
	p.Name = first + " " + last
	s.professionalWork(p, known, haveKnown)
	p.Languages = s.languages(st, p.Category)
	p.Phone = s.mobile()
	p.ID = s.hprID()
	p.Handle = s.handle(first, last)
	if s.chance(0.4) {
		p.Email = p.Handle + "@mail.example"
	}
	return p
}

// indexIDs returns the well-formed facility IDs of ids by state and in
// all, indexing them when the slice is new; nil for none.
func (s *Synth) indexIDs(ids []string) (map[string][]string, []string) {
	if len(ids) == 0 {
		return nil, nil
	}
	if s.idsFirst == &ids[0] && s.idsLen == len(ids) {
		return s.idsState, s.idsValid
	}
	m := map[string][]string{}
	var valid []string
	for _, id := range ids {
		if ValidFacilityID(id) {
			st := trimZeros(id[2:4])
			m[st] = append(m[st], id)
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		m = nil
	}
	s.idsFirst, s.idsLen, s.idsState, s.idsValid = &ids[0], len(ids), m, valid
	return m, valid
}

// professionalWork fills system, council, registration, qualifications and
// specialities.
func (s *Synth) professionalWork(p *Professional, known synthFacility, haveKnown bool) {
	st := p.Address.StateCode
	year := 1985 + s.intn(synthMaxYear-1985)
	univ := func() string {
		if us, ok := synthUniversities[st]; ok && s.chance(0.8) {
			return synthPick(s, us)
		}
		return synthPick(s, synthOtherUniversities)
	}
	add := func(degree string, y int) {
		p.Qualifications = append(p.Qualifications, Qualification{Degree: degree, University: univ(), Year: y})
	}
	addTraining := func(degree, by string, y int) {
		p.Qualifications = append(p.Qualifications, Qualification{Degree: degree, University: by, Year: y})
	}
	switch p.Category {
	case "doctor":
		p.System = "modern"
		if haveKnown && known.system != "modern" {
			p.System = known.system
		} else if s.chance(0.18) {
			p.System = s.ayushSystem(st)
		}
		add(synthFirstDegree[p.System], year)
		if p.System == "modern" {
			if y := year + 3 + s.intn(3); y <= synthMaxYear && s.chance(0.55) {
				pg := synthPick(s, synthPGDegrees)
				add(pg.degree, y)
				p.Specialities = []string{pg.speciality}
				if y2 := y + 3 + s.intn(2); y2 <= synthMaxYear && pg.speciality == "general-medicine" && s.chance(0.3) {
					sd := synthPick(s, synthSuperDegrees)
					add(sd.degree, y2)
					p.Specialities = []string{sd.speciality}
				}
			} else {
				p.Specialities = []string{synthPick(s, []string{"general-medicine", "family-medicine"})}
			}
		} else if p.System == "ayurveda" {
			if y := year + 3 + s.intn(3); y <= synthMaxYear && s.chance(0.35) {
				sp := synthPick(s, []string{"kayachikitsa", "panchakarma"})
				add("MD (Ayurveda) "+map[string]string{"kayachikitsa": "Kayachikitsa", "panchakarma": "Panchakarma"}[sp], y)
				p.Specialities = []string{sp}
			}
		}
	case "nurse":
		p.System = "modern"
		add(synthPick(s, []string{"B.Sc Nursing", "GNM", "GNM", "Post Basic B.Sc Nursing"}), year)
		if s.chance(0.2) {
			p.Specialities = []string{synthPick(s, []string{"critical-care", "obstetrics-gynaecology", "paediatrics", "emergency-medicine"})}
		}
	case "midwife":
		add(synthPick(s, []string{"Nurse Practitioner in Midwifery", "GNM"}), max(year, 2000))
		p.Specialities = []string{"obstetrics-gynaecology"}
	case "pharmacist":
		p.System = "modern"
		if s.chance(0.08) {
			p.System = "ayurveda"
		}
		add(synthPick(s, []string{"D.Pharm", "B.Pharm", "B.Pharm", "M.Pharm"}), year)
	case "dentist":
		add("BDS", year)
		p.Specialities = []string{"dentistry"}
		if y := year + 3 + s.intn(2); y <= synthMaxYear && s.chance(0.3) {
			add(synthPick(s, []string{"MDS (Orthodontics)", "MDS (Conservative Dentistry and Endodontics)", "MDS (Oral and Maxillofacial Surgery)", "MDS (Periodontology)"}), y)
		}
	case "physiotherapist":
		add("BPT", year)
		p.Specialities = []string{"physiotherapy"}
	case "allied-health":
		add(synthPick(s, []string{"B.Sc Medical Laboratory Technology", "B.Sc Optometry", "B.Sc Dialysis Technology", "B.Sc Operation Theatre Technology"}), year)
	case "anm":
		addTraining("ANM", "", year)
	case "lab-technician":
		addTraining("DMLT", "", year)
	case "radiographer":
		addTraining("Diploma in Radiography", "", year)
	case "community-health-officer":
		y := min(year+10, synthMaxYear-1)
		add("B.Sc Nursing", y)
		addTraining("Certificate in Community Health", "Indira Gandhi National Open University", min(y+1+s.intn(3), synthMaxYear))
	case "multipurpose-worker":
		if s.chance(0.5) {
			addTraining("Multipurpose Health Worker Training", "", year)
		}
	}
	if slices.Contains(HealthWorkerCategories, p.Category) && p.Category != "anm" {
		return // no synthCouncil registration
	}
	p.Council = synthCouncil(p.Category, p.System, st)
	p.RegistrationNumber = synthInitials(p.Council) + "-" + s.digits(5+s.intn(2), '1')
}

// languages returns the languages of a professional of the category in
// the state: the state's main language, perhaps others of it, and English
// for most but grassroots workers.
func (s *Synth) languages(st, category string) []string {
	ls := synthStateLanguages[st]
	out := []string{ls[0]}
	for _, l := range ls[1:] {
		if s.chance(0.35) {
			out = append(out, l)
		}
	}
	pEnglish := 0.9
	switch category {
	case "asha", "anm", "multipurpose-worker":
		pEnglish = 0.15
	case "nurse", "lab-technician", "community-health-officer":
		pEnglish = 0.6
	}
	if !slices.Contains(out, "en") && s.chance(pEnglish) {
		out = append(out, "en")
	}
	if !slices.Contains(out, "hi") && s.chance(0.15) {
		out = append(out, "hi")
	}
	return out
}

// handle returns a new handle: first.last, the Synth's count, the Synth's
// three-letter tag; at most 32 characters.
func (s *Synth) handle(first, last string) string {
	s.handleN++
	suffix := strconv.FormatUint(s.handleN, 10) + s.handleTag
	base := synthSlug(first, "", 16)
	if l := synthSlug(last, "", 16); l != "" {
		if base != "" {
			base += "."
		}
		base += l
	}
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "hpr" + base
	}
	if len(base)+len(suffix) > 32 {
		base = strings.TrimRight(base[:32-len(suffix)], "._")
	}
	return base + suffix
}
