package fhir

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// headingRE finds the document's title and the section headings of a page.
var headingRE = regexp.MustCompile(`<h1 id="record-title">([^<]*)</h1>|<h2 id="section-\d+">([^<]*)</h2>`)

// headings returns the title and the section headings of a rendered page.
func headings(t *testing.T, b *Bundle, lang string) (string, []string) {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderHTMLIn(&buf, b, lang); err != nil {
		t.Fatal(err)
	}
	var title string
	var sections []string
	for _, m := range headingRE.FindAllStringSubmatch(buf.String(), -1) {
		if m[1] != "" {
			title = m[1]
		} else {
			sections = append(sections, m[2])
		}
	}
	return title, sections
}

// TestHeadingsInHindi: a record our builders make, rendered in Hindi, has
// its title and coded section headings in Hindi; the sections our builders
// write without a code ("Diagnosis", "Advice", "Notes", "Invoice") are
// shown as written. English shows every heading as written (the golden
// files).
func TestHeadingsInHindi(t *testing.T) {
	tests := []struct {
		fixture  string
		title    string
		sections []string
	}{
		{"prescription", "पर्चा", []string{"पर्चा", "Notes"}},
		{"lab-report", "जाँच रिपोर्ट", []string{"जाँच रिपोर्ट"}},
		{"imaging-report", "जाँच रिपोर्ट", []string{"जाँच रिपोर्ट"}},
		{"op-consultation", "OPD परामर्श", []string{"मुख्य शिकायतें", "एलर्जी", "शारीरिक जाँच", "Diagnosis", "दवाइयाँ",
			"जाँच की सलाह", "Advice", "फ़ॉलो-अप"}},
		{"discharge-summary", "डिस्चार्ज सारांश", []string{"मुख्य शिकायतें", "Diagnosis", "प्रक्रियाएँ", "दवाइयाँ", "देखभाल योजना", "फ़ॉलो-अप"}},
		{"immunization", "टीकाकरण रिकॉर्ड", []string{"टीकाकरण"}},
		{"wellness", "वेलनेस रिकॉर्ड", []string{"वाइटल साइन्स", "शरीर की माप", "अन्य अवलोकन"}},
		{"health-document", "स्वास्थ्य दस्तावेज़", []string{"स्वास्थ्य दस्तावेज़"}},
		{"invoice", "बिल", []string{"Invoice"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			b := mustBuild(t, fixtureNamed(t, tt.fixture))
			title, sections := headings(t, b, "hi")
			if title != tt.title {
				t.Errorf("title %q, want %q", title, tt.title)
			}
			if !slices.Equal(sections, tt.sections) {
				t.Errorf("sections %q, want %q", sections, tt.sections)
			}
		})
	}
}

// TestHeadingsHindiDetails: the other fixed English our builders write
// into records, shown as labels: the identifier types' texts, a report's
// category and a follow-up's type.
func TestHeadingsHindiDetails(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string
		not     []string
	}{
		{"lab-report", []string{"<dt>ABHA नंबर</dt>", "<dt>ABHA एड्रेस</dt>", "<dt>मेडिकल रिकॉर्ड नंबर</dt>", "लैब · जारी:"},
			[]string{"ABHA number", "ABHA address", "Patient ID", "Laboratory"}},
		{"imaging-report", []string{"रेडियोलॉजी"}, []string{"Radiology"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderHTMLIn(&buf, mustBuild(t, fixtureNamed(t, tt.fixture)), "hi"); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out, w) {
					t.Errorf("output has %q", w)
				}
			}
		})
	}
}

// TestHeadingsAppointmentType: a follow-up without a reason is named by
// its type, in Hindi when the type's text is its code's standard name.
func TestHeadingsAppointmentType(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"Follow-up visit", "<li>फ़ॉलो-अप विज़िट <span"},
		{"Post-operative review", "<li>Post-operative review <span"},
	} {
		b := mustBuild(t, fixtureNamed(t, "op-consultation"))
		editEntries(t, b, "Appointment", func(a *Appointment) {
			a.Description = ""
			a.AppointmentType.Text = tc.text
		})
		var buf bytes.Buffer
		if err := RenderHTMLIn(&buf, b, "hi"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%q: output lacks %q", tc.text, tc.want)
		}
	}
}

// editEntries changes every entry of the resource type in b with edit.
func editEntries[R any, P interface {
	*R
	resource
}](t *testing.T, b *Bundle, typ string, edit func(P)) {
	t.Helper()
	for i := range b.Entry {
		if b.Entry[i].Type() != typ {
			continue
		}
		r := P(new(R))
		if err := b.Entry[i].Decode(r); err != nil {
			t.Fatal(err)
		}
		edit(r)
		e, err := newEntry(b.Entry[i].ID(), r)
		if err != nil {
			t.Fatal(err)
		}
		e.FullURL = b.Entry[i].FullURL
		b.Entry[i] = e
	}
}

// withComposition returns the fixture's bundle with its Composition
// changed by edit.
func withComposition(t *testing.T, name string, edit func(c *Composition)) *Bundle {
	t.Helper()
	b := mustBuild(t, fixtureNamed(t, name))
	editEntries(t, b, "Composition", edit)
	return b
}

func snomedCode(system, code, display string) *CodeableConcept {
	return &CodeableConcept{Coding: []Coding{{System: system, Code: code, Display: display}}}
}

// TestHeadingsAsWritten: only a heading that is a standard English name of
// its own code is shown in the reader's words; a HIP's own title is shown
// as written, in Hindi as in English.
func TestHeadingsAsWritten(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		edit     func(c *Composition)
		title    string   // the Hindi page's title
		sections []string // its first sections' headings
	}{
		{"custom section title", "op-consultation", func(c *Composition) {
			c.Section[4].Title = "Medications on discharge from ward 3"
		}, "OPD परामर्श", []string{"मुख्य शिकायतें", "एलर्जी", "शारीरिक जाँच", "Diagnosis", "Medications on discharge from ward 3"}},
		{"custom document title", "prescription", func(c *Composition) {
			c.Title = "Prescription from the diabetes clinic"
			c.Section[0].Title = "OPD Prescription"
		}, "Prescription from the diabetes clinic", []string{"OPD Prescription", "Notes"}},
		{"case and spaces aside", "op-consultation", func(c *Composition) {
			c.Title = "  op  CONSULTATION "
			c.Section[0].Title = "CHIEF COMPLAINTS"
			c.Section[1].Title = "Allergy  Record"
			c.Section = c.Section[:2]
		}, "OPD परामर्श", []string{"मुख्य शिकायतें", "एलर्जी"}},
		{"NRCeS example titles", "op-consultation", func(c *Composition) {
			c.Title = "Consultation Report"
			c.Section = []Section{
				{Title: "Chief Complaints", Code: snomedCode(SystemSNOMED, "422843007", "Chief complaint section"), Entry: c.Section[0].Entry},
				{Title: "Medical History", Code: snomedCode(SystemSNOMED, "371529009", "History and physical report"), Entry: c.Section[0].Entry},
				{Title: "Follow Up", Code: snomedCode(SystemSNOMED, "736271009", "Outpatient care plan"), Entry: c.Section[7].Entry},
				{Title: "Document Reference", Code: snomedCode(SystemSNOMED, "371530004", "Clinical consultation report"), Entry: c.Section[0].Entry},
			}
		}, "OPD परामर्श", []string{"मुख्य शिकायतें", "चिकित्सा इतिहास", "फ़ॉलो-अप", "दस्तावेज़"}},
		{"untitled, named by its code", "discharge-summary", func(c *Composition) {
			c.Title = "Discharge Summary Document"
			c.Section = c.Section[:1]
			c.Section[0].Title = ""
			c.Section[0].Code = snomedCode(SystemSNOMED, "422843007", "Chief complaint section")
			c.Section[0].Code.Text = "ChiefComplaints"
		}, "डिस्चार्ज सारांश", []string{"मुख्य शिकायतें"}},
		{"ProjectEKA system", "discharge-summary", func(c *Composition) {
			c.Type = snomedCode(systemProjectEKASCT, "373942005", "Discharge Summary Record")
			c.Section = c.Section[:1]
			c.Section[0].Title = "Presenting Problems"
			c.Section[0].Code = snomedCode(systemProjectEKASCT, "422843007", "Chief Complaint Section")
		}, "डिस्चार्ज सारांश", []string{"मुख्य शिकायतें"}},
		{"another code's name", "op-consultation", func(c *Composition) {
			c.Title = "Discharge summary" // an OP consultation's title
			c.Section[0].Title = "Medications"
			c.Section = c.Section[:1]
		}, "Discharge summary", []string{"Medications"}},
		{"no code", "op-consultation", func(c *Composition) {
			c.Section[0].Code = nil
			c.Section = c.Section[:1]
		}, "OPD परामर्श", []string{"Chief complaints"}},
		{"a wellness title outside a wellness record", "op-consultation", func(c *Composition) {
			c.Section[0].Code = nil
			c.Section[0].Title = "Vital Signs"
			c.Section = c.Section[:1]
		}, "OPD परामर्श", []string{"Vital Signs"}},
		{"a coded wellness section", "wellness", func(c *Composition) {
			c.Section[0].Code = snomedCode(SystemSNOMED, "422843007", "Chief complaint section")
		}, "वेलनेस रिकॉर्ड", []string{"Vital Signs", "शरीर की माप"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := withComposition(t, tt.fixture, tt.edit)
			c, _ := b.Composition()
			title, sections := headings(t, b, "hi")
			if title != tt.title {
				t.Errorf("title %q, want %q", title, tt.title)
			}
			if len(sections) > len(tt.sections) {
				sections = sections[:len(tt.sections)]
			}
			if !slices.Equal(sections, tt.sections) {
				t.Errorf("sections %q, want %q", sections, tt.sections)
			}
			// English shows every heading as the record writes it.
			title, sections = headings(t, b, "en")
			if want := clean(c.Title); title != want {
				t.Errorf("English title %q, want %q", title, want)
			}
			for i, s := range sections {
				if i >= len(c.Section) {
					break
				}
				if want := firstNonEmpty(clean(c.Section[i].Title), c.Section[i].Code.Label()); s != want {
					t.Errorf("English section %d: %q, want %q", i, s, want)
				}
			}
		})
	}
}

// TestHeadingsIdentifierAsWritten: an identifier type's own text is shown
// as written unless it is its code's standard name.
func TestHeadingsIdentifierAsWritten(t *testing.T) {
	b := mustBuild(t, fixtureNamed(t, "lab-report"))
	editEntries(t, b, "Patient", func(p *Patient) {
		for j := range p.Identifier {
			switch {
			case p.Identifier[j].Type.Has(systemV2IdentifierType, "MR"):
				p.Identifier[j].Type.Text = "Hospital number (Sunrise)"
			case strings.Contains(p.Identifier[j].Value, "@"):
				p.Identifier[j].Value = "not-an-address" // "ABHA address" beside a value that is not one
			}
		}
	})
	var buf bytes.Buffer
	if err := RenderHTMLIn(&buf, b, "hi"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<dt>Hospital number (Sunrise)</dt>", "<dt>ABHA नंबर</dt>", "<dt>ABHA address</dt><dd>not-an-address</dd>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestHeadingNamesInCatalogue: every key the heading tables name is in the
// English catalogue (so, by TestWordsMatchEnglish, in all), and its English
// words are one of its standard names, so that a language without them
// falls back to a standard name.
func TestHeadingNamesInCatalogue(t *testing.T) {
	tables := [][]codeNames{sectionNames, wellnessSectionNames, identifierTypeNames, reportCategoryNames, appointmentTypeNames}
	for _, table := range tables {
		for _, e := range table {
			en, ok := wordsEN[e.key]
			if !ok {
				t.Errorf("no words for %s", e.key)
				continue
			}
			if !hasName(e.names, headingName(en)) {
				t.Errorf("%s's English %q is not one of its names %q", e.key, en, e.names)
			}
		}
	}
	for _, k := range recordKinds {
		names, ok := documentNames[k.hiType]
		if !ok {
			t.Errorf("no document names for %s", k.hiType)
		}
		if !hasName(names, headingName(k.label)) {
			t.Errorf("%s's label %q, the title our builders write, is not among its names", k.hiType, k.label)
		}
	}
	// Every section code our builders write has words.
	for _, c := range []Code{sectionChiefComplaints, sectionPhysicalExam, sectionAllergies, sectionMedicationsOP,
		sectionFollowUp, sectionPrescription, sectionDiagnostic, sectionImmunization, sectionHealthDocument,
		sectionProceduresDS, sectionMedicationsDS, sectionCarePlan} {
		if _, ok := standardKey(sectionNames, snomedCode(c.System, c.Code, ""), c.Display); !ok {
			t.Errorf("section code %s (%s) has no words", c.Code, c.Display)
		}
	}
}

func TestHeadingName(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"Chief complaints", "ChiefComplaints"}, {"Follow Up", "follow up"}, {" OP\tConsultation ", "op consultation"},
	} {
		if headingName(tc.a) != headingName(tc.b) {
			t.Errorf("%q and %q differ", tc.a, tc.b)
		}
	}
	if headingName("Follow-up") == headingName("Follow up") {
		t.Error("a hyphen is not white space")
	}
}
