package fhir

import "strings"

// Code is an entry of the embedded code tables: a code with its display
// and, for observations, its usual UCUM unit.
type Code struct {
	System  string
	Code    string
	Display string
	Unit    string // UCUM code, for LOINC observations
}

// Concept returns the code as a Concept for a builder.
func (c Code) Concept() Concept { return Concept{System: c.System, Code: c.Code, Text: c.Display} }

func loinc(code, display, unit string) Code { return Code{SystemLOINC, code, display, unit} }
func snomed(code, display string) Code      { return Code{SystemSNOMED, code, display, ""} }

// Vital signs and body measurements (LOINC, with UCUM units), as the FHIR
// vital signs profiles and the NRCeS WellnessRecord use them.
var (
	LOINCBloodPressure    = loinc("85354-9", "Blood pressure panel with all children optional", "")
	LOINCSystolicBP       = loinc("8480-6", "Systolic blood pressure", "mm[Hg]")
	LOINCDiastolicBP      = loinc("8462-4", "Diastolic blood pressure", "mm[Hg]")
	LOINCHeartRate        = loinc("8867-4", "Heart rate", "/min")
	LOINCBodyTemperature  = loinc("8310-5", "Body temperature", "Cel")
	LOINCOxygenSaturation = loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%")
	LOINCRespiratoryRate  = loinc("9279-1", "Respiratory rate", "/min")
	LOINCBodyHeight       = loinc("8302-2", "Body height", "cm")
	LOINCBodyWeight       = loinc("29463-7", "Body weight", "kg")
	LOINCBMI              = loinc("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2")
)

// LabTests are common laboratory tests and panels (LOINC), with the UCUM
// unit Indian labs usually report them in. LabTest looks them up.
var LabTests = []Code{
	loinc("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
	loinc("789-8", "Erythrocytes [#/volume] in Blood by Automated count", "10*6/uL"),
	loinc("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL"),
	loinc("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL"),
	loinc("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%"),
	loinc("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", "mg/dL"),
	loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L"),
	loinc("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L"),
	loinc("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL"),
	loinc("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L"),
	loinc("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L"),
	loinc("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L"),
	loinc("58410-2", "CBC panel - Blood by Automated count", ""),
	loinc("24331-1", "Lipid 1996 panel - Serum or Plasma", ""),
	loinc("24323-8", "Comprehensive metabolic 2000 panel - Serum or Plasma", ""),
}

// LabTest returns the LabTests entry with the LOINC code, with ok false if
// the table does not have it.
func LabTest(code string) (Code, bool) {
	for _, c := range LabTests {
		if c.Code == code {
			return c, true
		}
	}
	return Code{}, false
}

// SNOMED CT section codes of the NRCeS Composition profiles.
var (
	sectionChiefComplaints = snomed("422843007", "Chief complaint section")
	sectionPhysicalExam    = snomed("425044008", "Physical exam section")
	sectionAllergies       = snomed("722446000", "Allergy record")
	sectionMedicationsOP   = snomed("721912009", "Medication summary document")
	sectionFollowUp        = snomed("736271009", "Outpatient care plan")
	sectionPrescription    = snomed("440545006", "Prescription record")
	sectionDiagnostic      = snomed("721981007", "Diagnostic studies report")
	sectionImmunization    = snomed("41000179103", "Immunization record")
	sectionHealthDocument  = snomed("419891008", "Record artifact")
	sectionProceduresDS    = snomed("1003640003", "History of past procedure section")
	sectionMedicationsDS   = snomed("1003606003", "Medication history section")
	sectionCarePlan        = snomed("734163000", "Care plan")
)

// routes maps common route names, as typed in prescriptions, to SNOMED CT.
var routes = map[string]Code{
	"oral":          snomed("26643006", "Oral route"),
	"po":            snomed("26643006", "Oral route"),
	"intravenous":   snomed("47625008", "Intravenous route"),
	"iv":            snomed("47625008", "Intravenous route"),
	"intramuscular": snomed("78421000", "Intramuscular route"),
	"im":            snomed("78421000", "Intramuscular route"),
	"subcutaneous":  snomed("34206005", "Subcutaneous route"),
	"sc":            snomed("34206005", "Subcutaneous route"),
	"topical":       snomed("6064005", "Topical route"),
	"sublingual":    snomed("37839007", "Sublingual route"),
	"rectal":        snomed("37161004", "Rectal route"),
	"nasal":         snomed("46713006", "Nasal route"),
	"ophthalmic":    snomed("54485002", "Ophthalmic route"),
}

// routeConcept codes a route name if the table knows it, and keeps the
// text otherwise.
func routeConcept(name string) *CodeableConcept {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	if c, ok := routes[strings.ToLower(name)]; ok {
		return &CodeableConcept{Coding: []Coding{{System: c.System, Code: c.Code, Display: c.Display}}, Text: name}
	}
	return &CodeableConcept{Text: name}
}

// encounterClasses are the v3 ActCode encounter classes a Visit can have.
var encounterClasses = map[string]string{
	"AMB":  "ambulatory",
	"IMP":  "inpatient encounter",
	"EMER": "emergency",
	"VR":   "virtual",
	"HH":   "home health",
	"SS":   "short stay",
	"FLD":  "field",
}

// interpretations are the v3 ObservationInterpretation codes the builders
// set and the renderers flag, with the words shown to people.
var interpretations = map[string]string{
	"N":  "Normal",
	"H":  "High",
	"L":  "Low",
	"HH": "Critically high",
	"LL": "Critically low",
	"A":  "Abnormal",
	"AA": "Critically abnormal",
	"HU": "Significantly high",
	"LU": "Significantly low",
	">":  "Off scale high",
	"<":  "Off scale low",
}
