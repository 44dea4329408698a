package fhir

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Consultation is an OP consultation record (HI type OPConsultation).
type Consultation struct {
	ChiefComplaints []Concept
	Allergies       []Concept
	Vitals          Vitals
	Findings        []Result // examination findings and other observations
	Diagnoses       []Concept
	Medicines       []Medicine
	Investigations  []Concept // tests advised
	Advice          string
	FollowUp        *FollowUp
}

// HIType returns HITypeOPConsultation.
func (Consultation) HIType() string { return HITypeOPConsultation }

func (c Consultation) build(bd *builder) error {
	complaints, err := bd.conditions("chiefComplaints", c.ChiefComplaints, "problem-list-item")
	if err != nil {
		return err
	}
	bd.section("Chief complaints", &sectionChiefComplaints, complaints)
	allergies, err := bd.allergies(c.Allergies)
	if err != nil {
		return err
	}
	bd.section("Allergies", &sectionAllergies, allergies)
	signs, body, err := bd.vitals(c.Vitals)
	if err != nil {
		return err
	}
	findings, err := bd.observations("findings", c.Findings, "exam")
	if err != nil {
		return err
	}
	bd.section("Physical examination", &sectionPhysicalExam, append(append(signs, body...), findings...))
	diagnoses, err := bd.diagnoses(c.Diagnoses)
	if err != nil {
		return err
	}
	bd.section("Diagnosis", nil, diagnoses)
	meds, err := bd.medicines(c.Medicines)
	if err != nil {
		return err
	}
	bd.section("Medications", &sectionMedicationsOP, meds)
	var orders []Reference
	for i, inv := range c.Investigations {
		if err := inv.check(fmt.Sprintf("investigations[%d]", i)); err != nil {
			return err
		}
		id := bd.id()
		orders = append(orders, *bd.add(id, &ServiceRequest{ResourceType: "ServiceRequest", ID: id, Meta: meta("ServiceRequest"),
			Status: "active", Intent: "order", Code: inv.codeable(), Subject: bd.patient, Encounter: bd.encounter,
			AuthoredOn: bd.date, Requester: bd.author}))
	}
	bd.section("Investigation advice", &Code{SystemSNOMED, "721963009", "Order document", ""}, orders)
	bd.textSection("Advice", c.Advice)
	fu, err := bd.followUp(c.FollowUp)
	if err != nil {
		return err
	}
	bd.section("Follow up", &sectionFollowUp, fu)
	return nil
}

// Prescription is a prescription (HI type Prescription).
type Prescription struct {
	Medicines []Medicine
	Notes     string
}

// HIType returns HITypePrescription.
func (Prescription) HIType() string { return HITypePrescription }

func (p Prescription) build(bd *builder) error {
	if len(p.Medicines) == 0 {
		return invalidf("medicines: a prescription needs at least one medicine")
	}
	meds, err := bd.medicines(p.Medicines)
	if err != nil {
		return err
	}
	bd.section("Prescription", &sectionPrescription, meds)
	bd.textSection("Notes", p.Notes)
	return nil
}

// DischargeSummary is a discharge summary (HI type DischargeSummary).
type DischargeSummary struct {
	Admitted, Discharged time.Time // the inpatient encounter's period
	ChiefComplaints      []Concept
	Diagnoses            []Concept
	Procedures           []PerformedProcedure
	Medicines            []Medicine // medicines on discharge
	Advice               string     // discharge advice, as a care plan
	FollowUp             *FollowUp
}

// PerformedProcedure is a procedure done during an admission.
type PerformedProcedure struct {
	Procedure Concept
	Date      time.Time
	Outcome   string
}

// HIType returns HITypeDischargeSummary.
func (DischargeSummary) HIType() string { return HITypeDischargeSummary }

func (d DischargeSummary) build(bd *builder) error {
	switch {
	case d.Admitted.IsZero() || d.Discharged.IsZero():
		return invalidf("admission and discharge dates are required")
	case d.Discharged.Before(d.Admitted):
		return invalidf("discharge is before admission")
	}
	// The admission is the encounter, whatever the header's visit says
	// about its times.
	bd.enc.Class = &Coding{System: systemActCode, Code: "IMP", Display: encounterClasses["IMP"]}
	bd.enc.Period = &Period{Start: fhirDateTime(d.Admitted), End: fhirDateTime(d.Discharged)}

	complaints, err := bd.conditions("chiefComplaints", d.ChiefComplaints, "problem-list-item")
	if err != nil {
		return err
	}
	bd.section("Chief complaints", &sectionChiefComplaints, complaints)
	diagnoses, err := bd.diagnoses(d.Diagnoses)
	if err != nil {
		return err
	}
	bd.section("Diagnosis", nil, diagnoses)
	var procs []Reference
	for i, p := range d.Procedures {
		path := fmt.Sprintf("procedures[%d]", i)
		if err := p.Procedure.check(path); err != nil {
			return err
		}
		id := bd.id()
		r := &Procedure{ResourceType: "Procedure", ID: id, Meta: meta("Procedure"), Status: "completed",
			Code: p.Procedure.codeable(), Subject: bd.patient, Encounter: bd.encounter}
		if !p.Date.IsZero() {
			r.PerformedDateTime = fhirDateTime(p.Date)
		}
		if o := strings.TrimSpace(p.Outcome); o != "" {
			r.Outcome = &CodeableConcept{Text: o}
		}
		procs = append(procs, *bd.add(id, r))
	}
	bd.section("Procedures", &sectionProceduresDS, procs)
	meds, err := bd.medicines(d.Medicines)
	if err != nil {
		return err
	}
	bd.section("Medications", &sectionMedicationsDS, meds)
	bd.section("Care plan", &sectionCarePlan, bd.carePlan("Discharge advice", d.Advice))
	fu, err := bd.followUp(d.FollowUp)
	if err != nil {
		return err
	}
	bd.section("Follow up", &sectionFollowUp, fu)
	return nil
}

// LabReport is a laboratory report (HI type DiagnosticReport): a
// DiagnosticReport with one Observation per result.
type LabReport struct {
	Test         Concept // the test or panel, e.g. LOINC("58410-2", "Complete blood count")
	Results      []Result
	SpecimenType Concept   // optional, e.g. SNOMED("119297000", "Blood specimen")
	Collected    time.Time // when the specimen was collected; optional
	Conclusion   string
	Report       *File // the lab's own report, e.g. a PDF; optional
}

// HIType returns HITypeDiagnosticReport.
func (LabReport) HIType() string { return HITypeDiagnosticReport }

func (l LabReport) build(bd *builder) error {
	if err := l.Test.check("test"); err != nil {
		return err
	}
	if len(l.Results) == 0 {
		return invalidf("results: a lab report needs at least one result")
	}
	var specimen *Reference
	if !l.SpecimenType.isZero() || !l.Collected.IsZero() {
		if err := l.SpecimenType.check("specimenType"); err != nil {
			return err
		}
		id := bd.id()
		s := &Specimen{ResourceType: "Specimen", ID: id, Meta: meta("Specimen"), Type: l.SpecimenType.codeable(), Subject: bd.patient}
		if !l.Collected.IsZero() {
			s.Collection = &SpecimenCollection{CollectedDateTime: fhirDateTime(l.Collected)}
		}
		specimen = bd.add(id, s)
	}
	if !l.Collected.IsZero() {
		bd.effective = fhirDateTime(l.Collected)
	}
	results, err := bd.observations("results", l.Results, "laboratory")
	if err != nil {
		return err
	}
	id := bd.id()
	r := &DiagnosticReport{ResourceType: "DiagnosticReport", ID: id, Meta: meta("DiagnosticReportLab"), Status: "final",
		Category: []CodeableConcept{{Coding: []Coding{{System: systemDiagnosticService, Code: "LAB", Display: "Laboratory"}}}},
		Code:     l.Test.codeable(), Subject: bd.patient, Encounter: bd.encounter, EffectiveDateTime: firstNonEmpty(bd.effective, bd.date),
		Issued: bd.date, Performer: []Reference{*bd.org}, ResultsInterpreter: []Reference{*bd.author}, Result: results,
		Conclusion: strings.TrimSpace(l.Conclusion)}
	if specimen != nil {
		r.Specimen = []Reference{*specimen}
	}
	if l.Report != nil {
		if err := l.Report.check("report"); err != nil {
			return err
		}
		r.PresentedForm = []Attachment{*l.Report.attachment()}
	}
	bd.section("Diagnostic report", &sectionDiagnostic, []Reference{*bd.add(id, r)})
	return nil
}

// ImagingReport is an imaging report (HI type DiagnosticReport): a
// DiagnosticReport with a conclusion and, optionally, the report or images.
type ImagingReport struct {
	Study           Concept // e.g. LOINC("36643-5", "XR Chest 2 Views")
	Conclusion      string
	ConclusionCodes []Concept
	Files           []File // a PDF of the report, or images
}

// HIType returns HITypeDiagnosticReport.
func (ImagingReport) HIType() string { return HITypeDiagnosticReport }

func (m ImagingReport) build(bd *builder) error {
	if err := m.Study.check("study"); err != nil {
		return err
	}
	if strings.TrimSpace(m.Conclusion) == "" && len(m.Files) == 0 {
		return invalidf("an imaging report needs a conclusion or a file")
	}
	id := bd.id()
	r := &DiagnosticReport{ResourceType: "DiagnosticReport", ID: id, Meta: meta("DiagnosticReportImaging"), Status: "final",
		Category: []CodeableConcept{{Coding: []Coding{{System: systemDiagnosticService, Code: "RAD", Display: "Radiology"}}}},
		Code:     m.Study.codeable(), Subject: bd.patient, Encounter: bd.encounter, EffectiveDateTime: bd.date, Issued: bd.date,
		Performer: []Reference{*bd.org}, ResultsInterpreter: []Reference{*bd.author}, Conclusion: strings.TrimSpace(m.Conclusion)}
	for i, c := range m.ConclusionCodes {
		if err := c.check(fmt.Sprintf("conclusionCodes[%d]", i)); err != nil {
			return err
		}
		r.ConclusionCode = append(r.ConclusionCode, *c.codeable())
	}
	for i := range m.Files {
		if err := m.Files[i].check(fmt.Sprintf("files[%d]", i)); err != nil {
			return err
		}
		r.PresentedForm = append(r.PresentedForm, *m.Files[i].attachment())
	}
	bd.section("Diagnostic report", &sectionDiagnostic, []Reference{*bd.add(id, r)})
	return nil
}

// ImmunizationRecord is a record of vaccine doses given (HI type
// ImmunizationRecord).
type ImmunizationRecord struct {
	Doses []Vaccination
}

// Vaccination is one vaccine dose.
type Vaccination struct {
	Vaccine      Concept // e.g. SNOMED CT or the product name
	Date         time.Time
	LotNumber    string
	DoseNumber   int    // the dose's number in its series, if known
	Manufacturer string // the manufacturer's name
	Route        string // e.g. "intramuscular"
}

// HIType returns HITypeImmunizationRecord.
func (ImmunizationRecord) HIType() string { return HITypeImmunizationRecord }

func (r ImmunizationRecord) build(bd *builder) error {
	if len(r.Doses) == 0 {
		return invalidf("doses: an immunization record needs at least one dose")
	}
	makers := map[string]*Reference{}
	var refs []Reference
	for i, d := range r.Doses {
		path := fmt.Sprintf("doses[%d]", i)
		if err := d.Vaccine.check(path + ".vaccine"); err != nil {
			return err
		}
		if d.Date.IsZero() {
			return invalidf("%s.date: the date given is required", path)
		}
		if d.DoseNumber < 0 {
			return invalidf("%s.doseNumber: cannot be negative", path)
		}
		var maker *Reference
		if name := strings.TrimSpace(d.Manufacturer); name != "" {
			if maker = makers[name]; maker == nil {
				id := bd.id()
				maker = bd.add(id, &Organization{ResourceType: "Organization", ID: id, Meta: meta("Organization"), Name: name})
				makers[name] = maker
			}
		}
		id := bd.id()
		im := &Immunization{ResourceType: "Immunization", ID: id, Meta: meta("Immunization"), Status: "completed",
			VaccineCode: d.Vaccine.codeable(), Patient: bd.patient, Encounter: bd.encounter,
			OccurrenceDateTime: fhirDateTime(d.Date), Recorded: bd.date, PrimarySource: ptr(true), Manufacturer: maker,
			LotNumber: strings.TrimSpace(d.LotNumber), Route: routeConcept(d.Route),
			Performer: []ImmunizationPerformer{{Actor: bd.author}}}
		if d.DoseNumber > 0 {
			im.ProtocolApplied = []ProtocolApplied{{DoseNumberPositiveInt: d.DoseNumber}}
		}
		refs = append(refs, *bd.add(id, im))
	}
	bd.section("Immunizations", &sectionImmunization, refs)
	return nil
}

// WellnessRecord is a record of vital signs and body measurements (HI type
// WellnessRecord).
type WellnessRecord struct {
	Vitals Vitals
	Other  []Result
}

// HIType returns HITypeWellnessRecord.
func (WellnessRecord) HIType() string { return HITypeWellnessRecord }

func (w WellnessRecord) build(bd *builder) error {
	signs, body, err := bd.vitals(w.Vitals)
	if err != nil {
		return err
	}
	// The NRCeS WellnessRecord names its sections by title; they have no codes.
	bd.section("Vital Signs", nil, signs)
	bd.section("Body Measurement", nil, body)
	other, err := bd.observations("other", w.Other, "")
	if err != nil {
		return err
	}
	bd.section("Other Observations", nil, other)
	return nil
}

// HealthDocument is an uploaded document or image (HI type
// HealthDocumentRecord), such as an old report the person brought.
type HealthDocument struct {
	Title string
	Type  Concept // what the document is; by default SNOMED 419891008 Record artifact
	File  File
}

// HIType returns HITypeHealthDocumentRecord.
func (HealthDocument) HIType() string { return HITypeHealthDocumentRecord }

func (d HealthDocument) build(bd *builder) error {
	if err := d.File.check("file"); err != nil {
		return err
	}
	typ := d.Type
	if typ.isZero() {
		typ = sectionHealthDocument.Concept()
	} else if err := typ.check("type"); err != nil {
		return err
	}
	att := d.File.attachment()
	if att.Title == "" {
		att.Title = strings.TrimSpace(d.Title)
	}
	id := bd.id()
	ref := bd.add(id, &DocumentReference{ResourceType: "DocumentReference", ID: id, Meta: meta("DocumentReference"),
		Status: "current", DocStatus: "final", Type: typ.codeable(), Subject: bd.patient, Date: bd.date,
		Author: []Reference{*bd.author}, Custodian: bd.org, Description: strings.TrimSpace(d.Title),
		Content: []DocumentContent{{Attachment: att}}})
	bd.section("Health document", &sectionHealthDocument, []Reference{*ref})
	return nil
}

// InvoiceRecord is a bill (HI type Invoice).
type InvoiceRecord struct {
	Number   string // the facility's invoice number
	Currency string // ISO 4217; INR by default
	Items    []InvoiceItem
}

// InvoiceItem is one line of a bill. Amounts are in the invoice's currency
// and are rounded to two decimals.
type InvoiceItem struct {
	Item      Concept // code and name of the service or product
	Quantity  float64 // 1 if zero
	UnitPrice float64
	Total     float64 // Quantity × UnitPrice if zero
}

// HIType returns HITypeInvoice.
func (InvoiceRecord) HIType() string { return HITypeInvoice }

func (inv InvoiceRecord) build(bd *builder) error {
	if len(inv.Items) == 0 {
		return invalidf("items: an invoice needs at least one item")
	}
	currency := inv.Currency
	if currency == "" {
		currency = "INR"
	}
	if len(currency) != 3 || strings.ToUpper(currency) != currency {
		return invalidf("currency must be an ISO 4217 code such as INR")
	}
	invID := bd.id()
	in := &Invoice{ResourceType: "Invoice", ID: invID, Meta: meta("Invoice"), Status: "issued", Subject: bd.patient,
		Date: bd.date, Participant: []InvoiceParticipant{{Actor: bd.author}}, Issuer: bd.org}
	if n := strings.TrimSpace(inv.Number); n != "" {
		in.Identifier = []Identifier{{Value: n, Assigner: bd.org}}
	}
	var charges []pending
	var sum int64 // in hundredths
	for i, it := range inv.Items {
		path := fmt.Sprintf("items[%d]", i)
		if err := it.Item.check(path + ".item"); err != nil {
			return err
		}
		qty := it.Quantity
		if qty == 0 {
			qty = 1
		}
		for _, f := range []float64{qty, it.UnitPrice, it.Total} {
			if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e12 {
				return invalidf("%s: quantity and amounts must be positive numbers", path)
			}
		}
		total := cents(it.Total)
		if it.Total == 0 {
			total = int64(math.Round(qty * float64(cents(it.UnitPrice))))
		}
		sum += total
		id := bd.id()
		charges = append(charges, pending{id, &ChargeItem{ResourceType: "ChargeItem", ID: id, Meta: meta("ChargeItem"),
			Status: "billed", Code: it.Item.codeable(), Subject: bd.patient, Context: bd.encounter,
			Performer: []ChargeItemPerformer{{Actor: bd.author}}, Quantity: &Quantity{Value: json.Number(ftoa(qty))},
			PriceOverride: &Money{Value: money(cents(it.UnitPrice)), Currency: currency}, EnteredDate: bd.date}})
		in.LineItem = append(in.LineItem, InvoiceLineItem{Sequence: i + 1,
			ChargeItemReference: &Reference{Reference: "urn:uuid:" + id},
			PriceComponent:      []PriceComponent{{Type: "base", Amount: &Money{Value: money(total), Currency: currency}}}})
	}
	in.TotalNet = &Money{Value: money(sum), Currency: currency}
	in.TotalGross = &Money{Value: money(sum), Currency: currency}
	ref := bd.add(invID, in)
	bd.entries = append(bd.entries, charges...)
	bd.section("Invoice", nil, []Reference{*ref})
	return nil
}

// cents rounds an amount to hundredths.
func cents(f float64) int64 { return int64(math.Round(f * 100)) }

// money formats hundredths as a decimal with two places, e.g. "1250.50".
func money(c int64) json.Number {
	return json.Number(strconv.FormatInt(c/100, 10) + "." + fmt.Sprintf("%02d", c%100))
}

func ptr[T any](v T) *T { return &v }
