package web

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
)

// Link steps, in the form's "step" field.
const (
	linkSearch   = "search"   // find a facility by name
	linkDiscover = "discover" // ask a facility for the person's records
	linkInit     = "init"     // link the chosen visits: the facility sends an OTP
	linkConfirm  = "confirm"  // the OTP
)

// linkView is the linking page.
type linkView struct {
	Step       string
	Query      string
	Hits       []facilityHit
	Searched   bool
	CanSearch  bool
	HIPID      string
	HIPName    string
	TxnID      string
	PatientRef string
	Contexts   []option
	LinkRef    string
	Hint       string // masked mobile the OTP went to
}

// facilityHit is a facility a search found.
type facilityHit struct {
	ID, Name, Place string
}

// linkGet starts linking: a facility by search or by ID.
func (p *PHR) linkGet(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	v.Link = &linkView{Step: linkSearch, CanSearch: p.reg != nil}
	p.render(w, r, http.StatusOK, "phr_link", v)
}

// linkErrors are the words for a linking step the CM or HIP refused.
var linkErrors = map[string]string{
	arogya.ENOTFOUND:      "phr.link.notfound",
	arogya.EUNPROCESSABLE: "phr.link.refused",
}

// linkPost runs each linking step.
func (p *PHR) linkPost(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	f := r.PostForm
	lv := &linkView{Step: f.Get("step"), CanSearch: p.reg != nil, Query: strings.TrimSpace(f.Get("q")),
		HIPID: strings.ToUpper(strings.TrimSpace(f.Get("hip"))), HIPName: f.Get("hipName"),
		TxnID: f.Get("txn"), PatientRef: f.Get("patientRef"), LinkRef: f.Get("linkRef"), Hint: f.Get("hint")}
	v.Link = lv
	fail := func(step string, err error) {
		lv.Step = step
		if arogya.ErrorCode(err) == arogya.EUNAUTHORIZED && step != linkConfirm {
			p.fail(w, r, "phr_link", v, err, nil)
			return
		}
		specific := linkErrors
		if step == linkConfirm {
			specific = map[string]string{arogya.EUNAUTHORIZED: "phr.link.otp", arogya.EINVALID: "phr.link.otp", arogya.EGONE: "phr.link.expired"}
		}
		v.Error = p.errText(r, err, specific)
		p.render(w, r, errStatus(r, err), "phr_link", v)
	}
	switch lv.Step {
	case linkSearch:
		if p.reg == nil || len(lv.Query) < 2 || len(lv.Query) > 100 {
			fail(linkSearch, p.phrError(arogya.EINVALID))
			return
		}
		hits, err := p.reg.Facilities(who.ctx, lv.Query)
		if err != nil {
			fail(linkSearch, err)
			return
		}
		lv.Searched = true
		for _, h := range hits {
			lv.Hits = append(lv.Hits, facilityHit{ID: h.ID, Name: h.Name,
				Place: strings.Trim(cmp.Or(h.Address.City, h.Address.DistrictName)+", "+h.Address.StateName, ", ")})
		}
		p.render(w, r, http.StatusOK, "phr_link", v)
	case linkDiscover:
		if lv.HIPID == "" || len(lv.HIPID) > 64 {
			fail(linkSearch, p.phrError(arogya.EINVALID))
			return
		}
		d, err := p.cm.Discover(who.ctx, who.token, lv.HIPID)
		if err != nil {
			fail(linkSearch, err)
			return
		}
		p.showDiscovered(w, r, who, v, d)
	case linkInit:
		refs := f["cc"]
		if len(refs) == 0 {
			v.Error = p.catFor(r).text("phr.link.choose")
			d, err := p.cm.Discover(who.ctx, who.token, lv.HIPID)
			if err != nil {
				fail(linkSearch, err)
				return
			}
			p.showDiscovered(w, r, who, v, d)
			return
		}
		l, err := p.cm.LinkInit(who.ctx, who.token, lv.TxnID, lv.PatientRef, refs)
		if err != nil {
			fail(linkSearch, err)
			return
		}
		lv.Step, lv.LinkRef, lv.Hint = linkConfirm, l.ReferenceNumber, l.Meta.CommunicationHint
		p.render(w, r, http.StatusOK, "phr_link", v)
	case linkConfirm:
		if err := p.cm.LinkConfirm(who.ctx, who.token, lv.LinkRef, strings.TrimSpace(f.Get("otp"))); err != nil {
			fail(linkConfirm, err)
			return
		}
		redirect(w, r, "/abha/records", "phr.linked")
	default:
		fail(linkSearch, p.phrError(arogya.EINVALID))
	}
}

// showDiscovered offers the visits a facility found, those not yet
// linked chosen.
func (p *PHR) showDiscovered(w http.ResponseWriter, r *http.Request, who *person, v *phrView, d *phr.Discovery) {
	lv := v.Link
	lv.Step, lv.TxnID, lv.PatientRef = linkInit, d.TransactionID, d.Patient.ReferenceNumber
	linked := map[string]bool{}
	if links, err := p.cm.Links(who.ctx, who.token); err == nil {
		for _, f := range links {
			if strings.EqualFold(f.HIP.ID, lv.HIPID) {
				lv.HIPName = cmp.Or(lv.HIPName, f.HIP.Name)
				for _, cc := range f.CareContexts {
					linked[cc.ReferenceNumber] = true
				}
			}
		}
	}
	for _, cc := range d.Patient.CareContexts {
		lv.Contexts = append(lv.Contexts, option{Value: cc.ReferenceNumber, Label: cmp.Or(cc.Display, cc.ReferenceNumber),
			Selected: !linked[cc.ReferenceNumber], ID: map[bool]string{true: "linked"}[linked[cc.ReferenceNumber]]})
	}
	if len(lv.Contexts) == 0 {
		v.Error = p.catFor(r).text("phr.link.none")
		lv.Step = linkSearch
	}
	p.render(w, r, http.StatusOK, "phr_link", v)
}
