package fhir

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/arogya-health/arogya"
)

// Header is what every record has in common: whose it is, who wrote it,
// where, in which visit and when.
type Header struct {
	Patient  Person
	Author   Clinician
	Facility Facility
	// Visit is the encounter; a zero Visit leaves the record without one
	// (a discharge summary always has one, from its admission dates).
	Visit Visit
	// Date is when the record was made: Composition.date and Bundle.timestamp.
	Date time.Time
	// Title replaces the default title of the record kind, e.g. "OP consultation".
	Title string
	// DocumentID is the Bundle's business identifier; by default its id.
	DocumentID string
	// NewID returns the id of each resource, in a fixed order, so that the
	// same input and generator give the same Bundle. By default, random UUIDs.
	// SequentialIDs gives stable ids for tests and golden files.
	NewID func() string
}

// Person is the patient.
type Person struct {
	Name        string
	Gender      string // male, female, other or unknown
	BirthDate   string // FHIR date: "1991", "1991-04" or "1991-04-27"
	ABHANumber  string // 14 digits, with or without hyphens
	ABHAAddress string // e.g. "name@abdm"
	MRN         string // the facility's own patient ID
	Phone       string
}

// Clinician is the practitioner who authored the record.
type Clinician struct {
	Name  string
	HPRID string // Healthcare Professionals Registry ID
}

// Facility is the organisation the record comes from.
type Facility struct {
	Name  string
	HFRID string // Health Facility Registry ID, e.g. IN2810014366
	Phone string
}

// Visit is the encounter the record belongs to.
type Visit struct {
	ID    string // the facility's visit or admission number
	Class string // v3 ActCode: AMB (default), IMP, EMER, VR, HH, SS, FLD
	Start time.Time
	End   time.Time
}

// Concept is a term for a builder: a code from a code system with its
// text, or text alone. SNOMED, LOINC and Text make one.
type Concept struct {
	System string
	Code   string
	Text   string
}

// SNOMED returns a SNOMED CT concept.
func SNOMED(code, text string) Concept { return Concept{SystemSNOMED, code, text} }

// LOINC returns a LOINC concept.
func LOINC(code, text string) Concept { return Concept{SystemLOINC, code, text} }

// Text returns an uncoded concept.
func Text(text string) Concept { return Concept{Text: text} }

func (c Concept) isZero() bool {
	return strings.TrimSpace(c.Code) == "" && strings.TrimSpace(c.Text) == ""
}

func (c Concept) check(path string) error {
	switch {
	case c.isZero():
		return invalidf("%s: a code or text is required", path)
	case c.Code != "" && c.System == "":
		return invalidf("%s: a code needs its code system", path)
	}
	return nil
}

func (c Concept) codeable() *CodeableConcept {
	cc := &CodeableConcept{Text: strings.TrimSpace(c.Text)}
	if c.Code != "" {
		cc.Coding = []Coding{{System: c.System, Code: c.Code, Display: cc.Text}}
	}
	return cc
}

// Content is the body of one kind of record: Consultation, Prescription,
// LabReport, ImagingReport, DischargeSummary, ImmunizationRecord,
// WellnessRecord, HealthDocument or InvoiceRecord.
type Content interface {
	// HIType is the consent HI type of the record.
	HIType() string
	build(bd *builder) error
}

// Build makes the document Bundle of a record: a Composition of the
// content's kind, the Patient, Practitioner, Organization and Encounter of
// the header, and the content's resources, all referenced by urn:uuid.
// Input errors are arogya.EINVALID and name the field, not its value.
func Build(h Header, c Content) (*Bundle, error) {
	kind, ok := kindOf(c.HIType())
	if !ok {
		return nil, invalidf("unknown record kind")
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	newID := h.NewID
	if newID == nil {
		newID = randomUUID
	}
	bd := &builder{h: h, kind: kind, newID: newID, date: fhirDateTime(h.Date)}
	bundleID, compID := bd.id(), bd.id()
	bd.header()
	if err := c.build(bd); err != nil {
		return nil, err
	}
	if bd.err != nil {
		return nil, bd.err
	}
	return bd.finish(bundleID, compID)
}

func (h *Header) check() error {
	p := h.Patient
	switch {
	case strings.TrimSpace(p.Name) == "":
		return invalidf("patient: name is required")
	case p.Gender != "" && !strings.Contains("|male|female|other|unknown|", "|"+p.Gender+"|"):
		return invalidf("patient: gender must be male, female, other or unknown")
	case p.BirthDate != "" && !isDate(p.BirthDate):
		return invalidf("patient: birth date must be YYYY, YYYY-MM or YYYY-MM-DD")
	case p.ABHANumber != "" && abhaNumber(p.ABHANumber) == "":
		return invalidf("patient: ABHA number must have 14 digits")
	case p.ABHAAddress != "" && !validABHAAddress(p.ABHAAddress):
		return invalidf("patient: ABHA address must look like name@abdm")
	case strings.TrimSpace(h.Author.Name) == "":
		return invalidf("author: name is required")
	case strings.TrimSpace(h.Facility.Name) == "":
		return invalidf("facility: name is required")
	case h.Date.IsZero():
		return invalidf("date is required")
	case h.Visit.Class != "" && encounterClasses[h.Visit.Class] == "":
		return invalidf("visit: class must be one of AMB, IMP, EMER, VR, HH, SS, FLD")
	case !h.Visit.End.IsZero() && h.Visit.End.Before(h.Visit.Start):
		return invalidf("visit: end is before start")
	}
	return nil
}

// abhaNumber normalises a 14-digit ABHA number to NN-NNNN-NNNN-NNNN, or
// returns "" if it is not one.
func abhaNumber(s string) string {
	d := strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(d) != 14 {
		return ""
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return d[:2] + "-" + d[2:6] + "-" + d[6:10] + "-" + d[10:]
}

func validABHAAddress(s string) bool {
	name, cm, ok := strings.Cut(s, "@")
	return ok && name != "" && cm != "" && !strings.ContainsAny(s, " \t\n") && !strings.Contains(cm, "@")
}

func invalidf(format string, args ...any) error {
	return arogya.Errorf(arogya.EINVALID, "FHIR record: "+format, args...)
}

// SequentialIDs returns an id generator that yields the UUIDs
// 00000000-0000-4000-8000-000000000001, …-000000000002, and so on. It is
// safe for concurrent use; use it in tests and examples.
func SequentialIDs() func() string {
	var n atomic.Uint64
	return func() string {
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1))
	}
}

// randomUUID returns a random (version 4) UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// builder accumulates one record's resources and sections.
type builder struct {
	h     Header
	kind  recordKind
	newID func() string
	date  string
	// effective, if set, is when observations were made, when that is not
	// the record's date (a lab report's specimen collection).
	effective string
	err       error

	patient, author, org, encounter *Reference
	enc                             *Encounter
	entries                         []pending
	sections                        []Section
}

type pending struct {
	id string
	r  resource
}

// id returns the next resource id, checking that the generator's ids are
// valid FHIR ids.
func (bd *builder) id() string {
	id := bd.newID()
	if !validID(id) && bd.err == nil {
		bd.err = invalidf("the id generator returned an invalid FHIR id")
	}
	return id
}

// validID reports whether s is a FHIR id: 1–64 letters, digits, '-' and '.'.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// add queues a resource as an entry and returns a reference to it.
func (bd *builder) add(id string, r resource) *Reference {
	bd.entries = append(bd.entries, pending{id, r})
	return &Reference{Reference: "urn:uuid:" + id}
}

func meta(profile string) *Meta { return &Meta{Profile: []string{profileBase + profile}} }

// header adds the Patient, Practitioner, Organization and Encounter.
func (bd *builder) header() {
	h := bd.h
	pid, did, oid := bd.id(), bd.id(), bd.id()
	bd.org = &Reference{Reference: "urn:uuid:" + oid}

	p := &Patient{ResourceType: "Patient", ID: pid, Meta: meta("Patient"),
		Name: []HumanName{{Text: strings.TrimSpace(h.Patient.Name)}}, Gender: h.Patient.Gender, BirthDate: h.Patient.BirthDate}
	if n := abhaNumber(h.Patient.ABHANumber); n != "" {
		p.Identifier = append(p.Identifier, Identifier{
			Type:   &CodeableConcept{Coding: []Coding{{System: systemNDHMIdentifierType, Code: "ABHA", Display: "Ayushman Bharat Health Account (ABHA) ID"}}, Text: "ABHA number"},
			System: systemABHANumber, Value: n})
	}
	if a := strings.TrimSpace(h.Patient.ABHAAddress); a != "" {
		p.Identifier = append(p.Identifier, Identifier{Type: &CodeableConcept{Text: "ABHA address"}, Value: a})
	}
	if m := strings.TrimSpace(h.Patient.MRN); m != "" {
		p.Identifier = append(p.Identifier, Identifier{
			Type:  &CodeableConcept{Coding: []Coding{{System: systemV2IdentifierType, Code: "MR", Display: "Medical record number"}}, Text: "Patient ID"},
			Value: m, Assigner: bd.org})
	}
	if ph := strings.TrimSpace(h.Patient.Phone); ph != "" {
		p.Telecom = []ContactPoint{{System: "phone", Value: ph, Use: "mobile"}}
	}
	bd.patient = bd.add(pid, p)

	d := &Practitioner{ResourceType: "Practitioner", ID: did, Meta: meta("Practitioner"),
		Name: []HumanName{{Text: strings.TrimSpace(h.Author.Name)}}}
	if id := strings.TrimSpace(h.Author.HPRID); id != "" {
		d.Identifier = []Identifier{{
			Type:   &CodeableConcept{Coding: []Coding{{System: systemV2IdentifierType, Code: "MD", Display: "Medical License number"}}},
			System: systemHPR, Value: id}}
	}
	bd.author = bd.add(did, d)

	o := &Organization{ResourceType: "Organization", ID: oid, Meta: meta("Organization"), Name: strings.TrimSpace(h.Facility.Name)}
	if id := strings.TrimSpace(h.Facility.HFRID); id != "" {
		o.Identifier = []Identifier{{
			Type:   &CodeableConcept{Coding: []Coding{{System: systemV2IdentifierType, Code: "PRN", Display: "Provider number"}}},
			System: systemHFR, Value: id}}
	}
	if ph := strings.TrimSpace(h.Facility.Phone); ph != "" {
		o.Telecom = []ContactPoint{{System: "phone", Value: ph, Use: "work"}}
	}
	bd.add(oid, o)

	v := h.Visit
	if bd.kind.hiType == HITypeDischargeSummary || v.ID != "" || !v.Start.IsZero() {
		bd.encounterFor(v)
	}
}

// encounterFor adds the Encounter of a visit.
func (bd *builder) encounterFor(v Visit) {
	eid := bd.id()
	class := v.Class
	if class == "" {
		class = "AMB"
	}
	e := &Encounter{ResourceType: "Encounter", ID: eid, Meta: meta("Encounter"), Status: "finished",
		Class: &Coding{System: systemActCode, Code: class, Display: encounterClasses[class]}, Subject: bd.patient,
		ServiceProvider: bd.org}
	if id := strings.TrimSpace(v.ID); id != "" {
		e.Identifier = []Identifier{{Value: id, Assigner: bd.org}}
	}
	if !v.Start.IsZero() || !v.End.IsZero() {
		e.Period = &Period{}
		if !v.Start.IsZero() {
			e.Period.Start = fhirDateTime(v.Start)
		}
		if !v.End.IsZero() {
			e.Period.End = fhirDateTime(v.End)
		}
	}
	bd.enc = e
	bd.encounter = bd.add(eid, e)
}

// section adds a Composition section holding the references, if any.
func (bd *builder) section(title string, code *Code, refs []Reference) {
	if len(refs) == 0 {
		return
	}
	s := Section{Title: title, Entry: refs}
	if code != nil {
		s.Code = &CodeableConcept{Coding: []Coding{{System: code.System, Code: code.Code, Display: code.Display}}}
	}
	bd.sections = append(bd.sections, s)
}

// textSection adds a section of narrative text only.
func (bd *builder) textSection(title, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	bd.sections = append(bd.sections, Section{Title: title, Text: narrative(text)})
}

// narrative wraps plain text as FHIR XHTML, escaped, with line breaks kept.
func narrative(text string) *Narrative {
	esc := strings.ReplaceAll(xmlEscape(text), "\n", "<br/>")
	return &Narrative{Status: "additional", Div: `<div xmlns="http://www.w3.org/1999/xhtml">` + esc + `</div>`}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\r", "").Replace(s)
}

// finish assembles the Composition and the Bundle.
func (bd *builder) finish(bundleID, compID string) (*Bundle, error) {
	h, k := bd.h, bd.kind
	title := strings.TrimSpace(h.Title)
	if title == "" {
		title = k.label
	}
	typ := &CodeableConcept{Text: k.display}
	if k.code != "" {
		typ.Coding = []Coding{{System: SystemSNOMED, Code: k.code, Display: k.display}}
	}
	comp := &Composition{ResourceType: "Composition", ID: compID,
		Meta: &Meta{VersionID: "1", LastUpdated: bd.date, Profile: []string{profileBase + k.profile}}, Language: "en-IN",
		Identifier: &Identifier{System: systemDocumentID, Value: compID}, Status: "final", Type: typ,
		Subject: bd.patient, Encounter: bd.encounter, Date: bd.date, Author: []Reference{*bd.author}, Title: title,
		Custodian: bd.org, Section: bd.sections}
	if len(comp.Section) == 0 {
		return nil, invalidf("the record is empty")
	}
	docID := strings.TrimSpace(h.DocumentID)
	if docID == "" {
		docID = bundleID
	}
	b := &Bundle{ID: bundleID,
		Meta: &Meta{VersionID: "1", LastUpdated: bd.date, Profile: []string{profileDocBundle},
			Security: []Coding{{System: systemConfidentiality, Code: securityVeryRestr, Display: securityVeryRestrD}}},
		Identifier: &Identifier{System: systemDocumentID, Value: docID}, Type: "document", Timestamp: bd.date}
	all := append([]pending{{compID, comp}}, bd.entries...)
	b.Entry = make([]Entry, len(all))
	for i, p := range all {
		e, err := newEntry(p.id, p.r)
		if err != nil {
			return nil, fmt.Errorf("fhir: build: %w", err)
		}
		b.Entry[i] = e
	}
	return b, nil
}
