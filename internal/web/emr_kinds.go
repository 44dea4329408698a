package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya/internal/fhir"
)

// The forms of the seven record kinds beyond the consultation and the lab
// report are described here rather than written out: each is a list of
// fields and rows, rendered by emr_form.html in the same markup as the
// hand-written two, and a build function that turns what was typed into
// the kind's fhir content. Field names are those of the fhir content
// types (drug, dose, frequency, days, instructions, …), with the row's
// number after a repeated one.

// Rows the forms offer, as for the consultation's medicines.
const (
	procedureRows = 3
	doseRows      = 3
	itemRows      = 6
)

// fieldSpec is one input of a form.
type fieldSpec struct {
	name, label, hint string // label and hint are message ids
	kind              string // "" (text), textarea, date, decimal, number, select or file
	max               int
	wide, required    bool
	options           [][2]string // a select's values and their message ids
}

// partSpec is a run of fields, or of numbered rows of them, with a legend.
type partSpec struct {
	legend string // message id; with rows, it takes the row's number
	rows   int    // 0 for plain fields
	fields []fieldSpec
}

// kindSpec is one record kind's form: where it lives, its visit's
// default reference, its parts and how its content is built.
type kindSpec struct {
	path, page, heading string // URL segment, template title name, heading message id
	prefix, display     string // the new visit's reference prefix and name message id
	link                string // the patient page's link label
	lead                string // message id of a line under the heading, if any
	parts               []partSpec
	multipart           bool
	build               func(in *formInput) (fhir.Content, *formProblem)
}

// formInput is a submitted form: its fields, trimmed, and any upload.
type formInput struct {
	get    func(name string) string
	upload *upload
	now    time.Time
}

// formProblem is why a form was refused: a message id with its
// arguments, and the status to answer with.
type formProblem struct {
	id     string
	args   []any
	status int
}

// msgID is an argument of a problem that is itself a message, written in
// the page's language when the problem is shown.
type msgID string

func problem(id string, args ...any) *formProblem {
	return &formProblem{id: id, args: args, status: http.StatusUnprocessableEntity}
}

// medicineFields are a row of medicines, as fhir.Medicine names them.
var medicineFields = []fieldSpec{
	{name: "drug", label: "emr.consult.drug", max: 200, wide: true},
	{name: "dose", label: "emr.consult.dose", max: 60},
	{name: "frequency", label: "emr.consult.freq", max: 60},
	{name: "days", label: "emr.consult.days.label", kind: "number", max: 3},
	{name: "instructions", label: "emr.consult.instr", max: 200, wide: true},
}

// emrKinds are the forms, in the order the patient page links them.
var emrKinds = []*kindSpec{
	{path: "prescription", page: "emr_prescription", heading: "emr.rx.heading", prefix: "RX", display: "emr.rx.display", link: "emr.patient.rx",
		parts: []partSpec{
			{legend: "emr.consult.medicine", rows: medicineRows, fields: medicineFields},
			{fields: []fieldSpec{{name: "notes", label: "emr.rx.notes", kind: "textarea", max: 2000}}},
		}, build: buildPrescription},
	{path: "imaging", page: "emr_imaging", heading: "emr.imaging.heading", prefix: "IMG", display: "emr.imaging.display", link: "emr.patient.imaging",
		parts: []partSpec{{fields: []fieldSpec{
			{name: "study", label: "emr.imaging.study", hint: "emr.imaging.study.hint", max: 200, required: true},
			{name: "conclusion", label: "emr.imaging.conclusion", kind: "textarea", max: 4000},
			{name: "conclusionCodes", label: "emr.imaging.impression", hint: "emr.form.lines", kind: "textarea", max: 2000},
		}}}, build: buildImaging},
	{path: "discharge", page: "emr_discharge", heading: "emr.discharge.heading", prefix: "IP", display: "emr.discharge.display", link: "emr.patient.discharge",
		parts: []partSpec{
			{legend: "emr.discharge.stay", fields: []fieldSpec{
				{name: "admitted", label: "emr.discharge.admitted", kind: "date", required: true},
				{name: "discharged", label: "emr.discharge.discharged", kind: "date", required: true},
			}},
			{fields: []fieldSpec{
				{name: "chiefComplaints", label: "emr.consult.complaints", hint: "emr.form.lines", kind: "textarea", max: 2000},
				{name: "diagnoses", label: "emr.consult.diagnoses", hint: "emr.form.lines", kind: "textarea", max: 2000},
			}},
			{legend: "emr.discharge.procedure", rows: procedureRows, fields: []fieldSpec{
				{name: "procedure", label: "emr.discharge.procedure.name", max: 200, wide: true},
				{name: "date", label: "emr.discharge.procedure.date", kind: "date"},
				{name: "outcome", label: "emr.discharge.procedure.outcome", max: 200},
			}},
			{legend: "emr.discharge.medicine", rows: medicineRows, fields: medicineFields},
			{fields: []fieldSpec{
				{name: "advice", label: "emr.consult.advice", kind: "textarea", max: 2000},
				{name: "followUp", label: "emr.consult.followup.label", kind: "date"},
			}},
		}, build: buildDischarge},
	{path: "immunization", page: "emr_immunization", heading: "emr.imm.heading", prefix: "IMM", display: "emr.imm.display", link: "emr.patient.imm",
		parts: []partSpec{{legend: "emr.imm.dose", rows: doseRows, fields: []fieldSpec{
			{name: "vaccine", label: "emr.imm.vaccine", max: 200, wide: true},
			{name: "doseNumber", label: "emr.imm.dosenumber.label", kind: "number", max: 2},
			{name: "date", label: "emr.imm.date", kind: "date"},
			{name: "lotNumber", label: "emr.imm.lot", max: 40},
			{name: "manufacturer", label: "emr.imm.maker", max: 100},
			{name: "route", label: "emr.imm.route", hint: "emr.imm.route.hint", max: 60, wide: true},
		}}}, build: buildImmunization},
	{path: "wellness", page: "emr_wellness", heading: "emr.wellness.heading", prefix: "WEL", display: "emr.wellness.display", link: "emr.patient.wellness",
		parts: []partSpec{{legend: "emr.consult.vitals", fields: []fieldSpec{
			{name: "systolic", label: "emr.consult.sys", kind: "decimal", max: 6},
			{name: "diastolic", label: "emr.consult.dia", kind: "decimal", max: 6},
			{name: "pulse", label: "emr.consult.pulse", kind: "decimal", max: 6},
			{name: "respiratoryRate", label: "emr.wellness.rr", kind: "decimal", max: 6},
			{name: "temperature", label: "emr.wellness.temp", kind: "decimal", max: 6},
			{name: "temperatureUnit", label: "emr.wellness.tempunit", kind: "select",
				options: [][2]string{{"Cel", "emr.wellness.cel"}, {"[degF]", "emr.wellness.degf"}}},
			{name: "spO2", label: "emr.consult.spo2", kind: "decimal", max: 6},
			{name: "height", label: "emr.wellness.height", kind: "decimal", max: 6},
			{name: "weight", label: "emr.consult.weight", kind: "decimal", max: 6},
			{name: "bmi", label: "emr.wellness.bmi", hint: "emr.wellness.bmi.hint", kind: "decimal", max: 6},
		}}}, build: buildWellness},
	{path: "document", page: "emr_document", heading: "emr.document.heading", prefix: "DOC", display: "emr.document.display", link: "emr.patient.document",
		multipart: true,
		parts: []partSpec{{fields: []fieldSpec{
			{name: "title", label: "emr.document.title", max: 200, required: true, wide: true},
			{name: "file", label: "emr.document.file", hint: "emr.document.file.hint", kind: "file"},
		}}}, build: buildDocument},
	{path: "invoice", page: "emr_invoice", heading: "emr.invoice.heading", prefix: "BILL", display: "emr.invoice.display", link: "emr.patient.invoice",
		lead: "emr.invoice.lead",
		parts: []partSpec{
			{fields: []fieldSpec{{name: "number", label: "emr.invoice.number", hint: "emr.invoice.number.hint", max: 60}}},
			{legend: "emr.invoice.item", rows: itemRows, fields: []fieldSpec{
				{name: "item", label: "emr.invoice.item.name", max: 200, wide: true},
				{name: "quantity", label: "emr.invoice.quantity", kind: "decimal", max: 8},
				{name: "unitPrice", label: "emr.invoice.price", kind: "decimal", max: 12},
			}},
		}, build: buildInvoice},
}

// rowFilled reports whether any of row n's fields was filled.
func rowFilled(in *formInput, n int, names ...string) bool {
	for _, name := range names {
		if in.get(name+strconv.Itoa(n)) != "" {
			return true
		}
	}
	return false
}

// formDate parses an optional date field.
func formDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	d, err := time.Parse("2006-01-02", s)
	return d, err == nil
}

// medicines reads the medicine rows: a row needs its drug, and days are
// a whole number of a year at most.
func medicines(in *formInput) ([]fhir.Medicine, *formProblem) {
	var ms []fhir.Medicine
	for n := 1; n <= medicineRows; n++ {
		g := func(name string) string { return in.get(name + strconv.Itoa(n)) }
		if g("drug") == "" {
			if rowFilled(in, n, "dose", "frequency", "days", "instructions") {
				return nil, problem("emr.consult.nodrug", n)
			}
			continue
		}
		days := 0
		if s := g("days"); s != "" {
			d, err := strconv.Atoi(s)
			if err != nil || d < 1 || d > 365 {
				return nil, problem("emr.consult.days", n)
			}
			days = d
		}
		ms = append(ms, fhir.Medicine{Drug: fhir.Text(g("drug")), Dose: g("dose"), Frequency: g("frequency"), Days: days, Instructions: g("instructions")})
	}
	return ms, nil
}

func buildPrescription(in *formInput) (fhir.Content, *formProblem) {
	ms, p := medicines(in)
	if p != nil {
		return nil, p
	}
	if len(ms) == 0 {
		return nil, problem("emr.rx.nomedicine")
	}
	return &fhir.Prescription{Medicines: ms, Notes: in.get("notes")}, nil
}

func buildImaging(in *formInput) (fhir.Content, *formProblem) {
	if in.get("study") == "" {
		return nil, problem("emr.imaging.nostudy")
	}
	if in.get("conclusion") == "" {
		return nil, problem("emr.imaging.noconclusion")
	}
	return &fhir.ImagingReport{Study: fhir.Text(in.get("study")), Conclusion: in.get("conclusion"),
		ConclusionCodes: conceptLines(in.get("conclusionCodes"))}, nil
}

func buildDischarge(in *formInput) (fhir.Content, *formProblem) {
	admitted, ok1 := formDate(in.get("admitted"))
	discharged, ok2 := formDate(in.get("discharged"))
	switch {
	case !ok1 || !ok2 || admitted.IsZero() || discharged.IsZero():
		return nil, problem("emr.discharge.dates")
	case discharged.Before(admitted):
		return nil, problem("emr.discharge.order")
	case discharged.After(in.now):
		return nil, problem("emr.discharge.future")
	}
	d := &fhir.DischargeSummary{Admitted: admitted, Discharged: discharged, ChiefComplaints: conceptLines(in.get("chiefComplaints")),
		Diagnoses: conceptLines(in.get("diagnoses")), Advice: in.get("advice")}
	if len(d.Diagnoses) == 0 {
		return nil, problem("emr.discharge.nodiagnosis")
	}
	for n := 1; n <= procedureRows; n++ {
		name := in.get("procedure" + strconv.Itoa(n))
		if name == "" {
			if rowFilled(in, n, "date", "outcome") {
				return nil, problem("emr.discharge.noprocedure", n)
			}
			continue
		}
		date, ok := formDate(in.get("date" + strconv.Itoa(n)))
		if !ok {
			return nil, problem("emr.discharge.procdate", n)
		}
		d.Procedures = append(d.Procedures, fhir.PerformedProcedure{Procedure: fhir.Text(name), Date: date, Outcome: in.get("outcome" + strconv.Itoa(n))})
	}
	ms, p := medicines(in)
	if p != nil {
		return nil, p
	}
	d.Medicines = ms
	fu, ok := formDate(in.get("followUp"))
	if !ok {
		return nil, problem("emr.consult.followup")
	}
	if !fu.IsZero() {
		d.FollowUp = &fhir.FollowUp{Date: fu}
	}
	return d, nil
}

func buildImmunization(in *formInput) (fhir.Content, *formProblem) {
	rec := &fhir.ImmunizationRecord{}
	for n := 1; n <= doseRows; n++ {
		g := func(name string) string { return in.get(name + strconv.Itoa(n)) }
		if g("vaccine") == "" {
			if rowFilled(in, n, "doseNumber", "date", "lotNumber", "manufacturer", "route") {
				return nil, problem("emr.imm.novaccine", n)
			}
			continue
		}
		date, ok := formDate(g("date"))
		switch {
		case !ok || date.IsZero():
			return nil, problem("emr.imm.nodate", n)
		case date.After(in.now):
			return nil, problem("emr.imm.future", n)
		}
		dose := 0
		if s := g("doseNumber"); s != "" {
			d, err := strconv.Atoi(s)
			if err != nil || d < 1 || d > 20 {
				return nil, problem("emr.imm.dosenumber", n)
			}
			dose = d
		}
		rec.Doses = append(rec.Doses, fhir.Vaccination{Vaccine: fhir.Text(g("vaccine")), Date: date, LotNumber: g("lotNumber"),
			DoseNumber: dose, Manufacturer: g("manufacturer"), Route: g("route")})
	}
	if len(rec.Doses) == 0 {
		return nil, problem("emr.imm.none")
	}
	return rec, nil
}

func buildWellness(in *formInput) (fhir.Content, *formProblem) {
	w := &fhir.WellnessRecord{}
	v := &w.Vitals
	for _, f := range []struct {
		name, label string
		dst         *float64
	}{
		{"systolic", "emr.consult.bp", &v.Systolic}, {"diastolic", "emr.consult.bp", &v.Diastolic},
		{"pulse", "emr.consult.pulse", &v.Pulse}, {"respiratoryRate", "emr.wellness.rr", &v.RespiratoryRate},
		{"temperature", "emr.wellness.temp", &v.Temperature}, {"spO2", "emr.consult.spo2", &v.SpO2},
		{"height", "emr.wellness.height", &v.Height}, {"weight", "emr.consult.weight", &v.Weight}, {"bmi", "emr.wellness.bmi", &v.BMI},
	} {
		x, ok := formNumber(in.get(f.name))
		if !ok {
			return nil, problem("emr.form.number", msgID(f.label))
		}
		*f.dst = x
	}
	switch {
	case (v.Systolic == 0) != (v.Diastolic == 0):
		return nil, problem("emr.consult.bpboth")
	case v.SpO2 > 100:
		return nil, problem("emr.wellness.spo2")
	case *v == fhir.Vitals{}:
		return nil, problem("emr.wellness.empty")
	}
	switch u := in.get("temperatureUnit"); u {
	case "", "Cel", "[degF]":
		v.TemperatureUnit = u
	default:
		return nil, problem("emr.wellness.unit")
	}
	return w, nil
}

func buildDocument(in *formInput) (fhir.Content, *formProblem) {
	up := in.upload
	switch {
	case up != nil && up.tooBig:
		return nil, &formProblem{id: "emr.document.toobig", args: []any{maxUploadMiB}, status: http.StatusRequestEntityTooLarge}
	case in.get("title") == "":
		return nil, problem("emr.document.notitle")
	case up == nil || len(up.data) == 0:
		return nil, problem("emr.document.nofile")
	}
	typ := sniffDocument(up.data)
	if typ == "" {
		return nil, &formProblem{id: "emr.document.type", status: http.StatusUnsupportedMediaType}
	}
	title := in.get("title")
	return &fhir.HealthDocument{Title: title, File: fhir.File{Title: title, ContentType: typ, Data: up.data}}, nil
}

func buildInvoice(in *formInput) (fhir.Content, *formProblem) {
	inv := &fhir.InvoiceRecord{Number: in.get("number"), Currency: "INR"}
	for n := 1; n <= itemRows; n++ {
		g := func(name string) string { return in.get(name + strconv.Itoa(n)) }
		if g("item") == "" {
			if rowFilled(in, n, "quantity", "unitPrice") {
				return nil, problem("emr.invoice.noitem", n)
			}
			continue
		}
		price, err := strconv.ParseFloat(g("unitPrice"), 64)
		if err != nil || price < 0 || price > 1e9 {
			return nil, problem("emr.invoice.badprice", n)
		}
		qty, ok := formNumber(g("quantity"))
		if !ok || qty > 1e4 {
			return nil, problem("emr.invoice.badquantity", n)
		}
		inv.Items = append(inv.Items, fhir.InvoiceItem{Item: fhir.Text(g("item")), Quantity: qty, UnitPrice: price})
	}
	if len(inv.Items) == 0 {
		return nil, problem("emr.invoice.none")
	}
	return inv, nil
}

// trimmed returns a getter of form values with spaces trimmed.
func trimmed(get func(string) string) func(string) string {
	return func(k string) string { return strings.TrimSpace(get(k)) }
}
