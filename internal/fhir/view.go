package fhir

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// view is a document made ready to show to people: what RenderHTML and
// RenderPDF both draw. It holds text only; templates escape it.
type view struct {
	Lang                      string // the tag of the language the view's words are in
	Title, Kind, Date, Status string
	Patient                   viewPatient
	Authors                   []string
	Facility                  string
	Encounter                 string
	Sections                  []viewSection
	Attachments               []viewAttachment
}

type viewPatient struct {
	Name, Gender, BirthDate string
	IDs                     []labelValue
}

type labelValue struct{ Label, Value string }

type viewSection struct {
	Title     string
	Text      []string
	Medicines []viewMedicine
	Results   []viewResult
	Reports   []viewReport
	Invoices  []viewInvoice
	Items     []viewItem
}

type viewMedicine struct{ Name, Dosage string }

type viewResult struct {
	Name, Value, Range string
	Flag               string // v3 interpretation code
	FlagText           string // the flag in words
	Abnormal           bool
}

type viewReport struct {
	Title, Detail, Conclusion string
	Results                   []viewResult
	Attachments               []int
}

type viewInvoice struct {
	Title, Detail string
	Lines         []viewInvoiceLine
	Total         string
}

type viewInvoiceLine struct{ Item, Quantity, Amount string }

type viewItem struct {
	Text, Detail string
	Attachments  []int
}

type viewAttachment struct {
	N                        int
	Title, ContentType, Size string
	URL                      string       // an external location, shown as text
	Inline                   template.URL // a data: URL of a small, checked image
	image                    []byte       // the decoded image, for the PDF
}

// Limits on what a view shows, so that hostile input stays cheap to render.
const (
	maxInlineImage = 1 << 20 // bytes of a decoded image shown inline
	maxViewText    = 20000   // characters of one narrative
	maxViewRows    = 5000    // rows, items and attachments in all
	maxNesting     = 8       // section and result (hasMember) nesting
)

// newView reads the document for display, its fixed words in the language
// lang (English if there is no catalogue for it). It needs a Composition as
// the first entry; anything else missing or malformed is shown as missing.
func newView(b *Bundle, lang string) (*view, error) {
	comp, err := b.Composition()
	if err != nil {
		return nil, fmt.Errorf("fhir: render: %w", err)
	}
	lang, w := language(lang)
	v := &view{Lang: lang, Title: clean(comp.Title), Date: w.dateTime(comp.Date), Status: w.statusText(comp.Status)}
	vb := &viewBuilder{b: b, res: newResolver(b), v: v, w: w, attIndex: map[string]int{}, standardInWords: lang != defaultLanguage}
	if k, ok := compositionKind(comp.Type); ok {
		vb.hiType = k.hiType
		v.Kind = w.code("kind.", k.hiType, k.label)
		if vb.standardInWords && documentTitle(k.hiType, v.Title) {
			v.Title = v.Kind // the standard title of its type, in the view's words (headings.go)
		}
	} else {
		v.Kind = comp.Type.Label()
	}
	if v.Title == "" {
		v.Title = firstNonEmpty(v.Kind, w.t("record.untitled"))
	}
	if comp.Subject != nil {
		v.Patient = vb.patient(comp.Subject)
	}
	if v.Patient.Name == "" {
		v.Patient.Name = w.t("record.notStated")
	}
	for i := range comp.Author {
		if name := vb.name(&comp.Author[i]); name != "" {
			v.Authors = append(v.Authors, name)
		}
	}
	if comp.Custodian != nil {
		v.Facility = vb.name(comp.Custodian)
	}
	for i := 0; v.Facility == "" && i < len(comp.Attester); i++ {
		if p := comp.Attester[i].Party; p != nil {
			if e := vb.entry(p); e != nil && e.Type() == "Organization" {
				v.Facility = vb.name(p)
			}
		}
	}
	if comp.Encounter != nil {
		v.Encounter = vb.encounter(comp.Encounter)
	}
	vb.sections("", comp.Section, 0)
	return v, nil
}

type viewBuilder struct {
	b        *Bundle
	res      *resolver
	v        *view
	w        words // the fixed words, in the view's language
	rows     int
	attIndex map[string]int // attachments already listed, by data or URL
	hiType   string         // the document's HI type, if its Composition.type names one

	// standardInWords is whether a heading that is the standard English
	// name of its code is shown in w's words (headings.go): in every
	// language but English, which shows the record as written.
	standardInWords bool
}

func (vb *viewBuilder) entry(ref *Reference) *Entry {
	if ref == nil {
		return nil
	}
	i, how := vb.res.resolve(ref.Reference)
	if how != resolvedExact && how != resolvedByID {
		return nil
	}
	return &vb.b.Entry[i]
}

// decode reads a referenced entry into a typed resource, reporting false if
// it is missing or of another type.
func (vb *viewBuilder) decode(ref *Reference, r resource) bool {
	e := vb.entry(ref)
	return e != nil && e.Decode(r) == nil
}

func (vb *viewBuilder) patient(ref *Reference) viewPatient {
	var p Patient
	if !vb.decode(ref, &p) {
		return viewPatient{Name: clean(ref.Display)}
	}
	vp := viewPatient{Gender: vb.w.code("gender.", p.Gender, titleCase(p.Gender)), BirthDate: vb.w.dateTime(p.BirthDate)}
	if len(p.Name) > 0 {
		vp.Name = clean(p.Name[0].String())
	}
	for _, id := range p.Identifier {
		if strings.TrimSpace(id.Value) == "" {
			continue
		}
		vp.IDs = append(vp.IDs, labelValue{vb.identifierLabel(id), clean(id.Value)})
	}
	return vp
}

// identifierLabel names an identifier: by its type's text or display as
// the record gives them (in the view's words if that is the standard name
// of its type's code), else in the view's words.
func (vb *viewBuilder) identifierLabel(id Identifier) string {
	w := vb.w
	switch {
	case id.Type != nil && id.Type.Text != "":
		return vb.identifierType(id, clean(id.Type.Text))
	case strings.Contains(id.System, "healthid"):
		switch {
		case abhaNumber(id.Value) != "":
			return w.t("id.abhaNumber")
		case strings.Contains(id.Value, "@"):
			return w.t("id.abhaAddress")
		}
		return w.t("id.healthID")
	case id.Type.Has(systemV2IdentifierType, "MR"):
		return w.t("id.mrn")
	case id.Type != nil && id.Type.Label() != "":
		return vb.identifierType(id, clean(id.Type.Label()))
	}
	return w.t("id.other")
}

// name is the display name of a referenced person or organisation.
func (vb *viewBuilder) name(ref *Reference) string {
	e := vb.entry(ref)
	if e != nil {
		switch e.Type() {
		case "Practitioner", "Patient":
			var p struct {
				Name []HumanName `json:"name"`
			}
			if e.Decode(&p) == nil && len(p.Name) > 0 {
				return clean(p.Name[0].String())
			}
		case "Organization":
			var o Organization
			if e.Decode(&o) == nil && o.Name != "" {
				return clean(o.Name)
			}
		}
	}
	return clean(ref.Display)
}

func (vb *viewBuilder) encounter(ref *Reference) string {
	var e Encounter
	if !vb.decode(ref, &e) {
		return ""
	}
	var parts []string
	if e.Class != nil {
		parts = append(parts, firstNonEmpty(vb.w.code("encounter.", e.Class.Code, ""), clean(e.Class.Display), clean(e.Class.Code)))
	}
	if p := vb.w.periodText(e.Period); p != "" {
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func (vb *viewBuilder) sections(prefix string, secs []Section, depth int) {
	if depth >= maxNesting {
		return
	}
	for i := range secs {
		s := &secs[i]
		title := firstNonEmpty(clean(s.Title), s.Code.Label())
		if title != "" {
			title = vb.sectionTitle(s.Code, title)
		} else {
			title = vb.w.tf("section.untitled", len(vb.v.Sections)+1)
		}
		if prefix != "" {
			title = prefix + " – " + title
		}
		vs := viewSection{Title: title}
		if s.Text != nil && len(s.Entry) == 0 {
			vs.Text = narrativeText(s.Text.Div)
		}
		for j := range s.Entry {
			if vb.rows >= maxViewRows {
				break
			}
			vb.rows++
			vb.add(&vs, &s.Entry[j])
		}
		if len(s.Entry) == 0 && len(vs.Text) == 0 && s.EmptyReason != nil {
			vs.Text = []string{vb.w.tf("section.emptyReason", s.EmptyReason.Label())}
		}
		vb.v.Sections = append(vb.v.Sections, vs)
		vb.sections(title, s.Section, depth+1)
	}
}

// add shows one section entry in the way its resource type reads best.
func (vb *viewBuilder) add(vs *viewSection, ref *Reference) {
	w := vb.w
	e := vb.entry(ref)
	if e == nil {
		vs.Items = append(vs.Items, viewItem{Text: firstNonEmpty(clean(ref.Display), w.t("entry.missing"))})
		return
	}
	item := func(text string, detail ...string) {
		vs.Items = append(vs.Items, viewItem{Text: firstNonEmpty(text, w.resourceType(e.Type())), Detail: joinNonEmpty(" · ", detail...)})
	}
	switch typ := e.Type(); typ {
	case "MedicationRequest", "MedicationStatement":
		vs.Medicines = append(vs.Medicines, vb.medicine(e))
	case "Observation":
		var o Observation
		if e.Decode(&o) == nil {
			vs.Results = append(vs.Results, vb.results(&o, 0)...)
		} else {
			item(w.t("entry.unreadableObservation"))
		}
	case "DiagnosticReport":
		var r DiagnosticReport
		if e.Decode(&r) == nil {
			vs.Reports = append(vs.Reports, vb.report(&r))
		} else {
			item(w.t("entry.unreadableReport"))
		}
	case "Invoice":
		var in Invoice
		if e.Decode(&in) == nil {
			vs.Invoices = append(vs.Invoices, vb.invoice(&in))
		} else {
			item(w.t("entry.unreadableInvoice"))
		}
	case "Condition":
		var c Condition
		_ = e.Decode(&c)
		item(c.Code.Label(), c.Severity.Label(), w.onsetText(c.OnsetDateTime, c.OnsetPeriod, c.OnsetString),
			statusLabel(c.ClinicalStatus))
	case "AllergyIntolerance":
		var a AllergyIntolerance
		_ = e.Decode(&a)
		var reactions []string
		for _, r := range a.Reaction {
			for i := range r.Manifestation {
				reactions = append(reactions, r.Manifestation[i].Label())
			}
		}
		var cats []string
		for _, c := range a.Category {
			cats = append(cats, w.code("allergy.category.", c, c))
		}
		item(a.Code.Label(), titleCase(strings.Join(cats, ", ")),
			labelled(w.t("allergy.criticality"), w.code("allergy.criticality.", a.Criticality, a.Criticality)),
			labelled(w.t("allergy.reaction"), strings.Join(reactions, ", ")))
	case "Procedure":
		var p Procedure
		_ = e.Decode(&p)
		item(p.Code.Label(), firstNonEmpty(w.dateTime(p.PerformedDateTime), w.periodText(p.PerformedPeriod), clean(p.PerformedString)),
			labelled(w.t("procedure.outcome"), p.Outcome.Label()), w.statusText(p.Status))
	case "Immunization":
		var im Immunization
		_ = e.Decode(&im)
		dose := ""
		if len(im.ProtocolApplied) > 0 {
			pa := im.ProtocolApplied[0]
			if pa.DoseNumberPositiveInt > 0 {
				dose = w.tf("immunization.dose", strconv.Itoa(pa.DoseNumberPositiveInt))
			} else if pa.DoseNumberString != "" {
				dose = w.tf("immunization.dose", clean(pa.DoseNumberString))
			}
		}
		maker := ""
		if im.Manufacturer != nil {
			maker = vb.name(im.Manufacturer)
		}
		item(im.VaccineCode.Label(), firstNonEmpty(w.dateTime(im.OccurrenceDateTime), clean(im.OccurrenceString)), dose,
			labelled(w.t("immunization.lot"), im.LotNumber), labelled(w.t("immunization.manufacturer"), maker), im.Route.Label(), w.notDone(im.Status))
	case "Appointment":
		var a Appointment
		_ = e.Decode(&a)
		item(firstNonEmpty(clean(a.Description), vb.heading(appointmentTypeNames, a.AppointmentType, a.AppointmentType.Label()), w.t("appointment")),
			firstNonEmpty(w.dateTime(a.Start), w.t("appointment.noDate")), w.statusText(a.Status))
	case "CarePlan":
		var c CarePlan
		_ = e.Decode(&c)
		var notes []string
		for _, n := range c.Note {
			notes = append(notes, clean(n.Text))
		}
		item(firstNonEmpty(clean(c.Description), clean(c.Title)), append([]string{labelled(w.t("carePlan.plan"), clean(c.Title)), w.periodText(c.Period)}, notes...)...)
	case "ServiceRequest":
		var s ServiceRequest
		_ = e.Decode(&s)
		item(s.Code.Label(), labelled(w.t("serviceRequest.ordered"), w.dateTime(s.AuthoredOn)), clean(s.PatientInstruction))
	case "DocumentReference":
		var d DocumentReference
		_ = e.Decode(&d)
		var atts []int
		for _, c := range d.Content {
			if c.Attachment != nil {
				atts = append(atts, vb.attachment(*c.Attachment, firstNonEmpty(clean(d.Description), d.Type.Label())))
			}
		}
		vs.Items = append(vs.Items, viewItem{Text: firstNonEmpty(clean(d.Description), d.Type.Label(), w.t("document")),
			Detail: w.dateTime(d.Date), Attachments: nonZero(atts)})
	case "Binary":
		var bin Binary
		_ = e.Decode(&bin)
		n := vb.attachment(Attachment{ContentType: bin.ContentType, Data: bin.Data}, w.t("file"))
		vs.Items = append(vs.Items, viewItem{Text: w.t("file"), Attachments: nonZero([]int{n})})
	case "Encounter":
		item(w.t("record.visit"), vb.encounter(ref))
	case "Medication":
		var m Medication
		_ = e.Decode(&m)
		item(m.Code.Label())
	case "ChargeItem":
		var c ChargeItem
		_ = e.Decode(&c)
		item(c.Code.Label(), quantityText(c.Quantity))
	case "Specimen":
		var s Specimen
		_ = e.Decode(&s)
		item(labelled(w.t("specimen"), s.Type.Label()), w.collectedText(&s))
	case "Patient", "Practitioner", "Organization":
		item(vb.name(ref), w.resourceType(typ))
	default:
		if label := genericLabel(e); label != "" {
			item(label, typ)
		} else {
			item(typ)
		}
	}
}

func (vb *viewBuilder) medicine(e *Entry) viewMedicine {
	var m MedicationRequest // MedicationStatement's elements differ only in name
	var s MedicationStatement
	var dosages []Dosage
	if e.Type() == "MedicationStatement" {
		_ = e.Decode(&s)
		m.MedicationCodeableConcept, m.MedicationReference, dosages = s.MedicationCodeableConcept, s.MedicationReference, s.Dosage
	} else {
		_ = e.Decode(&m)
		dosages = m.DosageInstruction
	}
	name := m.MedicationCodeableConcept.Label()
	if name == "" && m.MedicationReference != nil {
		var med Medication
		if vb.decode(m.MedicationReference, &med) {
			name = med.Code.Label()
		}
		name = firstNonEmpty(name, clean(m.MedicationReference.Display))
	}
	var parts []string
	for _, d := range dosages {
		parts = append(parts, vb.w.dosageText(d))
	}
	return viewMedicine{Name: firstNonEmpty(name, vb.w.t("medicine.unnamed")), Dosage: joinNonEmpty("; ", parts...)}
}

// dosageText is a dosage in words: its text, else built from its parts;
// with the patient instruction if the text does not already say it.
func (w words) dosageText(d Dosage) string {
	text := clean(d.Text)
	if text == "" {
		var parts []string
		for _, dr := range d.DoseAndRate {
			parts = append(parts, quantityText(dr.DoseQuantity))
		}
		parts = append(parts, d.Route.Label())
		if d.Timing != nil && d.Timing.Repeat != nil {
			r := d.Timing.Repeat
			if r.Frequency > 0 {
				per := w.code("dosage.per.", r.PeriodUnit, "")
				if r.Period != "" && r.Period != "1" {
					per = w.tf("dosage.every", string(r.Period), clean(r.PeriodUnit))
				}
				times := w.t("dosage.times.other")
				if r.Frequency == 1 {
					times = w.t("dosage.times.one")
				}
				parts = append(parts, fmt.Sprintf(times, r.Frequency, per))
			}
			if r.BoundsDuration != nil {
				parts = append(parts, w.tf("dosage.for", quantityText(r.BoundsDuration)))
			}
		} else if d.Timing != nil {
			parts = append(parts, d.Timing.Code.Label())
		}
		if d.AsNeededBoolean {
			parts = append(parts, w.t("dosage.whenNeeded"))
		}
		for i := range d.AdditionalInstruction {
			parts = append(parts, d.AdditionalInstruction[i].Label())
		}
		text = joinNonEmpty(", ", parts...)
	}
	if pi := clean(d.PatientInstruction); pi != "" && !strings.Contains(strings.ToLower(text), strings.ToLower(pi)) {
		text = joinNonEmpty(", ", text, pi)
	}
	return text
}

// results shows an Observation as rows: one for its value, one per
// component (a blood pressure as one "128/84" row), and its members.
func (vb *viewBuilder) results(o *Observation, depth int) []viewResult {
	w := vb.w
	name := firstNonEmpty(o.Code.Label(), w.t("resource.Observation"))
	var rows []viewResult
	if bp := bloodPressure(o); bp != "" {
		return []viewResult{{Name: name, Value: bp}}
	}
	if v := w.observationValue(o.ValueQuantity, o.ValueCodeableConcept, o.ValueString, o.ValueBoolean, o.ValueInteger, o.ValueDateTime, o.DataAbsentReason); v != "" || len(o.Component) == 0 && len(o.HasMember) == 0 {
		rows = append(rows, w.resultRow(name, v, o.ValueQuantity, o.Interpretation, o.ReferenceRange))
	}
	for _, c := range o.Component {
		v := w.observationValue(c.ValueQuantity, c.ValueCodeableConcept, c.ValueString, nil, "", "", c.DataAbsentReason)
		rows = append(rows, w.resultRow(name+": "+firstNonEmpty(c.Code.Label(), w.t("observation.component")), v, c.ValueQuantity, c.Interpretation, c.ReferenceRange))
	}
	if depth < maxNesting {
		for i := range o.HasMember {
			var m Observation
			if vb.rows < maxViewRows && vb.decode(&o.HasMember[i], &m) {
				vb.rows++
				rows = append(rows, vb.results(&m, depth+1)...)
			}
		}
	}
	return rows
}

// bloodPressure shows a blood pressure panel as "128/84 mmHg", or "".
func bloodPressure(o *Observation) string {
	var sys, dia *Quantity
	for i := range o.Component {
		c := &o.Component[i]
		switch {
		case c.Code.Has(SystemLOINC, LOINCSystolicBP.Code):
			sys = c.ValueQuantity
		case c.Code.Has(SystemLOINC, LOINCDiastolicBP.Code):
			dia = c.ValueQuantity
		}
	}
	if len(o.Component) != 2 || sys == nil || dia == nil || sys.Value == "" || dia.Value == "" {
		return ""
	}
	unit := firstNonEmpty(clean(sys.Unit), clean(sys.Code))
	return strings.TrimSpace(string(sys.Value) + "/" + string(dia.Value) + " " + unit)
}

func (w words) observationValue(q *Quantity, cc *CodeableConcept, s string, b *bool, i json.Number, dt string, absent *CodeableConcept) string {
	switch {
	case q != nil && q.Value != "":
		return quantityText(q)
	case cc != nil:
		return cc.Label()
	case s != "":
		return clean(s)
	case b != nil:
		if *b {
			return w.t("observation.yes")
		}
		return w.t("observation.no")
	case i != "":
		return string(i)
	case dt != "":
		return w.dateTime(dt)
	case absent != nil:
		return w.tf("observation.notRecorded", absent.Label())
	}
	return ""
}

func (w words) resultRow(name, value string, q *Quantity, interp []CodeableConcept, ranges []ReferenceRange) viewResult {
	r := viewResult{Name: name, Value: value}
	if len(ranges) > 0 {
		r.Range = rangeText(ranges[0])
	}
	for _, cc := range interp {
		for _, cd := range cc.Coding {
			if _, ok := interpretations[cd.Code]; ok && (cd.System == systemInterpretation || cd.System == "") {
				r.Flag = cd.Code
				break
			}
		}
		if r.Flag == "" && cc.Text != "" {
			r.FlagText = clean(cc.Text)
		}
	}
	// Without a coded flag, compare the value with the range given.
	if r.Flag == "" && r.FlagText == "" && q != nil && q.Comparator == "" && len(ranges) > 0 {
		low, high := "", ""
		if ranges[0].Low != nil {
			low = string(ranges[0].Low.Value)
		}
		if ranges[0].High != nil {
			high = string(ranges[0].High.Value)
		}
		r.Flag = interpret(string(q.Value), low, high)
	}
	if r.Flag != "" {
		r.FlagText = w.code("flag.", r.Flag, interpretations[r.Flag])
	}
	r.Abnormal = r.FlagText != "" && r.Flag != "N"
	return r
}

func rangeText(rr ReferenceRange) string {
	var low, high string
	if rr.Low != nil && rr.Low.Value != "" {
		low = string(rr.Low.Value)
	}
	if rr.High != nil && rr.High.Value != "" {
		high = string(rr.High.Value)
	}
	unit := ""
	for _, q := range []*Quantity{rr.High, rr.Low} {
		if q != nil && unit == "" {
			unit = firstNonEmpty(clean(q.Unit), clean(q.Code))
		}
	}
	var s string
	switch {
	case low != "" && high != "":
		s = low + "–" + high
	case low != "":
		s = "≥ " + low
	case high != "":
		s = "≤ " + high
	default:
		return clean(rr.Text)
	}
	return strings.TrimSpace(s + " " + unit)
}

func quantityText(q *Quantity) string {
	if q == nil || q.Value == "" {
		return ""
	}
	return strings.TrimSpace(clean(q.Comparator) + string(q.Value) + " " + firstNonEmpty(clean(q.Unit), clean(q.Code)))
}

func (vb *viewBuilder) report(r *DiagnosticReport) viewReport {
	w := vb.w
	vr := viewReport{Title: firstNonEmpty(r.Code.Label(), w.t("report.untitled")), Conclusion: clean(r.Conclusion)}
	var cats []string
	for i := range r.Category {
		cats = append(cats, vb.heading(reportCategoryNames, &r.Category[i], r.Category[i].Label()))
	}
	var specimens []string
	for i := range r.Specimen {
		var s Specimen
		if vb.decode(&r.Specimen[i], &s) {
			specimens = append(specimens, joinNonEmpty(", ", s.Type.Label(), w.collectedText(&s)))
		}
	}
	vr.Detail = joinNonEmpty(" · ", strings.Join(cats, ", "), w.statusText(r.Status),
		labelled(w.t("report.issued"), w.dateTime(r.Issued)), labelled(w.t("specimen"), strings.Join(specimens, "; ")))
	for i := range r.Result {
		var o Observation
		if vb.rows < maxViewRows && vb.decode(&r.Result[i], &o) {
			vb.rows++
			vr.Results = append(vr.Results, vb.results(&o, 1)...)
		}
	}
	var codes []string
	for i := range r.ConclusionCode {
		codes = append(codes, r.ConclusionCode[i].Label())
	}
	if c := strings.Join(codes, ", "); c != "" && !strings.Contains(vr.Conclusion, c) {
		vr.Conclusion = joinNonEmpty(" ", vr.Conclusion, "("+c+")")
	}
	for _, a := range r.PresentedForm {
		vr.Attachments = append(vr.Attachments, vb.attachment(a, vr.Title))
	}
	vr.Attachments = nonZero(vr.Attachments)
	return vr
}

func (w words) collectedText(s *Specimen) string {
	if s.Collection == nil || s.Collection.CollectedDateTime == "" {
		return ""
	}
	return w.tf("specimen.collected", w.dateTime(s.Collection.CollectedDateTime))
}

func (vb *viewBuilder) invoice(in *Invoice) viewInvoice {
	w := vb.w
	vi := viewInvoice{Title: w.t("invoice")}
	for _, id := range in.Identifier {
		if id.Value != "" {
			vi.Title = w.tf("invoice.numbered", clean(id.Value))
			break
		}
	}
	vi.Detail = joinNonEmpty(" · ", w.dateTime(in.Date), w.statusText(in.Status))
	for _, li := range in.LineItem {
		line := viewInvoiceLine{Item: li.ChargeItemCodeableConcept.Label()}
		if li.ChargeItemReference != nil {
			var c ChargeItem
			if vb.decode(li.ChargeItemReference, &c) {
				line.Item = firstNonEmpty(c.Code.Label(), c.ProductCodeableConcept.Label())
				if c.Quantity != nil {
					line.Quantity = string(c.Quantity.Value)
				}
			}
		}
		for _, pc := range li.PriceComponent {
			if pc.Type == "base" && pc.Amount != nil {
				line.Amount = w.moneyText(pc.Amount)
			}
		}
		line.Item = firstNonEmpty(line.Item, w.t("invoice.item"))
		vi.Lines = append(vi.Lines, line)
	}
	vi.Total = w.moneyText(firstMoney(in.TotalGross, in.TotalNet))
	return vi
}

func firstMoney(ms ...*Money) *Money {
	for _, m := range ms {
		if m != nil && m.Value != "" {
			return m
		}
	}
	return nil
}

func (w words) moneyText(m *Money) string {
	if m == nil || m.Value == "" {
		return ""
	}
	if m.Currency == "INR" {
		return w.tf("money.INR", string(m.Value))
	}
	return strings.TrimSpace(clean(m.Currency) + " " + string(m.Value))
}

// attachment lists an attachment once and returns its number (0 if the
// list is full). A small PNG, JPEG, GIF or WebP image whose bytes match its
// stated type is kept for showing inline; nothing else ever is.
func (vb *viewBuilder) attachment(a Attachment, fallback string) int {
	key := a.URL
	if a.Data != "" {
		key = "data:" + a.Data
	}
	if n, ok := vb.attIndex[key]; ok && key != "" {
		return n
	}
	if len(vb.v.Attachments) >= maxViewRows {
		return 0
	}
	va := viewAttachment{N: len(vb.v.Attachments) + 1, Title: firstNonEmpty(clean(a.Title), fallback, vb.w.t("attachment")),
		ContentType: firstNonEmpty(clean(a.ContentType), vb.w.t("attachment.unknownType")), URL: clean(a.URL)}
	size := a.Size
	if a.Data != "" {
		size = int64(len(a.Data)/4*3 - strings.Count(a.Data[max(0, len(a.Data)-2):], "="))
	}
	va.Size = vb.w.sizeText(size)
	switch a.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		if a.Data != "" && len(a.Data) <= base64.StdEncoding.EncodedLen(maxInlineImage) {
			if img, err := base64.StdEncoding.DecodeString(a.Data); err == nil && http.DetectContentType(img) == a.ContentType {
				va.Inline = template.URL("data:" + a.ContentType + ";base64," + base64.StdEncoding.EncodeToString(img))
				va.image = img
			}
		}
	}
	vb.v.Attachments = append(vb.v.Attachments, va)
	vb.attIndex[key] = va.N
	return va.N
}

func (w words) sizeText(n int64) string {
	switch {
	case n <= 0:
		return w.t("size.unknown")
	case n < 1000:
		return w.tf("size.bytes", n)
	case n < 1000*1000:
		return w.tf("size.kB", float64(n)/1000)
	}
	return w.tf("size.MB", float64(n)/1e6)
}

// genericLabel names a resource this package does not model, from the
// elements most resources use for it.
func genericLabel(e *Entry) string {
	var g struct {
		Code        *CodeableConcept `json:"code"`
		Type        json.RawMessage  `json:"type"`
		Title       string           `json:"title"`
		Description string           `json:"description"`
		Name        json.RawMessage  `json:"name"`
		Relation    *CodeableConcept `json:"relationship"`
		VaccineCode *CodeableConcept `json:"vaccineCode"`
	}
	if json.Unmarshal(e.Resource, &g) != nil {
		return ""
	}
	var typ CodeableConcept
	_ = json.Unmarshal(g.Type, &typ)
	var name string
	_ = json.Unmarshal(g.Name, &name)
	return firstNonEmpty(g.Code.Label(), clean(g.Title), typ.Label(), clean(name), g.Relation.Label(),
		g.VaccineCode.Label(), clean(g.Description))
}
