package fhir

import (
	"strings"
	"unicode"
)

// Headings a record writes in English: the document's title, its section
// titles, an identifier's type, a report's category. They are the record's
// own text and are shown as written, with one exception: in a language
// other than English, a heading that is only the standard English name of
// the code beside it (Composition.title "Prescription" on a document typed
// SNOMED 440545006, section.title "Chief complaints" on a section coded
// 422843007) is shown in the catalogue's words for that code. A HIP's own
// title ("Medications on discharge from ward 3") names more than the code
// does, so it stays as written. Names compare without regard to case or
// white space ("ChiefComplaints", "Chief Complaints" and "chief complaints"
// are one name). English is always shown as written, to the byte.
//
// The tables below say which names are standard: the names this package's
// builders write, the code's display, and the titles NRCeS profiles and
// examples (and the ProjectEKA examples HIPs copied) give them. Adding a
// language needs only its catalogue: the keys are in words_en.go.

// codeNames lists, by a code, the catalogue key of its words and the
// standard English names a record may give it as a heading.
type codeNames struct {
	system, code string
	key          string   // the key of the words shown in place of a name
	names        []string // the key's English words, and other standard names
}

// sectionNames are the Composition.section codes of the NRCeS profiles
// (SNOMED CT), with the titles our builders, the profiles and real records
// give them. A code may have two entries when records use it for two
// sections: NRCeS codes its DocumentReference sections with the document's
// own type.
var sectionNames = []codeNames{
	{SystemSNOMED, "422843007", "section.sct.422843007", []string{"Chief complaints", "Chief complaint", "Chief complaint section", "Presenting problems"}},
	{SystemSNOMED, "722446000", "section.sct.722446000", []string{"Allergies", "Allergy record", "Allergy section", "Allergy"}},
	{SystemSNOMED, "371529009", "section.sct.371529009", []string{"Medical history", "History and physical report"}},
	{SystemSNOMED, "1003642006", "section.sct.1003642006", []string{"Past medical history", "Past medical history section", "Medical history"}},
	{SystemSNOMED, "422432008", "section.sct.422432008", []string{"Family history", "Family history section"}},
	{SystemSNOMED, "425044008", "section.sct.425044008", []string{"Physical examination", "Physical exam", "Physical exam section", "Physical examination section"}},
	{SystemSNOMED, "721963009", "section.sct.721963009", []string{"Investigation advice", "Investigations advice", "Order document"}},
	{SystemSNOMED, "721912009", "section.sct.721912009", []string{"Medications", "Medication summary", "Medication summary document"}},
	{SystemSNOMED, "1003606003", "section.sct.1003606003", []string{"Medications", "Medication history", "Medication history section"}},
	{SystemSNOMED, "736271009", "section.sct.736271009", []string{"Follow up", "Follow-up", "Outpatient care plan"}},
	{SystemSNOMED, "371525003", "section.sct.371525003", []string{"Procedures", "Procedure", "Clinical procedure report", "Procedure report"}},
	{SystemSNOMED, "1003640003", "section.sct.1003640003", []string{"Procedures", "Procedure history", "History of past procedure section"}},
	{SystemSNOMED, "306206005", "section.sct.306206005", []string{"Referral", "Referral to service"}},
	{SystemSNOMED, "404684003", "section.sct.404684003", []string{"Other observations"}},
	{SystemSNOMED, "734163000", "section.sct.734163000", []string{"Care plan", "Care plan section"}},
	{SystemSNOMED, "440545006", "section.sct.440545006", []string{"Prescription", "Prescription record"}},
	{SystemSNOMED, "721981007", "section.sct.721981007", []string{"Diagnostic report", "Diagnostic studies report"}},
	{SystemSNOMED, "41000179103", "section.sct.41000179103", []string{"Immunizations", "Immunization", "Immunization record"}},
	{SystemSNOMED, "419891008", "section.sct.419891008", []string{"Health document", "Health document record", "Record artifact"}},
	{SystemSNOMED, "371530004", "section.sct.371530004", []string{"Clinical consultation report", "Clinical consultation", "Consultation report"}},
	{SystemSNOMED, "373942005", "section.sct.373942005", []string{"Discharge summary", "Discharge summary record"}},
	{SystemSNOMED, "371530004", "section.documentReference", []string{"Document reference"}},
	{SystemSNOMED, "373942005", "section.documentReference", []string{"Document reference"}},
}

// wellnessSectionNames are the sections of an NRCeS WellnessRecord, which
// the profile names by title alone: they have no code, so the title is
// what says which section it is. Only an uncoded section of a wellness
// record is looked up here.
var wellnessSectionNames = []codeNames{
	{key: "section.wellness.vitalSigns", names: []string{"Vital signs"}},
	{key: "section.wellness.bodyMeasurement", names: []string{"Body measurement"}},
	{key: "section.wellness.physicalActivity", names: []string{"Physical activity"}},
	{key: "section.wellness.generalAssessment", names: []string{"General assessment"}},
	{key: "section.wellness.womenHealth", names: []string{"Women health"}},
	{key: "section.wellness.lifestyle", names: []string{"Lifestyle"}},
	{key: "section.wellness.otherObservations", names: []string{"Other observations"}},
	{key: "section.documentReference", names: []string{"Document reference"}},
}

// documentNames are, by consent HI type, the standard titles of a
// document of that type. The words shown for them are the kind's
// ("kind.<HI type>"), which compositionKind finds from Composition.type:
// its SNOMED CT code (also under the ProjectEKA system) or, for wellness
// records and invoices, which have none, its text. The kind line under
// the title already says the same words.
var documentNames = map[string][]string{
	HITypeOPConsultation:       {"OP consultation", "OP consultation record", "OP consultation document", "OP consult record", "Clinical consultation report", "Consultation report"},
	HITypePrescription:         {"Prescription", "Prescription record", "Prescription document"},
	HITypeDischargeSummary:     {"Discharge summary", "Discharge summary record", "Discharge summary document"},
	HITypeDiagnosticReport:     {"Diagnostic report", "Diagnostic studies report", "Diagnostic report record", "Diagnostic report document"},
	HITypeImmunizationRecord:   {"Immunization record", "Immunization", "Immunization document"},
	HITypeHealthDocumentRecord: {"Health document", "Health document record", "Record artifact"},
	HITypeWellnessRecord:       {"Wellness record"},
	HITypeInvoice:              {"Invoice", "Invoice record"},
}

// identifierTypeNames are the identifier types our builders write with a
// text of their own ("ABHA number", "Patient ID"), shown as the label of
// the patient's identifier. Their words are the ones the view uses for an
// identifier of the type with no text.
var identifierTypeNames = []codeNames{
	{systemNDHMIdentifierType, "ABHA", "id.abhaNumber", []string{"ABHA number", "ABHA", "ABHA ID", "Ayushman Bharat Health Account (ABHA) ID", "Ayushman Bharat Health Account number"}},
	{systemV2IdentifierType, "MR", "id.mrn", []string{"Medical record number", "Patient ID", "MR number", "MRN"}},
}

// abhaAddressNames are the texts our builders (and HIPs) give an ABHA
// address's type, which has no code: an ABHA address (name@suffix) says
// by its form what it is, so a type text that names it is shown in the
// view's words ("id.abhaAddress") only beside a value of that form.
var abhaAddressNames = []string{"ABHA address", "PHR address"}

// identifierType is the label of an identifier whose type has text or a
// display, label: in the view's words if it is a standard name (see
// heading), else as written.
func (vb *viewBuilder) identifierType(id Identifier, label string) string {
	if vb.standardInWords && !coded(id.Type) && strings.Contains(id.Value, "@") && hasName(abhaAddressNames, headingName(label)) {
		return vb.w.t("id.abhaAddress")
	}
	return vb.heading(identifierTypeNames, id.Type, label)
}

// reportCategoryNames are the v2 diagnostic service sections our builders
// give a DiagnosticReport, shown in the report's details.
var reportCategoryNames = []codeNames{
	{systemDiagnosticService, "LAB", "reportCategory.LAB", []string{"Laboratory"}},
	{systemDiagnosticService, "RAD", "reportCategory.RAD", []string{"Radiology"}},
}

// appointmentTypeNames are the appointment types our builders write, shown
// as a follow-up's text when it gives no reason.
var appointmentTypeNames = []codeNames{
	{SystemSNOMED, "185389009", "appointmentType.sct.185389009", []string{"Follow-up visit", "Follow up visit"}},
}

// headingName is a name as it compares: lower case, without white space.
func headingName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// standardKey returns the catalogue key of the words for heading, if it is
// a standard name, in table, of one of cc's codes. A SNOMED code counts
// under the ProjectEKA stand-in system too.
func standardKey(table []codeNames, cc *CodeableConcept, heading string) (string, bool) {
	if cc == nil || heading == "" {
		return "", false
	}
	name := headingName(heading)
	for _, cd := range cc.Coding {
		system := cd.System
		if system == systemProjectEKASCT {
			system = SystemSNOMED
		}
		for _, e := range table {
			if e.system == system && e.code == cd.Code && hasName(e.names, name) {
				return e.key, true
			}
		}
	}
	return "", false
}

func hasName(names []string, name string) bool {
	for _, n := range names {
		if headingName(n) == name {
			return true
		}
	}
	return false
}

// coded reports whether cc carries any code.
func coded(cc *CodeableConcept) bool {
	if cc == nil {
		return false
	}
	for _, cd := range cc.Coding {
		if cd.Code != "" {
			return true
		}
	}
	return false
}

// heading returns heading in the view's words if, in a language other than
// English, it is a standard name, in table, of one of cc's codes; else as
// written.
func (vb *viewBuilder) heading(table []codeNames, cc *CodeableConcept, heading string) string {
	if !vb.standardInWords {
		return heading
	}
	if key, ok := standardKey(table, cc, heading); ok {
		return vb.w.code(key, "", heading)
	}
	return heading
}

// sectionTitle is a section's title as shown (see heading); an uncoded
// section of a wellness record is looked up by its title alone.
func (vb *viewBuilder) sectionTitle(cc *CodeableConcept, title string) string {
	if !vb.standardInWords {
		return title
	}
	if key, ok := standardKey(sectionNames, cc, title); ok {
		return vb.w.code(key, "", title)
	}
	if vb.hiType == HITypeWellnessRecord && !coded(cc) {
		name := headingName(title)
		for _, e := range wellnessSectionNames {
			if hasName(e.names, name) {
				return vb.w.code(e.key, "", title)
			}
		}
	}
	return title
}

// documentTitle reports whether title is a standard title of a document of
// the HI type.
func documentTitle(hiType, title string) bool {
	return title != "" && hasName(documentNames[hiType], headingName(title))
}
