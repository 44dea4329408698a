package web

import (
	"cmp"
	"slices"
	"strings"

	"github.com/arogya-health/arogya/internal/india"
	"github.com/arogya-health/arogya/internal/registry"
)

// The registry's closed vocabularies and India's states are shown in the
// page's language. A code's label is the message "vocab.<name>.<code>" (a
// state's is "state.<LGD code>"). English's messages are made from the
// vocabularies and the LGD list themselves (messages_vocab_en.go), so the
// English words stay in one place; another language lists its own in a
// catalogue file (messages_vocab_hi.go). The codes forms submit never
// change: only the words shown do.

// vocab is a registry vocabulary shown on pages, with the name its labels'
// message ids use.
type vocab struct {
	name  string
	terms registry.Vocabulary
}

// The vocabularies pages show.
var (
	vocabFacilityTypes = vocab{"ftype", registry.FacilityTypes}
	vocabOwnerships    = vocab{"ownership", registry.Ownerships}
	vocabSystems       = vocab{"system", registry.SystemsOfMedicine}
	vocabCategories    = vocab{"category", registry.ProfessionalCategories}
	vocabSpecialities  = vocab{"speciality", registry.Specialities}
	vocabLanguages     = vocab{"language", registry.Languages}
	vocabDosageForms   = vocab{"form", registry.DosageForms}
	vocabRoutes        = vocab{"route", registry.Routes}
	vocabSchedules     = vocab{"schedule", registry.Schedules}
	vocabABDMRoles     = vocab{"role", registry.ABDMRoles}
)

// vocabOwnershipSubTypes is the vocabulary of ownership own's sub-types
// (empty for an unknown ownership).
func vocabOwnershipSubTypes(own string) vocab {
	return vocab{"ownsub." + own, registry.OwnershipSubTypes[own]}
}

// shownVocabs lists every vocabulary pages show, for the catalogues and
// their test. A vocabulary a page starts to show is added here.
func shownVocabs() []vocab {
	vs := []vocab{vocabFacilityTypes, vocabOwnerships, vocabSystems, vocabCategories, vocabSpecialities,
		vocabLanguages, vocabDosageForms, vocabRoutes, vocabSchedules, vocabABDMRoles}
	for _, o := range registry.Ownerships {
		vs = append(vs, vocabOwnershipSubTypes(o.Code))
	}
	return vs
}

// id is the message id of code's label.
func (v vocab) id(code string) string { return "vocab." + v.name + "." + code }

// label returns code's label in cat's language: the registry's English
// label when cat has none, and the code itself when it is not in v.
func (v vocab) label(cat catalogue, code string) string {
	if s, ok := cat[v.id(code)]; ok {
		return s
	}
	return v.terms.Label(code)
}

// labels returns the labels of codes in cat's language.
func (v vocab) labels(cat catalogue, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = v.label(cat, c)
	}
	return out
}

// vocabOptions lists a vocabulary's terms in cat's language, marking sel.
func vocabOptions(cat catalogue, v vocab, sel string) []option {
	out := make([]option, len(v.terms))
	for i, t := range v.terms {
		out[i] = option{Value: t.Code, Label: v.label(cat, t.Code), Selected: t.Code == sel}
	}
	return out
}

// vocabChecks lists a vocabulary's terms in cat's language as checkboxes
// named name.
func vocabChecks(cat catalogue, v vocab, name string, checked []string) []option {
	out := make([]option, len(v.terms))
	for i, t := range v.terms {
		out[i] = option{Value: t.Code, Label: v.label(cat, t.Code), ID: name + "-" + t.Code, Selected: slices.Contains(checked, t.Code)}
	}
	return out
}

// stateID is the message id of the name of the state with LGD code code.
func stateID(code string) string { return "state." + code }

// stateName names the state or union territory with LGD code code (leading
// zeros allowed) in cat's language; "" when there is none.
func stateName(cat catalogue, code string) string {
	s, ok := india.StateByCode(strings.TrimLeft(code, "0"))
	if !ok {
		return ""
	}
	if n, ok := cat[stateID(s.Code)]; ok {
		return n
	}
	return s.Name
}

// stateOptions lists the states and union territories by their names in
// cat's language, in that language's order of the names, marking sel.
func stateOptions(cat catalogue, sel string) []option {
	states := india.States()
	out := make([]option, len(states))
	for i, s := range states {
		out[i] = option{Value: s.Code, Label: stateName(cat, s.Code), Selected: s.Code == sel}
	}
	slices.SortStableFunc(out, func(a, b option) int { return cmp.Compare(a.Label, b.Label) })
	return out
}

// districtOptions lists a state's districts by name; none without a state.
// The names are the LGD's, in English in every language: the LGD has no
// Hindi names for them.
func districtOptions(state, sel string) []option {
	ds := india.Districts(state)
	out := make([]option, len(ds))
	for i, d := range ds {
		out[i] = option{Value: d.Code, Label: d.Name, Selected: d.Code == sel}
	}
	return out
}

// mergeMessages adds part's messages to the catalogue into, as init does
// for each language's catalogue files. It panics on an id both define: a
// build defect any test catches.
func mergeMessages(into, part catalogue, partName string) {
	for id, s := range part {
		if _, dup := into[id]; dup {
			panic("web: message " + id + " of " + partName + " is defined twice")
		}
		into[id] = s
	}
}
