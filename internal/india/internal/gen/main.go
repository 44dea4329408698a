// Command gen builds internal/india/data/district_pins.csv: one plausible
// real PIN code (with its mean latitude and longitude) for every LGD
// district, taken from the GeoNames postal-code summary in
// shared/reference/india.
//
// A district's PIN is the PIN with the most places among those whose main
// GeoNames district matches the LGD district name within the same state
// (names compared after normalising case, punctuation and a few known
// renames). If no PIN matches, PINs listing the district among their other
// districts are tried, then the state's busiest PIN is used.
//
// Run it with go generate from internal/india.
package main

import (
	"cmp"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/hbollon/go-edlib"
)

type pin struct {
	code, state, district string
	others                []string
	lat, lon              string
	places                int
}

// aliases maps a normalised LGD district name to the normalised names
// GeoNames may use for (part of) the same district.
var aliases = map[string][]string{
	"gurugram":                 {"gurgaon"},
	"nuh":                      {"mewat"},
	"prayagraj":                {"allahabad"},
	"ayodhya":                  {"faizabad"},
	"ysrkadapa":                {"cuddapah", "kadapa"},
	"ysr":                      {"cuddapah", "kadapa"},
	"sribalajisrikalahasti":    {"chittoor"},
	"sripottisriramulunellore": {"nellore"},
	"spsrnellore":              {"nellore"},
	"bengaluruurban":           {"bangalore", "bangaloreurban"},
	"bengalururural":           {"bangalorerural"},
	"mysuru":                   {"mysore"},
	"belagavi":                 {"belgaum"},
	"kalaburagi":               {"gulbarga"},
	"vijayapura":               {"bijapur"},
	"shivamogga":               {"shimoga"},
	"ballari":                  {"bellary"},
	"tumakuru":                 {"tumkur"},
	"mangaluru":                {"dakshinakannada"},
	"chikkamagaluru":           {"chikmagalur"},
	"hyderabad":                {"hyderabad"},
	"rangareddy":               {"kvrangareddy", "rangareddi"},
	"thiruvananthapuram":       {"trivandrum"},
	"kasaragod":                {"kasargod"},
	"puducherry":               {"pondicherry"},
	"lehladakh":                {"leh"},
	"kamrup":                   {"kamrup"},
	"kamrupmetro":              {"kamrupmetropolitan", "kamrup"},
	"mumbai":                   {"mumbai", "mumbaicity"},
	"mumbaisuburban":           {"mumbaisuburban", "mumbai"},
	"kolkata":                  {"kolkata"},
	"chandigarh":               {"chandigarh"},
	"pashchimchamparan":        {"westchamparan"},
	"purbichamparan":           {"eastchamparan"},
	"dakshindinajpur":          {"southdinajpur"},
	"uttardinajpur":            {"northdinajpur"},
	"purbamedinipur":           {"eastmidnapore"},
	"paschimmedinipur":         {"westmidnapore"},
	"sasnagar":                 {"mohali"},
	"shahidbhagatsinghnagar":   {"nawanshahr"},
	"saraikelakharsawan":       {"seraikelakharsawan"},
	"korea":                    {"koriya"},
	"ahilyanagar":              {"ahmednagar"},
	"chhatrapatisambhajinagar": {"aurangabad"},
	"dharashiv":                {"osmanabad"},
	"raigad":                   {"raigarhmh", "raigarh"},
	"narmadapuram":             {"hoshangabad"},
	"hanumakonda":              {"warangal"},
	"ntr":                      {"krishna"},
	"vijayanagara":             {"bellary"},
	"medchalmalkajgiri":        {"kvrangareddy"},
}

func main() {
	ref := flag.String("ref", "../../../shared/reference/india", "folder holding the reference CSV files")
	out := flag.String("out", "data/district_pins.csv", "output file")
	flag.Parse()
	if err := run(*ref, *out); err != nil {
		log.Fatal(err)
	}
}

var verbose = flag.Bool("v", false, "log districts that fell back to a state PIN")

func run(ref, out string) error {
	districts, err := readCSV(ref + "/lgd_districts.csv")
	if err != nil {
		return err
	}
	summary, err := readCSV(ref + "/pincode_district_summary.csv")
	if err != nil {
		return err
	}
	byState := map[string][]pin{}
	for _, r := range summary[1:] {
		n, _ := strconv.Atoi(r[7])
		p := pin{code: r[0], state: r[2], district: norm(r[3]), lat: r[5], lon: r[6], places: n}
		for o := range strings.SplitSeq(r[4], ";") {
			if o = norm(o); o != "" {
				p.others = append(p.others, o)
			}
		}
		byState[p.state] = append(byState[p.state], p)
	}
	for _, ps := range byState {
		// Busiest first, then lowest PIN: the choice is deterministic.
		slices.SortFunc(ps, func(a, b pin) int {
			return cmp.Or(cmp.Compare(b.places, a.places), cmp.Compare(a.code, b.code))
		})
	}

	geo, err := readCSV(ref + "/pincodes_geonames_in.csv")
	if err != nil {
		return err
	}
	// places[state][name] lists the PINs of places and sub-districts so named.
	places := map[string]map[string][]string{}
	stateCodes := map[string]string{}
	for _, r := range summary[1:] {
		stateCodes[r[0]] = r[2]
	}
	for _, r := range geo[1:] {
		st := stateCodes[r[0]]
		if places[st] == nil {
			places[st] = map[string][]string{}
		}
		for _, n := range []string{norm(r[1]), norm(r[5])} {
			if n != "" && !slices.Contains(places[st][n], r[0]) {
				places[st][n] = append(places[st][n], r[0])
			}
		}
	}
	stateNames := map[string]string{}
	for _, r := range districts[1:] {
		stateNames[r[0]] = norm(r[1])
	}

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"state_code", "district_code", "pincode", "lat", "lon"})
	var counts [byFallback + 1]int
	for _, r := range districts[1:] {
		state, code := r[0], r[2]
		p, how := choose(byState[state], places[state], stateNames[state], r[3])
		if how >= byPlace && *verbose {
			log.Printf("kind %d: %s %s %s -> %s %s", how, state, code, r[3], p.code, p.district)
		}
		counts[how]++
		w.Write([]string{state, code, p.code, p.lat, p.lon})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	log.Printf("districts matched: %d by name, %d by other district, %d by variant, %d by place, %d state fallback",
		counts[byName], counts[byOther], counts[byVariant], counts[byPlace], counts[byFallback])
	return f.Close()
}

// Match kinds, from best to worst.
const (
	byName     = iota // main GeoNames district of the PIN
	byOther           // another district of the PIN
	byVariant         // containment or a close spelling
	byPlace           // a place or sub-district of the PIN bears the name
	byFallback        // the state's busiest PIN
)

// choose picks the PIN for a district: ps are the state's PINs, busiest
// first; places maps a normalised place or sub-district name to its PINs.
func choose(ps []pin, places map[string][]string, stateNorm, raw string) (pin, int) {
	name := norm(raw)
	if len(ps) == 0 {
		return pin{}, byFallback
	}
	names := append([]string{name}, aliases[name]...)
	for _, p := range ps {
		if slices.Contains(names, p.district) || slices.Contains(names, strings.ReplaceAll(p.district, stateNorm, "")) {
			return p, byName
		}
	}
	for _, p := range ps {
		for _, o := range p.others {
			if slices.Contains(names, o) {
				return p, byOther
			}
		}
	}
	// "Khandwa (East Nimar)" contains "East Nimar"; "Sonepur" is spelt "Sonapur".
	best, bestScore := -1, 0.0
	for i, p := range ps {
		d := p.district
		if len(d) >= 5 && len(name) >= 5 && (strings.Contains(name, d) || strings.Contains(d, name)) {
			return p, byVariant
		}
		s, err := edlib.StringsSimilarity(name, d, edlib.JaroWinkler)
		if err == nil && float64(s) > bestScore {
			best, bestScore = i, float64(s)
		}
	}
	if bestScore >= 0.92 {
		return ps[best], byVariant
	}
	// New districts are mostly named after their headquarters town.
	// "Didwana-Kuchaman", "Jogulamba Gadwal": try each word as a place too.
	words := []string{name}
	for _, w := range strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) >= 4 {
			words = append(words, w)
		}
	}
	for _, w := range words {
		for _, code := range places[w] {
			for _, p := range ps {
				if p.code == code {
					return p, byPlace
				}
			}
		}
	}
	return ps[0], byFallback
}

// norm lowercases s and keeps only letters and digits, folding common
// spelling variants.
func norm(s string) string {
	var b strings.Builder
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.'
	})
	for _, w := range words {
		if w == "and" || w == "district" {
			continue
		}
		b.WriteString(strings.ReplaceAll(w, ".", ""))
	}
	return b.String()
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}
