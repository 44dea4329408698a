package fhir

import "encoding/json"

// The typed resources below hold the elements Arogya reads, validates,
// builds or renders. An Entry keeps the resource's full JSON, so elements
// not listed here survive a Parse and Marshal round trip.

// resource is implemented by every typed resource; kind is its resourceType.
type resource interface{ kind() string }

// Composition is the first entry of a document Bundle: what kind of record
// it is, whose, by whom, and its sections.
type Composition struct {
	ResourceType    string                `json:"resourceType"`
	ID              string                `json:"id,omitempty"`
	Meta            *Meta                 `json:"meta,omitempty"`
	Language        string                `json:"language,omitempty"`
	Text            *Narrative            `json:"text,omitempty"`
	Identifier      *Identifier           `json:"identifier,omitempty"`
	Status          string                `json:"status,omitempty"`
	Type            *CodeableConcept      `json:"type,omitempty"`
	Category        []CodeableConcept     `json:"category,omitempty"`
	Subject         *Reference            `json:"subject,omitempty"`
	Encounter       *Reference            `json:"encounter,omitempty"`
	Date            string                `json:"date,omitempty"`
	Author          []Reference           `json:"author,omitempty"`
	Title           string                `json:"title,omitempty"`
	Confidentiality string                `json:"confidentiality,omitempty"`
	Attester        []CompositionAttester `json:"attester,omitempty"`
	Custodian       *Reference            `json:"custodian,omitempty"`
	Section         []Section             `json:"section,omitempty"`
}

// CompositionAttester is someone who attested the composition.
type CompositionAttester struct {
	Mode  string     `json:"mode,omitempty"`
	Time  string     `json:"time,omitempty"`
	Party *Reference `json:"party,omitempty"`
}

// Section is one section of a Composition: a title, a code, and references
// to the entries it holds, or narrative text, or subsections.
type Section struct {
	Title       string           `json:"title,omitempty"`
	Code        *CodeableConcept `json:"code,omitempty"`
	Author      []Reference      `json:"author,omitempty"`
	Text        *Narrative       `json:"text,omitempty"`
	Entry       []Reference      `json:"entry,omitempty"`
	EmptyReason *CodeableConcept `json:"emptyReason,omitempty"`
	Section     []Section        `json:"section,omitempty"`
}

// Patient is the person the document is about.
type Patient struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Meta         *Meta          `json:"meta,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Name         []HumanName    `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
	Gender       string         `json:"gender,omitempty"`
	BirthDate    string         `json:"birthDate,omitempty"`
	Address      []Address      `json:"address,omitempty"`
}

// Practitioner is a clinician, identified by an HPR ID in ABDM.
type Practitioner struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Meta         *Meta          `json:"meta,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Name         []HumanName    `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
}

// Organization is a facility, identified by an HFR ID in ABDM, or another
// organisation such as a vaccine manufacturer.
type Organization struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Meta         *Meta          `json:"meta,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Name         string         `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
	Address      []Address      `json:"address,omitempty"`
}

// Encounter is the visit or admission a record belongs to.
type Encounter struct {
	ResourceType    string               `json:"resourceType"`
	ID              string               `json:"id,omitempty"`
	Meta            *Meta                `json:"meta,omitempty"`
	Identifier      []Identifier         `json:"identifier,omitempty"`
	Status          string               `json:"status,omitempty"`
	Class           *Coding              `json:"class,omitempty"`
	Type            []CodeableConcept    `json:"type,omitempty"`
	Subject         *Reference           `json:"subject,omitempty"`
	Period          *Period              `json:"period,omitempty"`
	Diagnosis       []EncounterDiagnosis `json:"diagnosis,omitempty"`
	ServiceProvider *Reference           `json:"serviceProvider,omitempty"`
}

// EncounterDiagnosis links an Encounter to a diagnosis made in it.
type EncounterDiagnosis struct {
	Condition *Reference       `json:"condition,omitempty"`
	Use       *CodeableConcept `json:"use,omitempty"`
	Rank      int              `json:"rank,omitempty"`
}

// Condition is a complaint, problem or diagnosis.
type Condition struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Severity           *CodeableConcept  `json:"severity,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            *Reference        `json:"subject,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	OnsetPeriod        *Period           `json:"onsetPeriod,omitempty"`
	OnsetString        string            `json:"onsetString,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Note               []Annotation      `json:"note,omitempty"`
}

// Observation is a measurement or finding: a vital sign, a lab result, an
// examination finding.
type Observation struct {
	ResourceType         string                 `json:"resourceType"`
	ID                   string                 `json:"id,omitempty"`
	Meta                 *Meta                  `json:"meta,omitempty"`
	Status               string                 `json:"status,omitempty"`
	Category             []CodeableConcept      `json:"category,omitempty"`
	Code                 *CodeableConcept       `json:"code,omitempty"`
	Subject              *Reference             `json:"subject,omitempty"`
	Encounter            *Reference             `json:"encounter,omitempty"`
	EffectiveDateTime    string                 `json:"effectiveDateTime,omitempty"`
	EffectivePeriod      *Period                `json:"effectivePeriod,omitempty"`
	Issued               string                 `json:"issued,omitempty"`
	Performer            []Reference            `json:"performer,omitempty"`
	ValueQuantity        *Quantity              `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept       `json:"valueCodeableConcept,omitempty"`
	ValueString          string                 `json:"valueString,omitempty"`
	ValueBoolean         *bool                  `json:"valueBoolean,omitempty"`
	ValueInteger         json.Number            `json:"valueInteger,omitempty"`
	ValueDateTime        string                 `json:"valueDateTime,omitempty"`
	DataAbsentReason     *CodeableConcept       `json:"dataAbsentReason,omitempty"`
	Interpretation       []CodeableConcept      `json:"interpretation,omitempty"`
	Note                 []Annotation           `json:"note,omitempty"`
	BodySite             *CodeableConcept       `json:"bodySite,omitempty"`
	Method               *CodeableConcept       `json:"method,omitempty"`
	Specimen             *Reference             `json:"specimen,omitempty"`
	ReferenceRange       []ReferenceRange       `json:"referenceRange,omitempty"`
	HasMember            []Reference            `json:"hasMember,omitempty"`
	Component            []ObservationComponent `json:"component,omitempty"`
}

// ReferenceRange is the normal range of an Observation's value.
type ReferenceRange struct {
	Low  *Quantity        `json:"low,omitempty"`
	High *Quantity        `json:"high,omitempty"`
	Type *CodeableConcept `json:"type,omitempty"`
	Text string           `json:"text,omitempty"`
}

// ObservationComponent is one part of a multi-part Observation, such as the
// systolic pressure of a blood pressure.
type ObservationComponent struct {
	Code                 *CodeableConcept  `json:"code,omitempty"`
	ValueQuantity        *Quantity         `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept  `json:"valueCodeableConcept,omitempty"`
	ValueString          string            `json:"valueString,omitempty"`
	DataAbsentReason     *CodeableConcept  `json:"dataAbsentReason,omitempty"`
	Interpretation       []CodeableConcept `json:"interpretation,omitempty"`
	ReferenceRange       []ReferenceRange  `json:"referenceRange,omitempty"`
}

// Medication is a drug, referenced from a MedicationRequest or statement.
type Medication struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id,omitempty"`
	Meta         *Meta            `json:"meta,omitempty"`
	Code         *CodeableConcept `json:"code,omitempty"`
	Form         *CodeableConcept `json:"form,omitempty"`
}

// MedicationRequest is a prescribed medicine.
type MedicationRequest struct {
	ResourceType              string            `json:"resourceType"`
	ID                        string            `json:"id,omitempty"`
	Meta                      *Meta             `json:"meta,omitempty"`
	Status                    string            `json:"status,omitempty"`
	Intent                    string            `json:"intent,omitempty"`
	Category                  []CodeableConcept `json:"category,omitempty"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   *Reference        `json:"subject,omitempty"`
	Encounter                 *Reference        `json:"encounter,omitempty"`
	AuthoredOn                string            `json:"authoredOn,omitempty"`
	Requester                 *Reference        `json:"requester,omitempty"`
	ReasonCode                []CodeableConcept `json:"reasonCode,omitempty"`
	ReasonReference           []Reference       `json:"reasonReference,omitempty"`
	Note                      []Annotation      `json:"note,omitempty"`
	DosageInstruction         []Dosage          `json:"dosageInstruction,omitempty"`
}

// MedicationStatement is a medicine the person is or was taking.
type MedicationStatement struct {
	ResourceType              string            `json:"resourceType"`
	ID                        string            `json:"id,omitempty"`
	Meta                      *Meta             `json:"meta,omitempty"`
	Status                    string            `json:"status,omitempty"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   *Reference        `json:"subject,omitempty"`
	EffectiveDateTime         string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod           *Period           `json:"effectivePeriod,omitempty"`
	DateAsserted              string            `json:"dateAsserted,omitempty"`
	ReasonCode                []CodeableConcept `json:"reasonCode,omitempty"`
	Note                      []Annotation      `json:"note,omitempty"`
	Dosage                    []Dosage          `json:"dosage,omitempty"`
}

// DiagnosticReport is a lab or imaging report: its results and conclusion.
type DiagnosticReport struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	Identifier         []Identifier      `json:"identifier,omitempty"`
	Status             string            `json:"status,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            *Reference        `json:"subject,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime  string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod    *Period           `json:"effectivePeriod,omitempty"`
	Issued             string            `json:"issued,omitempty"`
	Performer          []Reference       `json:"performer,omitempty"`
	ResultsInterpreter []Reference       `json:"resultsInterpreter,omitempty"`
	Specimen           []Reference       `json:"specimen,omitempty"`
	Result             []Reference       `json:"result,omitempty"`
	ImagingStudy       []Reference       `json:"imagingStudy,omitempty"`
	Conclusion         string            `json:"conclusion,omitempty"`
	ConclusionCode     []CodeableConcept `json:"conclusionCode,omitempty"`
	PresentedForm      []Attachment      `json:"presentedForm,omitempty"`
}

// Immunization is a vaccine dose given.
type Immunization struct {
	ResourceType       string                  `json:"resourceType"`
	ID                 string                  `json:"id,omitempty"`
	Meta               *Meta                   `json:"meta,omitempty"`
	Status             string                  `json:"status,omitempty"`
	VaccineCode        *CodeableConcept        `json:"vaccineCode,omitempty"`
	Patient            *Reference              `json:"patient,omitempty"`
	Encounter          *Reference              `json:"encounter,omitempty"`
	OccurrenceDateTime string                  `json:"occurrenceDateTime,omitempty"`
	OccurrenceString   string                  `json:"occurrenceString,omitempty"`
	Recorded           string                  `json:"recorded,omitempty"`
	PrimarySource      *bool                   `json:"primarySource,omitempty"`
	Manufacturer       *Reference              `json:"manufacturer,omitempty"`
	LotNumber          string                  `json:"lotNumber,omitempty"`
	ExpirationDate     string                  `json:"expirationDate,omitempty"`
	Site               *CodeableConcept        `json:"site,omitempty"`
	Route              *CodeableConcept        `json:"route,omitempty"`
	DoseQuantity       *Quantity               `json:"doseQuantity,omitempty"`
	Performer          []ImmunizationPerformer `json:"performer,omitempty"`
	Note               []Annotation            `json:"note,omitempty"`
	ReasonCode         []CodeableConcept       `json:"reasonCode,omitempty"`
	ProtocolApplied    []ProtocolApplied       `json:"protocolApplied,omitempty"`
}

// ImmunizationPerformer is who gave a vaccine dose.
type ImmunizationPerformer struct {
	Function *CodeableConcept `json:"function,omitempty"`
	Actor    *Reference       `json:"actor,omitempty"`
}

// ProtocolApplied is the place of a dose in its schedule.
type ProtocolApplied struct {
	Series                 string            `json:"series,omitempty"`
	TargetDisease          []CodeableConcept `json:"targetDisease,omitempty"`
	DoseNumberPositiveInt  int               `json:"doseNumberPositiveInt,omitempty"`
	DoseNumberString       string            `json:"doseNumberString,omitempty"`
	SeriesDosesPositiveInt int               `json:"seriesDosesPositiveInt,omitempty"`
	SeriesDosesString      string            `json:"seriesDosesString,omitempty"`
}

// DocumentReference is a document, such as a scanned report, with its file.
type DocumentReference struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	Meta         *Meta             `json:"meta,omitempty"`
	Identifier   []Identifier      `json:"identifier,omitempty"`
	Status       string            `json:"status,omitempty"`
	DocStatus    string            `json:"docStatus,omitempty"`
	Type         *CodeableConcept  `json:"type,omitempty"`
	Category     []CodeableConcept `json:"category,omitempty"`
	Subject      *Reference        `json:"subject,omitempty"`
	Date         string            `json:"date,omitempty"`
	Author       []Reference       `json:"author,omitempty"`
	Custodian    *Reference        `json:"custodian,omitempty"`
	Description  string            `json:"description,omitempty"`
	Content      []DocumentContent `json:"content,omitempty"`
}

// DocumentContent is one file of a DocumentReference.
type DocumentContent struct {
	Attachment *Attachment `json:"attachment,omitempty"`
	Format     *Coding     `json:"format,omitempty"`
}

// Binary is a raw file inside the Bundle.
type Binary struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	Meta         *Meta  `json:"meta,omitempty"`
	ContentType  string `json:"contentType,omitempty"`
	Data         string `json:"data,omitempty"`
}

// AllergyIntolerance is an allergy or intolerance.
type AllergyIntolerance struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Type               string            `json:"type,omitempty"`
	Category           []string          `json:"category,omitempty"`
	Criticality        string            `json:"criticality,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Patient            *Reference        `json:"patient,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	OnsetString        string            `json:"onsetString,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Recorder           *Reference        `json:"recorder,omitempty"`
	Asserter           *Reference        `json:"asserter,omitempty"`
	Note               []Annotation      `json:"note,omitempty"`
	Reaction           []AllergyReaction `json:"reaction,omitempty"`
}

// AllergyReaction is a reaction to an allergen.
type AllergyReaction struct {
	Manifestation []CodeableConcept `json:"manifestation,omitempty"`
	Description   string            `json:"description,omitempty"`
	Severity      string            `json:"severity,omitempty"`
}

// Procedure is a procedure done.
type Procedure struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Meta              *Meta             `json:"meta,omitempty"`
	Status            string            `json:"status,omitempty"`
	Category          *CodeableConcept  `json:"category,omitempty"`
	Code              *CodeableConcept  `json:"code,omitempty"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	PerformedDateTime string            `json:"performedDateTime,omitempty"`
	PerformedPeriod   *Period           `json:"performedPeriod,omitempty"`
	PerformedString   string            `json:"performedString,omitempty"`
	ReasonCode        []CodeableConcept `json:"reasonCode,omitempty"`
	BodySite          []CodeableConcept `json:"bodySite,omitempty"`
	Outcome           *CodeableConcept  `json:"outcome,omitempty"`
	Complication      []CodeableConcept `json:"complication,omitempty"`
	FollowUp          []CodeableConcept `json:"followUp,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
}

// Appointment is a planned visit, such as a follow-up.
type Appointment struct {
	ResourceType       string                   `json:"resourceType"`
	ID                 string                   `json:"id,omitempty"`
	Meta               *Meta                    `json:"meta,omitempty"`
	Status             string                   `json:"status,omitempty"`
	ServiceCategory    []CodeableConcept        `json:"serviceCategory,omitempty"`
	ServiceType        []CodeableConcept        `json:"serviceType,omitempty"`
	AppointmentType    *CodeableConcept         `json:"appointmentType,omitempty"`
	ReasonCode         []CodeableConcept        `json:"reasonCode,omitempty"`
	ReasonReference    []Reference              `json:"reasonReference,omitempty"`
	Description        string                   `json:"description,omitempty"`
	Start              string                   `json:"start,omitempty"`
	End                string                   `json:"end,omitempty"`
	Created            string                   `json:"created,omitempty"`
	Comment            string                   `json:"comment,omitempty"`
	PatientInstruction string                   `json:"patientInstruction,omitempty"`
	Participant        []AppointmentParticipant `json:"participant,omitempty"`
}

// AppointmentParticipant is one person or place taking part in an
// Appointment.
type AppointmentParticipant struct {
	Actor    *Reference `json:"actor,omitempty"`
	Required string     `json:"required,omitempty"`
	Status   string     `json:"status,omitempty"`
}

// CarePlan is advice or a plan of care.
type CarePlan struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	Meta         *Meta             `json:"meta,omitempty"`
	Status       string            `json:"status,omitempty"`
	Intent       string            `json:"intent,omitempty"`
	Category     []CodeableConcept `json:"category,omitempty"`
	Title        string            `json:"title,omitempty"`
	Description  string            `json:"description,omitempty"`
	Subject      *Reference        `json:"subject,omitempty"`
	Encounter    *Reference        `json:"encounter,omitempty"`
	Period       *Period           `json:"period,omitempty"`
	Created      string            `json:"created,omitempty"`
	Author       *Reference        `json:"author,omitempty"`
	Note         []Annotation      `json:"note,omitempty"`
}

// ServiceRequest is an order or referral, such as an investigation advised.
type ServiceRequest struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	Status             string            `json:"status,omitempty"`
	Intent             string            `json:"intent,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            *Reference        `json:"subject,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OccurrenceDateTime string            `json:"occurrenceDateTime,omitempty"`
	AuthoredOn         string            `json:"authoredOn,omitempty"`
	Requester          *Reference        `json:"requester,omitempty"`
	Performer          []Reference       `json:"performer,omitempty"`
	ReasonCode         []CodeableConcept `json:"reasonCode,omitempty"`
	Note               []Annotation      `json:"note,omitempty"`
	PatientInstruction string            `json:"patientInstruction,omitempty"`
}

// Invoice is a bill: its line items and totals.
type Invoice struct {
	ResourceType string               `json:"resourceType"`
	ID           string               `json:"id,omitempty"`
	Meta         *Meta                `json:"meta,omitempty"`
	Identifier   []Identifier         `json:"identifier,omitempty"`
	Status       string               `json:"status,omitempty"`
	Type         *CodeableConcept     `json:"type,omitempty"`
	Subject      *Reference           `json:"subject,omitempty"`
	Date         string               `json:"date,omitempty"`
	Participant  []InvoiceParticipant `json:"participant,omitempty"`
	Issuer       *Reference           `json:"issuer,omitempty"`
	LineItem     []InvoiceLineItem    `json:"lineItem,omitempty"`
	TotalNet     *Money               `json:"totalNet,omitempty"`
	TotalGross   *Money               `json:"totalGross,omitempty"`
	Note         []Annotation         `json:"note,omitempty"`
}

// InvoiceParticipant is someone involved in what was billed.
type InvoiceParticipant struct {
	Role  *CodeableConcept `json:"role,omitempty"`
	Actor *Reference       `json:"actor,omitempty"`
}

// InvoiceLineItem is one line of an Invoice.
type InvoiceLineItem struct {
	Sequence                  int              `json:"sequence,omitempty"`
	ChargeItemReference       *Reference       `json:"chargeItemReference,omitempty"`
	ChargeItemCodeableConcept *CodeableConcept `json:"chargeItemCodeableConcept,omitempty"`
	PriceComponent            []PriceComponent `json:"priceComponent,omitempty"`
}

// PriceComponent is one part of a line's price: base, surcharge, deduction,
// discount, tax or informational.
type PriceComponent struct {
	Type   string           `json:"type,omitempty"`
	Code   *CodeableConcept `json:"code,omitempty"`
	Factor json.Number      `json:"factor,omitempty"`
	Amount *Money           `json:"amount,omitempty"`
}

// ChargeItem is something billed: a service, a medicine.
type ChargeItem struct {
	ResourceType           string                `json:"resourceType"`
	ID                     string                `json:"id,omitempty"`
	Meta                   *Meta                 `json:"meta,omitempty"`
	Identifier             []Identifier          `json:"identifier,omitempty"`
	Status                 string                `json:"status,omitempty"`
	Code                   *CodeableConcept      `json:"code,omitempty"`
	Subject                *Reference            `json:"subject,omitempty"`
	Context                *Reference            `json:"context,omitempty"`
	OccurrenceDateTime     string                `json:"occurrenceDateTime,omitempty"`
	Performer              []ChargeItemPerformer `json:"performer,omitempty"`
	Quantity               *Quantity             `json:"quantity,omitempty"`
	PriceOverride          *Money                `json:"priceOverride,omitempty"`
	EnteredDate            string                `json:"enteredDate,omitempty"`
	ProductReference       *Reference            `json:"productReference,omitempty"`
	ProductCodeableConcept *CodeableConcept      `json:"productCodeableConcept,omitempty"`
	Note                   []Annotation          `json:"note,omitempty"`
}

// ChargeItemPerformer is who performed what was billed.
type ChargeItemPerformer struct {
	Function *CodeableConcept `json:"function,omitempty"`
	Actor    *Reference       `json:"actor,omitempty"`
}

// Specimen is a sample taken for a lab test.
type Specimen struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	Meta         *Meta               `json:"meta,omitempty"`
	Identifier   []Identifier        `json:"identifier,omitempty"`
	Status       string              `json:"status,omitempty"`
	Type         *CodeableConcept    `json:"type,omitempty"`
	Subject      *Reference          `json:"subject,omitempty"`
	ReceivedTime string              `json:"receivedTime,omitempty"`
	Collection   *SpecimenCollection `json:"collection,omitempty"`
	Note         []Annotation        `json:"note,omitempty"`
}

// SpecimenCollection is when, how and from where a Specimen was collected.
type SpecimenCollection struct {
	Collector         *Reference       `json:"collector,omitempty"`
	CollectedDateTime string           `json:"collectedDateTime,omitempty"`
	Method            *CodeableConcept `json:"method,omitempty"`
	BodySite          *CodeableConcept `json:"bodySite,omitempty"`
}

// ImagingStudy is a set of images from one imaging session.
type ImagingStudy struct {
	ResourceType      string               `json:"resourceType"`
	ID                string               `json:"id,omitempty"`
	Meta              *Meta                `json:"meta,omitempty"`
	Identifier        []Identifier         `json:"identifier,omitempty"`
	Status            string               `json:"status,omitempty"`
	Modality          []Coding             `json:"modality,omitempty"`
	Subject           *Reference           `json:"subject,omitempty"`
	Encounter         *Reference           `json:"encounter,omitempty"`
	Started           string               `json:"started,omitempty"`
	NumberOfSeries    int                  `json:"numberOfSeries,omitempty"`
	NumberOfInstances int                  `json:"numberOfInstances,omitempty"`
	Description       string               `json:"description,omitempty"`
	Series            []ImagingStudySeries `json:"series,omitempty"`
}

// ImagingStudySeries is one series of an ImagingStudy.
type ImagingStudySeries struct {
	UID         string  `json:"uid,omitempty"`
	Modality    *Coding `json:"modality,omitempty"`
	Description string  `json:"description,omitempty"`
	BodySite    *Coding `json:"bodySite,omitempty"`
}

func (*Composition) kind() string         { return "Composition" }
func (*Patient) kind() string             { return "Patient" }
func (*Practitioner) kind() string        { return "Practitioner" }
func (*Organization) kind() string        { return "Organization" }
func (*Encounter) kind() string           { return "Encounter" }
func (*Condition) kind() string           { return "Condition" }
func (*Observation) kind() string         { return "Observation" }
func (*Medication) kind() string          { return "Medication" }
func (*MedicationRequest) kind() string   { return "MedicationRequest" }
func (*MedicationStatement) kind() string { return "MedicationStatement" }
func (*DiagnosticReport) kind() string    { return "DiagnosticReport" }
func (*Immunization) kind() string        { return "Immunization" }
func (*DocumentReference) kind() string   { return "DocumentReference" }
func (*Binary) kind() string              { return "Binary" }
func (*AllergyIntolerance) kind() string  { return "AllergyIntolerance" }
func (*Procedure) kind() string           { return "Procedure" }
func (*Appointment) kind() string         { return "Appointment" }
func (*CarePlan) kind() string            { return "CarePlan" }
func (*ServiceRequest) kind() string      { return "ServiceRequest" }
func (*Invoice) kind() string             { return "Invoice" }
func (*ChargeItem) kind() string          { return "ChargeItem" }
func (*Specimen) kind() string            { return "Specimen" }
func (*ImagingStudy) kind() string        { return "ImagingStudy" }

// newTyped returns a new, empty typed resource for a resourceType, or nil
// for types this package does not model.
func newTyped(resourceType string) resource {
	switch resourceType {
	case "Composition":
		return new(Composition)
	case "Patient":
		return new(Patient)
	case "Practitioner":
		return new(Practitioner)
	case "Organization":
		return new(Organization)
	case "Encounter":
		return new(Encounter)
	case "Condition":
		return new(Condition)
	case "Observation":
		return new(Observation)
	case "Medication":
		return new(Medication)
	case "MedicationRequest":
		return new(MedicationRequest)
	case "MedicationStatement":
		return new(MedicationStatement)
	case "DiagnosticReport":
		return new(DiagnosticReport)
	case "Immunization":
		return new(Immunization)
	case "DocumentReference":
		return new(DocumentReference)
	case "Binary":
		return new(Binary)
	case "AllergyIntolerance":
		return new(AllergyIntolerance)
	case "Procedure":
		return new(Procedure)
	case "Appointment":
		return new(Appointment)
	case "CarePlan":
		return new(CarePlan)
	case "ServiceRequest":
		return new(ServiceRequest)
	case "Invoice":
		return new(Invoice)
	case "ChargeItem":
		return new(ChargeItem)
	case "Specimen":
		return new(Specimen)
	case "ImagingStudy":
		return new(ImagingStudy)
	}
	return nil
}
