package hip

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// Identifier is an identifier of a discovery request: MR, MOBILE,
// NDHM_HEALTH_NUMBER (the ABHA number) or HEALTH_ID (the ABHA address).
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Query is the patient of care-contexts/discover.
type Query struct {
	ID                    string       `json:"id"`
	VerifiedIdentifiers   []Identifier `json:"verifiedIdentifiers"`
	UnverifiedIdentifiers []Identifier `json:"unverifiedIdentifiers"`
	Name                  string       `json:"name"`
	Gender                string       `json:"gender"`
	YearOfBirth           int          `json:"yearOfBirth"`
}

// Outcomes of matching that are not a patient.
const (
	matchNone      = "none"
	matchAmbiguous = "ambiguous"
)

// Match finds the one patient among candidates a discovery describes, by
// the spec's rules (ndhm-hip.yml care-contexts/discover): a verified
// identifier matches; the name (fuzzily) and gender match; the year of
// birth, when both are known, is within 2; when unverified identifiers
// are given, one of them matches. Candidates are ranked by the number of
// identifiers that match; a tie at the top is ambiguous. It returns the
// patient and the identifier types that matched, or "" and the outcome.
func Match(candidates []*Patient, q Query) (*Patient, []string, string) {
	type found struct {
		p  *Patient
		by []string
	}
	var fs []found
	for _, p := range candidates {
		var by []string
		for _, id := range q.VerifiedIdentifiers {
			if hasIdentifier(p, id) && !slices.Contains(by, id.Type) {
				by = append(by, id.Type)
			}
		}
		if len(by) == 0 || !sameGender(p.Gender, q.Gender) || !SimilarNames(p.Name, q.Name) {
			continue
		}
		if q.YearOfBirth != 0 && p.YearOfBirth != 0 && (p.YearOfBirth < q.YearOfBirth-2 || p.YearOfBirth > q.YearOfBirth+2) {
			continue
		}
		unverified := 0
		for _, id := range q.UnverifiedIdentifiers {
			if hasIdentifier(p, id) {
				unverified++
				if !slices.Contains(by, id.Type) {
					by = append(by, id.Type)
				}
			}
		}
		if len(q.UnverifiedIdentifiers) > 0 && unverified == 0 {
			continue
		}
		fs = append(fs, found{p, by})
	}
	if len(fs) == 0 {
		return nil, nil, matchNone
	}
	slices.SortStableFunc(fs, func(a, b found) int { return cmp.Compare(len(b.by), len(a.by)) })
	if len(fs) > 1 && len(fs[0].by) == len(fs[1].by) {
		return nil, nil, matchAmbiguous
	}
	return fs[0].p, fs[0].by, ""
}

func sameGender(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// hasIdentifier reports whether the patient carries the identifier.
func hasIdentifier(p *Patient, id Identifier) bool {
	v := strings.TrimSpace(id.Value)
	switch strings.ToUpper(id.Type) {
	case "MR":
		return v != "" && strings.EqualFold(v, p.Ref)
	case "MOBILE":
		a, b := lastDigits(v, 10), lastDigits(p.Mobile, 10)
		return len(a) == 10 && a == b
	case "NDHM_HEALTH_NUMBER":
		a, b := lastDigits(v, 14), lastDigits(p.ABHANumber, 14)
		return len(a) == 14 && a == b
	case "HEALTH_ID":
		return v != "" && strings.EqualFold(v, p.ABHAAddress)
	}
	return false
}

// lastDigits keeps the digits of s, then the last n of them: a mobile may
// come as "+91 98000 83232", an ABHA number with hyphens.
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

// SimilarNames is the fuzzy name match: the names' words, lower-cased and
// sorted, are within an edit distance of a fifth of their length, or the
// words of the shorter name are all in the longer ("Asha Devi" and "Devi
// Asha Kumari").
func SimilarNames(a, b string) bool {
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
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
