package web

import (
	"html/template"
	"net/http"
	"strings"
	"testing"

	"github.com/arogya-health/arogya/internal/india"
)

// TestVocabCatalogues: every code of every vocabulary pages show, and every
// state, has a label in every catalogue, so a code added to the registry
// or the LGD list without its words fails here.
func TestVocabCatalogues(t *testing.T) {
	for tag, cat := range catalogues {
		for _, v := range shownVocabs() {
			if len(v.terms) == 0 {
				t.Errorf("vocabulary %q is empty", v.name)
			}
			for _, term := range v.terms {
				if strings.TrimSpace(cat[v.id(term.Code)]) == "" {
					t.Errorf("%s: no label for %s (%q)", tag, v.id(term.Code), term.Label)
				}
			}
		}
		states := india.States()
		if len(states) != 36 {
			t.Errorf("%d states and union territories, want 36", len(states))
		}
		for _, s := range states {
			if strings.TrimSpace(cat[stateID(s.Code)]) == "" {
				t.Errorf("%s: no name for state %s (%s)", tag, s.Code, s.Name)
			}
		}
	}
}

func TestVocabLabels(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"English type", vocabFacilityTypes.label(messagesEN, "phc"), "Primary Health Centre"},
		{"Hindi type", vocabFacilityTypes.label(messagesHI, "phc"), "प्राथमिक स्वास्थ्य केंद्र"},
		{"unknown code", vocabFacilityTypes.label(messagesHI, "spaceport"), "spaceport"},
		{"sub-type", vocabOwnershipSubTypes("government").label(messagesHI, "state"), "राज्य सरकार"},
		{"unknown ownership", vocabOwnershipSubTypes("guild").label(messagesHI, "x"), "x"},
		{"Hindi state", stateName(messagesHI, "9"), "उत्तर प्रदेश"},
		{"leading zero", stateName(messagesHI, "09"), "उत्तर प्रदेश"},
		{"English state", stateName(messagesEN, "28"), "Andhra Pradesh"},
		{"unknown state", stateName(messagesHI, "99"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	opts := stateOptions(messagesHI, "28")
	if len(opts) != 36 {
		t.Fatalf("%d state options", len(opts))
	}
	for i, o := range opts {
		if i > 0 && opts[i-1].Label > o.Label {
			t.Errorf("states out of order: %q before %q", opts[i-1].Label, o.Label)
		}
		if o.Selected != (o.Value == "28") {
			t.Errorf("option %q selected %v", o.Value, o.Selected)
		}
	}
}

// TestRegistryListsInHindi: the registry's search and submission pages in
// Hindi show the vocabularies' and the states' Hindi labels, with the same
// codes as values.
func TestRegistryListsInHindi(t *testing.T) {
	e := newRegistryEnv(t)
	e.facility(t, "Government General Hospital Guntur", "28", true)
	b := e.browser(t)
	inHindi(t, b, "/registry/facilities")
	for _, path := range []string{"/registry/facilities?type=hospital&state=28", "/registry/facilities/new"} {
		p := b.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, `<html lang="hi">`) {
			t.Fatalf("%s: %d\n%s", path, p.status, p.body)
		}
		for _, id := range []string{"vocab.ftype.hospital", "vocab.ftype.phc", "state.28", "vocab.ownership.government"} {
			if !strings.Contains(p.body, ">"+template.HTMLEscapeString(messagesHI[id])+"<") {
				t.Errorf("%s: no %s in Hindi", path, id)
			}
			if strings.Contains(p.body, ">"+template.HTMLEscapeString(messagesEN[id])+"<") {
				t.Errorf("%s: %s in English", path, id)
			}
		}
		if !strings.Contains(p.body, `value="hospital"`) || !strings.Contains(p.body, `value="28"`) {
			t.Errorf("%s: the options' values changed", path)
		}
	}
	p := b.get("/registry/facilities?type=hospital&state=28")
	if !strings.Contains(p.body, "Government General Hospital Guntur") {
		t.Errorf("the facility is not found:\n%s", p.body)
	}
}
