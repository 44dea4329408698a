package fhir

import (
	"strings"

	"github.com/arogya-health/arogya"
)

// recordKind describes one consent HI type's document: its Composition
// profile and type (abdm-protocol.md §7).
type recordKind struct {
	hiType  string
	profile string // NRCeS Composition profile name
	code    string // SNOMED CT Composition.type code; "" for text-only types
	display string // SNOMED display, or the text of a text-only type
	label   string // what people call it
}

var recordKinds = []recordKind{
	{HITypeOPConsultation, "OPConsultRecord", "371530004", "Clinical consultation report", "OP consultation"},
	{HITypePrescription, "PrescriptionRecord", "440545006", "Prescription record", "Prescription"},
	{HITypeDischargeSummary, "DischargeSummaryRecord", "373942005", "Discharge summary", "Discharge summary"},
	{HITypeDiagnosticReport, "DiagnosticReportRecord", "721981007", "Diagnostic studies report", "Diagnostic report"},
	{HITypeImmunizationRecord, "ImmunizationRecord", "41000179103", "Immunization record", "Immunization record"},
	{HITypeHealthDocumentRecord, "HealthDocumentRecord", "419891008", "Record artifact", "Health document"},
	{HITypeWellnessRecord, "WellnessRecord", "", "Wellness Record", "Wellness record"},
	{HITypeInvoice, "InvoiceRecord", "", "Invoice Record", "Invoice"},
}

func kindOf(hiType string) (recordKind, bool) {
	for _, k := range recordKinds {
		if k.hiType == hiType {
			return k, true
		}
	}
	return recordKind{}, false
}

// HIType returns the consent HI type of the document, from its
// Composition's type: a SNOMED CT code (also under the legacy ProjectEKA
// system https://projecteka.in/sct) or, for wellness records and invoices,
// which have no code, the text "Wellness Record" or "Invoice Record".
func (b *Bundle) HIType() (string, error) {
	c, err := b.Composition()
	if err != nil {
		return "", err
	}
	k, ok := compositionKind(c.Type)
	if !ok {
		return "", arogya.Errorf(arogya.EINVALID, "FHIR composition type is not an ABDM health information type")
	}
	return k.hiType, nil
}

// compositionKind maps a Composition.type to its record kind.
func compositionKind(t *CodeableConcept) (recordKind, bool) {
	if t == nil {
		return recordKind{}, false
	}
	for _, cd := range t.Coding {
		if cd.System != SystemSNOMED && cd.System != systemProjectEKASCT {
			continue
		}
		for _, k := range recordKinds {
			if k.code != "" && cd.Code == k.code {
				return k, true
			}
		}
	}
	// Wellness records and invoices are named, not coded: in Composition.type.text
	// (NRCeS) or as a coding display without a code (ProjectEKA).
	names := []string{t.Text}
	for _, cd := range t.Coding {
		if cd.Code == "" {
			names = append(names, cd.Display)
		}
	}
	for _, n := range names {
		n = strings.ToLower(strings.Join(strings.Fields(n), " "))
		for _, k := range recordKinds {
			if k.code == "" && n == strings.ToLower(k.display) {
				return k, true
			}
		}
	}
	return recordKind{}, false
}

// profileKind maps an NRCeS Composition profile URL (https, or the early
// http form) to its record kind.
func profileKind(url string) (recordKind, bool) {
	name, ok := strings.CutPrefix(url, profileBase)
	if !ok {
		name, ok = strings.CutPrefix(url, profileBaseLegacy)
	}
	if !ok {
		return recordKind{}, false
	}
	name, _, _ = strings.Cut(name, "|") // a versioned canonical
	for _, k := range recordKinds {
		if k.profile == name {
			return k, true
		}
	}
	return recordKind{}, false
}
