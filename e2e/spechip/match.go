package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"unicode"
)

// patient is one of the HIP's patients, as its --patients file lists them.
type patient struct {
	ReferenceNumber string        `json:"referenceNumber"`
	Name            string        `json:"name"`
	Gender          string        `json:"gender"` // M, F, O, U
	YearOfBirth     int           `json:"yearOfBirth"`
	Mobile          string        `json:"mobile"`
	ABHANumber      string        `json:"abhaNumber,omitempty"`
	ABHAAddress     string        `json:"abhaAddress,omitempty"`
	CareContexts    []careContext `json:"careContexts"`
}

type careContext struct {
	ReferenceNumber string `json:"referenceNumber"`
	Display         string `json:"display"`
}

// loadPatients reads the --patients file: {"patients":[…]}.
func loadPatients(file string) ([]*patient, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var f struct {
		Patients []*patient `json:"patients"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, errors.New("--patients: not a JSON object {\"patients\":[…]}")
	}
	for _, p := range f.Patients {
		if p.ReferenceNumber == "" || len(p.CareContexts) == 0 {
			return nil, errors.New("--patients: every patient needs a referenceNumber and care contexts")
		}
	}
	return f.Patients, nil
}

// identifier is a verified or unverified identifier of a discovery
// request: MR, MOBILE, NDHM_HEALTH_NUMBER or HEALTH_ID.
type identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// query is the patient of care-contexts/discover.
type query struct {
	ID                    string       `json:"id"`
	VerifiedIdentifiers   []identifier `json:"verifiedIdentifiers"`
	UnverifiedIdentifiers []identifier `json:"unverifiedIdentifiers"`
	Name                  string       `json:"name"`
	Gender                string       `json:"gender"`
	YearOfBirth           int          `json:"yearOfBirth"`
}

// errNoMatch and errAmbiguous are the discovery outcomes that are not a
// patient; their text goes to the person.
var (
	errNoMatch   = errors.New("no patient at this facility matches")
	errAmbiguous = errors.New("more than one patient at this facility matches; add your medical record number")
)

// match finds the patient the discovery request describes, by the rules
// of ndhm-hip.yml's discover (abdm-protocol.md §3.1): a verified
// identifier matches; the name (fuzzily) and gender match; the year of
// birth, if given, is within 2; if unverified identifiers were given, one
// of them matches. Candidates are ranked by how many identifiers match,
// and a tie at the top is an error. It returns the identifier types that
// matched.
func match(patients []*patient, q query) (*patient, []string, error) {
	type candidate struct {
		p  *patient
		by []string
	}
	var found []candidate
	for _, p := range patients {
		var by []string
		for _, id := range q.VerifiedIdentifiers {
			if p.has(id) && !slices.Contains(by, id.Type) {
				by = append(by, id.Type)
			}
		}
		if len(by) == 0 || !strings.EqualFold(p.Gender, q.Gender) || !similarNames(p.Name, q.Name) {
			continue
		}
		if q.YearOfBirth != 0 && (p.YearOfBirth < q.YearOfBirth-2 || p.YearOfBirth > q.YearOfBirth+2) {
			continue
		}
		unverified := 0
		for _, id := range q.UnverifiedIdentifiers {
			if p.has(id) {
				unverified++
				if !slices.Contains(by, id.Type) {
					by = append(by, id.Type)
				}
			}
		}
		if len(q.UnverifiedIdentifiers) > 0 && unverified == 0 {
			continue
		}
		found = append(found, candidate{p, by})
	}
	if len(found) == 0 {
		return nil, nil, errNoMatch
	}
	slices.SortStableFunc(found, func(a, b candidate) int { return cmp.Compare(len(b.by), len(a.by)) })
	if len(found) > 1 && len(found[0].by) == len(found[1].by) {
		return nil, nil, errAmbiguous
	}
	return found[0].p, found[0].by, nil
}

// has reports whether the patient carries the identifier.
func (p *patient) has(id identifier) bool {
	switch id.Type {
	case "MR":
		return id.Value != "" && strings.EqualFold(strings.TrimSpace(id.Value), p.ReferenceNumber)
	case "MOBILE":
		a, b := lastDigits(id.Value, 10), lastDigits(p.Mobile, 10)
		return len(a) == 10 && a == b
	case "NDHM_HEALTH_NUMBER":
		a, b := lastDigits(id.Value, 14), lastDigits(p.ABHANumber, 14)
		return len(a) == 14 && a == b
	case "HEALTH_ID":
		return id.Value != "" && strings.EqualFold(strings.TrimSpace(id.Value), p.ABHAAddress)
	}
	return false
}

// lastDigits keeps the digits of s, then the last n of them: a mobile may
// come as "+91 98000 83232" or "9800083232", an ABHA number with hyphens.
func lastDigits(s string, n int) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if len(d) > n {
		d = d[len(d)-n:]
	}
	return d
}

// similarNames is the fuzzy name match: the names' words, lower-cased and
// sorted, are within an edit distance of a fifth of their length, or the
// words of one are all in the other ("Asha Devi" and "Devi Asha Kumari").
func similarNames(a, b string) bool {
	wa, wb := nameWords(a), nameWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	subset := true
	for _, w := range wa {
		subset = subset && slices.Contains(wb, w)
	}
	sa, sb := []rune(strings.Join(wa, " ")), []rune(strings.Join(wb, " "))
	return subset || 5*editDistance(sa, sb) <= max(len(sa), len(sb))
}

func nameWords(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	slices.Sort(words)
	return words
}

// editDistance is the Levenshtein distance.
func editDistance(a, b []rune) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
