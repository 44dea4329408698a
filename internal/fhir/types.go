package fhir

import (
	"encoding/json"
	"strings"
)

// Meta is the metadata of a resource: version, profiles it claims, and
// security labels.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Profile     []string `json:"profile,omitempty"`
	Security    []Coding `json:"security,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Coding is one code from a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept as codes and, or instead, text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Label is the best human-readable name of the concept: its text, else the
// first display, else the first code.
func (c *CodeableConcept) Label() string {
	if c == nil {
		return ""
	}
	if t := strings.TrimSpace(c.Text); t != "" {
		return t
	}
	for _, cd := range c.Coding {
		if d := strings.TrimSpace(cd.Display); d != "" {
			return d
		}
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// Has reports whether the concept carries the code in the system.
func (c *CodeableConcept) Has(system, code string) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}

// Reference points at another resource, in ABDM documents at another entry
// of the same Bundle.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Identifier is a business identifier such as an ABHA number or HFR ID.
type Identifier struct {
	Use      string           `json:"use,omitempty"`
	Type     *CodeableConcept `json:"type,omitempty"`
	System   string           `json:"system,omitempty"`
	Value    string           `json:"value,omitempty"`
	Assigner *Reference       `json:"assigner,omitempty"`
}

// Quantity is a measured amount. Value keeps the decimal exactly as written.
type Quantity struct {
	Value      json.Number `json:"value,omitempty"`
	Comparator string      `json:"comparator,omitempty"`
	Unit       string      `json:"unit,omitempty"`
	System     string      `json:"system,omitempty"`
	Code       string      `json:"code,omitempty"`
}

// Range is a low and high bound, each optional.
type Range struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
}

// Period is a start and end time, each optional.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
}

// String is the name as one line: its text, else its parts joined.
func (n HumanName) String() string {
	if t := strings.TrimSpace(n.Text); t != "" {
		return strings.Join(strings.Fields(t), " ")
	}
	var parts []string
	parts = append(parts, n.Prefix...)
	parts = append(parts, n.Given...)
	parts = append(parts, n.Family)
	parts = append(parts, n.Suffix...)
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// ContactPoint is a phone number, email address or the like.
type ContactPoint struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
	Use    string `json:"use,omitempty"`
}

// Address is a postal address.
type Address struct {
	Use        string   `json:"use,omitempty"`
	Type       string   `json:"type,omitempty"`
	Text       string   `json:"text,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
}

// Attachment is a file: inline as base64 Data, or by URL.
type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Language    string `json:"language,omitempty"`
	Data        string `json:"data,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Hash        string `json:"hash,omitempty"`
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

// Annotation is a note.
type Annotation struct {
	AuthorString    string     `json:"authorString,omitempty"`
	AuthorReference *Reference `json:"authorReference,omitempty"`
	Time            string     `json:"time,omitempty"`
	Text            string     `json:"text,omitempty"`
}

// Narrative is a resource's or section's XHTML text.
type Narrative struct {
	Status string `json:"status,omitempty"`
	Div    string `json:"div,omitempty"`
}

// Money is an amount in a currency.
type Money struct {
	Value    json.Number `json:"value,omitempty"`
	Currency string      `json:"currency,omitempty"`
}

// Timing is when something happens, such as how often a medicine is taken.
type Timing struct {
	Event  []string         `json:"event,omitempty"`
	Repeat *TimingRepeat    `json:"repeat,omitempty"`
	Code   *CodeableConcept `json:"code,omitempty"`
}

// TimingRepeat is a repeating schedule: Frequency times per Period PeriodUnit,
// within a bound.
type TimingRepeat struct {
	BoundsDuration *Quantity   `json:"boundsDuration,omitempty"`
	BoundsPeriod   *Period     `json:"boundsPeriod,omitempty"`
	Count          int         `json:"count,omitempty"`
	Frequency      int         `json:"frequency,omitempty"`
	Period         json.Number `json:"period,omitempty"`
	PeriodUnit     string      `json:"periodUnit,omitempty"`
	When           []string    `json:"when,omitempty"`
}

// Dosage is how a medicine is to be taken.
type Dosage struct {
	Sequence                int               `json:"sequence,omitempty"`
	Text                    string            `json:"text,omitempty"`
	AdditionalInstruction   []CodeableConcept `json:"additionalInstruction,omitempty"`
	PatientInstruction      string            `json:"patientInstruction,omitempty"`
	Timing                  *Timing           `json:"timing,omitempty"`
	AsNeededBoolean         bool              `json:"asNeededBoolean,omitempty"`
	AsNeededCodeableConcept *CodeableConcept  `json:"asNeededCodeableConcept,omitempty"`
	Site                    *CodeableConcept  `json:"site,omitempty"`
	Route                   *CodeableConcept  `json:"route,omitempty"`
	Method                  *CodeableConcept  `json:"method,omitempty"`
	DoseAndRate             []DoseAndRate     `json:"doseAndRate,omitempty"`
}

// DoseAndRate is the amount of one dose.
type DoseAndRate struct {
	Type         *CodeableConcept `json:"type,omitempty"`
	DoseQuantity *Quantity        `json:"doseQuantity,omitempty"`
	DoseRange    *Range           `json:"doseRange,omitempty"`
}
