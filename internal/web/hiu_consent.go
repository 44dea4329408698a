package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
)

// hiuPurposes are the ABDM purposes of use, in the order the form offers
// them; their words are the messages "hiu.purpose.<code>".
var hiuPurposes = []string{"CAREMGT", "BTG", "PUBHLTH", "HPAYMT", "DSRCH", "PATRQT"}

// hiuHome is the home page: the facility's consent requests.
type hiuHome struct {
	Requests []hiuRequestRow
}

// hiuRequestRow is one consent request in the home page's list.
type hiuRequestRow struct {
	URL, Patient, Purpose, Status, StatusClass, Created string
}

// hiuOption is one choice of a select or a set of checkboxes.
type hiuOption struct {
	Value, Label string // Label is a message id
	Selected     bool
}

// hiuAsk is the find-a-patient form, its answer, and the consent request
// form, as filled.
type hiuAsk struct {
	Query     string // the ABHA address searched for
	Searching bool   // the CM has not answered yet: the page reloads
	Searched  bool
	Found     *hiuFound

	Patient, From, To, EraseAt, HIPID string
	Purposes, HITypes                 []hiuOption
}

// hiuFound is the consent manager's answer to patients/find.
type hiuFound struct {
	Address, Name string
}

// hiuRequest is a consent request's page.
type hiuRequest struct {
	ID, URL, RecordsURL                          string
	Patient, Purpose, Dates, EraseAt, HIPID, Ref string
	HITypes                                      []string // message ids
	Status, StatusClass, Error                   string
	Waiting                                      bool
	Artefacts                                    []hiuArtefact
}

// hiuArtefact is one artefact granted under the request.
type hiuArtefact struct {
	ID, HIP, Dates, EraseAt, Status, StatusClass, FetchURL string
	HITypes                                                []string // message ids
	Granted                                                bool
}

// hiuTransfer is a data request's progress.
type hiuTransfer struct {
	RequestURL, RecordsURL, HIP, Status, StatusClass, Error string
	Pages, PageCount, Records                               int
	InProgress, Done                                        bool
}

func hiuRequestURL(id string) string { return "/hiu/requests/" + url.PathEscape(id) }

// istDayIn shows t's day in India, with the month in cat's words; "" for
// no time.
func istDayIn(cat catalogue, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateIn(cat, t.In(ist), "2 Jan 2006")
}

// istTimeIn shows t in India's time, with the month in cat's words.
func istTimeIn(cat catalogue, t time.Time) string {
	return dateIn(cat, t.In(ist), "2 Jan 2006 15:04 MST")
}

// statusClass is the badge style of a status: waiting, good or ended.
func statusClass(s string) string {
	switch s {
	case hiu.RequestGranted, hiu.TransferDone:
		return "ok"
	case hiu.RequestPending, hiu.RequestRequested, hiu.ArtefactFetching, hiu.TransferAccepted:
		return "wait"
	}
	return "bad"
}

func hiTypeIDs(types []string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = "hiu.hitype." + t
	}
	return out
}

// home lists the facility's consent requests with their status.
func (h *HIU) home(w http.ResponseWriter, r *http.Request) {
	v, ctx, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	list, err := h.svc.ConsentRequests(ctx, v.Staff.FacilityID, "")
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	v.Home = &hiuHome{}
	for _, c := range list {
		v.Home.Requests = append(v.Home.Requests, hiuRequestRow{URL: hiuRequestURL(c.ID), Patient: c.Patient,
			Purpose: "hiu.purpose." + c.Purpose, Status: "hiu.status." + c.Status, StatusClass: statusClass(c.Status), Created: istTimeIn(h.catFor(r), c.CreatedAt)})
	}
	h.render(w, r, http.StatusOK, "hiu_home", v)
}

// newAsk returns the forms with their defaults: records of the last two
// years, kept for 30 days.
func (h *HIU) newAsk() *hiuAsk {
	today := h.now().In(ist)
	a := &hiuAsk{From: today.AddDate(-2, 0, 0).Format(time.DateOnly), To: today.Format(time.DateOnly),
		EraseAt: today.AddDate(0, 0, 30).Format(time.DateOnly)}
	a.setChoices("CAREMGT", nil)
	return a
}

func (a *hiuAsk) setChoices(purpose string, types []string) {
	a.Purposes, a.HITypes = nil, nil
	for _, p := range hiuPurposes {
		a.Purposes = append(a.Purposes, hiuOption{Value: p, Label: "hiu.purpose." + p, Selected: p == purpose})
	}
	for _, t := range hiu.HITypes {
		a.HITypes = append(a.HITypes, hiuOption{Value: t, Label: "hiu.hitype." + t, Selected: slices.Contains(types, t)})
	}
}

// askGet shows the find form and the consent request form.
func (h *HIU) askGet(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	v.Ask = h.newAsk()
	h.render(w, r, http.StatusOK, "hiu_ask", v)
}

// find asks the consent manager whether an ABHA address is known. It is a
// POST so that the address stays out of URLs and request logs; if the CM
// has not answered within a few seconds, the browser is sent to a page
// named by the search's ID that reloads itself until it has.
func (h *HIU) find(w http.ResponseWriter, r *http.Request, v *hiuView) {
	if h.signedOut(w, r, v) {
		return
	}
	q := strings.TrimSpace(r.PostForm.Get("patient"))
	v.Ask = h.newAsk()
	v.Ask.Query, v.Ask.Patient = q, q
	f, err := h.svc.FindPatient(staffContext(r.Context(), v.Staff), v.Staff.FacilityID, q, hiuFindWait)
	if arogya.ErrorCode(err) == arogya.EINVALID {
		v.Error = h.catFor(r).text("hiu.find.bad")
		h.render(w, r, http.StatusUnprocessableEntity, "hiu_ask", v)
		return
	} else if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	if f.Status == hiu.FindPending {
		http.Redirect(w, r, "/hiu/find/"+url.PathEscape(f.ID), http.StatusSeeOther)
		return
	}
	h.showFind(w, r, v, f)
}

// findResult shows a search's answer once it has come, reloading until
// then.
func (h *HIU) findResult(w http.ResponseWriter, r *http.Request) {
	v, ctx, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	f, err := h.svc.FindResult(ctx, v.Staff.FacilityID, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	v.Ask = h.newAsk()
	v.Ask.Query, v.Ask.Patient = f.Query, f.Query
	if f.Status == hiu.FindPending {
		v.Ask.Searching, v.Refresh = true, hiuRefresh
		h.render(w, r, http.StatusOK, "hiu_ask", v)
		return
	}
	h.showFind(w, r, v, f)
}

func (h *HIU) showFind(w http.ResponseWriter, r *http.Request, v *hiuView, f *hiu.Find) {
	v.Ask.Searched = true
	if f.Status == hiu.FindFound {
		v.Ask.Found = &hiuFound{Address: f.PatientID, Name: f.PatientName}
		v.Ask.Patient = f.PatientID
	}
	h.render(w, r, http.StatusOK, "hiu_ask", v)
}

// hiuDay reads a date field (YYYY-MM-DD) as that day in India: its
// first moment, or its last when end is true.
func hiuDay(s string, end bool) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), ist)
	if err != nil || d.Year() < 1900 || d.Year() > 2200 {
		return time.Time{}, false
	}
	if end {
		d = d.AddDate(0, 0, 1).Add(-time.Millisecond)
	}
	return d, true
}

// ask sends the consent request. A refused form comes back with what was
// entered and why; nothing is sent or kept.
func (h *HIU) ask(w http.ResponseWriter, r *http.Request, v *hiuView) {
	if h.signedOut(w, r, v) {
		return
	}
	f := r.PostForm
	a := &hiuAsk{Patient: strings.TrimSpace(f.Get("patient")), From: strings.TrimSpace(f.Get("from")), To: strings.TrimSpace(f.Get("to")),
		EraseAt: strings.TrimSpace(f.Get("erase_at")), HIPID: strings.ToUpper(strings.TrimSpace(f.Get("hip")))}
	purpose, types := f.Get("purpose"), f["hitype"]
	a.setChoices(purpose, types)
	v.Ask = a
	refuse := func(id string, args ...any) {
		v.Error = h.catFor(r).text(id, args...)
		h.render(w, r, http.StatusUnprocessableEntity, "hiu_ask", v)
	}
	from, okFrom := hiuDay(a.From, false)
	to, okTo := hiuDay(a.To, true)
	erase, okErase := hiuDay(a.EraseAt, true)
	switch {
	case a.Patient == "":
		refuse("hiu.ask.nopatient")
		return
	case !slices.Contains(hiuPurposes, purpose):
		refuse("hiu.ask.purpose")
		return
	case len(types) == 0 || slices.ContainsFunc(types, func(t string) bool { return !slices.Contains(hiu.HITypes, t) }):
		refuse("hiu.ask.hitypes")
		return
	case !okFrom || !okTo:
		refuse("hiu.ask.dates")
		return
	case to.Before(from):
		refuse("hiu.ask.order")
		return
	case !okErase || !erase.After(h.now()):
		refuse("hiu.ask.erase")
		return
	case len(a.HIPID) > 64:
		refuse("hiu.ask.hip")
		return
	}
	c, err := h.svc.RequestConsent(staffContext(r.Context(), v.Staff), v.Staff.FacilityID, hiu.ConsentInput{
		Patient: a.Patient, HIPID: a.HIPID, Purpose: purpose, HITypes: types, From: from, To: to, EraseAt: erase})
	if arogya.ErrorCode(err) == arogya.EINVALID {
		refuse("hiu.ask.invalid", errText(h.catFor(r), err))
		return
	} else if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	redirect(w, r, hiuRequestURL(c.ID), "hiu.asked")
}

// request shows a consent request as the person decides: it reloads
// itself while the CM or the person has yet to answer (and while granted
// artefacts are being fetched), and lists the artefacts with a button to
// get each one's records.
func (h *HIU) request(w http.ResponseWriter, r *http.Request) {
	v, ctx, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	c, err := h.svc.ConsentRequest(ctx, v.Staff.FacilityID, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	arts, err := h.svc.Artefacts(ctx, v.Staff.FacilityID, c.ID)
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	u := hiuRequestURL(c.ID)
	rq := &hiuRequest{ID: c.ID, URL: u, RecordsURL: u + "/records", Patient: c.Patient, Purpose: "hiu.purpose." + c.Purpose,
		Dates: istDayIn(h.catFor(r), c.From) + " – " + istDayIn(h.catFor(r), c.To), EraseAt: istDayIn(h.catFor(r), c.EraseAt), HIPID: c.HIPID, Ref: c.CMID, HITypes: hiTypeIDs(c.HITypes),
		Status: "hiu.status." + c.Status, StatusClass: statusClass(c.Status), Error: c.Error,
		Waiting: c.Status == hiu.RequestPending || c.Status == hiu.RequestRequested}
	for _, a := range arts {
		ha := hiuArtefact{ID: a.ID, HIP: a.HIPName, HITypes: hiTypeIDs(a.HITypes), Status: "hiu.artefact." + a.Status,
			StatusClass: statusClass(a.Status), Granted: a.Status == hiu.RequestGranted && h.now().Before(a.EraseAt),
			FetchURL: u + "/artefacts/" + url.PathEscape(a.ID) + "/fetch"}
		if ha.HIP == "" {
			ha.HIP = a.HIPID
		}
		if !a.From.IsZero() {
			ha.Dates, ha.EraseAt = istDayIn(h.catFor(r), a.From)+" – "+istDayIn(h.catFor(r), a.To), istTimeIn(h.catFor(r), a.EraseAt)
		}
		rq.Waiting = rq.Waiting || a.Status == hiu.ArtefactFetching
		rq.Artefacts = append(rq.Artefacts, ha)
	}
	v.Request = rq
	if rq.Waiting {
		v.Refresh = hiuRefresh
	}
	h.render(w, r, http.StatusOK, "hiu_request", v)
}

// fetch asks the HIP, through the CM, for the records an artefact covers,
// with fresh key material, and shows the transfer's progress.
func (h *HIU) fetch(w http.ResponseWriter, r *http.Request, v *hiuView) {
	if h.signedOut(w, r, v) {
		return
	}
	ctx := staffContext(r.Context(), v.Staff)
	c, err := h.svc.ConsentRequest(ctx, v.Staff.FacilityID, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	a, err := h.svc.Artefact(ctx, v.Staff.FacilityID, r.PathValue("aid"))
	if err == nil && a.ConsentRequestID != c.ID {
		err = arogya.Errorf(arogya.ENOTFOUND, "no consent artefact with that ID")
	}
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	t, err := h.svc.RequestData(ctx, v.Staff.FacilityID, a.ID, time.Time{}, time.Time{})
	if arogya.ErrorCode(err) == arogya.EUNPROCESSABLE {
		v.Error = h.catFor(r).text("hiu.fetch.ended")
		v.Page = ""
		h.render(w, r, http.StatusUnprocessableEntity, "hiu_error", v)
		return
	} else if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	redirect(w, r, hiuRequestURL(c.ID)+"/transfers/"+url.PathEscape(t.ID), "hiu.fetching")
}

// transfer shows a data request's progress, reloading while the HIP
// sends.
func (h *HIU) transfer(w http.ResponseWriter, r *http.Request) {
	v, ctx, ok := h.requireStaff(w, r)
	if !ok {
		return
	}
	c, err := h.svc.ConsentRequest(ctx, v.Staff.FacilityID, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	t, err := h.svc.Transfer(ctx, v.Staff.FacilityID, r.PathValue("tid"))
	if err == nil && !slices.Contains(c.ArtefactIDs, t.ConsentID) {
		err = arogya.Errorf(arogya.ENOTFOUND, "no health-information request with that ID")
	}
	if err != nil {
		h.failPage(w, r, v, err)
		return
	}
	u := hiuRequestURL(c.ID)
	tv := &hiuTransfer{RequestURL: u, RecordsURL: u + "/records", HIP: t.HIPID, Status: "hiu.transfer." + t.Status,
		StatusClass: statusClass(t.Status), Pages: len(t.Pages), PageCount: t.PageCount, Records: t.Records,
		InProgress: t.Status == hiu.TransferRequested || t.Status == hiu.TransferAccepted, Done: t.Status == hiu.TransferDone}
	if t.Status == hiu.TransferFailed {
		tv.Error = "hiu.transfer.failed.why"
	}
	if a, err := h.svc.Artefact(ctx, v.Staff.FacilityID, t.ConsentID); err == nil && a.HIPName != "" {
		tv.HIP = a.HIPName
	}
	v.Transfer = tv
	if tv.InProgress {
		v.Refresh = hiuRefresh
	}
	h.render(w, r, http.StatusOK, "hiu_transfer", v)
}
