package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/fhir"
	"github.com/arogya-health/arogya/internal/hip"
)

// emrHome is the home page: the search form and its results, and the
// form to register a new patient.
type emrHome struct {
	Query    string
	Searched bool
	Found    []emrPatientRow
	New      emrNewPatient
}

// emrPatientRow is one patient in a list.
type emrPatientRow struct {
	URL, Name, Ref, Gender, Born, Mobile, ABHANumber, ABHAAddress string
}

// emrNewPatient is the registration form as filled.
type emrNewPatient struct {
	Name, Gender, BirthDate, YearOfBirth, Mobile, ABHANumber, ABHAAddress string
}

// emrPatient is a patient's page: details and visits with their records.
type emrPatient struct {
	emrPatientRow
	Visits []emrVisit
	Forms  []emrFormLink // the forms beyond the consultation and lab report
}

// emrFormLink is a link to one record kind's form.
type emrFormLink struct {
	Path, Label string // URL segment under the patient; message id
}

// emrVisit is one care context with its records.
type emrVisit struct {
	Ref, Display, Date string
	Records            []emrRecordRow
}

// emrRecordRow is one record in a visit's list.
type emrRecordRow struct {
	URL, Kind, Date string
}

// emrRecord is one record, rendered.
type emrRecord struct {
	PatientURL string
	PDFURL     string
	HTML       template.HTML // fhir.RenderHTMLFragmentIn's output, in the page's language, which escapes all the record's text
}

func patientURL(ref string) string { return "/emr/patients/" + url.PathEscape(ref) }

func patientRow(p *hip.Patient) emrPatientRow {
	born := p.BirthDate
	if born == "" && p.YearOfBirth != 0 {
		born = strconv.Itoa(p.YearOfBirth)
	}
	number := p.ABHANumber
	if len(number) == 14 {
		number = number[:2] + "-" + number[2:6] + "-" + number[6:10] + "-" + number[10:]
	}
	return emrPatientRow{URL: patientURL(p.Ref), Name: p.Name, Ref: p.Ref, Gender: "gender." + p.Gender, Born: born,
		Mobile: p.Mobile, ABHANumber: number, ABHAAddress: p.ABHAAddress}
}

// home offers the search and the registration form.
func (e *EMR) home(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	v.Home = &emrHome{New: emrNewPatient{}}
	e.render(w, r, http.StatusOK, "emr_home", v)
}

// search finds the facility's patients by ABHA number, ABHA address or
// mobile, whichever the query looks like. It is a POST so that the
// identifiers stay out of URLs and request logs.
func (e *EMR) search(w http.ResponseWriter, r *http.Request, v *emrView) {
	if v.Staff == nil {
		e.toSignIn(w, r)
		return
	}
	q := strings.TrimSpace(r.PostForm.Get("q"))
	v.Home = &emrHome{Query: q, New: emrNewPatient{}}
	var number, address, mobile string
	digits := strings.NewReplacer("-", "", " ", "").Replace(q)
	switch {
	case strings.Contains(q, "@"):
		address = q
	case len(digits) == 14 && allDigitsWeb(digits):
		number = digits
	default:
		mobile = strings.TrimPrefix(strings.TrimPrefix(digits, "+91"), "0")
		if len(mobile) != 10 || !allDigitsWeb(mobile) {
			v.Error = e.catFor(r).text("emr.search.bad")
			e.render(w, r, http.StatusUnprocessableEntity, "emr_home", v)
			return
		}
	}
	ps, err := e.svc.FindPatients(staffContext(r.Context(), v.Staff), v.Staff.FacilityID, number, address, mobile)
	if arogya.ErrorCode(err) == arogya.EINVALID {
		v.Error = e.catFor(r).text("emr.search.bad")
		e.render(w, r, http.StatusUnprocessableEntity, "emr_home", v)
		return
	} else if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	v.Home.Searched = true
	for _, p := range ps {
		v.Home.Found = append(v.Home.Found, patientRow(p))
	}
	e.render(w, r, http.StatusOK, "emr_home", v)
}

// register registers a new patient at the facility (or finds the one it
// has with that ABHA) and shows them.
func (e *EMR) register(w http.ResponseWriter, r *http.Request, v *emrView) {
	if v.Staff == nil {
		e.toSignIn(w, r)
		return
	}
	f := r.PostForm
	n := emrNewPatient{Name: strings.TrimSpace(f.Get("name")), Gender: f.Get("gender"), BirthDate: strings.TrimSpace(f.Get("birth_date")),
		YearOfBirth: strings.TrimSpace(f.Get("year_of_birth")), Mobile: strings.TrimSpace(f.Get("mobile")),
		ABHANumber: strings.TrimSpace(f.Get("abha_number")), ABHAAddress: strings.TrimSpace(f.Get("abha_address"))}
	v.Home = &emrHome{New: n}
	in := hip.PatientInput{Name: n.Name, Gender: n.Gender, BirthDate: n.BirthDate, Mobile: n.Mobile, ABHANumber: n.ABHANumber, ABHAAddress: n.ABHAAddress}
	if n.YearOfBirth != "" {
		y, err := strconv.Atoi(n.YearOfBirth)
		if err != nil {
			v.Error = e.catFor(r).text("emr.register.year")
			e.render(w, r, http.StatusUnprocessableEntity, "emr_home", v)
			return
		}
		in.YearOfBirth = y
	}
	p, created, err := e.svc.RegisterPatient(staffContext(r.Context(), v.Staff), v.Staff.FacilityID, in)
	if arogya.ErrorCode(err) == arogya.EINVALID {
		v.Error = e.catFor(r).text("emr.register.invalid", errText(e.catFor(r), err))
		e.render(w, r, http.StatusUnprocessableEntity, "emr_home", v)
		return
	} else if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	notice := "emr.registered"
	if !created {
		notice = "emr.known"
	}
	redirect(w, r, patientURL(p.Ref), notice)
}

// patient shows a patient with their visits and records.
func (e *EMR) patient(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	ctx := staffContext(r.Context(), v.Staff)
	p, ccs, err := e.svc.PatientVisits(ctx, v.Staff.FacilityID, r.PathValue("ref"))
	if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	pv := &emrPatient{emrPatientRow: patientRow(p)}
	for _, k := range emrKinds {
		pv.Forms = append(pv.Forms, emrFormLink{Path: k.path, Label: k.link})
	}
	type dated struct {
		v    emrVisit
		when time.Time
	}
	var visits []dated
	for _, cc := range ccs {
		rs, err := e.svc.VisitRecords(ctx, v.Staff.FacilityID, p.Ref, cc.Ref)
		if err != nil {
			e.failPage(w, r, v, err)
			return
		}
		// A visit is dated by its first record: records are often entered
		// after the day, and bundles pushed from other systems carry theirs.
		when := cc.CreatedAt
		for _, rec := range rs {
			if rec.Date.Before(when) {
				when = rec.Date
			}
		}
		vv := emrVisit{Ref: cc.Ref, Display: cc.Display, Date: dateIn(e.catFor(r), when, "2 Jan 2006")}
		for _, rec := range rs {
			vv.Records = append(vv.Records, emrRecordRow{
				URL:  pv.URL + "/visits/" + url.PathEscape(cc.Ref) + "/records/" + url.PathEscape(rec.ID),
				Kind: "emr.kind." + rec.HIType, Date: dateIn(e.catFor(r), rec.Date, "2 Jan 2006 15:04 MST")})
		}
		visits = append(visits, dated{vv, when})
	}
	slices.SortStableFunc(visits, func(a, b dated) int { return b.when.Compare(a.when) }) // newest first
	for _, d := range visits {
		pv.Visits = append(pv.Visits, d.v)
	}
	v.Patient = pv
	e.render(w, r, http.StatusOK, "emr_patient", v)
}

// openRecord returns the record at the request's path, parsed, after
// checking its visit is the patient's.
func (e *EMR) openRecord(r *http.Request, s *emrStaff) (*fhir.Bundle, error) {
	ctx := staffContext(r.Context(), s)
	_, data, err := e.svc.PatientRecord(ctx, s.FacilityID, r.PathValue("ref"), r.PathValue("cc"), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return fhir.Parse(data)
}

// record shows one record inside the page.
func (e *EMR) record(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	b, err := e.openRecord(r, v.Staff)
	if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	html, err := bundleHTML(r, b)
	if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	v.Record = &emrRecord{PatientURL: patientURL(r.PathValue("ref")), PDFURL: r.URL.Path + "/pdf",
		HTML: html}
	e.render(w, r, http.StatusOK, "emr_record", v)
}

// recordPDF serves one record as a PDF.
func (e *EMR) recordPDF(w http.ResponseWriter, r *http.Request) {
	v, ok := e.requireStaff(w, r)
	if !ok {
		return
	}
	b, err := e.openRecord(r, v.Staff)
	if err != nil {
		e.failPage(w, r, v, err)
		return
	}
	var buf bytes.Buffer
	if err := fhir.RenderPDF(&buf, b); err != nil {
		e.failPage(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="record.pdf"`)
	_, _ = w.Write(buf.Bytes())
}

func allDigitsWeb(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
