package fhir

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Medicine is a medicine prescribed.
type Medicine struct {
	Drug         Concept // the product, coded (SNOMED CT) or by name
	Dose         string  // e.g. "1 tablet", "5 ml"
	Route        string  // e.g. "oral"; common routes are coded in SNOMED CT
	Frequency    string  // as written, e.g. "1-0-1" or "twice a day"
	TimesPerDay  int     // the frequency as a number, if known
	Days         int     // duration of the course
	Instructions string  // e.g. "after food"
	AsNeeded     bool
}

// Result is one observation: a lab result or an examination finding, with
// a number and unit, or text.
type Result struct {
	Test Concept // what was measured, e.g. LOINC("718-7", "Haemoglobin")
	// Value is the number as the lab reports it ("13.5", "0.80"), kept
	// exactly; it may start with a comparator (<, <=, >=, >).
	Value string
	Unit  string // UCUM unit of Value, e.g. "g/dL"; required with Value
	Text  string // a result that is not a number, e.g. "Negative"
	// Low and High are the reference range, as decimals; either may be empty.
	Low, High string
	// Interpretation overrides the flag computed from the range: N, H, L,
	// HH, LL or A.
	Interpretation string
}

// Vitals are vital signs and body measurements. A zero field was not
// measured.
type Vitals struct {
	Systolic, Diastolic float64 // mm[Hg]
	Pulse               float64 // beats per minute
	RespiratoryRate     float64 // breaths per minute
	Temperature         float64 // in TemperatureUnit
	TemperatureUnit     string  // "Cel" (default) or "[degF]"
	SpO2                float64 // %
	Height              float64 // cm
	Weight              float64 // kg
	BMI                 float64 // kg/m2; computed from height and weight if zero
}

// FollowUp is a follow-up visit advised.
type FollowUp struct {
	Date   time.Time
	Reason string
}

// File is a document or image to embed, such as a scanned report.
type File struct {
	Title       string
	ContentType string // e.g. application/pdf, image/jpeg, image/png
	Data        []byte
	Created     time.Time // optional
}

func (f *File) check(path string) error {
	switch {
	case len(f.Data) == 0:
		return invalidf("%s: the file is empty", path)
	case len(f.Data) > MaxAttachmentSize:
		return invalidf("%s: the file is larger than %d MiB", path, MaxAttachmentSize>>20)
	case !validMediaType(f.ContentType):
		return invalidf("%s: content type must be a media type such as application/pdf", path)
	}
	return nil
}

func validMediaType(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	return ok && typ != "" && sub != "" && !strings.ContainsAny(s, " \t\r\n")
}

// attachment encodes a file as a FHIR Attachment with its size and SHA-1
// hash, as R4 defines them.
func (f *File) attachment() *Attachment {
	a := &Attachment{ContentType: f.ContentType, Data: b64(f.Data), Size: int64(len(f.Data)),
		Hash: sha1b64(f.Data), Title: strings.TrimSpace(f.Title)}
	if !f.Created.IsZero() {
		a.Creation = fhirDateTime(f.Created)
	}
	return a
}

// condition adds a Condition: a complaint or, with category, a diagnosis.
func (bd *builder) condition(c Concept, category string) Reference {
	id := bd.id()
	r := &Condition{ResourceType: "Condition", ID: id, Meta: meta("Condition"),
		ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: systemConditionClinical, Code: "active", Display: "Active"}}},
		Code:           c.codeable(), Subject: bd.patient, Encounter: bd.encounter, RecordedDate: bd.date}
	if category != "" {
		r.Category = []CodeableConcept{{Coding: []Coding{{System: systemConditionCategory, Code: category,
			Display: map[string]string{"encounter-diagnosis": "Encounter Diagnosis", "problem-list-item": "Problem List Item"}[category]}}}}
	}
	return *bd.add(id, r)
}

func (bd *builder) conditions(path string, cs []Concept, category string) ([]Reference, error) {
	var refs []Reference
	for i, c := range cs {
		if err := c.check(fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return nil, err
		}
		refs = append(refs, bd.condition(c, category))
	}
	return refs, nil
}

// diagnoses adds diagnoses and lists them on the Encounter.
func (bd *builder) diagnoses(cs []Concept) ([]Reference, error) {
	refs, err := bd.conditions("diagnoses", cs, "encounter-diagnosis")
	if err != nil {
		return nil, err
	}
	if bd.enc != nil {
		for i := range refs {
			bd.enc.Diagnosis = append(bd.enc.Diagnosis, EncounterDiagnosis{Condition: &refs[i], Rank: i + 1})
		}
	}
	return refs, nil
}

func (bd *builder) allergies(cs []Concept) ([]Reference, error) {
	var refs []Reference
	for i, c := range cs {
		if err := c.check(fmt.Sprintf("allergies[%d]", i)); err != nil {
			return nil, err
		}
		id := bd.id()
		refs = append(refs, *bd.add(id, &AllergyIntolerance{ResourceType: "AllergyIntolerance", ID: id, Meta: meta("AllergyIntolerance"),
			ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: systemAllergyClinical, Code: "active", Display: "Active"}}},
			Code:           c.codeable(), Patient: bd.patient, Encounter: bd.encounter, RecordedDate: bd.date, Recorder: bd.author}))
	}
	return refs, nil
}

// medicines adds a MedicationRequest for each medicine.
func (bd *builder) medicines(ms []Medicine) ([]Reference, error) {
	var refs []Reference
	for i, m := range ms {
		path := fmt.Sprintf("medicines[%d]", i)
		if err := m.Drug.check(path + ".drug"); err != nil {
			return nil, err
		}
		if m.TimesPerDay < 0 || m.Days < 0 {
			return nil, invalidf("%s: frequency and duration cannot be negative", path)
		}
		d := Dosage{Text: m.dosageText(), PatientInstruction: strings.TrimSpace(m.Instructions),
			AsNeededBoolean: m.AsNeeded, Route: routeConcept(m.Route)}
		if m.TimesPerDay > 0 || m.Days > 0 {
			rep := &TimingRepeat{}
			if m.TimesPerDay > 0 {
				rep.Frequency, rep.Period, rep.PeriodUnit = m.TimesPerDay, "1", "d"
			}
			if m.Days > 0 {
				rep.BoundsDuration = &Quantity{Value: itoa(m.Days), Unit: "days", System: SystemUCUM, Code: "d"}
			}
			d.Timing = &Timing{Repeat: rep}
		}
		id := bd.id()
		refs = append(refs, *bd.add(id, &MedicationRequest{ResourceType: "MedicationRequest", ID: id, Meta: meta("MedicationRequest"),
			Status: "active", Intent: "order", MedicationCodeableConcept: m.Drug.codeable(), Subject: bd.patient,
			Encounter: bd.encounter, AuthoredOn: bd.date, Requester: bd.author, DosageInstruction: []Dosage{d}}))
	}
	return refs, nil
}

// dosageText is the whole instruction in words, for readers that show
// only Dosage.text.
func (m Medicine) dosageText() string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	add(m.Dose)
	add(m.Route)
	add(m.Frequency)
	if m.Frequency == "" && m.TimesPerDay > 0 {
		add(fmt.Sprintf("%d times a day", m.TimesPerDay))
	}
	if m.Days > 0 {
		add(fmt.Sprintf("for %d day%s", m.Days, plural(m.Days, "", "s")))
	}
	if m.AsNeeded {
		add("when needed")
	}
	add(m.Instructions)
	return strings.Join(parts, ", ")
}

// followUp adds an Appointment for a follow-up visit. It is "proposed":
// advised for a date, not yet booked for a time.
func (bd *builder) followUp(f *FollowUp) ([]Reference, error) {
	if f == nil {
		return nil, nil
	}
	if f.Date.IsZero() {
		return nil, invalidf("followUp: date is required")
	}
	id := bd.id()
	a := &Appointment{ResourceType: "Appointment", ID: id, Meta: meta("Appointment"), Status: "proposed",
		AppointmentType: &CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "185389009", Display: "Follow-up visit"}}, Text: "Follow-up visit"},
		Description:     strings.TrimSpace(f.Reason), Start: fhirDateTime(f.Date), Created: bd.date,
		Participant: []AppointmentParticipant{
			{Actor: bd.patient, Status: "needs-action"},
			{Actor: bd.author, Status: "needs-action"},
		}}
	return []Reference{*bd.add(id, a)}, nil
}

// carePlan adds advice as a CarePlan.
func (bd *builder) carePlan(title, advice string) []Reference {
	advice = strings.TrimSpace(advice)
	if advice == "" {
		return nil
	}
	id := bd.id()
	return []Reference{*bd.add(id, &CarePlan{ResourceType: "CarePlan", ID: id, Meta: meta("CarePlan"), Status: "active",
		Intent: "plan", Title: title, Description: advice, Subject: bd.patient, Encounter: bd.encounter,
		Created: bd.date, Author: bd.author})}
}

// observations adds one Observation per result.
func (bd *builder) observations(path string, rs []Result, category string) ([]Reference, error) {
	var refs []Reference
	for i, r := range rs {
		obs, err := bd.observation(fmt.Sprintf("%s[%d]", path, i), r, category)
		if err != nil {
			return nil, err
		}
		refs = append(refs, *bd.add(obs.ID, obs))
	}
	return refs, nil
}

func (bd *builder) observation(path string, r Result, category string) (*Observation, error) {
	if err := r.Test.check(path + ".test"); err != nil {
		return nil, err
	}
	value, comparator := strings.TrimSpace(r.Value), ""
	for _, c := range []string{"<=", ">=", "<", ">"} {
		if v, ok := strings.CutPrefix(value, c); ok {
			value, comparator = strings.TrimSpace(v), c
			break
		}
	}
	o := &Observation{ResourceType: "Observation", ID: bd.id(), Meta: meta("Observation"), Status: "final",
		Code: r.Test.codeable(), Subject: bd.patient, Encounter: bd.encounter, EffectiveDateTime: firstNonEmpty(bd.effective, bd.date),
		Performer: []Reference{*bd.author}}
	if category != "" {
		o.Category = []CodeableConcept{{Coding: []Coding{{System: systemObsCategory, Code: category}}}}
	}
	switch {
	case value != "":
		if !isDecimal(value) {
			return nil, invalidf("%s.value: must be a decimal number", path)
		}
		if strings.TrimSpace(r.Unit) == "" {
			return nil, invalidf("%s.unit: a numeric result needs a unit", path)
		}
		o.ValueQuantity = quantity(value, r.Unit)
		o.ValueQuantity.Comparator = comparator
	case strings.TrimSpace(r.Text) != "":
		o.ValueString = strings.TrimSpace(r.Text)
	default:
		return nil, invalidf("%s: a value or a text result is required", path)
	}
	if r.Low != "" || r.High != "" {
		rr := ReferenceRange{}
		for _, b := range []struct {
			s   string
			dst **Quantity
		}{{r.Low, &rr.Low}, {r.High, &rr.High}} {
			if b.s == "" {
				continue
			}
			if !isDecimal(b.s) {
				return nil, invalidf("%s: reference range bounds must be decimal numbers", path)
			}
			*b.dst = quantity(b.s, r.Unit)
		}
		o.ReferenceRange = []ReferenceRange{rr}
	}
	flag := r.Interpretation
	if flag == "" && comparator == "" && value != "" {
		flag = interpret(value, r.Low, r.High)
	}
	if flag != "" {
		text, ok := interpretations[flag]
		if !ok {
			return nil, invalidf("%s.interpretation: must be a v3 ObservationInterpretation code such as N, H, L, HH, LL or A", path)
		}
		o.Interpretation = []CodeableConcept{{Coding: []Coding{{System: systemInterpretation, Code: flag, Display: text}}, Text: text}}
	}
	return o, nil
}

// interpret flags a value against its reference range: L below, H above,
// N within; "" when there is no range.
func interpret(value, low, high string) string {
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || (low == "" && high == "") {
		return ""
	}
	if lo, err := strconv.ParseFloat(low, 64); err == nil && low != "" && v < lo {
		return "L"
	}
	if hi, err := strconv.ParseFloat(high, 64); err == nil && high != "" && v > hi {
		return "H"
	}
	return "N"
}

// vitals adds Observations for the vital signs (a blood pressure panel with
// systolic and diastolic components, pulse, respiratory rate, temperature,
// SpO2) and the body measurements (height, weight, BMI).
func (bd *builder) vitals(v Vitals) (signs, body []Reference, err error) {
	for _, f := range []float64{v.Systolic, v.Diastolic, v.Pulse, v.RespiratoryRate, v.Temperature, v.SpO2, v.Height, v.Weight, v.BMI} {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil, invalidf("vitals: values must be positive numbers")
		}
	}
	if (v.Systolic == 0) != (v.Diastolic == 0) {
		return nil, nil, invalidf("vitals: blood pressure needs both systolic and diastolic")
	}
	tempUnit := v.TemperatureUnit
	switch tempUnit {
	case "":
		tempUnit = "Cel"
	case "Cel", "[degF]":
	default:
		return nil, nil, invalidf("vitals: temperature unit must be Cel or [degF]")
	}
	bmi := v.BMI
	if bmi == 0 && v.Height > 0 && v.Weight > 0 {
		m := v.Height / 100
		bmi = math.Round(v.Weight/(m*m)*10) / 10
	}
	vital := func(c Code, profile string, value float64, unit string) *Observation {
		o := &Observation{ResourceType: "Observation", ID: bd.id(), Meta: meta(profile), Status: "final",
			Category: []CodeableConcept{{Coding: []Coding{{System: systemObsCategory, Code: "vital-signs", Display: "Vital Signs"}}}},
			Code:     &CodeableConcept{Coding: []Coding{{System: c.System, Code: c.Code, Display: c.Display}}, Text: vitalNames[c.Code]},
			Subject:  bd.patient, Encounter: bd.encounter, EffectiveDateTime: bd.date, Performer: []Reference{*bd.author}}
		if value > 0 {
			o.ValueQuantity = quantity(ftoa(value), unit)
		}
		return o
	}
	if v.Systolic > 0 {
		o := vital(LOINCBloodPressure, "ObservationVitalSigns", 0, "")
		o.Component = []ObservationComponent{
			{Code: &CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: LOINCSystolicBP.Code, Display: LOINCSystolicBP.Display}}, Text: "Systolic"},
				ValueQuantity: quantity(ftoa(v.Systolic), "mm[Hg]")},
			{Code: &CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: LOINCDiastolicBP.Code, Display: LOINCDiastolicBP.Display}}, Text: "Diastolic"},
				ValueQuantity: quantity(ftoa(v.Diastolic), "mm[Hg]")},
		}
		signs = append(signs, *bd.add(o.ID, o))
	}
	for _, s := range []struct {
		c     Code
		v     float64
		unit  string
		body  bool
		store *[]Reference
	}{
		{LOINCHeartRate, v.Pulse, "/min", false, &signs},
		{LOINCRespiratoryRate, v.RespiratoryRate, "/min", false, &signs},
		{LOINCBodyTemperature, v.Temperature, tempUnit, false, &signs},
		{LOINCOxygenSaturation, v.SpO2, "%", false, &signs},
		{LOINCBodyHeight, v.Height, "cm", true, &body},
		{LOINCBodyWeight, v.Weight, "kg", true, &body},
		{LOINCBMI, bmi, "kg/m2", true, &body},
	} {
		if s.v == 0 {
			continue
		}
		profile := "ObservationVitalSigns"
		if s.body {
			profile = "ObservationBodyMeasurement"
		}
		o := vital(s.c, profile, s.v, s.unit)
		*s.store = append(*s.store, *bd.add(o.ID, o))
	}
	return signs, body, nil
}

// vitalNames are the short names people use for the vital signs, kept as
// the concepts' text beside the LOINC display.
var vitalNames = map[string]string{
	LOINCBloodPressure.Code: "Blood pressure", LOINCHeartRate.Code: "Pulse", LOINCRespiratoryRate.Code: "Respiratory rate",
	LOINCBodyTemperature.Code: "Temperature", LOINCOxygenSaturation.Code: "SpO2", LOINCBodyHeight.Code: "Height",
	LOINCBodyWeight.Code: "Weight", LOINCBMI.Code: "BMI",
}

// ucumUnits are UCUM codes common in Indian lab and clinic records, with
// how people write them. A unit in this table gets the UCUM system and
// code; any other is kept as text only.
var ucumUnits = map[string]string{
	"mm[Hg]": "mmHg", "/min": "/min", "Cel": "°C", "[degF]": "°F", "%": "%", "cm": "cm", "kg": "kg",
	"kg/m2": "kg/m²", "g/dL": "g/dL", "g/L": "g/L", "mg/dL": "mg/dL", "mg/L": "mg/L", "ug/dL": "µg/dL",
	"ug/L": "µg/L", "ng/mL": "ng/mL", "pg/mL": "pg/mL", "mmol/L": "mmol/L", "umol/L": "µmol/L",
	"mEq/L": "mEq/L", "U/L": "U/L", "[IU]/L": "IU/L", "m[IU]/L": "mIU/L", "10*3/uL": "×10³/µL",
	"10*6/uL": "×10⁶/µL", "10*9/L": "×10⁹/L", "10*12/L": "×10¹²/L", "/uL": "/µL", "fL": "fL", "pg": "pg",
	"mm/h": "mm/h", "s": "s", "d": "days", "mL/min/{1.73_m2}": "mL/min/1.73m²",
}

// quantity makes a Quantity of a decimal in a unit, coded in UCUM when the
// unit is a known UCUM code.
func quantity(value, unit string) *Quantity {
	unit = strings.TrimSpace(unit)
	q := &Quantity{Value: json.Number(value), Unit: unit}
	if show, ok := ucumUnits[unit]; ok {
		q.Unit, q.System, q.Code = show, SystemUCUM, unit
	}
	return q
}

// isDecimal reports whether s is a JSON (and so FHIR) decimal number.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	start := i
	n := digits()
	if n == 0 || (n > 1 && s[start] == '0') {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s) && len(s) <= 32
}

func itoa(n int) json.Number { return json.Number(strconv.Itoa(n)) }
func ftoa(f float64) string  { return strconv.FormatFloat(f, 'f', -1, 64) }

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

// sha1b64 is the Attachment.hash FHIR R4 defines: base64 of the SHA-1.
func sha1b64(data []byte) string {
	sum := sha1.Sum(data)
	return b64(sum[:])
}
