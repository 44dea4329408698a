// Package india holds India's geography and name lists as Arogya uses them:
// the 36 states and union territories and their districts with Local
// Government Directory (LGD) codes, one plausible PIN code per district, and
// per-state first and last names for synthetic people.
//
// The data is shipped inside the binary (see data/NOTICE.md for sources and
// attributions) and parsed once, on first use. Every function is safe for
// concurrent use, and returned slices are copies the caller may change.
package india

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

//go:generate go run ./internal/gen -ref ../../../shared/reference/india -out data/district_pins.csv

//go:embed data/*.csv
var files embed.FS

// State is a state or union territory.
type State struct {
	Code string // LGD state code, e.g. "28" for Andhra Pradesh
	Name string // English name in title case, e.g. "Jammu and Kashmir"
	UT   bool   // a union territory rather than a state
}

// District is a district of a state or union territory.
type District struct {
	StateCode string // LGD state code
	Code      string // LGD district code, unique across India
	Name      string // English name, e.g. "Visakhapatnam"
	Pincode   string // one real 6-digit PIN code in (or near) the district
	// Lat and Lon are the mean WGS84 position of the district's PIN codes
	// (GeoNames): a point in or near the district, not its centroid.
	Lat, Lon float64
}

// dataset is the parsed data; it is never changed after load.
type dataset struct {
	states      []State // sorted by name
	stateByCode map[string]State
	stateByKey  map[string]string     // name key -> state code
	districts   map[string][]District // state code -> districts sorted by name
	districtBy  map[string]District   // state code + "/" + district code
	districtKey map[string]District   // state code + "/" + name key
	first       map[string]map[string][]string
	last        map[string][]string
}

var (
	loadOnce sync.Once
	loaded   *dataset
)

// data returns the parsed data set, parsing it on first use. The files are
// embedded and checked by the package tests, so a parse failure is a build
// defect and panics.
func data() *dataset {
	loadOnce.Do(func() {
		d, err := parse()
		if err != nil {
			panic("india: embedded data: " + err.Error())
		}
		loaded = d
	})
	return loaded
}

func parse() (*dataset, error) {
	d := &dataset{
		stateByCode: map[string]State{},
		stateByKey:  map[string]string{},
		districts:   map[string][]District{},
		districtBy:  map[string]District{},
		districtKey: map[string]District{},
	}
	rows, err := readCSV("lgd_states.csv", 7)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		s := State{Code: r[0], Name: titleCase(r[2]), UT: r[6] == "U"}
		d.states = append(d.states, s)
		d.stateByCode[s.Code] = s
		d.stateByKey[nameKey(s.Name)] = s.Code
	}
	slices.SortFunc(d.states, func(a, b State) int { return cmp.Compare(a.Name, b.Name) })
	for alias, code := range stateAliases {
		d.stateByKey[alias] = code
	}

	pins := map[string]District{} // state/district code -> PIN and position
	if rows, err = readCSV("district_pins.csv", 5); err != nil {
		return nil, err
	}
	for _, r := range rows {
		lat, err1 := strconv.ParseFloat(r[3], 64)
		lon, err2 := strconv.ParseFloat(r[4], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("district_pins.csv: bad position for district %s/%s", r[0], r[1])
		}
		pins[r[0]+"/"+r[1]] = District{Pincode: r[2], Lat: lat, Lon: lon}
	}
	if rows, err = readCSV("lgd_districts.csv", 4); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, ok := d.stateByCode[r[0]]; !ok {
			return nil, fmt.Errorf("lgd_districts.csv: unknown state code %q", r[0])
		}
		name := r[3]
		if name == strings.ToUpper(name) {
			name = titleCase(name) // one upstream value is in capitals
		}
		k := r[0] + "/" + r[2]
		p := pins[k]
		dist := District{StateCode: r[0], Code: r[2], Name: name, Pincode: p.Pincode, Lat: p.Lat, Lon: p.Lon}
		if dist.Pincode == "" {
			return nil, fmt.Errorf("district_pins.csv: no PIN for district %s", k)
		}
		d.districts[r[0]] = append(d.districts[r[0]], dist)
		d.districtBy[k] = dist
		d.districtKey[r[0]+"/"+nameKey(name)] = dist
	}
	for _, ds := range d.districts {
		slices.SortFunc(ds, func(a, b District) int { return cmp.Compare(a.Name, b.Name) })
	}
	return d, d.parseNames()
}

func readCSV(name string, minFields int) ([][]string, error) {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	for i, row := range rows {
		if len(row) < minFields {
			return nil, fmt.Errorf("%s: line %d: %d fields, want at least %d", name, i+1, len(row), minFields)
		}
	}
	return rows[1:], nil
}

// titleCase turns "JAMMU AND KASHMIR" into "Jammu and Kashmir".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if i > 0 && (w == "and" || w == "of" || w == "the") {
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}

// nameKey reduces a place name to a lookup key: lowercase letters and
// digits only, without the words "and" and "the" (so "&" and "and" match).
func nameKey(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if w != "and" && w != "the" {
			b.WriteString(w)
		}
	}
	return b.String()
}
