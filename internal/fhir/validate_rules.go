package fhir

import (
	"slices"
	"strings"
)

// The rules Check applies, by Issue.Rule. Errors make Validate fail;
// warnings report what legacy (pre-NRCeS ProjectEKA) and sandbox bundles
// still do, so that every bundle in the shared reference examples passes.
//
// Errors:
//   - bundle-type: Bundle.type is "document".
//   - bundle-identifier: Bundle.identifier has a value (warning without a system).
//   - bundle-timestamp: Bundle.timestamp is present and an instant.
//   - bundle-security: meta.security has the confidentiality code V, when the
//     Bundle claims the DocumentBundle profile (a warning otherwise).
//   - bundle-entry: there are entries, and each has a resource.
//   - fullurl: each entry has a fullUrl; a urn:uuid: one holds a UUID.
//   - fullurl-duplicate: two different resources share a fullUrl.
//   - composition-first: the first entry is a Composition.
//   - composition-type: its type is one of the HI types (abdm-protocol.md §7).
//   - composition-profile: its NRCeS profile, if any, agrees with its type.
//   - composition-required: it has status, type, date, title and author.
//   - composition-subject: it has a subject, which resolves to a Patient entry.
//   - reference: every reference of the Composition (subject, encounter,
//     author, custodian, attester, section author and entries) resolves to an
//     entry of the Bundle.
//   - reference-type: those references point at the right resource types.
//   - section-empty: each section has text, entries or subsections.
//   - required: elements FHIR R4 requires (status, intent, code, subject,
//     patient, medication[x], content, … per resource type; see required).
//   - code: status, intent and gender codes are in their value sets.
//   - datetime: dates, dateTimes and instants parse as FHIR says.
//   - quantity-unit: an Observation's value quantity has a unit or code.
//   - attachment: inline data has a contentType and is base64.
//   - patient-mismatch: a subject or patient reference in any entry that
//     points at a Patient points at the Composition's subject.
//   - decode: an element has the wrong JSON type.
//
// Warnings:
//   - bundle-profile: meta.profile lacks the https DocumentBundle profile.
//   - bundle-security: as above, for Bundles without the profile.
//   - fullurl: fullUrls are relative ("Patient/123") rather than urn:uuid:.
//   - fullurl-duplicate: the same resource (type and id) appears twice.
//   - composition-type: the type uses the ProjectEKA system https://projecteka.in/sct.
//   - reference-by-id: a reference matches an entry only by its last segment.
//   - reference: a reference outside the Composition does not resolve
//     (absolute http(s) URLs to other servers are not reported).
//   - recommended: elements the NRCeS profiles require but legacy bundles omit
//     (Observation.subject, DiagnosticReport.subject, …; see recommended).
//   - quantity-unit: a reference range bound has no unit.
//   - attachment: an attachment has neither data nor URL.
//   - truncated: more than maxIssues issues; the rest are counted.

// required lists, by resource type, the elements FHIR R4 requires
// (cardinality 1..*). "x[x]" is a choice of type.
var required = map[string][]string{
	"Encounter":                  {"status", "class"},
	"Condition":                  {"subject"},
	"Observation":                {"status", "code"},
	"MedicationRequest":          {"status", "intent", "medication[x]", "subject"},
	"MedicationStatement":        {"status", "medication[x]", "subject"},
	"DiagnosticReport":           {"status", "code"},
	"Immunization":               {"status", "vaccineCode", "patient", "occurrence[x]"},
	"ImmunizationRecommendation": {"patient", "recommendation"},
	"DocumentReference":          {"status", "content"},
	"Binary":                     {"contentType"},
	"AllergyIntolerance":         {"patient"},
	"Procedure":                  {"status", "subject"},
	"Appointment":                {"status", "participant"},
	"CarePlan":                   {"status", "intent", "subject"},
	"ServiceRequest":             {"status", "intent", "subject"},
	"Invoice":                    {"status"},
	"ChargeItem":                 {"status", "code", "subject"},
	"ImagingStudy":               {"status", "subject"},
	"FamilyMemberHistory":        {"status", "patient", "relationship"},
	"Media":                      {"status", "content"},
}

// recommended lists elements the NRCeS profiles require that legacy
// bundles leave out; their absence is a warning.
var recommended = map[string][]string{
	"Patient":            {"name", "gender"},
	"Practitioner":       {"name"},
	"Organization":       {"name"},
	"Condition":          {"code"},
	"Observation":        {"subject"},
	"DiagnosticReport":   {"subject"},
	"DocumentReference":  {"subject"},
	"AllergyIntolerance": {"code"},
	"Procedure":          {"code"},
}

// valueSets are the required FHIR R4 value sets of status, intent and
// gender, by "ResourceType.element".
var valueSets = map[string]string{
	"Composition.status":         "preliminary|final|amended|entered-in-error",
	"Encounter.status":           "planned|arrived|triaged|in-progress|onleave|finished|cancelled|entered-in-error|unknown",
	"Observation.status":         "registered|preliminary|final|amended|corrected|cancelled|entered-in-error|unknown",
	"DiagnosticReport.status":    "registered|partial|preliminary|final|amended|corrected|appended|cancelled|entered-in-error|unknown",
	"MedicationRequest.status":   "active|on-hold|cancelled|completed|entered-in-error|stopped|draft|unknown",
	"MedicationRequest.intent":   "proposal|plan|order|original-order|reflex-order|filler-order|instance-order|option",
	"MedicationStatement.status": "active|completed|entered-in-error|intended|stopped|on-hold|unknown|not-taken",
	"Immunization.status":        "completed|entered-in-error|not-done",
	"DocumentReference.status":   "current|superseded|entered-in-error",
	"Procedure.status":           "preparation|in-progress|not-done|on-hold|stopped|completed|entered-in-error|unknown",
	"Appointment.status":         "proposed|pending|booked|arrived|fulfilled|cancelled|noshow|entered-in-error|checked-in|waitlist",
	"CarePlan.status":            "draft|active|on-hold|revoked|completed|entered-in-error|unknown",
	"CarePlan.intent":            "proposal|plan|order|option",
	"ServiceRequest.status":      "draft|active|on-hold|revoked|completed|entered-in-error|unknown",
	"ServiceRequest.intent":      "proposal|plan|directive|order|original-order|reflex-order|filler-order|instance-order|option",
	"Invoice.status":             "draft|issued|balanced|cancelled|entered-in-error",
	"ChargeItem.status":          "planned|billable|not-billable|aborted|billed|entered-in-error|unknown",
	"Specimen.status":            "available|unavailable|unsatisfactory|entered-in-error",
	"ImagingStudy.status":        "registered|available|cancelled|entered-in-error|unknown",
	"FamilyMemberHistory.status": "partial|completed|entered-in-error|health-unknown",
	"Patient.gender":             "male|female|other|unknown",
	"Practitioner.gender":        "male|female|other|unknown",
}

// dateKeys are the element names that hold a date, dateTime or instant in
// the R4 resources ABDM documents use. Check tests every string value under
// these names, in any resource, at any depth.
var dateKeys = map[string]dateKind{
	"date":               kindDateTime,
	"birthDate":          kindDate,
	"deceasedDateTime":   kindDateTime,
	"issued":             kindInstant,
	"lastUpdated":        kindInstant,
	"authoredOn":         kindDateTime,
	"recordedDate":       kindDateTime,
	"recorded":           kindDateTime,
	"onset":              kindDateTime,
	"onsetDateTime":      kindDateTime,
	"abatementDateTime":  kindDateTime,
	"effectiveDateTime":  kindDateTime,
	"effectiveInstant":   kindInstant,
	"occurrenceDateTime": kindDateTime,
	"performedDateTime":  kindDateTime,
	"valueDateTime":      kindDateTime,
	"valueInstant":       kindInstant,
	"valueDate":          kindDate,
	"start":              kindDateTime,
	"end":                kindDateTime,
	"created":            kindDateTime,
	"creation":           kindDateTime,
	"dateAsserted":       kindDateTime,
	"expirationDate":     kindDate,
	"collectedDateTime":  kindDateTime,
	"receivedTime":       kindDateTime,
	"started":            kindDateTime,
	"enteredDate":        kindDateTime,
	"time":               kindDateTime,
	"assertedDate":       kindDateTime,
	"lastOccurrence":     kindDateTime,
}

func sortStrings(s []string) { slices.Sort(s) }

// isBase64 reports whether s is standard base64, ignoring line breaks.
func isBase64(s string) bool {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
	}
	return validBase64(s)
}

func validBase64(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
		case c == '=' && i >= len(s)-2:
		default:
			return false
		}
	}
	if len(s) >= 2 && s[len(s)-2] == '=' && s[len(s)-1] != '=' {
		return false
	}
	return true
}
