package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
)

// hiuRecords is the patient's records held by the facility, grouped by
// the facility that sent them and then by day, and what was erased.
type hiuRecords struct {
	RequestURL, Patient string
	Groups              []hiuGroup
	Erased              []hiuErased
}

// hiuGroup is the records of one HIP on one day.
type hiuGroup struct {
	HIP, HIPID, Day string
	Records         []hiuRecordRow
}

// hiuRecordRow is one record in a group.
type hiuRecordRow struct {
	URL, FHIRURL, Kind, Title, Date, EraseAt string
}

// hiuErased says that what came under one artefact has been erased, and
// why: a message id and its facility.
type hiuErased struct {
	Why, HIP string
}

// hiuRecord is one record, rendered.
type hiuRecord struct {
	RecordsURL, FHIRURL, HIP, EraseAt string
	HTML                              template.HTML // fhir.RenderHTMLFragmentIn's output, in the page's language, which escapes all the record's text
}

// records lists the patient's records held by the facility: the patient
// is the one the consent request in the path names, so their ABHA address
// is never in a URL.
func (h *HIU) records(w http.ResponseWriter, r *http.Request) {
	v, ctx, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	c, err := h.svc.ConsentRequest(ctx, v.Staff.FacilityID, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	groups, err := h.svc.Records(ctx, v.Staff.FacilityID, c.Patient, "")
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	u := hiuRequestURL(c.ID)
	rv := &hiuRecords{RequestURL: u, Patient: c.Patient}
	for _, g := range groups {
		hg := hiuGroup{HIP: g.HIPName, HIPID: g.HIPID, Day: g.Day}
		if d, ok := hiuDay(g.Day, false); ok {
			hg.Day = dateIn(h.catFor(r), d, "Mon, 2 Jan 2006")
		}
		if hg.HIP == "" {
			hg.HIP = g.HIPID
		}
		for _, rec := range g.Records {
			ru := u + "/records/" + url.PathEscape(rec.ID)
			kind, title := "hiu.hitype."+rec.HIType, rec.Title
			if strings.EqualFold(strings.ReplaceAll(title, " ", ""), rec.HIType) || strings.EqualFold(title, h.cat.text(kind)) || strings.EqualFold(title, h.catFor(r).text(kind)) {
				title = "" // the record's title only names its kind: "Prescription · Prescription"
			}
			hg.Records = append(hg.Records, hiuRecordRow{URL: ru, FHIRURL: ru + "/fhir", Kind: kind,
				Title: title, Date: istTimeIn(h.catFor(r), rec.Date), EraseAt: istTimeIn(h.catFor(r), rec.EraseAt)})
		}
		rv.Groups = append(rv.Groups, hg)
	}
	// What came under this request's artefacts and is gone: on revocation
	// or expiry the artefact's copy stays with its status; at dataEraseAt
	// it goes too.
	for _, id := range c.ArtefactIDs {
		a, err := h.svc.Artefact(ctx, v.Staff.FacilityID, id)
		switch {
		case arogya.ErrorCode(err) == arogya.ENOTFOUND: // a copy is kept from the grant on, so it was erased
			rv.Erased = append(rv.Erased, hiuErased{Why: "hiu.erased.due"})
		case err != nil:
			h.failPage(w, r, v, err)
			return
		case a.Status == "REVOKED" || a.Status == hiu.RequestExpired:
			hip := a.HIPName
			if hip == "" {
				hip = a.HIPID
			}
			rv.Erased = append(rv.Erased, hiuErased{Why: "hiu.erased." + a.Status, HIP: hip})
		}
	}
	v.Records = rv
	h.render(w, r, http.StatusOK, "hiu_records", v)
}

// openRecord returns the record the path names, which must be of the
// patient of the consent request the path names too, and its bundle.
func (h *HIU) openRecord(r *http.Request, s *emrStaff) (*hiu.Record, []byte, error) {
	ctx := staffContext(r.Context(), s)
	c, err := h.svc.ConsentRequest(ctx, s.FacilityID, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	rec, data, err := h.svc.Record(ctx, s.FacilityID, r.PathValue("rid"))
	if err != nil {
		return nil, nil, err
	}
	if rec.Patient != c.Patient {
		clear(data)
		return nil, nil, arogya.Errorf(arogya.ENOTFOUND, "no record with that ID")
	}
	return rec, data, nil
}

// record shows one record rendered for people: lab values with their
// ranges and flags, medicines, diagnoses, discharge details.
func (h *HIU) record(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	rec, data, err := h.openRecord(r, v.Staff)
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	html, err := recordHTML(r, data)
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	u := hiuRequestURL(r.PathValue("id"))
	hip := rec.HIPName
	if hip == "" {
		hip = rec.HIPID
	}
	v.Record = &hiuRecord{RecordsURL: u + "/records", FHIRURL: r.URL.Path + "/fhir", HIP: hip, EraseAt: istTimeIn(h.catFor(r), rec.EraseAt),
		HTML: html}
	h.render(w, r, http.StatusOK, "hiu_record", v)
}

// recordFHIR serves the bundle as the HIP sent it, as a download that no
// cache keeps.
func (h *HIU) recordFHIR(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	rec, data, err := h.openRecord(r, v.Staff)
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	w.Header().Set("Content-Disposition", `attachment; filename="record-`+safeName(rec.ID)+`.json"`)
	_, _ = w.Write(data)
	clear(data)
}

// safeName keeps the letters, digits and hyphens of an ID, for a file name.
func safeName(id string) string {
	b := make([]byte, 0, len(id))
	for i := range len(id) {
		c := id[i]
		if c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b = append(b, c)
		}
	}
	if len(b) == 0 || len(b) > 64 {
		return "bundle"
	}
	return string(b)
}
