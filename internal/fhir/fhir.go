// Package fhir reads, checks, builds and renders the FHIR R4 document Bundles
// that ABDM exchanges between facilities (abdm-protocol.md §7): Parse takes a
// Bundle from outside (bounded in size and depth), Check and Validate hold it
// against the NRCeS ABDM DocumentBundle rules, Build turns a facility's
// record (a consultation, prescription, lab report, …) into a Bundle, and
// RenderHTML and RenderPDF show one to a person. The package has no storage
// and no HTTP; its errors carry arogya codes and never personal data.
package fhir

// Consent HI types: the kinds of health record a consent can cover, each
// carried by one kind of document Bundle (abdm-protocol.md §4 and §7).
const (
	HITypeOPConsultation       = "OPConsultation"
	HITypePrescription         = "Prescription"
	HITypeDischargeSummary     = "DischargeSummary"
	HITypeDiagnosticReport     = "DiagnosticReport"
	HITypeImmunizationRecord   = "ImmunizationRecord"
	HITypeHealthDocumentRecord = "HealthDocumentRecord"
	HITypeWellnessRecord       = "WellnessRecord"
	HITypeInvoice              = "Invoice"
)

// Code systems and identifier namespaces used in ABDM documents.
const (
	SystemSNOMED = "http://snomed.info/sct"
	SystemLOINC  = "http://loinc.org"
	SystemUCUM   = "http://unitsofmeasure.org"

	// systemProjectEKASCT is the SNOMED stand-in of pre-NRCeS (ProjectEKA)
	// bundles; its codes are SNOMED codes.
	systemProjectEKASCT = "https://projecteka.in/sct"

	systemV2IdentifierType   = "http://terminology.hl7.org/CodeSystem/v2-0203"
	systemNDHMIdentifierType = "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code"
	systemConfidentiality    = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
	systemActCode            = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemInterpretation     = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	systemObsCategory        = "http://terminology.hl7.org/CodeSystem/observation-category"
	systemConditionClinical  = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	systemConditionCategory  = "http://terminology.hl7.org/CodeSystem/condition-category"
	systemAllergyClinical    = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	systemDiagnosticService  = "http://terminology.hl7.org/CodeSystem/v2-0074"

	systemABHANumber   = "https://healthid.ndhm.gov.in"
	systemHPR          = "https://doctor.ndhm.gov.in"
	systemHFR          = "https://facility.ndhm.gov.in"
	systemDocumentID   = "https://ndhm.in/phr"
	profileBase        = "https://nrces.in/ndhm/fhir/r4/StructureDefinition/"
	profileBaseLegacy  = "http://nrces.in/ndhm/fhir/r4/StructureDefinition/"
	profileDocBundle   = profileBase + "DocumentBundle"
	securityVeryRestr  = "V"
	securityVeryRestrD = "very restricted"
)

// Limits on input from outside.
const (
	// MaxBundleSize is the largest Bundle, in bytes of JSON, that Parse accepts.
	MaxBundleSize = 10 << 20
	// MaxDepth is the deepest nesting of JSON objects and arrays Parse accepts.
	// ABDM documents nest about 12 levels; extensions add a few more.
	MaxDepth = 64
	// MaxAttachmentSize is the largest file, in bytes before base64, that a
	// builder embeds, so that the Bundle stays under MaxBundleSize.
	MaxAttachmentSize = 7 << 20
)
