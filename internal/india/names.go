package india

import (
	"fmt"
	"slices"
)

// nameFallbacks gives, for states and UTs absent from the name lists, the
// states whose lists stand in for theirs (neighbouring or related).
var nameFallbacks = map[string][]string{
	"37": {"1"},        // Ladakh: Jammu and Kashmir
	"34": {"33"},       // Puducherry: Tamil Nadu
	"4":  {"3"},        // Chandigarh: Punjab
	"35": {"19", "33"}, // Andaman and Nicobar Islands: West Bengal, Tamil Nadu
	"31": {"32"},       // Lakshadweep: Kerala
	"38": {"24"},       // Dadra and Nagar Haveli and Daman and Diu: Gujarat
}

func (d *dataset) parseNames() error {
	d.first = map[string]map[string][]string{}
	d.last = map[string][]string{}
	rows, err := readCSV("names_first_by_state.csv", 4)
	if err != nil {
		return err
	}
	for _, r := range rows {
		var g string
		switch r[3] {
		case "male":
			g = "M"
		case "female":
			g = "F"
		default:
			return fmt.Errorf("names_first_by_state.csv: gender %q", r[3])
		}
		if d.first[r[1]] == nil {
			d.first[r[1]] = map[string][]string{}
		}
		d.first[r[1]][g] = append(d.first[r[1]][g], r[2])
	}
	if rows, err = readCSV("names_last_by_state.csv", 3); err != nil {
		return err
	}
	for _, r := range rows {
		d.last[r[1]] = append(d.last[r[1]], r[2])
	}
	return nil
}

// nameStates returns the states whose name lists serve stateCode.
func nameStates(stateCode string) []string {
	if fb, ok := nameFallbacks[stateCode]; ok {
		return fb
	}
	return []string{stateCode}
}

// FirstNames returns first names common in a state for gender "M" or "F";
// any other gender gets both lists. States and UTs without lists of their
// own get a neighbouring or related state's (Ladakh: Jammu and Kashmir,
// Puducherry: Tamil Nadu, and so on). An unknown state gives nil.
func FirstNames(stateCode, gender string) []string {
	d := data()
	var out []string
	for _, s := range nameStates(stateCode) {
		switch gender {
		case "M", "F":
			out = append(out, d.first[s][gender]...)
		default:
			out = append(out, d.first[s]["M"]...)
			out = append(out, d.first[s]["F"]...)
		}
	}
	return dedup(out)
}

// LastNames returns surnames common in a state, with the same fallbacks as
// FirstNames. An unknown state gives nil.
func LastNames(stateCode string) []string {
	d := data()
	var out []string
	for _, s := range nameStates(stateCode) {
		out = append(out, d.last[s]...)
	}
	return dedup(out)
}

// dedup returns the distinct names of ns in first-seen order, in a new slice.
func dedup(ns []string) []string {
	if len(ns) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(ns))
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return slices.Clip(out)
}
