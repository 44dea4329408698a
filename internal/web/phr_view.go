package web

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
)

// The person opens their own records as ABDM's PHR apps do: the PHR is
// itself an HIU (p.hiu, an HIU bridge's API over HTTP), asks consent with
// purpose PATRQT ("Self Requested") for one visit, the person grants it
// with their PIN through the CM's person API, the HIP pushes the records
// encrypted to the PHR's HIU, and the page renders them. The copies are
// erased at the consent's short dataEraseAt by the HIU's scheduler.
//
// Every page checks that the consent request it names is the PHR's own
// PATRQT request for one of the signed-in person's ABHA addresses, and
// every record that it came under that request's artefacts: another
// person gets "not found" whatever ID they send.

const (
	viewErase   = 24 * time.Hour // dataEraseAt and the consent's expiry: a viewer's copy
	viewRefresh = 3              // seconds between reloads while the page waits
	viewWait    = 10 * time.Second
)

// viewHITypes are the HI types an HIU may ask for (ABDM's list).
var viewHITypes = []string{"OPConsultation", "Prescription", "DischargeSummary", "DiagnosticReport",
	"ImmunizationRecord", "HealthDocumentRecord", "WellnessRecord", "Invoice"}

// viewPage is what phr_view.html and phr_view_record.html show.
type viewPage struct {
	Stage    string // "pin", "wait", "done", "failed"
	Waiting  string // a message id while waiting
	Failed   string // a message id when it cannot go on
	Facility string
	Visit    string
	Types    []string
	Request  string // the PHR's HIU consent request ID (a form field)
	HIP      string
	Ref      string
	EraseAt  string
	Records  []viewRecord
	// one record
	HTML    template.HTML
	FHIRURL string
	BackURL string
	Kind    string
}

// viewRecord is one record in the list.
type viewRecord struct {
	URL, Kind, Title, Date string
}

func (p *PHR) registerView(mux *http.ServeMux) {
	mux.Handle("POST /abha/records/open", secure(p.post(p.viewOpen)))
	mux.Handle("POST /abha/records/approve", secure(p.post(p.viewApprove)))
	mux.Handle("GET /abha/records/view/{id}", secure(p.page(p.viewShow)))
	mux.Handle("GET /abha/records/view/{id}/{rid}", secure(p.page(p.viewRecord)))
	mux.Handle("GET /abha/records/view/{id}/{rid}/fhir", secure(p.page(p.viewFHIR)))
}

// viewID accepts an ID of the HIU's (a UUID) from a path, form or query,
// lower-cased; ok is false for anything else.
func viewID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return "", false
			}
		}
	}
	return string(b), true
}

// viewURL is the page of a request.
func viewURL(id string) string { return "/abha/records/view/" + url.PathEscape(id) }

// addresses are the person's ABHA addresses, the preferred first.
func (p *PHR) addresses(who *person) ([]string, error) {
	a, err := p.abha.Profile(who.ctx, who.number)
	if err != nil {
		return nil, err
	}
	out := []string{}
	if a.Preferred != "" {
		out = append(out, strings.ToLower(a.Preferred))
	}
	for _, x := range a.Addresses {
		if x = strings.ToLower(x); !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil, arogya.Errorf(arogya.EUNPROCESSABLE, "the account has no ABHA address")
	}
	return out, nil
}

// visitOf finds the person's linked visit ref at hip.
func visitOf(links []phr.Facility, hip, ref string) (*phr.Facility, *phr.LinkedContext) {
	if hip == "" || ref == "" {
		return nil, nil
	}
	for i := range links {
		f := &links[i]
		if f.HIP.ID != hip {
			continue
		}
		for j := range f.CareContexts {
			if f.CareContexts[j].ReferenceNumber == ref {
				return f, &f.CareContexts[j]
			}
		}
	}
	return nil, nil
}

// viewFail renders the view page with err (or message id msg).
func (p *PHR) viewFail(w http.ResponseWriter, r *http.Request, v *phrView, err error, specific map[string]string) {
	if v.View == nil {
		v.View = &viewPage{Stage: "failed"}
	}
	p.fail(w, r, "phr_view", v, err, specific)
}

// notFoundErr is what any request or record not the person's is.
func notFoundErr() error { return arogya.Errorf(arogya.ENOTFOUND, "not found") }

// viewOpen asks the PHR's HIU for a PATRQT consent request for one of the
// person's linked visits, and asks for their PIN.
func (p *PHR) viewOpen(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	hip, ref := r.PostForm.Get("hip"), r.PostForm.Get("visit")
	links, err := p.cm.Links(who.ctx, who.token)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	f, cc := visitOf(links, hip, ref)
	if cc == nil {
		p.viewFail(w, r, v, notFoundErr(), nil)
		return
	}
	addrs, err := p.addresses(who)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	types := slices.DeleteFunc(slices.Clone(cc.HITypes), func(t string) bool { return !slices.Contains(viewHITypes, t) })
	if len(types) == 0 {
		types = viewHITypes
	}
	now := p.now().UTC()
	from, to := now.AddDate(-20, 0, 0), now.Add(time.Hour)
	if d := cc.Date.Time; !d.IsZero() {
		// the visit: its latest record's date, and the month before it
		from, to = d.AddDate(0, -1, 0), d.AddDate(0, 0, 1)
	}
	if req, granted := p.reusable(who, addrs[0], f, cc, types, from, to); req != nil {
		if granted {
			redirect(w, r, viewURL(req.ID), "")
			return
		}
		v.View = p.pinPage(r, f, cc, req)
		p.render(w, r, http.StatusOK, "phr_view", v)
		return
	}
	req, err := p.hiu.RequestConsent(who.ctx, phr.SelfConsent{Patient: addrs[0], HIPID: f.HIP.ID, HITypes: types,
		From: from, To: to, EraseAt: now.Add(viewErase)})
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	// The CM takes the request in a moment (consent-requests/on-init).
	deadline := time.Now().Add(viewWait)
	for req.ConsentRequestID == "" && req.Status == "PENDING" && time.Now().Before(deadline) {
		if !sleepCtx(who.ctx, 200*time.Millisecond) {
			break
		}
		if req, err = p.hiu.ConsentRequest(who.ctx, req.ID); err != nil {
			p.viewFail(w, r, v, err, nil)
			return
		}
	}
	if req.ConsentRequestID == "" {
		// the CM refused it (a locked ABHA, say), or has not answered
		status := http.StatusServiceUnavailable
		v.View = &viewPage{Stage: "failed", Failed: "phrview.err.cm"}
		if req.Status != "PENDING" {
			v.View.Failed, status = "phrview.failed.errored", http.StatusUnprocessableEntity
		}
		p.render(w, r, status, "phr_view", v)
		return
	}
	v.View = p.pinPage(r, f, cc, req)
	p.render(w, r, http.StatusOK, "phr_view", v)
}

// reuseMargin is how long before its erasure a request is still worth
// opening again rather than asking anew.
const reuseMargin = 10 * time.Minute

// reusable finds one of the PHR's own requests that can serve this visit
// again, so that opening a visit twice does not leave a second request in
// the person's inbox: one still awaiting the person's PIN for the same
// facility, types and dates (the grant names the visit, so it may have
// been asked from another visit of the same day), or one granted for this
// very visit whose copies are not yet erased (granted is then true). It
// returns nil when there is none, or when the list cannot be read (a new
// request then serves).
func (p *PHR) reusable(who *person, patient string, f *phr.Facility, cc *phr.LinkedContext, types []string, from, to time.Time) (req *phr.HIUConsentRequest, granted bool) {
	list, err := p.hiu.ConsentRequests(who.ctx, patient)
	if err != nil {
		return nil, false
	}
	soon := p.now().Add(reuseMargin)
	for i := range list {
		c := &list[i]
		if c.Purpose != "PATRQT" || c.HIPID != f.HIP.ID || !strings.EqualFold(c.Patient, patient) || !c.DataEraseAt.After(soon) ||
			!sameTypes(c.HITypes, types) || !c.DateRange.From.Equal(from) || !c.DateRange.To.Equal(to) {
			continue
		}
		switch {
		case c.Status == "REQUESTED" && c.ConsentRequestID != "":
			return c, false
		case c.Status == "GRANTED":
			arts, _, err := p.ownArtefacts(who, c)
			if err != nil {
				continue
			}
			for _, a := range arts {
				for _, x := range a.CareContexts {
					if a.HIP.ID == f.HIP.ID && x.PatientReference == f.ReferenceNumber && x.CareContextReference == cc.ReferenceNumber {
						return c, true
					}
				}
			}
		}
	}
	return nil, false
}

// sameTypes says whether a and b hold the same HI types, in any order.
func sameTypes(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}

func (p *PHR) pinPage(r *http.Request, f *phr.Facility, cc *phr.LinkedContext, req *phr.HIUConsentRequest) *viewPage {
	vp := &viewPage{Stage: "pin", Facility: cmp.Or(f.HIP.Name, f.HIP.ID), Visit: cmp.Or(cc.Display, cc.ReferenceNumber),
		Request: req.ID, HIP: f.HIP.ID, Ref: cc.ReferenceNumber, EraseAt: viewTime(req.DataEraseAt.Time)}
	for _, t := range req.HITypes {
		vp.Types = append(vp.Types, p.hiTypeLabelFor(r, t))
	}
	return vp
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ownRequest returns the PHR's consent request id if it is a PATRQT
// request for one of the person's ABHA addresses; anything else is "not
// found".
func (p *PHR) ownRequest(who *person, id string) (*phr.HIUConsentRequest, error) {
	id, ok := viewID(id)
	if !ok {
		return nil, notFoundErr()
	}
	req, err := p.hiu.ConsentRequest(who.ctx, id)
	if err != nil {
		if arogya.ErrorCode(err) == arogya.ENOTFOUND {
			return nil, notFoundErr()
		}
		return nil, err
	}
	addrs, err := p.addresses(who)
	if err != nil {
		return nil, err
	}
	if req.Purpose != "PATRQT" || !slices.Contains(addrs, strings.ToLower(req.Patient)) {
		return nil, notFoundErr()
	}
	return req, nil
}

// ownArtefacts are the granted artefacts of the person's request, each of
// the person too.
// pending is whether one is still being fetched, or none has come yet.
func (p *PHR) ownArtefacts(who *person, req *phr.HIUConsentRequest) ([]phr.HIUArtefact, bool, error) {
	list, err := p.hiu.Artefacts(who.ctx, req.ID)
	if err != nil {
		return nil, false, err
	}
	var out []phr.HIUArtefact
	pending := len(list) == 0
	for _, a := range list {
		switch {
		case a.ConsentRequestID != req.ID || !strings.EqualFold(a.Patient, req.Patient):
		case a.Status == "GRANTED":
			out = append(out, a)
		case a.Status == "FETCHING":
			pending = true
		}
	}
	return out, pending, nil
}

// viewApprove checks the PIN and grants the request for exactly the visit
// chosen, then asks for the data.
func (p *PHR) viewApprove(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	f := r.PostForm
	req, err := p.ownRequest(who, f.Get("request"))
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	if req.Status == "GRANTED" {
		redirect(w, r, viewURL(req.ID), "")
		return
	}
	links, err := p.cm.Links(who.ctx, who.token)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	fac, cc := visitOf(links, f.Get("hip"), f.Get("visit"))
	if cc == nil || fac.HIP.ID != req.HIPID || req.ConsentRequestID == "" || req.Status != "REQUESTED" {
		p.viewFail(w, r, v, notFoundErr(), nil)
		return
	}
	v.View = p.pinPage(r, fac, cc, req)
	tok, err := p.cm.VerifyPIN(who.ctx, who.token, f.Get("pin"), phr.ScopeApprove, req.ConsentRequestID)
	if err != nil {
		p.fail(w, r, "phr_view", v, err, pinErrors)
		return
	}
	grant := phr.Grant{HIP: phr.Ref{ID: fac.HIP.ID}, HITypes: req.HITypes,
		CareContexts: []phr.CareContextRef{{PatientReference: fac.ReferenceNumber, CareContextReference: cc.ReferenceNumber}}}
	if _, err := p.cm.Approve(who.ctx, who.token, tok, req.ConsentRequestID, []phr.Grant{grant}); err != nil {
		p.fail(w, r, "phr_view", v, err, map[string]string{arogya.EUNAUTHORIZED: "phr.pin.wrong"})
		return
	}
	// The HIU is told of the grant and fetches the artefact; then ask for
	// the data. If it is slow, the page does it when the artefact comes.
	deadline := time.Now().Add(viewWait)
	for time.Now().Before(deadline) {
		arts, _, err := p.ownArtefacts(who, req)
		if err == nil && len(arts) > 0 {
			t, err := p.hiu.RequestData(who.ctx, arts[0].ID)
			if err == nil {
				http.Redirect(w, r, viewURL(req.ID)+"?t="+url.QueryEscape(t.ID), http.StatusSeeOther)
				return
			}
			break
		}
		if !sleepCtx(who.ctx, 200*time.Millisecond) {
			break
		}
	}
	redirect(w, r, viewURL(req.ID), "")
}

// waitPage answers a page that reloads itself in a moment.
func (p *PHR) waitPage(w http.ResponseWriter, r *http.Request, v *phrView, vp *viewPage, msg string) {
	vp.Stage, vp.Waiting = "wait", msg
	v.View = vp
	w.Header().Set("Refresh", strconv.Itoa(viewRefresh)+"; url="+r.URL.RequestURI())
	p.render(w, r, http.StatusOK, "phr_view", v)
}

// viewShow follows the request: waiting for the grant, the artefact and
// the data, then the records that came.
func (p *PHR) viewShow(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	req, err := p.ownRequest(who, r.PathValue("id"))
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	vp := &viewPage{Request: req.ID, EraseAt: viewTime(req.DataEraseAt.Time), BackURL: "/abha/records"}
	switch req.Status {
	case "PENDING", "REQUESTED":
		p.waitPage(w, r, v, vp, "phrview.wait.consent")
		return
	case "GRANTED":
	default:
		vp.Stage, vp.Failed = "failed", "phrview.failed."+strings.ToLower(req.Status)
		if p.cat["phrview.failed."+strings.ToLower(req.Status)] == "" {
			vp.Failed = "phrview.failed.other"
		}
		v.View = vp
		p.render(w, r, http.StatusOK, "phr_view", v)
		return
	}
	arts, pending, err := p.ownArtefacts(who, req)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	if len(arts) == 0 {
		if pending {
			p.waitPage(w, r, v, vp, "phrview.wait.artefact")
			return
		}
		// revoked, expired or erased: nothing to show any more
		vp.Stage, vp.Failed = "failed", "phrview.failed.other"
		v.View = vp
		p.render(w, r, http.StatusOK, "phr_view", v)
		return
	}
	var recs []phr.HIURecord
	for _, a := range arts {
		rs, err := p.hiu.Records(who.ctx, a.ID)
		if err != nil {
			p.viewFail(w, r, v, err, nil)
			return
		}
		recs = append(recs, rs...)
	}
	tid, haveT := viewID(r.URL.Query().Get("t"))
	if haveT {
		t, err := p.hiu.Transfer(who.ctx, tid)
		mine := err == nil && slices.ContainsFunc(arts, func(a phr.HIUArtefact) bool { return a.ID == t.ConsentID })
		switch {
		case arogya.ErrorCode(err) == arogya.ENOTFOUND || err == nil && !mine:
			p.viewFail(w, r, v, notFoundErr(), nil)
			return
		case err != nil:
			p.viewFail(w, r, v, err, nil)
			return
		case t.Status == "REQUESTED" || t.Status == "ACKNOWLEDGED":
			p.waitPage(w, r, v, vp, "phrview.wait.data")
			return
		case t.Status != "TRANSFERRED" && len(recs) == 0:
			vp.Stage, vp.Failed = "failed", "phrview.failed.transfer"
			v.View = vp
			p.render(w, r, http.StatusOK, "phr_view", v)
			return
		}
	} else if len(recs) == 0 && len(arts) > 0 {
		t, err := p.hiu.RequestData(who.ctx, arts[0].ID)
		if err != nil {
			p.viewFail(w, r, v, err, nil)
			return
		}
		http.Redirect(w, r, viewURL(req.ID)+"?t="+url.QueryEscape(t.ID), http.StatusSeeOther)
		return
	}
	slices.SortStableFunc(recs, func(a, b phr.HIURecord) int { return b.Date.Compare(a.Date.Time) })
	for _, rc := range recs {
		kind, title := p.hiTypeLabelFor(r, rc.HIType), rc.Title
		if strings.EqualFold(strings.ReplaceAll(title, " ", ""), rc.HIType) || strings.EqualFold(title, kind) || strings.EqualFold(title, p.hiTypeLabel(rc.HIType)) {
			title = ""
		}
		vp.Records = append(vp.Records, viewRecord{URL: viewURL(req.ID) + "/" + url.PathEscape(rc.ID), Kind: kind, Title: title, Date: viewTime(rc.Date.Time)})
		if vp.Facility == "" {
			vp.Facility = cmp.Or(rc.HIPName, rc.HIPID)
		}
	}
	if vp.Facility == "" && len(arts) > 0 {
		vp.Facility = cmp.Or(arts[0].HIP.Name, arts[0].HIP.ID)
	}
	vp.Stage = "done"
	v.View = vp
	p.render(w, r, http.StatusOK, "phr_view", v)
}

// ownRecord returns the record the path names, if it came under the
// person's request, with its bundle; the caller clears the bundle.
func (p *PHR) ownRecord(who *person, r *http.Request) (*phr.HIUConsentRequest, *phr.HIURecord, []byte, error) {
	req, err := p.ownRequest(who, r.PathValue("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	rid, ok := viewID(r.PathValue("rid"))
	if !ok {
		return nil, nil, nil, notFoundErr()
	}
	arts, _, err := p.ownArtefacts(who, req)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, a := range arts {
		rs, err := p.hiu.Records(who.ctx, a.ID)
		if err != nil {
			return nil, nil, nil, err
		}
		for i := range rs {
			if rs[i].ID == rid && rs[i].ConsentID == a.ID {
				data, err := p.hiu.Record(who.ctx, rid)
				if err != nil {
					return nil, nil, nil, err
				}
				return req, &rs[i], data, nil
			}
		}
	}
	return nil, nil, nil, notFoundErr()
}

// viewRecord shows one record rendered for people.
func (p *PHR) viewRecord(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	req, rec, data, err := p.ownRecord(who, r)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	html, err := recordHTML(r, data)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	v.View = &viewPage{Stage: "record", Facility: cmp.Or(rec.HIPName, rec.HIPID), EraseAt: viewTime(rec.DataEraseAt.Time),
		FHIRURL: r.URL.Path + "/fhir", BackURL: viewURL(req.ID), Kind: p.hiTypeLabelFor(r, rec.HIType),
		HTML: html}
	p.render(w, r, http.StatusOK, "phr_view_record", v)
}

// viewFHIR serves the bundle as the HIP sent it, as a download no cache
// keeps.
func (p *PHR) viewFHIR(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	_, rec, data, err := p.ownRecord(who, r)
	if err != nil {
		p.viewFail(w, r, v, err, nil)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/fhir+json")
	w.Header().Set("Content-Disposition", `attachment; filename="record-`+safeName(rec.ID)+`.json"`)
	_, _ = w.Write(data)
	clear(data)
}

// viewTime is a time in India, digits only (no month names to translate).
func viewTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ist).Format("02-01-2006 15:04") + " IST"
}
