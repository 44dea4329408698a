package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/hip"
)

// Rows the forms offer: enough for a day's OPD, small enough for a phone.
const (
	medicineRows = 5
	resultRows   = 6
)

// visitFields are the visit a form's record goes under.
type visitFields struct {
	PatientURL, Action     string
	VisitRef, VisitDisplay string
}

// consultForm is the OP consultation form as filled; values are kept as
// typed so a rejected form comes back as it was.
type consultForm struct {
	Visit                                      visitFields
	Complaints, Diagnoses, Advice, FollowUp    string
	Systolic, Diastolic, Pulse, Temp, SpO2, Wt string
	Medicines                                  []medicineRow
}

// medicineRow is one row of the consultation's medicines.
type medicineRow struct {
	N                                         int
	Drug, Dose, Frequency, Days, Instructions string
}

// labForm is the lab report form as filled.
type labForm struct {
	Visit            visitFields
	Test, Conclusion string
	Results          []resultRow
}

// resultRow is one result of a lab report.
type resultRow struct {
	N                            int
	Name, Value, Unit, Low, High string
}

// defaultVisit suggests a new visit's reference and display: the prefix,
// today's date and one more than the patient's visits so far.
func (e *EMR) defaultVisit(r *http.Request, s *emrStaff, prefix, display string) (visitFields, error) {
	ref := r.PathValue("ref")
	_, ccs, err := e.svc.PatientVisits(staffContext(r.Context(), s), s.FacilityID, ref)
	if err != nil {
		return visitFields{}, err
	}
	now := time.Now()
	return visitFields{PatientURL: patientURL(ref),
		VisitRef: fmt.Sprintf("%s-%s-%d", prefix, now.Format("20060102"), len(ccs)+1),
		// The display is the visit's, kept and shared as data: in English.
		VisitDisplay: e.cat.text(display, now.Format("2 Jan 2006"))}, nil
}

// consultGet shows an empty OP consultation form.
func (e *EMR) consultGet(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	vf, err := e.defaultVisit(r, v.Staff, "OP", "emr.consult.display")
	if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	vf.Action = vf.PatientURL + "/consultation"
	v.Consult = &consultForm{Visit: vf, Medicines: make([]medicineRow, medicineRows)}
	for i := range v.Consult.Medicines {
		v.Consult.Medicines[i].N = i + 1
	}
	e.render(w, r, http.StatusOK, "emr_consult", v)
}

// formNumber parses an optional decimal field: ok is false when it is
// filled but not a positive number.
func formNumber(s string) (float64, bool) {
	if s == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && f > 0 && f < 1e6
}

// conceptLines splits a text area into its non-empty lines.
func conceptLines(s string) []fhir.Concept {
	var cs []fhir.Concept
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			cs = append(cs, fhir.Text(l))
		}
	}
	return cs
}

// consultPost checks the form, builds the consultation and records it as
// the signed-in staff member; a rejected form comes back with its values.
func (e *EMR) consultPost(w http.ResponseWriter, r *http.Request, v *emrView) {
	if v.Staff == nil {
		e.toSignIn(w, r)
		return
	}
	f := r.PostForm
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	ref := r.PathValue("ref")
	cf := &consultForm{Visit: visitFields{PatientURL: patientURL(ref), Action: patientURL(ref) + "/consultation",
		VisitRef: get("visit_ref"), VisitDisplay: get("visit_display")},
		Complaints: get("complaints"), Diagnoses: get("diagnoses"), Advice: get("advice"), FollowUp: get("follow_up"),
		Systolic: get("bp_sys"), Diastolic: get("bp_dia"), Pulse: get("pulse"), Temp: get("temp"), SpO2: get("spo2"), Wt: get("weight")}
	v.Consult = cf
	c := &fhir.Consultation{ChiefComplaints: conceptLines(cf.Complaints), Diagnoses: conceptLines(cf.Diagnoses), Advice: cf.Advice}
	fail := func(id string, args ...any) {
		v.Error = e.catFor(r).text(id, args...)
		e.render(w, r, http.StatusUnprocessableEntity, "emr_consult", v)
	}
	for i := range medicineRows {
		n := strconv.Itoa(i + 1)
		m := medicineRow{N: i + 1, Drug: get("drug" + n), Dose: get("dose" + n), Frequency: get("freq" + n), Days: get("days" + n), Instructions: get("instr" + n)}
		cf.Medicines = append(cf.Medicines, m)
	}
	for _, m := range cf.Medicines {
		if m.Drug == "" {
			if m.Dose != "" || m.Frequency != "" || m.Days != "" || m.Instructions != "" {
				fail("emr.consult.nodrug", m.N)
				return
			}
			continue
		}
		days := 0
		if m.Days != "" {
			d, err := strconv.Atoi(m.Days)
			if err != nil || d < 1 || d > 365 {
				fail("emr.consult.days", m.N)
				return
			}
			days = d
		}
		c.Medicines = append(c.Medicines, fhir.Medicine{Drug: fhir.Text(m.Drug), Dose: m.Dose, Frequency: m.Frequency, Days: days, Instructions: m.Instructions})
	}
	vitals := []struct {
		s   string
		dst *float64
		id  string
	}{
		{cf.Systolic, &c.Vitals.Systolic, "emr.consult.bp"}, {cf.Diastolic, &c.Vitals.Diastolic, "emr.consult.bp"},
		{cf.Pulse, &c.Vitals.Pulse, "emr.consult.pulse"}, {cf.Temp, &c.Vitals.Temperature, "emr.consult.temp"},
		{cf.SpO2, &c.Vitals.SpO2, "emr.consult.spo2"}, {cf.Wt, &c.Vitals.Weight, "emr.consult.weight"},
	}
	for _, vt := range vitals {
		x, ok := formNumber(vt.s)
		if !ok {
			fail("emr.form.number", e.catFor(r).text(vt.id))
			return
		}
		*vt.dst = x
	}
	if (c.Vitals.Systolic == 0) != (c.Vitals.Diastolic == 0) {
		fail("emr.consult.bpboth")
		return
	}
	if c.Vitals.Temperature > 50 { // written in °F, as Indian clinics mostly do
		c.Vitals.TemperatureUnit = "[degF]"
	}
	if cf.FollowUp != "" {
		d, err := time.Parse("2006-01-02", cf.FollowUp)
		if err != nil {
			fail("emr.consult.followup")
			return
		}
		c.FollowUp = &fhir.FollowUp{Date: d}
	}
	if len(c.ChiefComplaints) == 0 && len(c.Diagnoses) == 0 {
		fail("emr.consult.empty")
		return
	}
	e.recordContent(w, r, v, "emr_consult", cf.Visit, c)
}

// recordContent records content under the form's visit, and shows the
// patient; a record the service refuses comes back to the form.
func (e *EMR) recordContent(w http.ResponseWriter, r *http.Request, v *emrView, page string, vf visitFields, c fhir.Content) {
	_, _, _, err := e.svc.RecordVisitContent(staffContext(r.Context(), v.Staff), v.Staff.FacilityID, v.Staff.HPRID, r.PathValue("ref"),
		hip.VisitContent{ContextRef: vf.VisitRef, ContextDisplay: vf.VisitDisplay, Content: c})
	switch arogya.ErrorCode(err) {
	case "":
		redirect(w, r, vf.PatientURL, "emr.recorded")
	case arogya.EINVALID, arogya.EUNPROCESSABLE:
		v.Error = e.catFor(r).text("emr.form.invalid", errText(e.catFor(r), err))
		e.render(w, r, http.StatusUnprocessableEntity, page, v)
	default:
		e.failPage(w, r, v, err)
	}
}

// labGet shows an empty lab report form.
func (e *EMR) labGet(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	vf, err := e.defaultVisit(r, v.Staff, "LAB", "emr.lab.display")
	if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	vf.Action = vf.PatientURL + "/lab"
	v.Lab = &labForm{Visit: vf, Results: make([]resultRow, resultRows)}
	for i := range v.Lab.Results {
		v.Lab.Results[i].N = i + 1
	}
	e.render(w, r, http.StatusOK, "emr_lab", v)
}

// labPost checks the form, builds the lab report and records it.
func (e *EMR) labPost(w http.ResponseWriter, r *http.Request, v *emrView) {
	if v.Staff == nil {
		e.toSignIn(w, r)
		return
	}
	f := r.PostForm
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	ref := r.PathValue("ref")
	lf := &labForm{Visit: visitFields{PatientURL: patientURL(ref), Action: patientURL(ref) + "/lab",
		VisitRef: get("visit_ref"), VisitDisplay: get("visit_display")}, Test: get("test"), Conclusion: get("conclusion")}
	v.Lab = lf
	fail := func(id string, args ...any) {
		v.Error = e.catFor(r).text(id, args...)
		e.render(w, r, http.StatusUnprocessableEntity, "emr_lab", v)
	}
	for i := range resultRows {
		n := strconv.Itoa(i + 1)
		lf.Results = append(lf.Results, resultRow{N: i + 1, Name: get("name" + n), Value: get("value" + n), Unit: get("unit" + n), Low: get("low" + n), High: get("high" + n)})
	}
	if lf.Test == "" {
		fail("emr.lab.notest")
		return
	}
	lr := &fhir.LabReport{Test: fhir.Text(lf.Test), Conclusion: lf.Conclusion}
	for _, x := range lf.Results {
		if x.Name == "" {
			if x.Value != "" || x.Unit != "" || x.Low != "" || x.High != "" {
				fail("emr.lab.noname", x.N)
				return
			}
			continue
		}
		if x.Value == "" {
			fail("emr.lab.novalue", x.N)
			return
		}
		res := fhir.Result{Test: fhir.Text(x.Name), Low: x.Low, High: x.High}
		if _, err := strconv.ParseFloat(strings.TrimLeft(x.Value, "<>="), 64); err == nil {
			if x.Unit == "" {
				fail("emr.lab.nounit", x.N)
				return
			}
			res.Value, res.Unit = x.Value, x.Unit
		} else {
			res.Text = x.Value
		}
		for _, b := range []string{x.Low, x.High} {
			if _, err := strconv.ParseFloat(b, 64); b != "" && err != nil {
				fail("emr.lab.range", x.N)
				return
			}
		}
		lr.Results = append(lr.Results, res)
	}
	if len(lr.Results) == 0 {
		fail("emr.lab.noresults")
		return
	}
	e.recordContent(w, r, v, "emr_lab", lf.Visit, lr)
}
