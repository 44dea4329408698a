package hip

import (
	"fmt"
	"testing"
)

func TestMatch(t *testing.T) {
	asha := &Patient{Ref: "MRN-1", Name: "ASHA DEVI RAO", Gender: "F", YearOfBirth: 1990, Mobile: "9876543210", ABHANumber: "91111111111111", ABHAAddress: "asha@sbx"}
	kamala := &Patient{Ref: "MRN-2", Name: "Kamala Rao", Gender: "F", YearOfBirth: 1960, Mobile: "9876543210"}
	twin := &Patient{Ref: "MRN-3", Name: "Asha Devi Rao", Gender: "F", YearOfBirth: 1991, Mobile: "9876543210"}
	mobile := Identifier{Type: "MOBILE", Value: "+91 98765 43210"}
	number := Identifier{Type: "NDHM_HEALTH_NUMBER", Value: "91-1111-1111-1111"}
	for _, tc := range []struct {
		name       string
		candidates []*Patient
		q          Query
		want       string // the reference found, or the outcome
		by         string
	}{
		{"mobile, name, gender, year", []*Patient{asha, kamala}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Asha Devi Rao", Gender: "F", YearOfBirth: 1990}, "MRN-1", "[MOBILE]"},
		{"name words in another order", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Rao Asha", Gender: "F"}, "MRN-1", "[MOBILE]"},
		{"a typo in the name", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{number}, Name: "Asha Devi Raoo", Gender: "F"}, "MRN-1", "[NDHM_HEALTH_NUMBER]"},
		{"year of birth 2 off", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Asha Devi Rao", Gender: "F", YearOfBirth: 1992}, "MRN-1", "[MOBILE]"},
		{"year of birth 3 off", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Asha Devi Rao", Gender: "F", YearOfBirth: 1993}, matchNone, ""},
		{"other gender", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Asha Devi Rao", Gender: "M"}, matchNone, ""},
		{"other name", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Ravi Kumar", Gender: "F"}, matchNone, ""},
		{"no verified identifier matches", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{{Type: "MOBILE", Value: "9000000000"}}, Name: "Asha Devi Rao", Gender: "F"}, matchNone, ""},
		{"unverified MR must match when given", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, UnverifiedIdentifiers: []Identifier{{Type: "MR", Value: "MRN-9"}}, Name: "Asha Devi Rao", Gender: "F"}, matchNone, ""},
		{"same mobile, two alike: ambiguous", []*Patient{asha, twin}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Asha Devi Rao", Gender: "F", YearOfBirth: 1990}, matchAmbiguous, ""},
		{"an MR tells them apart", []*Patient{asha, twin}, Query{VerifiedIdentifiers: []Identifier{mobile}, UnverifiedIdentifiers: []Identifier{{Type: "MR", Value: "mrn-3"}}, Name: "Asha Devi Rao", Gender: "F"}, "MRN-3", "[MOBILE MR]"},
		{"more identifiers rank higher", []*Patient{asha, twin}, Query{VerifiedIdentifiers: []Identifier{mobile, number, {Type: "HEALTH_ID", Value: "ASHA@sbx"}}, Name: "Asha Devi Rao", Gender: "F"}, "MRN-1", "[MOBILE NDHM_HEALTH_NUMBER HEALTH_ID]"},
		{"no candidates", nil, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: "Asha", Gender: "F"}, matchNone, ""},
		{"empty name never matches", []*Patient{asha}, Query{VerifiedIdentifiers: []Identifier{mobile}, Name: " ", Gender: "F"}, matchNone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, by, outcome := Match(tc.candidates, tc.q)
			got := outcome
			if p != nil {
				got = p.Ref
			}
			if got != tc.want || (p != nil && fmt.Sprint(by) != tc.by) {
				t.Errorf("Match = %s %v, want %s %s", got, by, tc.want, tc.by)
			}
		})
	}
}

func TestSimilarNames(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Asha Devi", "Devi Asha Kumari", true},
		{"Sunil Kumar", "Sunil Kumaar", true},
		{"Sunil Kumar", "Anil Sharma", false},
		{"", "Asha", false},
		{"A.  K. Rao", "a k rao", true},
	} {
		if got := SimilarNames(tc.a, tc.b); got != tc.want {
			t.Errorf("SimilarNames(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
